//! `sign_reader`: several keys, one pass over a stream, then verified.

#![allow(clippy::unwrap_used)]

mod support;

use dkim_async::{AsyncVerifier, ManualClock, StreamError, sign_reader};
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
    let verifier = AsyncVerifier::new(keys, Policy::default()).clock(ManualClock::new(SIGNED_AT));
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
    assert!(matches!(err, StreamError::Sign(dkim_core::SignError::NoFrom)), "{err}");
    // A header-only message is signed with an empty body.
    assert_eq!(block_on(sign_reader(vec![ed_signer(1)], &b"From: a@example.com\r\n"[..])).unwrap().len(), 1);
}

/// An async key standing in for a remote signer: it counts how many
/// signing calls are in flight and answers only after all of them started.
struct RemoteKey {
    key: PrivateKey,
    in_flight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    expected: usize,
}

impl dkim_async::AsyncSigningKey for RemoteKey {
    fn algorithm(&self) -> dkim_core::Algorithm {
        SigningKey::algorithm(&self.key)
    }

    async fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, dkim_core::CryptoError> {
        use std::sync::atomic::Ordering;
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        // Yield until every key's call has started: they run concurrently.
        for _ in 0..10_000 {
            if self.in_flight.load(Ordering::SeqCst) >= self.expected {
                return SigningKey::sign_digest(&self.key, digest);
            }
            yield_now().await;
        }
        Err(dkim_core::CryptoError::backend(std::io::Error::other("the other signing calls never started")))
    }
}

/// Pending once (after waking itself), so other futures get polled.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

#[test]
fn async_keys_sign_concurrently_then_verify() {
    let in_flight = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
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
    let remote = |key: PrivateKey| RemoteKey { key, in_flight: in_flight.clone(), expected: 2 };
    let remotes = [remote(rsa), remote(ed)];
    let external = |k: &RemoteKey, s: &str| {
        let alg = dkim_async::AsyncSigningKey::algorithm(k);
        Signer::builder(dkim_core::ExternalKey::new(alg), "example.com", s).timestamp(SIGNED_AT).build().unwrap()
    };
    let signers = vec![external(&remotes[0], "rsa"), external(&remotes[1], "ed")];
    let fields = block_on(dkim_async::sign_reader_with(signers, &remotes, Chunked::new(MESSAGE, 64))).unwrap();
    assert_eq!(in_flight.load(std::sync::atomic::Ordering::SeqCst), 2);
    let mut signed = fields.concat().into_bytes();
    signed.extend_from_slice(MESSAGE);
    let results =
        block_on(AsyncVerifier::new(keys, Policy::default()).clock(ManualClock::new(SIGNED_AT)).verify_bytes(&signed))
            .unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass; 2]);

    // Mismatches are errors, not wrong signatures.
    let wrong_alg = vec![external(&remotes[1], "rsa"), external(&remotes[0], "ed")];
    let err = block_on(dkim_async::sign_reader_with(wrong_alg, &remotes, MESSAGE)).unwrap_err();
    assert!(err.to_string().contains("built for"), "{err}");
    let err =
        block_on(dkim_async::sign_reader_with(vec![external(&remotes[0], "rsa")], &remotes, MESSAGE)).unwrap_err();
    assert!(err.to_string().contains("1 signers but 2 keys"), "{err}");
    // An ExternalKey cannot sign in-process.
    let err = block_on(sign_reader(vec![external(&remotes[1], "ed")], MESSAGE)).unwrap_err();
    assert!(err.to_string().contains("finish_unsigned"), "{err}");
}
