//! Helpers shared by the integration tests: the testdata zone format and
//! TSV files of `../shared/testdata` (see its README).

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::PathBuf;

use dkim_core::{HeaderStatus, KeyAnswer, Policy, SignatureResult, Step, TxtRecord, Verifier};

/// `../shared/testdata`, relative to the workspace root.
pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata")
}

/// One name's entry in a zone file.
#[derive(Clone, Debug)]
pub enum ZoneEntry {
    Txt(Vec<Vec<u8>>),
    NxDomain,
    ServFail,
    Timeout,
}

/// The testdata zone format: `NAME TXT "s" ...`, `NAME NXDOMAIN|SERVFAIL|TIMEOUT`.
#[derive(Clone, Debug, Default)]
pub struct Zone {
    entries: Vec<(String, ZoneEntry)>,
}

impl Zone {
    pub fn load(path: &std::path::Path) -> Zone {
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read zone {}: {e}", path.display()));
        Zone::parse(&text)
    }

    pub fn parse(text: &[u8]) -> Zone {
        let mut entries = Vec::new();
        for line in text.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() || trimmed[0] == b';' || trimmed[0] == b'#' {
                continue;
            }
            let ws = trimmed.iter().position(|b| b.is_ascii_whitespace()).expect("name and type");
            let name = String::from_utf8_lossy(&trimmed[..ws]).trim_end_matches('.').to_ascii_lowercase();
            let rest = trimmed[ws..].trim_ascii();
            let entry = if let Some(strings) = rest.strip_prefix(b"TXT") {
                ZoneEntry::Txt(parse_strings(strings))
            } else {
                match rest {
                    b"NXDOMAIN" => ZoneEntry::NxDomain,
                    b"SERVFAIL" => ZoneEntry::ServFail,
                    b"TIMEOUT" => ZoneEntry::Timeout,
                    other => panic!("unknown zone line type {:?}", String::from_utf8_lossy(other)),
                }
            };
            entries.push((name, entry));
        }
        Zone { entries }
    }

    pub fn answer(&self, name: &str) -> KeyAnswer {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut records = Vec::new();
        for (n, e) in &self.entries {
            if *n != name {
                continue;
            }
            match e {
                ZoneEntry::Txt(strings) => records.push(TxtRecord::new(strings.clone())),
                ZoneEntry::NxDomain => return KeyAnswer::NoRecord,
                ZoneEntry::ServFail | ZoneEntry::Timeout => return KeyAnswer::TempFail,
            }
        }
        if records.is_empty() { KeyAnswer::NoRecord } else { KeyAnswer::Records(records) }
    }
}

fn parse_strings(mut s: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        s = s.trim_ascii_start();
        if s.is_empty() {
            return out;
        }
        assert_eq!(s[0], b'"', "TXT strings must be quoted");
        let mut cur = Vec::new();
        let mut i = 1;
        loop {
            match s[i] {
                b'"' => break,
                b'\\' if s[i + 1].is_ascii_digit() => {
                    let d = std::str::from_utf8(&s[i + 1..i + 4]).unwrap();
                    cur.push(d.parse::<u8>().unwrap());
                    i += 4;
                }
                b'\\' => {
                    cur.push(s[i + 1]);
                    i += 2;
                }
                b => {
                    cur.push(b);
                    i += 1;
                }
            }
        }
        out.push(cur);
        s = &s[i + 1..];
    }
}

/// Splits a testdata TSV file into rows of columns (comments and the header line skipped).
pub fn tsv(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

/// Undoes the TSV escapes of `canon/*.tsv`: `\r \n \t \\ \xHH`.
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' => {
                    out.push(u8::from_str_radix(&s[i + 2..i + 4], 16).unwrap());
                    i += 2;
                }
                other => panic!("unknown escape \\{}", other as char),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Verifies `message` fed in chunks of `chunk` bytes (0 = whole), answering
/// key requests from `zone`.
pub fn verify(message: &[u8], zone: &Zone, policy: Policy, chunk: usize) -> Result<Vec<SignatureResult>, String> {
    let mut v = Verifier::new(policy);
    let size = if chunk == 0 { message.len().max(1) } else { chunk };
    let mut chunks = message.chunks(size);
    let mut in_body = false;
    for c in chunks.by_ref() {
        match v.headers(c).map_err(|e| e.to_string())? {
            HeaderStatus::Partial => {}
            HeaderStatus::Complete(n) => {
                v.body(&c[n..]);
                in_body = true;
                break;
            }
        }
    }
    if in_body {
        // Answer keys first, then feed the body: results that need no body
        // must not wait for it.
        answer_all(&mut v, zone);
        for c in chunks {
            v.body(c);
        }
    }
    v.finish().map_err(|e| e.to_string())?;
    answer_all(&mut v, zone);
    match v.step() {
        Step::Done => Ok(v.into_results()),
        other => Err(format!("verifier not done: {other:?}")),
    }
}

fn answer_all(v: &mut Verifier, zone: &Zone) {
    while let Step::NeedKeys(reqs) = v.step() {
        let reqs = reqs.to_vec();
        for r in reqs {
            v.answer_key(r.id(), zone.answer(r.name()));
        }
    }
}
