//! Whole-message signing and verification (keys preloaded, no DNS), header canonicalization, and the cost of
//! several signatures that share one body hash.
//!
//! Groups: `verify/{rsa2048,ed25519}/{1KiB,64KiB,1MiB}`, `sign/{rsa2048,ed25519}/{1KiB,64KiB,1MiB}`,
//! `verify_n_signatures/{1,2,5}` (Ed25519, same `c=`, 1 MiB), `header_canon/{simple,relaxed}` (a realistic
//! 15-field header block), and `ed25519_bare/verify` (the signature check alone, for the 1 KiB overhead).
//! "Preloaded": key records are parsed once and answered as `KeyAnswer::Parsed`, as a cache of parsed records
//! would; mail-auth's cache holds parsed keys too.
//!
//! Baselines in the same run: `mail_auth_verify/{rsa2048,ed25519}/{1KiB,64KiB,1MiB}` and
//! `mail_auth_sign/...` (stalwartlabs/mail-auth 0.15, RustCrypto backend, relaxed/relaxed, key cache prefilled),
//! and `linear/{rsa2048,ed25519}/{1MiB,16MiB}` (our verification, for linear cost in the size).
//!
//! The crypto backends (dkim-core's `aws-lc-rs` feature): `backend/rsa2048_verify/{rust-crypto,aws-lc-rs}` (the
//! signature check alone through `VerifyingBackend`, on a preloaded `PublicKey`),
//! `backend/rsa2048_parse_verify/{rust-crypto,aws-lc-rs}` (the same with the key parsed from its `p=` bytes first, as
//! a verifier does once per message), `backend/rsa2048_sign/{rust-crypto,aws-lc-rs}` (signing a digest), and
//! `verify_aws_lc/rsa2048/{1KiB,64KiB,1MiB}` (the `verify/rsa2048` messages with `Policy::backend(&AwsLcRs)`).
//!
//! The async layer: `async_verify/{rsa2048,ed25519}/1KiB/{kept,parsed_each_time}` (dkim-async's `AsyncVerifier` on a
//! static key source, with its set of parsed key records on, and off so that every message parses its key).
//!
//! Every message and signature is checked to verify before it is timed.

mod baseline;
mod mail;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dkim_core::CryptoError;
use dkim_core::canon::CanonicalizationAlgorithm;
use dkim_core::canon::header::canonicalize_field;
use dkim_core::{
    Algorithm, AwsLcRs, AwsLcRsaSigningKey, Dnssec, HeaderStatus, KeyAnswer, KeyRecord, KeyType, Limits, Policy,
    PrivateKey, PublicKey, RsaSigningKey, RustCrypto, SignSession, Signer, SigningKey, Step, TxtRecord, Verdict,
    Verifier, VerifyingBackend,
};
use mail::mail_body;
use sha2::Digest as _;

const SIZES: [(&str, usize); 3] = [("1KiB", 1024), ("64KiB", 64 * 1024), ("1MiB", 1024 * 1024)];
const NOW: u64 = 1_800_000_000;

const HEADER: &str = "Received: from mail.example.com (mail.example.com [192.0.2.10])\r\n\tby mx.example.net with ESMTPS id 4Xa1b2C3d4\r\n\tfor <bob@example.net>; Sat, 14 Nov 2026 10:00:02 +0000\r\n\
Return-Path: <alice@example.com>\r\n\
From: Alice Example <alice@example.com>\r\n\
To: Bob Example <bob@example.net>,  Carol <carol@example.org>\r\n\
Cc: team@example.com\r\n\
Subject: Quarterly   figures\t and the  plan for next year\r\n\
Date: Sat, 14 Nov 2026 10:00:00 +0000\r\n\
Message-ID: <20261114100000.4242@mail.example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative;\r\n\tboundary=\"=_boundary_4f2a\"\r\n\
Reply-To: Alice <alice@example.com>\r\n\
List-Unsubscribe: <mailto:unsubscribe@example.com?subject=unsubscribe>,\r\n <https://example.com/unsubscribe/4242>\r\n\
X-Mailer: Example Mail 12.4\r\n\
Thread-Index: AdW1234567890abcdefg==\r\n\
Content-Language: en-GB\r\n\
\r\n";

fn key(file: &str) -> PrivateKey {
    let path = format!("{}/../examples/data/{file}", env!("CARGO_MANIFEST_DIR"));
    PrivateKey::from_pem(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The DER inside a PEM file of `examples/data`.
fn der(file: &str) -> Vec<u8> {
    use base64ct::Encoding;
    let path = format!("{}/../examples/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64ct::Base64::decode_vec(&b64).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn keys() -> [(&'static str, PrivateKey); 2] {
    [("rsa2048", key("rsa2048.pem")), ("ed25519", key("ed25519.pem"))]
}

fn message(size: usize) -> Vec<u8> {
    let mut m = HEADER.as_bytes().to_vec();
    m.extend_from_slice(&mail_body(size));
    m
}

fn sign(message: &[u8], signers: Vec<Signer<&PrivateKey>>) -> Vec<String> {
    let mut session = SignSession::new(signers);
    let HeaderStatus::Complete(n) = session.headers(message).expect("header") else { panic!("header incomplete") };
    session.body(&message[n..]);
    session.finish().expect("sign")
}

fn signer<'a>(key: &'a PrivateKey, selector: &str) -> Signer<&'a PrivateKey> {
    Signer::builder(key, "example.com", selector).timestamp(NOW - 60).build().expect("signer")
}

fn signed(message: &[u8], keys: &[(&str, &PrivateKey)]) -> Vec<u8> {
    let fields = sign(message, keys.iter().map(|(s, k)| signer(k, s)).collect());
    let mut out = fields.concat().into_bytes();
    out.extend_from_slice(message);
    out
}

/// Answers every key request from `records` (selector -> record) and verifies `message` whole with `backend`.
fn verify(
    message: &[u8],
    records: &[(String, Arc<KeyRecord>)],
    backend: &'static dyn VerifyingBackend,
) -> Vec<Verdict> {
    let mut v = Verifier::new(Policy::default().backend(backend), NOW);
    let HeaderStatus::Complete(n) = v.headers(message).expect("header") else { panic!("header incomplete") };
    // One request at a time, as a resolver callback would answer them.
    while let Step::NeedKeys(requests) = v.step() {
        let r = &requests[0];
        let answer = records.iter().find(|(name, _)| *name == r.name()).map_or(KeyAnswer::NoRecord, |(_, rec)| {
            KeyAnswer::Parsed { record: Arc::clone(rec), dnssec: Dnssec::Unknown }
        });
        v.answer_key(r.id(), answer);
    }
    v.body(&message[n..]);
    v.finish().expect("finish");
    v.into_results().iter().map(|r| r.verdict()).collect()
}

/// Key records parsed once, as a cache of parsed records holds them ("key preloaded"); mail-auth's cache below
/// holds its parsed keys too.
fn preload(records: &[(String, TxtRecord)]) -> Vec<(String, Arc<KeyRecord>)> {
    records
        .iter()
        .map(|(name, text)| {
            (name.clone(), Arc::new(KeyRecord::parse(&text.joined(), &Limits::default()).expect("key record")))
        })
        .collect()
}

fn record(selector: &str, key: &PrivateKey) -> (String, TxtRecord) {
    let k = match key.algorithm().as_str() {
        "ed25519-sha256" => "ed25519",
        _ => "rsa",
    };
    (
        format!("{selector}._domainkey.example.com"),
        TxtRecord::from_text(&format!("v=DKIM1; k={k}; p={}", key.public_key_base64())),
    )
}

fn bench_verify_sign(c: &mut Criterion) {
    let keys = keys();
    let messages: Vec<(&str, Vec<u8>)> = SIZES.iter().map(|&(l, n)| (l, message(n))).collect();

    let mut group = c.benchmark_group("verify");
    for (name, key) in &keys {
        let records = preload(&[record(name, key)]);
        for (label, m) in &messages {
            let s = signed(m, &[(name, key)]);
            assert_eq!(verify(&s, &records, &RustCrypto), [Verdict::Pass], "{name} {label}");
            group.throughput(Throughput::Bytes(s.len() as u64));
            group.bench_with_input(BenchmarkId::new(*name, label), &s, |b, s| {
                b.iter(|| verify(black_box(s), &records, &RustCrypto))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("sign");
    for (name, key) in &keys {
        for (label, m) in &messages {
            group.throughput(Throughput::Bytes(m.len() as u64));
            group.bench_with_input(BenchmarkId::new(*name, label), m, |b, m| {
                b.iter(|| sign(black_box(m), vec![signer(key, name)]))
            });
        }
    }
    group.finish();

    // Five Ed25519 signatures with the same c= share one body hash.
    let ed_keys: Vec<(String, PrivateKey)> = (0..5u8)
        .map(|i| (format!("ed{i}"), PrivateKey::Ed25519(dkim_core::Ed25519SigningKey::from_seed(&[i + 1; 32]))))
        .collect();
    let records = preload(&ed_keys.iter().map(|(s, k)| record(s, k)).collect::<Vec<_>>());
    let big = message(1024 * 1024);
    let mut group = c.benchmark_group("verify_n_signatures");
    for n in [1usize, 2, 5] {
        let list: Vec<(&str, &PrivateKey)> = ed_keys[..n].iter().map(|(s, k)| (s.as_str(), k)).collect();
        let s = signed(&big, &list);
        assert_eq!(verify(&s, &records, &RustCrypto), vec![Verdict::Pass; n]);
        group.throughput(Throughput::Bytes(s.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &s, |b, s| {
            b.iter(|| verify(black_box(s), &records, &RustCrypto))
        });
    }
    group.finish();

    // The signature check alone, for comparison with verify/ed25519/1KiB.
    let (_, ed) = &keys[1];
    let digest = [7u8; 32];
    let sig = ed.sign_digest(&digest).expect("sign");
    let public = dkim_core::KeyRecord::parse(record("x", ed).1.joined().as_slice(), &dkim_core::Limits::default())
        .expect("record");
    let public = public.public_key().expect("key").clone();
    public.verify(dkim_core::Algorithm::Ed25519Sha256, &digest, &sig).expect("verifies");
    let mut group = c.benchmark_group("ed25519_bare");
    group.bench_function("verify", |b| {
        b.iter(|| public.verify(dkim_core::Algorithm::Ed25519Sha256, black_box(&digest), black_box(&sig)))
    });
    group.finish();
}

/// The two crypto backends on the same RSA-2048 key; see the module documentation.
fn bench_backends(c: &mut Criterion) {
    const BACKENDS: [(&str, &dyn VerifyingBackend); 2] = [("rust-crypto", &RustCrypto), ("aws-lc-rs", &AwsLcRs)];
    let der = der("rsa2048.pem");
    let rust = RsaSigningKey::from_pkcs8_der(&der).expect("RustCrypto key");
    let aws = AwsLcRsaSigningKey::from_pkcs8_der(&der).expect("AWS-LC key");
    let p = rust.public_key_der();
    assert_eq!(p, aws.public_key_der());
    let public = PublicKey::from_record_bytes(KeyType::Rsa, &p, 8192).expect("public key");
    let digest: Vec<u8> = sha2::Sha256::digest(HEADER.as_bytes()).to_vec();
    let sig = rust.sign_digest(&digest).expect("sign");
    let wrong = [0u8; 32];

    let mut group = c.benchmark_group("backend");
    for (name, backend) in BACKENDS {
        assert_eq!(backend.verify(&public, Algorithm::RsaSha256, &digest, &sig), Ok(()), "{name}");
        assert_eq!(backend.verify(&public, Algorithm::RsaSha256, &wrong, &sig), Err(CryptoError::BadSignature));
        group.bench_function(BenchmarkId::new("rsa2048_verify", name), |b| {
            b.iter(|| backend.verify(&public, Algorithm::RsaSha256, black_box(&digest), black_box(&sig)))
        });
    }
    for (name, backend) in BACKENDS {
        group.bench_function(BenchmarkId::new("rsa2048_parse_verify", name), |b| {
            b.iter(|| {
                let key = PublicKey::from_record_bytes(KeyType::Rsa, black_box(&p), 8192).expect("public key");
                backend.verify(&key, Algorithm::RsaSha256, black_box(&digest), black_box(&sig))
            })
        });
    }
    let signers: [(&str, &dyn SigningKey); 2] = [("rust-crypto", &rust), ("aws-lc-rs", &aws)];
    for (name, key) in signers {
        assert_eq!(key.sign_digest(&digest).expect("sign"), sig, "{name}: PKCS#1 v1.5 is deterministic");
        group
            .bench_function(BenchmarkId::new("rsa2048_sign", name), |b| b.iter(|| key.sign_digest(black_box(&digest))));
    }
    group.finish();

    let private = key("rsa2048.pem");
    let records = preload(&[record("rsa2048", &private)]);
    let mut group = c.benchmark_group("verify_aws_lc");
    for &(label, n) in &SIZES {
        let s = signed(&message(n), &[("rsa2048", &private)]);
        assert_eq!(verify(&s, &records, &AwsLcRs), [Verdict::Pass], "{label}");
        group.throughput(Throughput::Bytes(s.len() as u64));
        group.bench_with_input(BenchmarkId::new("rsa2048", label), &s, |b, s| {
            b.iter(|| verify(black_box(s), &records, &AwsLcRs))
        });
    }
    group.finish();
}

fn bench_header_canon(c: &mut Criterion) {
    let fields: Vec<&[u8]> = split_fields(HEADER.as_bytes());
    assert_eq!(fields.len(), 15);
    let mut group = c.benchmark_group("header_canon");
    group.throughput(Throughput::Bytes(HEADER.len() as u64));
    for (name, alg) in [("simple", CanonicalizationAlgorithm::Simple), ("relaxed", CanonicalizationAlgorithm::Relaxed)]
    {
        group.bench_function(name, |b| {
            let mut out = Vec::with_capacity(HEADER.len());
            b.iter(|| {
                out.clear();
                for f in &fields {
                    let colon = f.iter().position(|&b| b == b':').expect("colon");
                    canonicalize_field(alg, &f[..colon], &f[colon + 1..], black_box(f), &mut out);
                }
                out.len()
            })
        });
    }
    group.finish();
}

/// The header block's fields, each with its CRLF (continuation lines joined).
fn split_fields(block: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < block.len() {
        if &block[i..i + 2] == b"\r\n" {
            let next = block.get(i + 2).copied();
            if !matches!(next, Some(b' ' | b'\t')) {
                if i > start {
                    fields.push(&block[start..i + 2]);
                }
                start = i + 2;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    fields
}

/// mail-auth's signer for one of the two keys (relaxed/relaxed, the header fields of HEADER that our default
/// list names), built once so that only signing is timed, as for ours.
enum MailAuthSigner {
    Rsa(mail_auth::dkim::DkimSigner<mail_auth::crypto::RsaKey<mail_auth::crypto::Sha256>, mail_auth::signer::Ready>),
    Ed25519(mail_auth::dkim::DkimSigner<mail_auth::crypto::Ed25519Key, mail_auth::signer::Ready>),
}

impl MailAuthSigner {
    fn new(name: &str) -> Self {
        use mail_auth::crypto::{Ed25519Key, RsaKey, Sha256};
        use mail_auth::dkim::{Canonicalization, DkimSigner};
        use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
        const SIGNED: [&str; 10] = [
            "From",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "MIME-Version",
            "Content-Type",
            "Reply-To",
            "List-Unsubscribe",
        ];
        fn configure<K: mail_auth::crypto::SigningKey>(key: K, name: &str) -> DkimSigner<K, mail_auth::signer::Ready> {
            DkimSigner::from_key(key)
                .domain("example.com")
                .selector(name)
                .headers(SIGNED)
                .header_canonicalization(Canonicalization::Relaxed)
                .body_canonicalization(Canonicalization::Relaxed)
        }
        let der = der(&format!("{name}.pem"));
        if name == "ed25519" {
            Self::Ed25519(configure(Ed25519Key::from_pkcs8_der(&der).expect("mail-auth Ed25519 key"), name))
        } else {
            let key = RsaKey::<Sha256>::from_key_der(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)))
                .expect("mail-auth RSA key");
            Self::Rsa(configure(key, name))
        }
    }

    /// The DKIM-Signature field for `message`.
    fn sign(&self, message: &[u8]) -> String {
        use mail_auth::headers::HeaderWriter as _;
        match self {
            Self::Rsa(s) => s.sign(message),
            Self::Ed25519(s) => s.sign(message),
        }
        .expect("mail-auth signs")
        .to_header()
    }
}

fn bench_mail_auth(c: &mut Criterion) {
    let keys = keys();
    let messages: Vec<(&str, Vec<u8>)> = SIZES.iter().map(|&(l, n)| (l, message(n))).collect();
    let records: Vec<(String, String)> = keys
        .iter()
        .map(|(name, key)| {
            let (n, r) = record(name, key);
            (n, String::from_utf8(r.joined()).expect("ascii"))
        })
        .collect();
    let baseline = baseline::Baseline::new(&records);
    let mut group = c.benchmark_group("mail_auth_verify");
    for (name, key) in &keys {
        for (label, m) in &messages {
            let s = signed(m, &[(name, key)]);
            assert!(baseline.verify(&s), "mail-auth verifies {name} {label}");
            group.throughput(Throughput::Bytes(s.len() as u64));
            group.bench_with_input(BenchmarkId::new(*name, label), &s, |b, s| b.iter(|| baseline.verify(black_box(s))));
        }
    }
    group.finish();

    // Signing the same messages; each mail-auth signature is checked by our verifier first.
    let mut group = c.benchmark_group("mail_auth_sign");
    for (name, key) in &keys {
        let ours = preload(&[record(name, key)]);
        let signer = MailAuthSigner::new(name);
        for (label, m) in &messages {
            let mut s = signer.sign(m).into_bytes();
            s.extend_from_slice(m);
            assert_eq!(verify(&s, &ours, &RustCrypto), [Verdict::Pass], "mail-auth's {name} {label} signature");
            group.throughput(Throughput::Bytes(m.len() as u64));
            group.bench_with_input(BenchmarkId::new(*name, label), m, |b, m| b.iter(|| signer.sign(black_box(m))));
        }
    }
    group.finish();
}

/// Whole-message verification at 1 MiB and 16 MiB: the cost must grow linearly with the size.
fn bench_linear(c: &mut Criterion) {
    let keys = keys();
    let mut group = c.benchmark_group("linear");
    group.sample_size(20);
    for (name, key) in &keys {
        let records = preload(&[record(name, key)]);
        for (label, size) in [("1MiB", 1usize << 20), ("16MiB", 16 << 20)] {
            let s = signed(&message(size), &[(name, key)]);
            assert_eq!(verify(&s, &records, &RustCrypto), [Verdict::Pass], "{name} {label}");
            group.throughput(Throughput::Bytes(s.len() as u64));
            group.bench_with_input(BenchmarkId::new(*name, label), &s, |b, s| {
                b.iter(|| verify(black_box(s), &records, &RustCrypto))
            });
        }
    }
    group.finish();
}

/// dkim-async's verifier on a 1 KiB message, keys from a static source: parsed once and kept, or parsed per message.
fn bench_async(c: &mut Criterion) {
    let keys = keys();
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut group = c.benchmark_group("async_verify");
    for (name, key) in &keys {
        let (at, txt) = record(name, key);
        let mut source = dkim_dns::StaticKeys::new([]);
        source.insert(&at, txt);
        let s = signed(&message(1024), &[(name, key)]);
        let policy = Policy::default();
        for (mode, capacity) in [("kept", 1024), ("parsed_each_time", 0)] {
            let verifier = dkim_async::AsyncVerifier::new(source.clone(), policy.clone())
                .parsed_key_capacity(capacity)
                .clock(dkim_async::ManualClock::new(NOW));
            let results = rt.block_on(verifier.verify_bytes(&s)).expect("verify");
            assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass], "{name} {mode}");
            assert_eq!(verifier.parsed_key_count(), usize::from(capacity > 0), "{name} {mode}");
            group.bench_function(BenchmarkId::new(*name, format!("1KiB/{mode}")), |b| {
                b.iter(|| rt.block_on(verifier.verify_bytes(black_box(&s))))
            });
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_verify_sign,
    bench_backends,
    bench_mail_auth,
    bench_header_canon,
    bench_linear,
    bench_async
);
criterion_main!(benches);
