//! ARC through `AsyncVerifier`: a dkimpy chain streamed in small chunks, the
//! DKIM and ARC keys looked up concurrently, and sealing in the same pass.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dkim_async::{AsyncVerifier, ManualClock};
use dkim_core::arc::{ChainStatus, Sealer};
use dkim_core::{Ed25519SigningKey, Policy, PrivateKey, Signer, Verdict};
use dkim_dns::{KeySource, Lookup, StaticKeys};

const NOW: u64 = 1_767_300_000;

fn chain3() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../dkim-core/tests/data/arc/chain3.eml")).unwrap()
}

fn rsa() -> PrivateKey {
    let pem = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/rsa2048.pem"));
    PrivateKey::from_pem(&pem.unwrap()).unwrap()
}

fn ed() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[21; 32])
}

fn keys() -> StaticKeys {
    let rsa = rsa().dns_record();
    let ed = PrivateKey::Ed25519(ed()).dns_record();
    StaticKeys::new([("2026rsa._domainkey.example.com", rsa.text()), ("ed._domainkey.forwarder.example", ed.text())])
}

/// A key source that answers only once `wanted` lookups are in flight at
/// the same time: a verifier that looked keys up one after another would
/// never get an answer (and time out).
struct Together {
    keys: StaticKeys,
    in_flight: AtomicUsize,
    wanted: usize,
}

impl KeySource for Together {
    async fn lookup_txt(&self, name: &str) -> Lookup {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        while self.in_flight.load(Ordering::SeqCst) < self.wanted {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        self.keys.lookup_txt(name).await
    }
}

#[tokio::test]
async fn a_streamed_chain_with_a_dkim_signature_gets_both_results_with_concurrent_lookups() {
    let signer = Signer::builder(PrivateKey::Ed25519(ed()), "forwarder.example", "ed").timestamp(NOW).build().unwrap();
    let m = chain3();
    let signed = [signer.sign(&m).unwrap().as_bytes(), &m].concat();
    let source = Arc::new(Together { keys: keys(), in_flight: AtomicUsize::new(0), wanted: 2 });
    let verifier = AsyncVerifier::new(Arc::clone(&source), Policy::default())
        .clock(ManualClock::new(NOW))
        .timer(dkim_async::FuturesTimer)
        .lookup_timeout(Duration::from_secs(5))
        .chunk_size(64);
    let (dkim, arc) = verifier.verify_bytes_with_arc(&signed).await.unwrap();
    assert_eq!(dkim[0].verdict(), Verdict::Pass);
    assert_eq!((arc.status(), arc.instances(), arc.oldest_pass()), (ChainStatus::Pass, 3, Some(1)));
    assert_eq!(source.in_flight.load(Ordering::SeqCst), 2, "one lookup per name, both at once");
}

#[tokio::test]
async fn sealing_from_a_reader_in_the_verifying_pass() {
    let verifier = AsyncVerifier::new(keys(), Policy::default()).clock(ManualClock::new(NOW)).chunk_size(100);
    let sealer = Sealer::new(ed(), "forwarder.example", "ed", "forwarder.example").unwrap().timestamp(NOW);
    let m = chain3();
    let ar = "Authentication-Results: forwarder.example; arc=pass\r\n";
    let (_, chain, set) = verifier.seal_reader(&sealer, &m[..], Some(ar)).await.unwrap();
    assert_eq!(chain.status(), ChainStatus::Pass);
    let set = set.unwrap();
    assert!(set.starts_with("ARC-Seal: i=4; cv=pass; a=ed25519-sha256;"), "{set}");
    // The set sealing the whole message in one piece makes: the body hash
    // taken from the verifier's pass is the seal's.
    assert_eq!(set, sealer.seal(&[ar.as_bytes(), &m].concat(), &chain).unwrap());
    assert!(set.contains("ARC-Authentication-Results: i=4; forwarder.example;\r\n arc=pass\r\n"), "{set}");
    // What goes on: the set, our AR, the message; it validates.
    let sealed = [set.as_bytes(), ar.as_bytes(), &m].concat();
    let (_, chain) = verifier.verify_bytes_with_arc(&sealed).await.unwrap();
    assert_eq!((chain.status(), chain.instances()), (ChainStatus::Pass, 4), "{:?}", chain.reason());
    // A body changed after the last seal: sealed with cv=fail.
    let mut broken = m.clone();
    broken.extend_from_slice(b"footer\r\n");
    let (_, chain, set) = verifier.seal_reader(&sealer, &broken[..], None).await.unwrap();
    assert_eq!(chain.status(), ChainStatus::Fail);
    assert!(set.unwrap().starts_with("ARC-Seal: i=4; cv=fail;"));
}
