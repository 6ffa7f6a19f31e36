//! Key records for tests, and the sans-IO verifier driven over them.
//!
//! Zones are [`ZoneFile`]s: it reads the corpus' `.zone` format (`NAME TXT
//! "string" ...`, `NAME NXDOMAIN|SERVFAIL|TIMEOUT`, `#` comment lines) as
//! well as RFC 1035 master files, so tests need no reader of their own.

use dkim_core::{HeaderStatus, KeyAnswer, Now, Policy, SignatureResult, Step, Verifier};
use dkim_dns::ZoneFile;

/// A zone written in a test: the corpus format or a master file, where a
/// name without a final dot is absolute all the same (the origin is the
/// root).
///
/// ```
/// use dkim_dns::Lookup;
///
/// let zone = dkim_testkit::zone("sel._domainkey.example.com TXT \"v=DKIM1; p=\"\ngone._domainkey.example.com SERVFAIL\n");
/// assert!(matches!(zone.lookup("SEL._domainkey.example.com."), Lookup::Found(_)));
/// assert!(matches!(zone.lookup("gone._domainkey.example.com"), Lookup::TempFail(_)));
/// assert!(matches!(zone.lookup("other._domainkey.example.com"), Lookup::NoRecord(_)));
/// ```
///
/// # Panics
///
/// When the text does not parse (the message gives the line and column).
pub fn zone(text: &str) -> ZoneFile {
    ZoneFile::parse_with_origin(text, ".").unwrap_or_else(|e| panic!("test zone: {e}\n{text}"))
}

/// One zone line publishing `record` at `name`: the record split into
/// quoted strings of at most 255 bytes, `"` and `\` escaped.
///
/// ```
/// let record = format!("v=DKIM1; k=rsa; p={}", "A".repeat(400));
/// let line = dkim_testkit::txt_line("big._domainkey.example.com", &record);
/// assert_eq!(line.matches('"').count(), 4, "two strings");
/// let zone = dkim_testkit::zone(&line);
/// let (_, _, txt) = zone.txt_records().next().unwrap();
/// assert_eq!(txt.joined(), record.as_bytes());
/// ```
pub fn txt_line(name: &str, record: &str) -> String {
    let strings: Vec<String> = record
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c).replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{name} TXT {}\n", strings.join(" "))
}

/// The answer `zone` gives the verifier for `name`.
pub fn answer(zone: &ZoneFile, name: &str) -> KeyAnswer {
    zone.lookup(name).into()
}

/// Verifies `message` at time `now` fed in pieces of `chunk` bytes (`0`: whole), with
/// key requests answered from `zone` as soon as the header block is
/// complete (before the body: a result that needs no body must not wait
/// for it) and again after the body.
///
/// ```
/// use dkim_core::{Now, Policy};
///
/// let message = b"From: a@example.com\r\n\r\nhi\r\n";
/// let results = dkim_testkit::verify(message, &dkim_testkit::zone(""), Policy::default(), Now::unix(1_700_000_000), 3)?;
/// assert!(results.is_empty(), "no signature");
/// # Ok::<(), String>(())
/// ```
///
/// # Errors
///
/// The verifier's error (a malformed header block, ...) as text, or a
/// verifier that does not finish.
pub fn verify(
    message: &[u8],
    zone: &ZoneFile,
    policy: Policy,
    now: Now,
    chunk: usize,
) -> Result<Vec<SignatureResult>, String> {
    let mut v = Verifier::new(policy, now);
    let size = if chunk == 0 { message.len().max(1) } else { chunk };
    let mut pieces = message.chunks(size);
    let mut in_body = false;
    for piece in pieces.by_ref() {
        if let HeaderStatus::Complete(n) = v.headers(piece).map_err(|e| e.to_string())? {
            v.body(&piece[n..]);
            in_body = true;
            break;
        }
    }
    if in_body {
        answer_all(&mut v, zone);
        for piece in pieces {
            v.body(piece);
        }
    }
    v.finish().map_err(|e| e.to_string())?;
    answer_all(&mut v, zone);
    match v.step() {
        Step::Done => Ok(v.into_results()),
        other => Err(format!("verifier not done: {other:?}")),
    }
}

fn answer_all(v: &mut Verifier, zone: &ZoneFile) {
    while let Step::NeedKeys(requests) = v.step() {
        for r in requests {
            v.answer_key(r.id(), answer(zone, r.name()));
        }
    }
}
