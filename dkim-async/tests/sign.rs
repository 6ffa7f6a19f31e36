//! `sign_reader`: several keys, one pass over a stream, then verified.

#![allow(clippy::unwrap_used)]

mod support;

use dkim_async::{AsyncVerifier, SigningError, sign_reader};
use dkim_core::crypto::PrivateKey;
use dkim_core::{Policy, SignatureResult, Signer, SigningKey, TxtRecord, Verdict};
use futures::executor::block_on;
use support::*;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data");

fn pem_key(file: &str) -> PrivateKey {
    PrivateKey::from_pem(&std::fs::read_to_string(format!("{DATA}/{file}")).unwrap()).unwrap()
}

fn verdicts(results: &[SignatureResult]) -> Vec<Verdict> {
    results.iter().map(SignatureResult::verdict).collect()
}

#[test]
fn several_keys_one_pass_then_verified() {
    let rsa = pem_key("rsa2048.pem");
    let ed = pem_key("ed25519.pem");
    let mut keys = keys_for(1);
    keys.insert(
        "rsa._domainkey.example.com",
        TxtRecord::from_text(&format!("v=DKIM1; k=rsa; p={}", rsa.public_key_base64())),
    );
    keys.insert(
        "ed._domainkey.example.com",
        TxtRecord::from_text(&format!("v=DKIM1; k=ed25519; p={}", ed.public_key_base64())),
    );
    let boxed = |k: Box<dyn SigningKey + Send + Sync>, s: &str| {
        Signer::builder(k, "example.com", s).timestamp(SIGNED_AT).build().unwrap()
    };
    let signers = vec![boxed(Box::new(rsa), "rsa"), boxed(Box::new(ed), "ed"), boxed(Box::new(ed_key(1)), "s1")];

    let mut reader = Chunked::new(MESSAGE, 7).stalling();
    let fields = block_on(sign_reader(signers, &mut reader)).unwrap();
    assert_eq!(reader.reads, MESSAGE.len().div_ceil(7) + 1, "one pass, to the end");
    assert_eq!(fields.len(), 3);
    assert!(fields[0].starts_with("DKIM-Signature: a=rsa-sha256;"));
    assert!(fields.iter().all(|f| f.ends_with("\r\n")));

    let mut signed = fields.concat().into_bytes();
    signed.extend_from_slice(MESSAGE);
    let verifier = AsyncVerifier::new(keys, Policy::default().now(SIGNED_AT));
    let results = block_on(verifier.verify_reader(Chunked::new(&signed, 1))).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass; 3]);
    let selectors: Vec<_> = results.iter().map(|r| r.selector().unwrap()).collect();
    assert_eq!(selectors, ["rsa", "ed", "s1"]);
}

#[test]
fn same_fields_as_the_core_signer() {
    let signers = || vec![ed_signer(1), ed_signer(2)];
    for max in [1, 3, 1000] {
        let streamed = block_on(sign_reader(signers(), Chunked::new(MESSAGE, max))).unwrap();
        let whole = sign(MESSAGE, signers());
        assert_eq!(streamed.concat().as_bytes(), &whole[..whole.len() - MESSAGE.len()]);
    }
}

#[tokio::test]
async fn under_tokio() {
    let fields = sign_reader(vec![ed_signer(3)], Chunked::new(MESSAGE, 5)).await.unwrap();
    let mut signed = fields.concat().into_bytes();
    signed.extend_from_slice(MESSAGE);
    let results = AsyncVerifier::new(keys_for(3), Policy::default()).verify_bytes(&signed).await.unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass]);
}

#[test]
fn errors() {
    let err = block_on(sign_reader(vec![ed_signer(1)], &b"Subject: no from\r\n\r\nbody\r\n"[..])).unwrap_err();
    assert!(matches!(err, SigningError::Signing(dkim_core::SigningError::NoFrom)), "{err}");
    // A header-only message is signed with an empty body.
    assert_eq!(block_on(sign_reader(vec![ed_signer(1)], &b"From: a@example.com\r\n"[..])).unwrap().len(), 1);
}
