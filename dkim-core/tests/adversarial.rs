//! The adversarial corpus: hostile messages and key records, each a named
//! case with the typed error or verdict it must produce, never a panic,
//! always within the limits and in bounded time (each case is timed against
//! `BOUND`). Every case is its own `#[test]`, so one runs alone:
//! `cargo test -p dkim-core --test adversarial -- --exact header_100k_fields`.
//!
//! The ARC cases (`arc_*`, at the end) run `verify_with_arc` on hostile
//! chains and check the exact `ArcResult` or `VerifyError`.
//!
//! DNS-level cases (answers with the wrong ID or name, CNAME loops,
//! truncation) are in `dkim-dns/tests/dns_client.rs`.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use dkim_core::arc::{ArcField, ArcFieldError, ArcReason, ArcResult, ChainStatus};
use dkim_core::crypto::KeyError;
use dkim_core::header::HeaderError;
use dkim_core::key_record::KeyRecordError;
use dkim_core::signature::SignatureError;
use dkim_core::tag_list::TagListErrorKind;
use dkim_core::{
    Ed25519SigningKey, HeaderStatus, KeyAnswer, KeyRequest, Limits, Now, Policy, PrivateKey, Reason, SignSession,
    SignatureResult, Signer, Step, TempFailCause, TxtRecord, Verdict, Verifier, VerifyError, verify_with_arc,
};

const NOW: u64 = 1_800_000_000;
const SEED: [u8; 32] = [7; 32];
/// Every case must finish within this (debug build, loaded machine).
const BOUND: Duration = Duration::from_secs(20);

fn key() -> PrivateKey {
    PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&SEED))
}

fn record() -> String {
    format!("v=DKIM1; k=ed25519; p={}", key().public_key_base64())
}

const MESSAGE: &[u8] = b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\
Date: Sat, 14 Nov 2026 10:00:00 +0000\r\n\r\nHello Bob,\r\nhow are you?\r\n";

fn signer() -> dkim_core::SignerBuilder<PrivateKey> {
    Signer::builder(key(), "example.com", "sel").timestamp(NOW - 60)
}

fn sign_with(message: &[u8], s: Signer<PrivateKey>) -> Vec<u8> {
    let mut session = SignSession::new(vec![s]);
    let HeaderStatus::Complete(n) = session.headers(message).unwrap() else { panic!("header") };
    session.body(&message[n..]);
    let mut out = session.finish().unwrap().concat().into_bytes();
    out.extend_from_slice(message);
    out
}

fn signed() -> Vec<u8> {
    sign_with(MESSAGE, signer().build().unwrap())
}

/// A message with a hand-written DKIM-Signature value (for syntax cases).
fn with_signature(tags: &str) -> Vec<u8> {
    let mut m = format!("DKIM-Signature: {tags}\r\n").into_bytes();
    m.extend_from_slice(MESSAGE);
    m
}

const BH: &str = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
const B: &str = "dGVzdA==";

/// A syntactically complete signature with `extra` appended or `replace`d tags.
fn tags(replace: &[(&str, &str)]) -> String {
    let mut t: Vec<(String, String)> = [
        ("v", "1"),
        ("a", "ed25519-sha256"),
        ("d", "example.com"),
        ("s", "sel"),
        ("h", "from:to:subject"),
        ("bh", BH),
        ("b", B),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in replace {
        match t.iter_mut().find(|(n, _)| n == k) {
            Some(slot) if v.is_empty() && *k != "b" && *k != "bh" => slot.1 = "\u{0}REMOVE".into(),
            Some(slot) => slot.1 = v.to_string(),
            None => t.push((k.to_string(), v.to_string())),
        }
    }
    t.iter().filter(|(_, v)| v != "\u{0}REMOVE").map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

enum Keys {
    /// The test key at every name.
    Good,
    /// These TXT records at every name.
    Records(Vec<TxtRecord>),
    NoRecord,
    TempFail,
}

struct Run {
    outcome: Result<Vec<SignatureResult>, VerifyError>,
    elapsed: Duration,
}

fn run(message: &[u8], keys: &Keys, policy: Policy, limits: Limits) -> Run {
    let started = Instant::now();
    let outcome = (|| {
        let mut v = Verifier::new(policy.limits(limits), NOW);
        let body_at = match v.headers(message)? {
            HeaderStatus::Complete(n) => Some(n),
            HeaderStatus::Partial => None,
        };
        while let Step::NeedKeys(requests) = v.step() {
            for r in requests {
                let answer = match keys {
                    Keys::Good => KeyAnswer::records(vec![TxtRecord::from_text(&record())]),
                    Keys::Records(r) => KeyAnswer::records(r.clone()),
                    Keys::NoRecord => KeyAnswer::NoRecord,
                    Keys::TempFail => KeyAnswer::TempFail(TempFailCause::Timeout),
                };
                v.answer_key(r.id(), answer);
            }
        }
        if let Some(n) = body_at {
            v.body(&message[n..]);
        }
        v.finish()?;
        Ok(v.into_results())
    })();
    Run { outcome, elapsed: started.elapsed() }
}

type Check = Box<dyn Fn(&Result<Vec<SignatureResult>, VerifyError>) -> bool>;

/// One hostile input and what it must give.
struct Case {
    message: Vec<u8>,
    keys: Keys,
    policy: Policy,
    limits: Limits,
    expect: &'static str,
    check: Check,
}

/// A case with the test key at every name, the default policy (the clock at `NOW`) and
/// the default limits.
fn case(message: Vec<u8>, expect: &'static str, check: Check) -> Case {
    Case { message, keys: Keys::Good, policy: Policy::default(), limits: Limits::default(), expect, check }
}

impl Case {
    fn keys(self, keys: Keys) -> Self {
        Self { keys, ..self }
    }

    fn policy(self, policy: Policy) -> Self {
        Self { policy, ..self }
    }

    fn limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }
}

/// Runs `case` and fails the test unless its check holds within [`BOUND`].
fn check(name: &str, case: Case) {
    let run = run(&case.message, &case.keys, case.policy, case.limits);
    let got = match &run.outcome {
        Ok(v) if v.is_empty() => "no signatures".to_string(),
        Ok(v) => format!("{} result(s), first: {} {:?}", v.len(), v[0].verdict(), v[0].reason()),
        Err(e) => format!("error {e:?}"),
    };
    println!("{name}: {got} in {:?}", run.elapsed);
    assert!((case.check)(&run.outcome), "{name}: want {}, got {got}", case.expect);
    assert!(run.elapsed <= BOUND, "{name}: took {:?}, more than {BOUND:?}", run.elapsed);
}

/// One `#[test]` per case, named after it (so `cargo test -p dkim-core
/// --test adversarial <name>` runs one), and [`CASES`], every name.
macro_rules! adversarial {
    ($($(#[$meta:meta])* $name:ident: $case:expr;)*) => {
        $(
            $(#[$meta])*
            #[test]
            fn $name() {
                check(stringify!($name), $case);
            }
        )*

        /// Every case's name.
        const CASES: &[&str] = &[$(stringify!($name)),*];
    };
}

fn first(r: &Result<Vec<SignatureResult>, VerifyError>) -> Option<&SignatureResult> {
    r.as_ref().ok().and_then(|v| v.first())
}

/// One signature with this verdict and a reason matching `f`.
fn verdict(v: Verdict, f: impl Fn(Option<&Reason>) -> bool + 'static) -> Check {
    Box::new(move |r| first(r).is_some_and(|s| s.verdict() == v && f(s.reason())))
}

fn sig_error(f: impl Fn(&SignatureError) -> bool + 'static) -> Check {
    verdict(Verdict::PermError, move |r| matches!(r, Some(Reason::Signature(e)) if f(e)))
}

fn key_error(f: impl Fn(&KeyRecordError) -> bool + 'static) -> Check {
    verdict(Verdict::PermError, move |r| matches!(r, Some(Reason::KeyRecord(e)) if f(e)))
}

fn header_error(f: impl Fn(&HeaderError) -> bool + 'static) -> Check {
    Box::new(move |r| matches!(r, Err(VerifyError::Header(e)) if f(e)))
}

fn pass() -> Check {
    verdict(Verdict::Pass, |r| r.is_none())
}

fn replace_once(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = hay.windows(from.len()).position(|w| w == from).unwrap_or_else(|| panic!("{:?} not found", from));
    let mut out = hay[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&hay[at + from.len()..]);
    out
}

/// A PKCS#1 RSAPublicKey with a `bits`-bit odd modulus (not a real key).
fn fake_rsa_spki(bits: usize) -> String {
    fn der_len(n: usize) -> Vec<u8> {
        if n < 128 {
            vec![n as u8]
        } else {
            let b = n.to_be_bytes();
            let skip = b.iter().position(|&x| x != 0).unwrap();
            let mut v = vec![0x80 | (b.len() - skip) as u8];
            v.extend_from_slice(&b[skip..]);
            v
        }
    }
    let mut modulus = vec![0x00, 0xC0];
    modulus.extend(std::iter::repeat_n(0xA5, bits / 8 - 2));
    modulus.push(0x01);
    let mut n = vec![0x02];
    n.extend(der_len(modulus.len()));
    n.extend(modulus);
    let e = [0x02, 0x03, 0x01, 0x00, 0x01];
    let mut seq = vec![0x30];
    seq.extend(der_len(n.len() + e.len()));
    seq.extend(n);
    seq.extend(e);
    Base64::encode_string(&seq)
}

/// The limits raised far enough for the message-size cases to pass the
/// header stage.
fn big_limits() -> Limits {
    Limits::default().max_header_bytes(64 << 20).max_header_fields(200_000)
}

/// A field with an `n`-byte value above a signed message.
fn long_field(n: usize) -> Vec<u8> {
    let mut m = b"X-Long: ".to_vec();
    m.extend(std::iter::repeat_n(b'a', n));
    m.extend_from_slice(b"\r\n");
    m.extend_from_slice(&signed());
    m
}

/// 100 000 fields above a signed message.
fn many_fields() -> Vec<u8> {
    let mut m = Vec::new();
    for _ in 0..100_000 {
        m.extend_from_slice(b"X: v\r\n");
    }
    m.extend_from_slice(&signed());
    m
}

/// `prefix` above a signed message.
fn above_signed(prefix: &[u8]) -> Vec<u8> {
    [prefix, &signed()].concat()
}

/// 10 000 copies of one valid signature field above the message.
fn many_signatures() -> Vec<u8> {
    let one = signed();
    let sig_field = &one[..one.windows(6).position(|w| w == b"\r\nFrom").unwrap() + 2];
    let mut m = Vec::new();
    for _ in 0..10_000 {
        m.extend_from_slice(sig_field);
    }
    m.extend_from_slice(MESSAGE);
    m
}

/// A signature without the tag `tag`.
fn missing(tag: &'static str, expect: &'static str) -> Case {
    let text = tags(&[]).split("; ").filter(|t| !t.starts_with(&format!("{tag}="))).collect::<Vec<_>>().join("; ");
    case(with_signature(&text), expect, sig_error(move |e| matches!(e, SignatureError::MissingTag(t) if *t == tag)))
}

/// The message signed with `l=`.
/// Signed with `l=`, Content-Type among the signed fields (absent here, so
/// signed as empty: one added later breaks the signature).
fn l_signed() -> Vec<u8> {
    let headers = ["from", "to", "subject", "date", "content-type"];
    sign_with(MESSAGE, signer().headers(headers).body_length(true).build().unwrap())
}

/// [`l_signed`] with a MIME part appended below the signed body (the 2024
/// attack on `l=`).
fn l_signed_with_appended_part() -> Vec<u8> {
    [l_signed().as_slice(), b"--b\r\nContent-Type: text/html\r\n\r\n<h1>Pay here</h1>\r\n"].concat()
}

/// Signed with `h=from:to:subject` (no oversigning), then `field` put on top.
fn with_unsigned_instance(field: &[u8]) -> Vec<u8> {
    let signed = sign_with(MESSAGE, signer().headers(["from", "to", "subject"]).build().unwrap());
    [field, signed.as_slice()].concat()
}

/// [`l_signed`] with `l=` 1000 bytes beyond the body.
fn l_beyond_the_body_message() -> Vec<u8> {
    let text = String::from_utf8_lossy(&l_signed()).to_string();
    let l: u64 = text.split("l=").nth(1).unwrap().split(';').next().unwrap().trim().parse().unwrap();
    text.replacen(&format!("l={l};"), &format!("l={};", l + 1000), 1).into_bytes()
}

/// The signed message, with these TXT records (one string each) at every name.
fn with_keys(records: &[&str], expect: &'static str, check: Check) -> Case {
    case(signed(), expect, check).keys(Keys::Records(records.iter().map(|r| TxtRecord::from_text(r)).collect()))
}

const OTHER_ED25519_RECORD: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fn none() -> Check {
    Box::new(|r| matches!(r, Ok(v) if v.is_empty()))
}

adversarial! {
    // --- Header framing ---------------------------------------------------
    header_line_1mb_within_limit: case(long_field(1_000_000), "pass", pass());
    header_line_2mb_over_limit: case(
        long_field(2_000_000),
        "HeaderError::TooLarge",
        header_error(|e| matches!(e, HeaderError::TooLarge { .. })),
    );
    header_100k_fields: case(
        many_fields(),
        "HeaderError::TooManyFields",
        header_error(|e| matches!(e, HeaderError::TooManyFields { .. })),
    );
    /// With the limits raised, the signature (below the extra fields) still passes.
    header_100k_fields_raised_limits: case(many_fields(), "pass", pass()).limits(big_limits());
    header_without_colon: case(
        above_signed(b"Not a header line\r\n"),
        "HeaderError::MissingColon",
        header_error(|e| matches!(e, HeaderError::MissingColon { .. })),
    );
    message_starts_with_folded_line: case(
        above_signed(b" folded\r\n"),
        "HeaderError::LeadingContinuation",
        header_error(|e| matches!(e, HeaderError::LeadingContinuation)),
    );
    field_name_with_space: case(
        above_signed(b"Bad Name: x\r\n"),
        "HeaderError::InvalidFieldName",
        header_error(|e| matches!(e, HeaderError::InvalidFieldName { .. })),
    );
    nul_in_field_name: case(
        above_signed(b"X-\0: x\r\n"),
        "HeaderError::InvalidFieldName",
        header_error(|e| matches!(e, HeaderError::InvalidFieldName { .. })),
    );
    /// Not a message: one rule for empty input and for input without a
    /// header field.
    empty_input: case(Vec::new(), "HeaderError::Empty", header_error(|e| matches!(e, HeaderError::Empty)));
    input_starting_with_the_empty_line: case(
        b"\r\nHello\r\n".to_vec(),
        "HeaderError::Empty",
        header_error(|e| matches!(e, HeaderError::Empty)),
    );
    /// Unix line ends without NormalizeLf: an error that says so.
    lf_line_ends_without_normalize_lf: case(
        String::from_utf8_lossy(&signed()).replace("\r\n", "\n").into_bytes(),
        "HeaderError::BareLineFeeds",
        header_error(|e| matches!(e, HeaderError::BareLineFeeds)),
    );
    header_only_no_body: case(b"From: a@example.com\r\nSubject: x\r\n".to_vec(), "no signature (none)", none());

    // --- Hostile bytes in signed content -----------------------------------
    nul_and_8bit_in_signed_header: case(
        sign_with(
            b"From: Alice <alice@example.com>\r\nSubject: nul\0byte and \xff\xfe 8-bit\r\n\r\nbody\r\n",
            signer().build().unwrap(),
        ),
        "pass",
        pass(),
    );
    bare_cr_and_lf_are_data: case(sign_with(BARE_CR, signer().build().unwrap()), "pass", pass());
    bare_cr_turned_into_crlf_fails: case(
        replace_once(&sign_with(BARE_CR, signer().build().unwrap()), b"line\rwith", b"line\r\nwith"),
        "fail: BodyHashMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::BodyHashMismatch)),
    );
    ten_mb_of_trailing_empty_lines: case(
        [signed(), b"\r\n".repeat(5_000_000)].concat(),
        "pass",
        pass(),
    );
    body_changed: case(
        replace_once(&signed(), b"how are you?", b"how are you!"),
        "fail: BodyHashMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::BodyHashMismatch)),
    );
    signed_header_changed: case(
        replace_once(&signed(), b"Subject: hello", b"Subject: HELLO"),
        "fail: SignatureMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::SignatureMismatch)),
    );
    unsigned_message: case(MESSAGE.to_vec(), "no signature (none)", none());

    // --- Many signatures ---------------------------------------------------
    ten_thousand_signatures: case(
        many_signatures(),
        "10 000 results: the first 16 pass, the rest TooManySignatures",
        Box::new(|r| {
            r.as_ref().is_ok_and(|v| {
                v.len() == 10_000
                    && v[..16].iter().all(|s| s.verdict() == Verdict::Pass)
                    && v[16..].iter().all(|s| matches!(s.reason(), Some(Reason::TooManySignatures { .. })))
            })
        }),
    )
    .limits(big_limits());

    // --- DKIM-Signature syntax ---------------------------------------------
    h_with_4096_entries: case(
        with_signature(&tags(&[("h", &format!("from{}", ":f".repeat(4095)))])),
        "TooManySignedHeaders",
        sig_error(|e| matches!(e, SignatureError::TooManySignedHeaders { .. })),
    );
    h_over_the_tag_value_limit: case(
        with_signature(&tags(&[("h", &vec!["from"; 4096].join(":"))])),
        "TagList ValueTooLong on h",
        sig_error(|e| matches!(e, SignatureError::TagList(t) if t.kind() == TagListErrorKind::ValueTooLong)),
    );
    l_with_80_digits: case(
        with_signature(&tags(&[("l", &"9".repeat(80))])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    );
    t_overflowing: case(
        with_signature(&tags(&[("t", "99999999999999999999999")])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    );
    x_overflowing: case(
        with_signature(&tags(&[("t", "1"), ("x", "184467440737095516160")])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    );
    x_before_t: case(
        with_signature(&tags(&[("t", "2000"), ("x", "1000")])),
        "ExpirationBeforeTimestamp",
        sig_error(|e| matches!(e, SignatureError::ExpirationBeforeTimestamp { .. })),
    );
    negative_l: case(
        with_signature(&tags(&[("l", "-5")])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    );
    truncated_base64_b: case(
        with_signature(&tags(&[("b", "dGVzd")])),
        "InvalidBase64",
        sig_error(|e| matches!(e, SignatureError::InvalidBase64 { .. })),
    );
    non_canonical_base64_b: case(
        with_signature(&tags(&[("b", "dGVzdB==")])),
        "InvalidBase64",
        sig_error(|e| matches!(e, SignatureError::InvalidBase64 { .. })),
    );
    garbage_in_bh: case(
        with_signature(&tags(&[("bh", "!!notbase64!!")])),
        "InvalidBase64",
        sig_error(|e| matches!(e, SignatureError::InvalidBase64 { .. })),
    );
    duplicate_tag: case(
        with_signature(&format!("{}; d=evil.example", tags(&[]))),
        "TagList DuplicateTag",
        sig_error(|e| matches!(e, SignatureError::TagList(t) if t.kind() == TagListErrorKind::DuplicateTag)),
    );
    empty_tag_spec: case(
        with_signature(&tags(&[]).replace("; s=sel", "; ; s=sel")),
        "TagList EmptyTagSpec",
        sig_error(|e| matches!(e, SignatureError::TagList(_))),
    );
    tag_without_equals: case(
        with_signature(&format!("{}; novalue", tags(&[]))),
        "TagList ExpectedEquals",
        sig_error(|e| matches!(e, SignatureError::TagList(_))),
    );
    control_byte_in_tag_list: case(
        with_signature(&tags(&[]).replace("; s=sel", "; s=s\u{1}el")),
        "TagList error",
        sig_error(|e| matches!(e, SignatureError::TagList(_) | SignatureError::InvalidSelector(_))),
    );
    tag_value_over_limit: case(
        with_signature(&tags(&[("z", &"a".repeat(20_000))])),
        "TagList ValueTooLong",
        sig_error(|e| matches!(e, SignatureError::TagList(_))),
    );
    missing_b: missing("b", "MissingTag(b)");
    missing_bh: missing("bh", "MissingTag(bh)");
    missing_d: missing("d", "MissingTag(d)");
    missing_s: missing("s", "MissingTag(s)");
    missing_h: missing("h", "MissingTag(h)");
    missing_a: missing("a", "MissingTag(a)");
    missing_v: missing("v", "MissingTag(v)");
    empty_b: case(
        with_signature(&tags(&[("b", "")])),
        "EmptyTag(b)",
        sig_error(|e| matches!(e, SignatureError::EmptyTag("b") | SignatureError::MissingTag("b"))),
    );
    version_2: case(
        with_signature(&tags(&[("v", "2")])),
        "UnsupportedVersion",
        sig_error(|e| matches!(e, SignatureError::UnsupportedVersion(_))),
    );
    algorithm_rsa_md5: case(
        with_signature(&tags(&[("a", "rsa-md5")])),
        "UnsupportedAlgorithm",
        sig_error(|e| matches!(e, SignatureError::UnsupportedAlgorithm(_))),
    );
    canonicalization_fancy: case(
        with_signature(&tags(&[("c", "fancy/simple")])),
        "UnsupportedCanonicalization",
        sig_error(|e| matches!(e, SignatureError::UnsupportedCanonicalization(_))),
    );
    query_method_http: case(
        with_signature(&tags(&[("q", "http/get")])),
        "UnsupportedQueryMethod",
        sig_error(|e| matches!(e, SignatureError::UnsupportedQueryMethod(_))),
    );
    domain_with_space: case(
        with_signature(&tags(&[("d", "exa mple.com")])),
        "InvalidDomain",
        sig_error(|e| matches!(e, SignatureError::InvalidDomain(_))),
    );
    domain_with_crlf_injection: case(
        with_signature(&tags(&[("d", "example.com\r\n\tX-Evil: 1")])),
        "InvalidDomain",
        sig_error(|e| matches!(e, SignatureError::InvalidDomain(_))),
    );
    selector_with_slash: case(
        with_signature(&tags(&[("s", "a/b")])),
        "InvalidSelector",
        sig_error(|e| matches!(e, SignatureError::InvalidSelector(_))),
    );
    identity_outside_domain: case(
        with_signature(&tags(&[("i", "joe@evil.example")])),
        "IdentityOutsideDomain",
        sig_error(|e| matches!(e, SignatureError::IdentityOutsideDomain { .. })),
    );
    from_not_signed: case(
        with_signature(&tags(&[("h", "to:subject")])),
        "FromNotSigned",
        sig_error(|e| matches!(e, SignatureError::FromNotSigned)),
    );
    invalid_utf8_in_signature: case(
        [b"DKIM-Signature: v=1; d=\xff\xfe; s=x\r\n".as_slice(), MESSAGE].concat(),
        "permerror (syntax)",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::Signature(_)))),
    );

    // --- Body length --------------------------------------------------------
    /// RFC 6376 6.1.3: an l= larger than the body makes the signature fail.
    l_beyond_the_body: case(
        l_beyond_the_body_message(),
        "fail BodyLengthExceedsBody",
        verdict(Verdict::Fail, |r| matches!(r, Some(Reason::BodyLengthExceedsBody { .. }))),
    );
    l_equal_to_the_body_passes: case(l_signed(), "pass", pass());
    content_after_l_is_policy: case(
        l_signed_with_appended_part(),
        "policy UnsignedBodyContent { bytes: 51 }",
        verdict(Verdict::Policy, |r| r == Some(&Reason::UnsignedBodyContent { bytes: 51 })),
    );
    content_after_l_passes_with_the_danger_option: case(l_signed_with_appended_part(), "pass", pass())
        .policy(Policy::default().danger_allow_unsigned_body(true));
    l_without_content_type_is_policy: case(
        sign_with(MESSAGE, signer().body_length(true).build().unwrap()),
        "policy BodyLengthWithoutContentType",
        verdict(Verdict::Policy, |r| r == Some(&Reason::BodyLengthWithoutContentType)),
    );

    // --- Header injection ("Composition Kills") -----------------------------
    second_from_above_the_signed_one: case(
        with_unsigned_instance(b"From: Mallory <ceo@example.com>\r\n"),
        "policy UnsignedHeaderInstance From 2/1",
        verdict(Verdict::Policy, |r| {
            r == Some(&Reason::UnsignedHeaderInstance { field: "From".into(), present: 2, signed: 1 })
        }),
    );
    second_subject_above_the_signed_one: case(
        with_unsigned_instance(b"Subject: urgent: wire the money\r\n"),
        "policy UnsignedHeaderInstance Subject 2/1",
        verdict(Verdict::Policy, |r| {
            r == Some(&Reason::UnsignedHeaderInstance { field: "Subject".into(), present: 2, signed: 1 })
        }),
    );
    /// A field the signature does not sign at all is not its business.
    second_cc_unsigned_is_not_checked: case(with_unsigned_instance(b"Cc: a@example.org\r\nCc: b@example.org\r\n"), "pass", pass());
    /// Oversigned (the default): the extra From breaks the signature instead.
    second_from_against_oversigning_fails: case(
        [b"From: Mallory <ceo@example.com>\r\n".as_slice(), signed().as_slice()].concat(),
        "fail SignatureMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::SignatureMismatch)),
    );
    second_from_with_the_check_off: case(with_unsigned_instance(b"From: Mallory <ceo@example.com>\r\n"), "pass", pass())
        .policy(Policy::default().single_instance_fields::<[&str; 0]>([]));
    l_refused_by_policy: case(
        l_signed(),
        "policy BodyLengthRefused",
        verdict(Verdict::Policy, |r| r == Some(&Reason::BodyLengthRefused)),
    )
    .policy(Policy::default().accept_body_length(false));

    // --- Time ---------------------------------------------------------------
    expired: case(
        sign_with(MESSAGE, signer().timestamp(NOW - 7200).expiration(NOW - 3600).build().unwrap()),
        "permerror Expired",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::Expired { .. }))),
    );
    timestamp_in_future: case(
        sign_with(MESSAGE, Signer::builder(key(), "example.com", "sel").timestamp(NOW + 86_400).build().unwrap()),
        "permerror TimestampInFuture",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::TimestampInFuture { .. }))),
    );

    // --- Key records ----------------------------------------------------------
    key_record_64kib: with_keys(
        &[&format!("v=DKIM1; k=ed25519; n={}; p={}", "x".repeat(64 * 1024), key().public_key_base64())],
        "KeyRecord TooLarge",
        key_error(|e| matches!(e, KeyRecordError::TooLarge { .. })),
    );
    key_p_not_a_key: with_keys(
        &["v=DKIM1; k=rsa; p=SGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGEga2V5"],
        "KeyRecord Key(NotAKey)",
        key_error(|e| matches!(e, KeyRecordError::Key(KeyError::NotAKey))),
    );
    key_p_not_base64: with_keys(
        &["v=DKIM1; k=ed25519; p=!!!"],
        "KeyRecord InvalidBase64",
        key_error(|e| matches!(e, KeyRecordError::InvalidBase64)),
    );
    key_ed25519_31_bytes: with_keys(
        &[&format!("v=DKIM1; k=ed25519; p={}", Base64::encode_string(&[1u8; 31]))],
        "Key(Ed25519Length(31))",
        key_error(|e| matches!(e, KeyRecordError::Key(KeyError::Ed25519Length(31)))),
    );
    key_rsa_16384_bits: with_keys(
        &[&format!("v=DKIM1; k=rsa; p={}", fake_rsa_spki(16_384))],
        "KeyRecord Key(RsaTooLarge) or TooLarge, fast",
        key_error(|e| matches!(e, KeyRecordError::Key(KeyError::RsaTooLarge { .. }) | KeyRecordError::TooLarge { .. })),
    )
    .limits(Limits::default().max_key_record_bytes(64 * 1024));
    key_revoked: with_keys(
        &["v=DKIM1; k=ed25519; p="],
        "permerror KeyRevoked",
        verdict(Verdict::PermError, |r| r == Some(&Reason::KeyRevoked)),
    );
    key_version_2: with_keys(
        &[&record().replace("DKIM1", "DKIM2")],
        "KeyRecord UnsupportedVersion",
        key_error(|e| matches!(e, KeyRecordError::UnsupportedVersion(_))),
    );
    key_version_not_first: with_keys(
        &[&format!("k=ed25519; v=DKIM1; p={}", key().public_key_base64())],
        "KeyRecord VersionNotFirst",
        key_error(|e| matches!(e, KeyRecordError::VersionNotFirst)),
    );
    key_unknown_type: with_keys(
        &[&record().replace("k=ed25519", "k=foo")],
        "KeyRecord UnknownKeyType",
        key_error(|e| matches!(e, KeyRecordError::UnknownKeyType(_))),
    );
    key_missing_p: with_keys(
        &["v=DKIM1; k=ed25519"],
        "KeyRecord MissingKey",
        key_error(|e| matches!(e, KeyRecordError::MissingKey)),
    );
    key_duplicate_tag: with_keys(
        &[&format!("{}; k=rsa", record())],
        "KeyRecord TagList(DuplicateTag)",
        key_error(|e| matches!(e, KeyRecordError::TagList(_))),
    );
    key_type_mismatch: with_keys(
        &[&record().replace("k=ed25519", "k=rsa")],
        "KeyTypeMismatch (or a key error)",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::KeyTypeMismatch { .. } | Reason::KeyRecord(_)))),
    );
    key_hash_sha1_only: with_keys(
        &[&record().replace("k=ed25519", "k=ed25519; h=sha1")],
        "KeyHashMismatch",
        verdict(Verdict::PermError, |r| r == Some(&Reason::KeyHashMismatch)),
    );
    key_service_chat: with_keys(
        &[&record().replace("k=ed25519", "k=ed25519; s=chat")],
        "KeyServiceMismatch",
        verdict(Verdict::PermError, |r| r == Some(&Reason::KeyServiceMismatch)),
    );
    two_different_key_records: with_keys(
        &[&record(), OTHER_ED25519_RECORD],
        "AmbiguousKeyRecords",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::AmbiguousKeyRecords { .. }))),
    );
    key_record_plus_spf_record: with_keys(&["v=spf1 -all", &record()], "pass (the DKIM record counts)", pass());
    other_key_published: with_keys(
        &[OTHER_ED25519_RECORD],
        "fail SignatureMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::SignatureMismatch)),
    );
    record_in_many_small_strings: case(signed(), "pass (strings joined without spaces)", pass())
        .keys(Keys::Records(vec![TxtRecord::new(record().as_bytes().chunks(7).map(<[u8]>::to_vec).collect())]));
    oversized_txt_record: case(
        signed(),
        "KeyRecord TooLarge",
        key_error(|e| matches!(e, KeyRecordError::TooLarge { .. })),
    )
    .keys(Keys::Records(vec![TxtRecord::new(vec![vec![b'a'; 255]; 400])]));
    no_key_record: case(signed(), "permerror NoRecord", verdict(Verdict::PermError, |r| r == Some(&Reason::NoRecord { name: "sel._domainkey.example.com".into() })))
        .keys(Keys::NoRecord);
    key_lookup_temporary_failure: case(
        signed(),
        "temperror TempFail",
        verdict(Verdict::TempError, |r| {
            r == Some(&Reason::TempFail { name: "sel._domainkey.example.com".into(), cause: TempFailCause::Timeout })
        }),
    )
    .keys(Keys::TempFail);
    empty_txt_record: case(signed(), "permerror (no usable key)", verdict(Verdict::PermError, |_| true))
        .keys(Keys::Records(vec![TxtRecord::new(vec![Vec::new()])]));
}

/// A body and a header with bare CR and bare LF in them.
const BARE_CR: &[u8] = b"From: alice@example.com\r\nSubject: bare\rcr\r\n\r\nline\rwith bare CR\r\nand bare\nLF\r\n";

#[test]
fn at_least_50_named_cases() {
    assert!(CASES.len() >= 50, "at least 50 named cases, have {}", CASES.len());
    let names: std::collections::BTreeSet<&str> = CASES.iter().copied().collect();
    assert_eq!(names.len(), CASES.len(), "case names are unique");
}

/// `SignatureResult::domain` and `selector` name the signer whichever way the
/// field fails: a signature that parses (from the signature), one whose tag
/// list parses but which breaks a rule (from the tag list), one whose tag
/// list fails the value limit (from a loose parse), and one past the
/// signature limit.
#[test]
fn results_name_domain_and_selector_on_every_path() {
    let now = || Policy::default();
    let cases: [(&str, Vec<u8>, Policy, Limits); 4] = [
        ("parses", signed(), now(), Limits::default()),
        ("From not signed", with_signature(&tags(&[("h", "to:subject")])), now(), Limits::default()),
        // bh= is over the value limit: only the loose parse reads the list.
        ("value too long", signed(), now(), Limits::default().max_tag_value_bytes(40)),
        ("over the limit", signed(), now().max_signatures(0), Limits::default()),
    ];
    for (what, message, policy, limits) in cases {
        let results = run(&message, &Keys::Good, policy, limits).outcome.unwrap();
        let r = &results[0];
        assert_eq!(r.signature().is_some(), what == "parses", "{what}");
        assert_eq!(r.domain(), Some("example.com"), "{what}");
        assert_eq!(r.selector(), Some("sel"), "{what}");
    }
}

// --- ARC (RFC 8617) ---------------------------------------------------------
//
// Hostile ARC chains through `verify_with_arc`, each its own `#[test]`
// timed against `BOUND`, each with the exact `ArcResult` (or
// `VerifyError`) it must give. Keys: the example RSA key at
// `2026rsa._domainkey.example.com`, as `tests/arc.rs` (the dkimpy chains of
// `tests/data/arc` are sealed with it).

/// After the dkimpy chains' timestamps.
const ARC_NOW: u64 = 1_767_300_000;

type ArcOutcome = Result<(Vec<SignatureResult>, ArcResult), VerifyError>;

fn arc_data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/arc").join(name);
    std::fs::read_to_string(path).unwrap()
}

fn arc_lookup(r: &KeyRequest) -> KeyAnswer {
    match r.name() {
        "2026rsa._domainkey.example.com" => {
            let pem =
                std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/rsa2048.pem"));
            KeyAnswer::text(PrivateKey::from_pem(&pem.unwrap()).unwrap().dns_record().text())
        }
        _ => KeyAnswer::NoRecord,
    }
}

/// Runs `message` through `verify_with_arc` with `limits`; fails unless
/// `check` holds on the outcome and the number of key lookups, within
/// [`BOUND`].
fn check_arc(name: &str, message: &[u8], limits: Limits, expect: &str, check: impl Fn(&ArcOutcome, usize) -> bool) {
    let started = Instant::now();
    let mut asked = 0;
    let outcome = verify_with_arc(message, &Policy::default().limits(limits), Now::unix(ARC_NOW), |r| {
        asked += 1;
        arc_lookup(r)
    });
    let elapsed = started.elapsed();
    let got = match &outcome {
        Ok((_, arc)) => format!(
            "{} n={} oldest={:?} {:?} ({asked} lookups)",
            arc.status(),
            arc.instances(),
            arc.oldest_pass(),
            arc.reason()
        ),
        Err(e) => format!("error {e:?}"),
    };
    println!("{name}: {got} in {elapsed:?}");
    assert!(check(&outcome, asked), "{name}: want {expect}, got {got}");
    assert!(elapsed <= BOUND, "{name}: took {elapsed:?}, more than {BOUND:?}");
}

/// A failed chain with exactly this reason.
fn arc_fail(outcome: &ArcOutcome, reason: &ArcReason) -> bool {
    matches!(outcome, Ok((_, arc)) if arc.status() == ChainStatus::Fail && arc.reason() == Some(reason))
}

/// One set of syntactically complete ARC fields (the signatures are not
/// real), newest field first as a sealer writes them.
fn fake_set(i: u32) -> String {
    let cv = if i == 1 { "none" } else { "pass" };
    format!(
        "ARC-Seal: i={i}; cv={cv}; a=rsa-sha256; d=example.com; s=2026rsa; t=1767225601; b=AAAA\r\n\
         ARC-Message-Signature: i={i}; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=2026rsa;\r\n \
         h=from : to : subject; bh=AAAA; b=AAAA\r\n\
         ARC-Authentication-Results: i={i}; hop{i}.example; spf=pass smtp.mailfrom=example.com\r\n"
    )
}

const ARC_BASE: &str = "From: Joe <joe@example.com>\r\nTo: list@lists.example.net\r\nSubject: ARC test\r\n\r\nHi\r\n";

/// `chain1.eml` with `n` bytes of comment in its AAR (which the seal signs).
fn chain1_with_big_aar(n: usize) -> Vec<u8> {
    let pad = format!("i=1; hop1.example; ({})", "a".repeat(n));
    arc_data("chain1.eml").replacen("i=1; hop1.example;", &pad, 1).into_bytes()
}

/// `chain1.eml` under a second, forged `ARC-Seal` whose `b=` is `n` bytes.
fn chain1_with_big_seal(n: usize) -> Vec<u8> {
    let seal = format!("ARC-Seal: i=2; cv=pass; a=rsa-sha256; d=example.com; s=2026rsa; b={}\r\n", "A".repeat(n));
    [seal, arc_data("chain1.eml")].concat().into_bytes()
}

/// The header fields of `message` (folding kept, each with its CRLF) and
/// the rest from the empty line on.
fn split_fields(message: &str) -> (Vec<String>, String) {
    let end = message.find("\r\n\r\n").unwrap() + 2;
    let mut fields: Vec<String> = Vec::new();
    for line in message[..end].split_inclusive("\r\n") {
        match fields.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => fields.push(line.to_string()),
        }
    }
    (fields, message[end..].to_string())
}

/// A 51-set chain: i=51 down to 1, every field complete-looking. The form
/// check stops at the first field (i=51 is over the limit): no key is asked for.
#[test]
fn arc_51_sets() {
    let sets: String = (1..=51).rev().map(fake_set).collect();
    check_arc(
        "arc_51_sets",
        format!("{sets}{ARC_BASE}").as_bytes(),
        Limits::default(),
        "fail TooManyInstances { found: 51 }, no lookups",
        |o, asked| arc_fail(o, &ArcReason::TooManyInstances { found: 51 }) && asked == 0,
    );
}

/// The same 51 sets oldest first: the count (more than 3 x 50 ARC fields)
/// stops it before set 51 is read, with the same reason.
#[test]
fn arc_51_sets_oldest_first() {
    let sets: String = (1..=51).map(fake_set).collect();
    check_arc(
        "arc_51_sets_oldest_first",
        format!("{sets}{ARC_BASE}").as_bytes(),
        Limits::default(),
        "fail TooManyInstances { found: 51 }, no lookups",
        |o, asked| arc_fail(o, &ArcReason::TooManyInstances { found: 51 }) && asked == 0,
    );
}

/// A 1 MiB AAR: the header block is over the default 1 MiB limit, so the
/// header stage refuses the message before ARC runs.
#[test]
fn arc_aar_1mib() {
    check_arc("arc_aar_1mib", &chain1_with_big_aar(1 << 20), Limits::default(), "HeaderError::TooLarge", |o, _| {
        matches!(o, Err(VerifyError::Header(HeaderError::TooLarge { limit: 1_048_576 })))
    });
}

/// A 1 000 000-byte AAR, within the header limit (AARs have no tag-value
/// limit: they are not tag lists): it parses, and the seal over the
/// changed AAR fails.
#[test]
fn arc_aar_1mb_within_limit() {
    check_arc(
        "arc_aar_1mb_within_limit",
        &chain1_with_big_aar(1_000_000),
        Limits::default(),
        "fail Seal { instance: 1, SignatureMismatch }",
        |o, _| arc_fail(o, &ArcReason::Seal { instance: 1, reason: Reason::SignatureMismatch }),
    );
}

/// A 1 MiB ARC-Seal: over the header limit as well.
#[test]
fn arc_seal_1mib() {
    check_arc("arc_seal_1mib", &chain1_with_big_seal(1 << 20), Limits::default(), "HeaderError::TooLarge", |o, _| {
        matches!(o, Err(VerifyError::Header(HeaderError::TooLarge { limit: 1_048_576 })))
    });
}

/// The 1 MiB ARC-Seal with the header limits raised: its `b=` is over the
/// tag-value limit (16 KiB), a malformed seal of set 2, and no key lookup.
#[test]
fn arc_seal_1mib_raised_header_limits() {
    check_arc(
        "arc_seal_1mib_raised_header_limits",
        &chain1_with_big_seal(1 << 20),
        big_limits(),
        "fail Malformed { Some(2), Seal, TagList(ValueTooLong) }",
        |o, asked| {
            asked == 0
                && matches!(o, Ok((_, arc)) if arc.status() == ChainStatus::Fail && matches!(
                    arc.reason(),
                    Some(ArcReason::Malformed { instance: Some(2), field: ArcField::Seal, error: ArcFieldError::TagList(e) })
                        if e.kind() == TagListErrorKind::ValueTooLong
                ))
        },
    );
}

/// `chain2.eml` with set 1's three fields moved above set 2's. RFC 8617
/// groups the fields of a set by their `i=` (section 4.2.1), not by where
/// they are in the header; section 5.2 step 1 collects the sets and the
/// seals sign the sets in instance order (section 5.1.1), whatever the
/// field order; and section 5.2 makes the chain fail only for form errors
/// (a missing, duplicate or out-of-range instance, a wrong `cv=`) or a
/// failing signature, none of which a reordering causes. dkimpy's sealed
/// chain therefore still passes, with every AMS valid.
#[test]
fn arc_sets_out_of_order() {
    let (fields, rest) = split_fields(&arc_data("chain2.eml"));
    let set1 = |f: &String| f.starts_with("ARC-") && f.contains(": i=1;");
    let mut reordered: String = fields.iter().filter(|f| set1(f)).cloned().collect();
    reordered.extend(fields.iter().filter(|f| !set1(f)).cloned());
    reordered.push_str(&rest);
    assert!(reordered.starts_with("ARC-Seal: i=1;"));
    assert_eq!(reordered.len(), arc_data("chain2.eml").len());
    check_arc(
        "arc_sets_out_of_order",
        reordered.as_bytes(),
        Limits::default(),
        "pass, 2 instances, oldest pass 1",
        |o, _| {
            matches!(o, Ok((_, arc)) if arc.status() == ChainStatus::Pass
                && (arc.instances(), arc.oldest_pass(), arc.reason()) == (2, Some(1), None)
                && arc.sets().iter().all(|s| s.seal_valid() == Some(true) && s.message_signature_valid() == Some(true)))
        },
    );
}

/// 150 ARC fields all saying i=1 (50 complete-looking sets of one
/// instance): the first repeated field is a duplicate; no key lookup.
#[test]
fn arc_150_fields_one_instance() {
    let sets = fake_set(1).repeat(50);
    let (fields, _) = split_fields(&format!("{sets}{ARC_BASE}"));
    assert_eq!(fields.iter().filter(|f| f.starts_with("ARC-")).count(), 150);
    check_arc(
        "arc_150_fields_one_instance",
        format!("{sets}{ARC_BASE}").as_bytes(),
        Limits::default(),
        "fail Duplicate { 1, Seal }",
        |o, asked| arc_fail(o, &ArcReason::Duplicate { instance: 1, field: ArcField::Seal }) && asked == 0,
    );
}

/// `chain2.eml` with `i=one` and `i=two`: the first field (set 2's seal)
/// is malformed, with no instance to name.
#[test]
fn arc_instances_not_numbers() {
    let words = arc_data("chain2.eml").replace(" i=1;", " i=one;").replace(" i=2;", " i=two;");
    check_arc(
        "arc_instances_not_numbers",
        words.as_bytes(),
        Limits::default(),
        "fail Malformed { None, Seal, InvalidInstance(\"two\") }",
        |o, asked| {
            asked == 0
                && arc_fail(
                    o,
                    &ArcReason::Malformed {
                        instance: None,
                        field: ArcField::Seal,
                        error: ArcFieldError::InvalidInstance("two".into()),
                    },
                )
        },
    );
}
