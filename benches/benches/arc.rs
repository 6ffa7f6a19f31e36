//! ARC (RFC 8617): validating a chain and sealing, each against its DKIM baseline in the same run (keys preloaded,
//! no DNS; the unsuffixed ids use RSA-2048, the example key `examples/data/rsa2048.pem`, for every signature; relaxed body
//! canonicalization everywhere).
//!
//! Group `arc_verify` (64 KiB message): `arc_3hops_1dkim` is `verify_with_arc` on a message carrying one
//! `DKIM-Signature` (relaxed/relaxed) and a 3-hop ARC chain (each hop added an `Authentication-Results` field
//! and sealed with `Sealer`); `dkim_4sigs` is `dkim_core::verify` on the same message carrying 4 DKIM signatures
//! (relaxed/relaxed) instead. Floor: ARC at most 1.2x the 4 DKIM signatures.
//!
//! Group `arc_seal` (1 MiB message): `seal` is `Sealer::seal` on the message with no chain yet (its chain result
//! from `verify_with_arc`, computed once outside the timing); `sign` is `Signer::sign` on the same message. Floor:
//! sealing at most 1.1x signing.
//!
//! Both groups also run with the other keys and backends a deployment may use, each against its own baseline made
//! with the same key and backend: suffix `_ed25519` (every signature and seal Ed25519, `examples/data/ed25519.pem`)
//! and `_awslc` (the RSA-2048 key held by `AwsLcRsaSigningKey` for signing, `Policy::backend(&AwsLcRs)` for
//! verifying). The floors apply to each pair.
//!
//! Group `arc_parts` (no floor; to tell where the time goes): `rsa2048_verify` (one RSA-2048 signature check,
//! RustCrypto, as the verifications above make) and `rsa2048_sign` (one RSA-2048 signature of a digest with the
//! same key, as `Signer` and `Sealer` make). `floors.py --arc` uses them to say how much of each ratio the count of
//! RSA operations explains.
//!
//! Before timing, every message is checked (DKIM pass, chain pass with 3 sets, the new set validating) and the
//! signature checks each verification makes are counted through a counting `VerifyingBackend`, printed to stderr.

mod mail;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dkim_core::arc::{ArcResult, ChainStatus, Sealer};
use dkim_core::crypto::{Algorithm, CryptoError, PublicKey};
use dkim_core::{
    AwsLcRs, AwsLcRsaSigningKey, Dnssec, KeyAnswer, KeyRecord, KeyRequest, Limits, Now, Policy, PrivateKey, RustCrypto,
    Signer, SigningKey, Verdict, VerifyingBackend, verify, verify_with_arc,
};
use mail::mail_body;

const NOW: u64 = 1_800_000_000;

/// The 15-field header of the other benches (verify.rs).
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

fn example_key(name: &str) -> PrivateKey {
    let path = format!("{}/../examples/data/{name}", env!("CARGO_MANIFEST_DIR"));
    PrivateKey::from_pem(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rsa_key() -> PrivateKey {
    example_key("rsa2048.pem")
}

/// The RSA-2048 example key held by AWS-LC (its PKCS#8 DER from the PEM).
fn aws_lc_key() -> AwsLcRsaSigningKey {
    use base64ct::{Base64, Encoding};
    let path = format!("{}/../examples/data/rsa2048.pem", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = Base64::decode_vec(&b64).expect("PEM base64");
    AwsLcRsaSigningKey::from_pkcs8_der(&der).expect("AWS-LC key")
}

/// A key and backend the groups run with: the suffix of its benchmark ids, the signing key, the key record the
/// lookups answer with (the same public key), and the verifying policy.
struct Kind {
    suffix: &'static str,
    key: Box<dyn SigningKey>,
    keys: Keys,
    policy: Policy,
}

fn kinds() -> Vec<Kind> {
    let rsa = rsa_key();
    let ed = example_key("ed25519.pem");
    vec![
        Kind { suffix: "", keys: Keys::new(&rsa), key: Box::new(rsa), policy: Policy::default() },
        Kind { suffix: "_ed25519", keys: Keys::new(&ed), key: Box::new(ed), policy: Policy::default() },
        Kind {
            suffix: "_awslc",
            keys: Keys::new(&rsa_key()),
            key: Box::new(aws_lc_key()),
            policy: Policy::default().backend(&AwsLcRs),
        },
    ]
}

fn message(size: usize) -> Vec<u8> {
    let mut m = HEADER.as_bytes().to_vec();
    m.extend_from_slice(&mail_body(size));
    m
}

/// One key record for every name asked (every signature and seal here is by the same key), parsed once: the
/// lookup answers from memory, as a cache of parsed records would.
struct Keys(Arc<KeyRecord>);

impl Keys {
    fn new(key: &PrivateKey) -> Self {
        let text = key.dns_record().text().to_owned();
        Self(Arc::new(KeyRecord::parse(text.as_bytes(), &Limits::default()).expect("key record")))
    }

    fn lookup(&self) -> impl FnMut(&KeyRequest) -> KeyAnswer + '_ {
        |_| KeyAnswer::Parsed { record: Arc::clone(&self.0), dnssec: Dnssec::Unknown }
    }
}

fn signer<K: SigningKey>(key: K, domain: &str, selector: &str) -> Signer<K> {
    Signer::builder(key, domain, selector).timestamp(NOW - 60).build().expect("signer")
}

fn sealer<K: SigningKey>(key: K, hop: u32) -> Sealer<K> {
    let id = format!("hop{hop}.example");
    Sealer::new(key, &id, "arc", &id).expect("sealer").timestamp(NOW - 60 + u64::from(hop))
}

fn arc_result(message: &[u8], keys: &Keys) -> ArcResult {
    verify_with_arc(message, &Policy::default(), Now::unix(NOW), keys.lookup()).expect("verify_with_arc").1
}

/// `message` with one more hop: an `Authentication-Results: hopN.example; arc=<cv>` field, then the hop's set.
fn add_hop<K: SigningKey>(message: &[u8], key: K, keys: &Keys, hop: u32) -> Vec<u8> {
    let chain = arc_result(message, keys);
    let ar = format!("Authentication-Results: hop{hop}.example; arc={}\r\n", chain.status());
    let with_ar = [ar.as_bytes(), message].concat();
    let set = sealer(key, hop).seal(&with_ar, &chain).expect("seal");
    [set.as_bytes(), &with_ar].concat()
}

/// Counts the signature checks made through it (RustCrypto underneath).
#[derive(Debug, Default)]
struct Counting(AtomicUsize);

impl VerifyingBackend for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }

    fn verify(
        &self,
        key: &PublicKey,
        algorithm: Algorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        RustCrypto.verify(key, algorithm, digest, signature)
    }
}

/// Counts the signatures made through it.
struct CountingKey<'a>(&'a PrivateKey, AtomicUsize);

impl SigningKey for &CountingKey<'_> {
    fn algorithm(&self) -> Algorithm {
        self.0.algorithm()
    }

    fn bits(&self) -> Option<u32> {
        SigningKey::bits(self.0)
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.sign_digest(digest)
    }
}

/// The RSA operations each timed call of `group` makes (counted before timing), for floors.py:
/// target/criterion/GROUP/rsa-ops.json.
fn write_counts(group: &str, a: (&str, usize), b: (&str, usize)) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion").join(group);
    std::fs::create_dir_all(&dir).expect("target/criterion");
    let text = format!("{{\"{}\": {}, \"{}\": {}}}\n", a.0, a.1, b.0, b.1);
    std::fs::write(dir.join("rsa-ops.json"), text).expect("write rsa-ops.json");
}

fn count_checks(run: impl FnOnce(&Policy)) -> usize {
    let counting: &'static Counting = Box::leak(Box::default());
    run(&Policy::default().backend(counting));
    counting.0.load(Ordering::Relaxed)
}

/// The `arc_verify` messages of one kind: the 3-hop chain with one DKIM signature, and 4 DKIM signatures, each
/// checked to pass.
fn verify_messages(kind: &Kind) -> (Vec<u8>, Vec<u8>) {
    let (key, keys) = (&*kind.key, &kind.keys);
    let base = message(64 * 1024);
    // One DKIM signature by the originator, then three hops.
    let mut arc = [signer(key, "example.com", "2026").sign(&base).expect("sign").as_bytes(), &base].concat();
    for hop in 1..=3 {
        arc = add_hop(&arc, key, keys, hop);
    }
    // The baseline: four DKIM signatures (four selectors, same key) on the same message.
    let mut dkim4 = Vec::new();
    for s in 1..=4 {
        dkim4.extend_from_slice(signer(key, "example.com", &format!("s{s}")).sign(&base).expect("sign").as_bytes());
    }
    dkim4.extend_from_slice(&base);

    let (dkim, chain) = verify_with_arc(&arc, &kind.policy, Now::unix(NOW), keys.lookup()).expect("verify");
    assert_eq!(dkim.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass]);
    assert_eq!((chain.status(), chain.instances(), chain.oldest_pass()), (ChainStatus::Pass, 3, Some(1)), "{chain:?}");
    assert!(chain.sets().iter().all(|s| s.seal_valid() == Some(true) && s.message_signature_valid() == Some(true)));
    let results = verify(&dkim4, &kind.policy, Now::unix(NOW), keys.lookup()).expect("verify");
    assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass; 4]);
    (arc, dkim4)
}

fn bench_arc_verify(c: &mut Criterion) {
    let kinds = kinds();
    let messages: Vec<(Vec<u8>, Vec<u8>)> = kinds.iter().map(verify_messages).collect();
    let (arc, dkim4) = &messages[0];
    let keys = &kinds[0].keys;
    let arc_checks = count_checks(|p| drop(verify_with_arc(arc, p, Now::unix(NOW), keys.lookup()).expect("verify")));
    let dkim_checks = count_checks(|p| drop(verify(dkim4, p, Now::unix(NOW), keys.lookup()).expect("verify")));
    eprintln!(
        "arc_verify: arc_3hops_1dkim {} bytes, {arc_checks} RSA verifications; dkim_4sigs {} bytes, {dkim_checks} RSA \
         verifications",
        arc.len(),
        dkim4.len()
    );
    write_counts("arc_verify", ("arc_3hops_1dkim", arc_checks), ("dkim_4sigs", dkim_checks));

    let mut group = c.benchmark_group("arc_verify");
    group.throughput(Throughput::Bytes(64 * 1024));
    for (kind, (arc, dkim4)) in kinds.iter().zip(&messages) {
        let (policy, keys) = (&kind.policy, &kind.keys);
        group.bench_with_input(BenchmarkId::new(format!("arc_3hops_1dkim{}", kind.suffix), "64KiB"), arc, |b, m| {
            b.iter(|| verify_with_arc(black_box(m), policy, Now::unix(NOW), keys.lookup()).expect("verify"))
        });
        group.bench_with_input(BenchmarkId::new(format!("dkim_4sigs{}", kind.suffix), "64KiB"), dkim4, |b, m| {
            b.iter(|| verify(black_box(m), policy, Now::unix(NOW), keys.lookup()).expect("verify"))
        });
    }
    group.finish();
}

fn bench_arc_seal(c: &mut Criterion) {
    let kinds = kinds();
    let base = message(1 << 20);
    // The first hop: its Authentication-Results on top, the chain (none yet) validated once, outside the timing.
    let chain = arc_result(&base, &kinds[0].keys);
    assert_eq!((chain.status(), chain.instances()), (ChainStatus::None, 0));
    let ar = format!("Authentication-Results: hop1.example; arc={}\r\n", chain.status());
    let m = [ar.as_bytes(), &base].concat();

    let key = rsa_key();
    let counting = CountingKey(&key, AtomicUsize::new(0));
    Sealer::new(&counting, "hop1.example", "arc", "hop1.example").expect("sealer").seal(&m, &chain).expect("seal");
    let seal_signs = counting.1.swap(0, Ordering::Relaxed);
    Signer::builder(&counting, "example.com", "2026rsa").build().expect("signer").sign(&m).expect("sign");
    let sign_signs = counting.1.load(Ordering::Relaxed);
    eprintln!("arc_seal: seal {seal_signs} RSA signatures, sign {sign_signs}");
    write_counts("arc_seal", ("seal", seal_signs), ("sign", sign_signs));

    let mut group = c.benchmark_group("arc_seal");
    // About 2 to 4 ms an iteration: 20 samples keep a 3 s measurement within its time.
    group.sample_size(20);
    group.throughput(Throughput::Bytes(m.len() as u64));
    for kind in &kinds {
        let (key, keys) = (&*kind.key, &kind.keys);
        let sealer = sealer(key, 1);
        let signer = signer(key, "example.com", "2026");
        let set = sealer.seal(&m, &chain).expect("seal");
        assert!(set.starts_with("ARC-Seal: i=1; cv=none;"), "{set}");
        let sealed = verify_with_arc(&[set.as_bytes(), &m].concat(), &kind.policy, Now::unix(NOW), keys.lookup())
            .expect("verify_with_arc")
            .1;
        assert_eq!((sealed.status(), sealed.instances()), (ChainStatus::Pass, 1), "{sealed:?}");
        let sig = signer.sign(&m).expect("sign");
        let results =
            verify(&[sig.as_bytes(), &m].concat(), &kind.policy, Now::unix(NOW), keys.lookup()).expect("verify");
        assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass]);

        group.bench_with_input(BenchmarkId::new(format!("seal{}", kind.suffix), "1MiB"), &m, |b, m| {
            b.iter(|| sealer.seal(black_box(m), &chain).expect("seal"))
        });
        group.bench_with_input(BenchmarkId::new(format!("sign{}", kind.suffix), "1MiB"), &m, |b, m| {
            b.iter(|| signer.sign(black_box(m)).expect("sign"))
        });
    }
    group.finish();
}

/// One RSA-2048 verification and one signature alone (the same key and backend as above).
fn bench_arc_parts(c: &mut Criterion) {
    let key = rsa_key();
    let keys = Keys::new(&key);
    let public = keys.0.public_key().expect("public key");
    let digest = [0x5a_u8; 32];
    let sig = key.sign_digest(&digest).expect("sign");
    assert_eq!(RustCrypto.verify(public, Algorithm::RsaSha256, &digest, &sig), Ok(()));
    let mut group = c.benchmark_group("arc_parts");
    group.bench_function("rsa2048_verify", |b| {
        b.iter(|| RustCrypto.verify(public, Algorithm::RsaSha256, black_box(&digest), black_box(&sig)))
    });
    group.sample_size(20);
    group.bench_function("rsa2048_sign", |b| b.iter(|| key.sign_digest(black_box(&digest))));
    group.finish();
}

criterion_group!(benches, bench_arc_verify, bench_arc_seal, bench_arc_parts);
criterion_main!(benches);
