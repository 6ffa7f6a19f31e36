//! The two crypto backends side by side (`aws-lc-rs` feature): signatures made
//! by one verify with the other, the same inputs are refused by both, the
//! keys AWS-LC does not take fall back to RustCrypto, and a whole message
//! signed with `AwsLcRsaSigningKey` passes the `Verifier` on `AwsLcRs`.
//! `conformance.rs` runs the corpus rows with both backends.

#![cfg(feature = "aws-lc-rs")]
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use base64ct::{Base64, Encoding};
use dkim_core::CryptoError as VerifyError;
use dkim_core::crypto::KeyError;
use dkim_core::{
    Algorithm, AwsLcRs, AwsLcRsaSigningKey, Ed25519SigningKey, KeyType, Now, Policy, PublicKey, Reason, RsaSigningKey,
    RustCrypto, SignSession, Signer, SigningKey, Verdict, VerifyingBackend,
};
use dkim_testkit::{Corpus, txt_line, verify, zone};
use rsa::pkcs8::DecodePrivateKey;
use sha2::Digest as _;

const BACKENDS: [&dyn VerifyingBackend; 2] = [&RustCrypto, &AwsLcRs];

/// A PKCS#8 RSA test key, as DER.
fn pkcs8(path: &str) -> Vec<u8> {
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Base64::decode_vec(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>()).unwrap()
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 document.
fn pkcs1(pkcs8: &[u8]) -> Vec<u8> {
    use rsa::pkcs8::der::Decode;
    rsa::pkcs8::PrivateKeyInfoRef::from_der(pkcs8).unwrap().private_key.as_bytes().to_vec()
}

/// (name, PKCS#8 DER, bits) of the RSA test keys.
fn rsa_keys() -> [(&'static str, Vec<u8>, u32); 3] {
    [
        ("rsa1024", pkcs8("tests/data/diagnose/rsa1024.pem"), 1024),
        ("rsa2048", pkcs8("../examples/data/rsa2048.pem"), 2048),
        ("rsa4096", pkcs8("tests/data/diagnose/rsa4096.pem"), 4096),
    ]
}

fn public(signer: &RsaSigningKey) -> PublicKey {
    PublicKey::from_record_bytes(KeyType::Rsa, &signer.public_key_der(), 8192).unwrap()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

/// Every backend's answer for one check.
fn answers(key: &PublicKey, algorithm: Algorithm, digest: &[u8], sig: &[u8]) -> Vec<Result<(), VerifyError>> {
    BACKENDS.iter().map(|b| b.verify(key, algorithm, digest, sig)).collect()
}

#[test]
fn rsa_sha256_signatures_cross_verify() {
    let digest = sha256(b"cross-backend");
    for (name, der, bits) in rsa_keys() {
        let rust = RsaSigningKey::from_pkcs8_der(&der).unwrap();
        let key = public(&rust);
        assert_eq!(key.bits(), bits, "{name}");
        let mut signatures = vec![("RsaSigningKey", rust.sign_digest(&digest).unwrap())];
        if bits >= 2048 {
            let aws = AwsLcRsaSigningKey::from_pkcs8_der(&der).unwrap();
            assert_eq!(aws.bits(), bits);
            assert_eq!(aws.public_key_der(), rust.public_key_der(), "{name}: the same p= value");
            signatures.push(("AwsLcRsaSigningKey", aws.sign_digest(&digest).unwrap()));
            // PKCS#1 v1.5 is deterministic: the two libraries must agree byte for byte.
            assert_eq!(signatures[0].1, signatures[1].1, "{name}");
        }
        for (signer, sig) in &signatures {
            assert_eq!(answers(&key, Algorithm::RsaSha256, &digest, sig), [Ok(()), Ok(())], "{name} by {signer}");
            // The same signature read as rsa-sha1 is a different DigestInfo.
            let sha1 = &digest[..20];
            assert_eq!(
                answers(&key, Algorithm::RsaSha1, sha1, sig),
                [const { Err(VerifyError::BadSignature) }; 2],
                "{name} by {signer} as rsa-sha1"
            );
        }
    }
}

#[test]
fn rsa_sha1_verifies_in_both() {
    let digest = sha1::Sha1::digest(b"legacy").to_vec();
    for (name, der, _) in rsa_keys() {
        let private = rsa::PrivateKey::from_pkcs8_der(&der).unwrap();
        let sig = private.pkcs1v15_sign_prehash::<sha1::Sha1>(&digest).unwrap();
        let key = public(&RsaSigningKey::from_pkcs8_der(&der).unwrap());
        assert_eq!(answers(&key, Algorithm::RsaSha1, &digest, &sig), [Ok(()), Ok(())], "{name}");
        let mut other = digest.clone();
        other[0] ^= 1;
        assert_eq!(
            answers(&key, Algorithm::RsaSha1, &other, &sig),
            [const { Err(VerifyError::BadSignature) }; 2],
            "{name}"
        );
        // A SHA-1 signature is no rsa-sha256 signature, whatever the digest.
        let padded = [digest.as_slice(), &[0; 12]].concat();
        assert_eq!(
            answers(&key, Algorithm::RsaSha256, &padded, &sig),
            [const { Err(VerifyError::BadSignature) }; 2],
            "{name}"
        );
    }
}

#[test]
fn bad_signatures_refused_by_both() {
    let digest = sha256(b"tamper");
    for (name, der, _) in rsa_keys() {
        let signer = RsaSigningKey::from_pkcs8_der(&der).unwrap();
        let key = public(&signer);
        let sig = signer.sign_digest(&digest).unwrap();
        let mut flipped = sig.clone();
        flipped[10] ^= 0x40;
        let mut other_digest = digest.clone();
        other_digest[31] ^= 1;
        let mut long = sig.clone();
        long.push(0);
        let cases: [(&str, &[u8], &[u8]); 7] = [
            ("flipped bit", &digest, &flipped),
            ("other digest", &other_digest, &sig),
            ("truncated signature", &digest, &sig[1..]),
            ("signature one byte too long", &digest, &long),
            ("empty signature", &digest, &[]),
            ("short digest", &digest[..31], &sig),
            ("all-ones signature", &digest, &vec![0xff; sig.len()]),
        ];
        for (what, d, s) in cases {
            assert_eq!(
                answers(&key, Algorithm::RsaSha256, d, s),
                [const { Err(VerifyError::BadSignature) }; 2],
                "{name}: {what}"
            );
        }
        assert_eq!(
            answers(&key, Algorithm::Ed25519Sha256, &digest, &sig),
            [const { Err(VerifyError::KeyTypeMismatch) }; 2],
            "{name}: RSA key, Ed25519 algorithm"
        );
    }
}

#[test]
fn ed25519_same_in_both() {
    let signer = Ed25519SigningKey::from_seed(&[3; 32]);
    let key = PublicKey::from_record_bytes(KeyType::Ed25519, &signer.public_key_bytes(), 8192).unwrap();
    let digest = sha256(b"ed25519");
    let sig = signer.sign_digest(&digest).unwrap();
    assert_eq!(answers(&key, Algorithm::Ed25519Sha256, &digest, &sig), [Ok(()), Ok(())]);
    let mut flipped = sig.clone();
    flipped[0] ^= 1;
    assert_eq!(
        answers(&key, Algorithm::Ed25519Sha256, &digest, &flipped),
        [const { Err(VerifyError::BadSignature) }; 2]
    );
    assert_eq!(
        answers(&key, Algorithm::Ed25519Sha256, &digest, &sig[..63]),
        [const { Err(VerifyError::BadSignature) }; 2]
    );
    for rsa in [Algorithm::RsaSha256, Algorithm::RsaSha1] {
        assert_eq!(answers(&key, rsa, &digest, &sig), [const { Err(VerifyError::KeyTypeMismatch) }; 2]);
    }
}

/// A 512-bit key (only `Policy::legacy()` lets one through) is outside AWS-LC's
/// 1024..=8192 range: `AwsLcRs` hands it to RustCrypto, so both answer alike.
/// Made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512` and
/// `openssl pkeyutl -sign -pkeyopt digest:sha256` over SHA-256("rsa-512 fallback").
#[test]
fn keys_outside_aws_lc_range_fall_back() {
    const SPKI: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAONWbyCFLSN/S8VbT2AucJCuVYlWbyMXZcOgWNRQFlia7SZQoNvpbjawgW61dAGeARwD6wRhcahPuyXi2AuzA9UCAwEAAQ==";
    const SIG: &str = "tEm5dUkN5etuc4ejki0uRuLmzIVd1Qqyf0qWmRrChW8qZCXQemvDyHlSChbq+WkOZ2gwlA8E5NioE4u1LcxUKA==";
    let key = PublicKey::from_record_bytes(KeyType::Rsa, &Base64::decode_vec(SPKI).unwrap(), 8192).unwrap();
    assert_eq!(key.bits(), 512);
    let digest = sha256(b"rsa-512 fallback");
    let sig = Base64::decode_vec(SIG).unwrap();
    assert_eq!(answers(&key, Algorithm::RsaSha256, &digest, &sig), [Ok(()), Ok(())]);
    let mut flipped = sig.clone();
    flipped[5] ^= 1;
    assert_eq!(answers(&key, Algorithm::RsaSha256, &digest, &flipped), [const { Err(VerifyError::BadSignature) }; 2]);
}

/// `AwsLcRsaSigningKey::from_pem` reads what `PrivateKey::from_pem` reads,
/// PKCS#8 and PKCS#1 (and, with the corpus, one made by another
/// implementation: dkimpy's test key), into the same key; other PEM is
/// refused with the right error.
#[test]
fn aws_lc_signing_key_from_pem() {
    let read = |path: &str| std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let digest = sha256(b"pem");
    let pkcs8_pem = read("../examples/data/rsa2048.pem");
    let wrapped = Base64::encode_string(&pkcs1(&pkcs8("../examples/data/rsa2048.pem")));
    let lines: Vec<&str> = wrapped.as_bytes().chunks(64).map(|l| std::str::from_utf8(l).unwrap()).collect();
    let pkcs1_pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n", lines.join("\n"));
    let mut pems = vec![("pkcs8", pkcs8_pem.clone()), ("pkcs1", pkcs1_pem)];
    if let Some(corpus) = Corpus::open("dkim-core aws-lc PEM") {
        let dkimpy = corpus.read_to_string("dkimpy/upstream/2048_testkey.key");
        assert!(dkimpy.contains("BEGIN RSA PRIVATE KEY"), "a PKCS#1 PEM");
        pems.push(("dkimpy", dkimpy));
        corpus.report_vectors(1, "PEM key");
    }
    for (name, pem) in &pems {
        let aws = AwsLcRsaSigningKey::from_pem(pem).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dkim_core::PrivateKey::Rsa(rust) = dkim_core::PrivateKey::from_pem(pem).unwrap() else { panic!("{name}") };
        assert_eq!(aws.bits(), 2048, "{name}");
        assert_eq!(aws.public_key_der(), rust.public_key_der(), "{name}");
        assert_eq!(aws.sign_digest(&digest).unwrap(), rust.sign_digest(&digest).unwrap(), "{name}");
    }
    let ed = read("../examples/data/ed25519.pem");
    assert_eq!(AwsLcRsaSigningKey::from_pem(&ed).unwrap_err(), KeyError::UnsupportedKeyKind);
    let cert = pkcs8_pem.replace("PRIVATE KEY", "CERTIFICATE");
    assert_eq!(AwsLcRsaSigningKey::from_pem(&cert).unwrap_err(), KeyError::UnsupportedKeyKind);
    assert_eq!(AwsLcRsaSigningKey::from_pem("no PEM here").unwrap_err(), KeyError::Pem);
    let unterminated = pkcs8_pem.replace("-----END PRIVATE KEY-----", "");
    assert_eq!(AwsLcRsaSigningKey::from_pem(&unterminated).unwrap_err(), KeyError::Pem);
    let small = read("tests/data/diagnose/rsa1024.pem");
    assert_eq!(
        AwsLcRsaSigningKey::from_pem(&small).unwrap_err(),
        KeyError::RsaSizeUnsupported { bits: 1024, min: 2048, max: 8192 }
    );
}

#[test]
fn aws_lc_signing_key_sizes_and_formats() {
    let [(_, der1024, _), (_, der2048, _), (_, der4096, _)] = rsa_keys();
    assert_eq!(
        AwsLcRsaSigningKey::from_pkcs8_der(&der1024).unwrap_err(),
        KeyError::RsaSizeUnsupported { bits: 1024, min: 2048, max: 8192 }
    );
    assert_eq!(
        AwsLcRsaSigningKey::from_pkcs1_der(&pkcs1(&der1024)).unwrap_err(),
        KeyError::RsaSizeUnsupported { bits: 1024, min: 2048, max: 8192 }
    );
    let digest = sha256(b"formats");
    for der in [der2048, der4096] {
        let from8 = AwsLcRsaSigningKey::from_pkcs8_der(&der).unwrap();
        let from1 = AwsLcRsaSigningKey::from_pkcs1_der(&pkcs1(&der)).unwrap();
        assert_eq!(from8.bits(), from1.bits());
        assert_eq!(from8.public_key_der(), from1.public_key_der());
        assert_eq!(from8.sign_digest(&digest).unwrap(), from1.sign_digest(&digest).unwrap());
        assert_eq!(from8.algorithm(), Algorithm::RsaSha256);
        assert!(from8.sign_digest(&digest[..20]).is_err(), "a SHA-1-sized digest is refused");
        assert!(format!("{from8:?}").contains(&from8.bits().to_string()));
    }
    // Not RSA, not DER, a PKCS#8 Ed25519 key.
    let ed = pkcs8("../examples/data/ed25519.pem");
    assert_eq!(AwsLcRsaSigningKey::from_pkcs8_der(&ed).unwrap_err(), KeyError::UnsupportedKeyKind);
    assert_eq!(AwsLcRsaSigningKey::from_pkcs8_der(b"not der").unwrap_err(), KeyError::NotAKey);
    assert_eq!(AwsLcRsaSigningKey::from_pkcs1_der(b"not der").unwrap_err(), KeyError::NotAKey);
    // A PKCS#1 key whose primes do not match its modulus: AWS-LC's own check refuses it.
    let mut broken = pkcs1(&pkcs8("../examples/data/rsa2048.pem"));
    let last = broken.len() - 1;
    broken[last] ^= 1;
    assert_eq!(AwsLcRsaSigningKey::from_pkcs1_der(&broken).unwrap_err(), KeyError::NotAKey);
}

#[test]
fn parsed_key_cache_is_invisible() {
    let signer = RsaSigningKey::from_pkcs8_der(&pkcs8("../examples/data/rsa2048.pem")).unwrap();
    let fresh = public(&signer);
    let used = fresh.clone();
    let digest = sha256(b"cache");
    let sig = signer.sign_digest(&digest).unwrap();
    for _ in 0..3 {
        assert_eq!(AwsLcRs.verify(&used, Algorithm::RsaSha256, &digest, &sig), Ok(()));
        assert_eq!(AwsLcRs.verify(&used, Algorithm::RsaSha256, &[0; 32], &sig), Err(VerifyError::BadSignature));
    }
    // Equality and Debug see the key, never AWS-LC's parsed copy of it.
    assert_eq!(used, fresh);
    assert_eq!(format!("{used:?}"), format!("{fresh:?}"));
    let copy = used.clone();
    assert_eq!(AwsLcRs.verify(&copy, Algorithm::RsaSha256, &digest, &sig), Ok(()));
    // The SHA-1 parse is separate from the SHA-256 one and gives its own answers.
    assert_eq!(AwsLcRs.verify(&used, Algorithm::RsaSha1, &digest[..20], &sig), Err(VerifyError::BadSignature));
    assert_eq!(AwsLcRs.verify(&used, Algorithm::RsaSha256, &digest, &sig), Ok(()));
}

#[test]
fn policy_compares_backends_by_name() {
    assert_eq!(Policy::default().backend(&RustCrypto), Policy::default());
    assert_eq!(Policy::default().backend(&AwsLcRs), Policy::default().backend(&AwsLcRs));
    assert_ne!(Policy::default().backend(&AwsLcRs), Policy::default());
    assert_eq!(Policy::default().backend(&AwsLcRs).backend(&RustCrypto), Policy::default());
    assert!(format!("{:?}", Policy::default().backend(&AwsLcRs)).contains("backend: AwsLcRs"));
}

/// Hands every check to `AwsLcRs` and counts them, to see the `Policy`'s
/// backend reach the `Verifier`.
#[derive(Debug)]
struct Counting(AtomicUsize);

impl VerifyingBackend for Counting {
    fn name(&self) -> &'static str {
        "counting aws-lc-rs"
    }

    fn verify(&self, key: &PublicKey, a: Algorithm, digest: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        AwsLcRs.verify(key, a, digest, sig)
    }
}

static COUNTING: Counting = Counting(AtomicUsize::new(0));

#[test]
fn whole_message_signed_and_verified_with_aws_lc() {
    const NOW: u64 = 1_800_000_000;
    let message: &[u8] =
        b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: backends\r\n\r\nHello from AWS-LC.\r\n";
    let der = pkcs8("../examples/data/rsa2048.pem");
    let key = AwsLcRsaSigningKey::from_pkcs8_der(&der).unwrap();
    let record = format!("v=DKIM1; k=rsa; p={}", Base64::encode_string(&key.public_key_der()));
    let zone = zone(&txt_line("aws._domainkey.example.com", &record));
    let signer = Signer::builder(key, "example.com", "aws").timestamp(NOW).build().unwrap();
    let mut session = SignSession::new(vec![signer]);
    let dkim_core::HeaderStatus::Complete(n) = session.headers(message).unwrap() else { panic!("header") };
    session.body(&message[n..]);
    let mut signed = session.finish().unwrap().remove(0).into_bytes();
    assert!(signed.windows(13).any(|w| w == b"a=rsa-sha256;"));
    signed.extend_from_slice(message);

    // The RustCrypto signing key makes the same field, byte for byte.
    let rust = RsaSigningKey::from_pkcs8_der(&der).unwrap();
    let mut session =
        SignSession::new(vec![Signer::builder(rust, "example.com", "aws").timestamp(NOW).build().unwrap()]);
    let _ = session.headers(message).unwrap();
    session.body(&message[n..]);
    assert_eq!(session.finish().unwrap().remove(0).as_bytes(), &signed[..signed.len() - message.len()]);

    let policy = |b: &'static dyn VerifyingBackend| Policy::default().backend(b);
    for backend in [&AwsLcRs as &dyn VerifyingBackend, &RustCrypto, &COUNTING] {
        for chunk in [0, 1, 64] {
            let results = verify(&signed, &zone, policy(backend), Now::unix(NOW + 60), chunk).unwrap();
            assert_eq!(results.len(), 1);
            assert_eq!(results[0].verdict(), Verdict::Pass, "{} chunk {chunk}", backend.name());
        }
    }
    assert_eq!(COUNTING.0.load(Ordering::Relaxed), 3, "one check per verification, through the Policy");

    // A changed signed header reaches the backend and fails there; a changed body never gets that far.
    let mut header_changed = signed.clone();
    let at = header_changed.windows(8).position(|w| w == b"backends").unwrap();
    header_changed[at] = b'B';
    let mut body_changed = signed.clone();
    let last = body_changed.len() - 3;
    body_changed[last] ^= 1;
    for backend in [&AwsLcRs as &dyn VerifyingBackend, &RustCrypto, &COUNTING] {
        let r = verify(&header_changed, &zone, policy(backend), Now::unix(NOW + 60), 0).unwrap();
        assert_eq!((r[0].verdict(), r[0].reason()), (Verdict::Fail, Some(&Reason::SignatureMismatch)));
        let r = verify(&body_changed, &zone, policy(backend), Now::unix(NOW + 60), 0).unwrap();
        assert_eq!((r[0].verdict(), r[0].reason()), (Verdict::Fail, Some(&Reason::BodyHashMismatch)));
    }
    assert_eq!(COUNTING.0.load(Ordering::Relaxed), 4);
}
