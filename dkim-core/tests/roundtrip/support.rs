//! Helpers of the roundtrip tests: keys, records, a fake DNS, "sign a
//! message" and "verify a message with these records", and an RFC 6376
//! body canonicalization oracle.
use std::path::PathBuf;

use dkim_core::{
    Canonicalization, CanonicalizationAlgorithm, HeaderStatus, KeyAnswer, Now, Policy, PrivateKey, SignSession,
    SignatureResult, Signer, SigningKey, Step, TxtRecord, Verifier,
};

pub(crate) const DOMAIN: &str = "example.com";
pub(crate) const SELECTOR: &str = "sel2026";
/// Signing time used throughout (the core has no clock).
pub(crate) const T0: u64 = 1_795_000_000;

/// A policy and the verifier's clock; a bare policy verifies a minute
/// after `T0`.
pub(crate) struct Timed(pub(crate) Policy, pub(crate) Now);

impl From<Policy> for Timed {
    fn from(policy: Policy) -> Self {
        Self(policy, Now::unix(T0 + 60))
    }
}

pub(crate) const CANONICALIZATIONS: [Canonicalization; 4] = {
    use CanonicalizationAlgorithm::{Relaxed, Simple};
    [
        Canonicalization::new(Simple, Simple),
        Canonicalization::new(Simple, Relaxed),
        Canonicalization::new(Relaxed, Simple),
        Canonicalization::new(Relaxed, Relaxed),
    ]
};

/// A path relative to the crate directory.
fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(rel: &str) -> String {
    let path = crate_path(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn pem_key(rel: &str) -> PrivateKey {
    PrivateKey::from_pem(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The examples' Ed25519 key (PKCS#8).
pub(crate) fn ed25519_key() -> PrivateKey {
    pem_key("../examples/data/ed25519.pem")
}

/// The examples' 2048-bit RSA key (PKCS#8).
pub(crate) fn rsa_key() -> PrivateKey {
    pem_key("../examples/data/rsa2048.pem")
}

/// The RFC 8463 Ed25519 key (raw seed), a second Ed25519 key.
pub(crate) fn ed25519_other_key() -> PrivateKey {
    dkim_testkit::rfc8463::ed25519_key()
}

/// The RFC 8463 1024-bit RSA key (PKCS#1), a second RSA key.
pub(crate) fn rsa_other_key() -> PrivateKey {
    dkim_testkit::rfc8463::rsa_key()
}

/// `v=DKIM1; k=<type>; p=<public key>`.
pub(crate) fn record(key: &PrivateKey) -> String {
    format!("v=DKIM1; k={}; p={}", key.algorithm().key_type().as_str(), key.public_key_base64())
}

/// `selector._domainkey.domain`.
pub(crate) fn key_name(selector: &str) -> String {
    format!("{selector}._domainkey.{DOMAIN}")
}

/// Concatenates the signature fields and the message.
pub(crate) fn prepend(fields: &[String], message: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = fields.iter().flat_map(|f| f.bytes()).collect();
    out.extend_from_slice(message);
    out
}

/// CRLF -> LF.
pub(crate) fn lf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len());
    let mut i = 0;
    while i < message.len() {
        if message[i..].starts_with(b"\r\n") {
            out.push(b'\n');
            i += 2;
        } else {
            out.push(message[i]);
            i += 1;
        }
    }
    out
}

/// Signs `message` fed in chunks of `chunk` bytes (0: whole); returns
/// the `DKIM-Signature` fields.
pub(crate) fn sign_chunked(message: &[u8], signers: Vec<Signer<PrivateKey>>, chunk: usize) -> Vec<String> {
    let n = signers.len();
    let mut session = SignSession::new(signers);
    let chunk = if chunk == 0 { message.len().max(1) } else { chunk };
    let mut in_body = false;
    for piece in message.chunks(chunk) {
        if in_body {
            session.body(piece);
        } else if let HeaderStatus::Complete(start) = session.headers(piece).expect("signer header") {
            in_body = true;
            session.body(&piece[start..]);
        }
    }
    let fields = session.finish().expect("signing");
    assert_eq!(fields.len(), n, "one field per signer");
    for f in &fields {
        assert!(f.starts_with("DKIM-Signature: "), "{f}");
        // CRLF, or LF for LF input (the input's line ends).
        assert!(f.ends_with('\n') && !f.ends_with("\n\n") && !f.ends_with("\r\n\r\n"), "{f:?}");
    }
    fields
}

/// Signs `message` and returns the signed message (fields prepended).
pub(crate) fn sign(message: &[u8], signers: Vec<Signer<PrivateKey>>) -> Vec<u8> {
    prepend(&sign_chunked(message, signers, 0), message)
}

/// A fake DNS: name -> answer; unknown names have no record.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dns {
    entries: Vec<(String, KeyAnswer)>,
}

impl Dns {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Publishes `key` at `selector._domainkey.example.com`.
    pub(crate) fn key(self, selector: &str, key: &PrivateKey) -> Self {
        self.text(selector, &record(key))
    }

    /// Publishes a TXT record of one string.
    pub(crate) fn text(self, selector: &str, text: &str) -> Self {
        self.answer(selector, KeyAnswer::records(vec![TxtRecord::from_text(text)]))
    }

    pub(crate) fn answer(mut self, selector: &str, answer: KeyAnswer) -> Self {
        self.entries.push((key_name(selector), answer));
        self
    }

    fn lookup(&self, name: &str) -> KeyAnswer {
        self.entries.iter().find(|(n, _)| n == name).map_or(KeyAnswer::NoRecord, |(_, a)| a.clone())
    }
}

/// What the verifier said.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) results: Vec<SignatureResult>,
    /// The names of the key requests, in order.
    pub(crate) requested: Vec<String>,
}

impl Verified {
    /// The only result.
    pub(crate) fn one(&self) -> &SignatureResult {
        assert_eq!(self.results.len(), 1, "expected one signature: {:?}", self.results);
        &self.results[0]
    }
}

fn answer_all(v: &mut Verifier, dns: &Dns, requested: &mut Vec<String>) {
    while let Step::NeedKeys(requests) = v.step() {
        let requests = requests.to_vec();
        for r in requests {
            requested.push(r.name().to_owned());
            v.answer_key(r.id(), dns.lookup(r.name()));
        }
    }
}

/// Verifies `message` cut at `points` (offsets, in order), with the key
/// lookups answered from `dns` as soon as the header is complete
/// (`early_keys`) or after the whole body.
pub(crate) fn verify_at(
    message: &[u8],
    policy: impl Into<Timed>,
    dns: &Dns,
    points: &[usize],
    early_keys: bool,
) -> Verified {
    let Timed(policy, now) = policy.into();
    let mut v = Verifier::new(policy, now);
    let mut requested = Vec::new();
    let mut in_body = false;
    let mut prev = 0;
    for &p in points.iter().chain([&message.len()]) {
        let piece = &message[prev..p];
        prev = p;
        if in_body {
            v.body(piece);
            continue;
        }
        match v.headers(piece).expect("verifier header") {
            HeaderStatus::Partial => assert!(matches!(v.step(), Step::NeedHeaders)),
            HeaderStatus::Complete(start) => {
                in_body = true;
                if early_keys {
                    answer_all(&mut v, dns, &mut requested);
                }
                v.body(&piece[start..]);
            }
        }
    }
    v.finish().expect("verifier finish");
    answer_all(&mut v, dns, &mut requested);
    assert!(matches!(v.step(), Step::Done), "verifier not done: {:?}", v.step());
    Verified { results: v.into_results(), requested }
}

/// Verifies `message` fed in chunks of `chunk` bytes.
pub(crate) fn verify_chunked(
    message: &[u8],
    policy: impl Into<Timed>,
    dns: &Dns,
    chunk: usize,
    early_keys: bool,
) -> Verified {
    let points: Vec<usize> = (chunk..message.len()).step_by(chunk).collect();
    verify_at(message, policy, dns, &points, early_keys)
}

/// Verifies `message` fed whole, keys answered after the body.
pub(crate) fn verify(message: &[u8], policy: impl Into<Timed>, dns: &Dns) -> Verified {
    verify_at(message, policy, dns, &[], false)
}

/// The canonical body, transcribed directly from RFC 6376 sections
/// 3.4.3 and 3.4.4 (line by line, no streaming) as an oracle.
pub(crate) fn canonical_body(body: &[u8], alg: CanonicalizationAlgorithm) -> Vec<u8> {
    match alg {
        CanonicalizationAlgorithm::Simple => {
            let mut v = body.to_vec();
            if !v.ends_with(b"\r\n") {
                v.extend_from_slice(b"\r\n");
            }
            while v.ends_with(b"\r\n\r\n") {
                v.truncate(v.len() - 2);
            }
            v
        }
        CanonicalizationAlgorithm::Relaxed => {
            let mut lines: Vec<&[u8]> = Vec::new();
            let mut rest = body;
            while !rest.is_empty() {
                match rest.windows(2).position(|w| w == b"\r\n") {
                    Some(p) => {
                        lines.push(&rest[..p]);
                        rest = &rest[p + 2..];
                    }
                    None => {
                        lines.push(rest);
                        rest = &[];
                    }
                }
            }
            let mut canon: Vec<Vec<u8>> = lines
                .into_iter()
                .map(|line| {
                    let mut out = Vec::new();
                    let mut wsp = false;
                    for &b in line {
                        if b == b' ' || b == b'\t' {
                            wsp = true;
                        } else {
                            if wsp {
                                out.push(b' ');
                            }
                            wsp = false;
                            out.push(b);
                        }
                    }
                    out
                })
                .collect();
            while canon.last().is_some_and(Vec::is_empty) {
                canon.pop();
            }
            canon.iter().flat_map(|l| l.iter().copied().chain(*b"\r\n")).collect()
        }
        other => unreachable!("no canonicalization {other:?} in RFC 6376"),
    }
}

/// SHA-256 of the oracle's canonical body: what `bh=` must be.
pub(crate) fn body_hash(body: &[u8], alg: CanonicalizationAlgorithm) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(canonical_body(body, alg)).to_vec()
}

/// The body of a message (after the first empty line).
pub(crate) fn body_of(message: &[u8], eol: &[u8]) -> Vec<u8> {
    let sep: Vec<u8> = [eol, eol].concat();
    let p = message.windows(sep.len()).position(|w| w == sep).expect("end of header");
    message[p + sep.len()..].to_vec()
}

#[test]
fn oracle_matches_rfc_example() {
    // RFC 6376 section 3.4.5.
    let body = b" C \r\nD \t E\r\n\r\n\r\n";
    assert_eq!(canonical_body(body, CanonicalizationAlgorithm::Relaxed), b" C\r\nD E\r\n");
    assert_eq!(canonical_body(body, CanonicalizationAlgorithm::Simple), b" C \r\nD \t E\r\n");
    assert_eq!(canonical_body(b"", CanonicalizationAlgorithm::Simple), b"\r\n");
    assert_eq!(canonical_body(b"", CanonicalizationAlgorithm::Relaxed), b"");
    assert_eq!(lf(b"a\r\nb\rc\r\n"), b"a\nb\rc\n");
}
