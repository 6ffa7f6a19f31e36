//! ARC (RFC 8617): chains sealed by dkimpy (tests/data/arc, made by gen.py
//! there) validated here, chains sealed here, and the section 5.2 rules one
//! by one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dkim_core::arc::{ArcField, ArcReason, ChainStatus, SealError, Sealer};
use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, Reason, verify_with_arc};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/arc").join(name)).unwrap()
}

fn rsa_key() -> PrivateKey {
    let pem = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/rsa2048.pem"));
    PrivateKey::from_pem(&pem.unwrap()).unwrap()
}

fn ed_key() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[11; 32])
}

/// Keys: example.com/2026rsa (the example RSA key, as dkimpy used) and
/// forwarder.example/ed (an Ed25519 key of these tests).
fn lookup(r: &KeyRequest) -> KeyAnswer {
    match r.name() {
        "2026rsa._domainkey.example.com" => KeyAnswer::text(rsa_key().dns_record().text()),
        "ed._domainkey.forwarder.example" => KeyAnswer::text(PrivateKey::Ed25519(ed_key()).dns_record().text()),
        _ => KeyAnswer::NoRecord,
    }
}

const NOW: u64 = 1_767_300_000;

fn arc(message: &[u8]) -> dkim_core::arc::ArcResult {
    verify_with_arc(message, &Policy::default(), Now::unix(NOW), lookup).unwrap().1
}

fn forwarder() -> Sealer<Ed25519SigningKey> {
    Sealer::new(ed_key(), "forwarder.example", "ed", "forwarder.example").unwrap().timestamp(NOW)
}

/// `message` with an Authentication-Results of `id` on top (saying `arc`
/// when given) and sealed by the Ed25519 forwarder.
fn seal_hop(message: &[u8]) -> Result<Vec<u8>, SealError> {
    let chain = arc(message);
    let ar = format!("Authentication-Results: forwarder.example; arc={}; dkim=none\r\n", chain.status());
    let with_ar = [ar.as_bytes(), message].concat();
    let set = forwarder().seal(&with_ar, &chain)?;
    Ok([set.as_bytes(), &with_ar].concat())
}

#[test]
fn dkimpy_chains_of_one_to_three_sets_pass() {
    for (file, n) in [("chain1.eml", 1), ("chain2.eml", 2), ("chain3.eml", 3)] {
        let r = arc(&data(file));
        assert_eq!((r.status(), r.instances(), r.oldest_pass()), (ChainStatus::Pass, n, Some(1)), "{file}: {r:?}");
        assert_eq!(r.sets().len(), n as usize);
        assert!(r.sets().iter().all(|s| s.seal_valid() == Some(true) && s.message_signature_valid() == Some(true)));
        assert_eq!(r.sets()[0].authserv_id(), "hop1.example");
    }
}

#[test]
fn a_body_changed_after_the_last_seal_fails_on_its_ams() {
    let r = arc(&data("chain2-footer.eml"));
    assert_eq!(r.status(), ChainStatus::Fail);
    assert_eq!(r.reason(), Some(&ArcReason::MessageSignature { instance: 2, reason: Reason::BodyHashMismatch }));
}

#[test]
fn a_chain_sealed_as_failed_stays_failed_and_takes_no_new_set() {
    let m = data("chain3-sealed-fail.eml");
    let r = arc(&m);
    assert_eq!(r.status(), ChainStatus::Fail);
    assert_eq!(r.reason(), Some(&ArcReason::SealedAsFailed { instance: 3 }));
    assert_eq!(seal_hop(&m), Err(SealError::ChainAlreadyFailed { instance: 3 }));
}

#[test]
fn our_seals_extend_dkimpy_chains_and_oldest_pass_tracks_changes() {
    // Unsigned message: the first seal says cv=none.
    let base = b"From: joe@example.com\r\nTo: x@example.net\r\nSubject: hi\r\n\r\nBody\r\n";
    let one = seal_hop(base).unwrap();
    assert!(one.starts_with(b"ARC-Seal: i=1; cv=none; a=ed25519-sha256; d=forwarder.example; s=ed;"));
    let r = arc(&one);
    assert_eq!((r.status(), r.instances(), r.oldest_pass()), (ChainStatus::Pass, 1, Some(1)), "{r:?}");
    // On dkimpy's 3-set chain: a fourth set, cv=pass.
    let four = seal_hop(&data("chain3.eml")).unwrap();
    assert!(four.starts_with(b"ARC-Seal: i=4; cv=pass;"));
    let r = arc(&four);
    assert_eq!((r.status(), r.instances(), r.oldest_pass()), (ChainStatus::Pass, 4, Some(1)), "{r:?}");
    // A list: it validates dkimpy's 2-set chain (pass), then tags the
    // subject, then seals. The chain passes, but only from set 3 on: the
    // latest AMS (ours) signs the new subject, set 2's does not.
    let two = data("chain2.eml");
    let chain = arc(&two);
    let ar = "Authentication-Results: forwarder.example; arc=pass\r\n";
    let tagged =
        [ar, &String::from_utf8(two).unwrap().replace("Subject: ARC test", "Subject: [list] ARC test")].concat();
    let set = forwarder().seal(tagged.as_bytes(), &chain).unwrap();
    assert!(set.starts_with("ARC-Seal: i=3; cv=pass;"));
    assert!(set.contains("ARC-Authentication-Results: i=3; forwarder.example;\r\n arc=pass\r\n"), "{set}");
    let r = arc(&[set.as_bytes(), tagged.as_bytes()].concat());
    assert_eq!((r.status(), r.oldest_pass()), (ChainStatus::Pass, Some(3)), "{r:?}");
    // The footer case: our seal over a broken chain says cv=fail.
    let sealed = seal_hop(&data("chain2-footer.eml")).unwrap();
    assert!(sealed.starts_with(b"ARC-Seal: i=3; cv=fail;"));
    assert_eq!(arc(&sealed).reason(), Some(&ArcReason::SealedAsFailed { instance: 3 }));
}

fn text(file: &str) -> String {
    String::from_utf8(data(file)).unwrap()
}

/// `chain2.eml` with the field starting `prefix` of set `instance` removed.
fn without(prefix: &str, instance: u32) -> Vec<u8> {
    let t = text("chain2.eml");
    let start = t.find(&format!("{prefix}: i={instance};")).unwrap();
    let end = start + t[start..].find("\nA").map_or(t.len() - start, |p| p + 1);
    [&t[..start], &t[end..]].concat().into_bytes()
}

#[test]
fn the_form_rules_one_by_one() {
    // A missing AS, AMS or AAR.
    for (prefix, field) in [
        ("ARC-Seal", ArcField::Seal),
        ("ARC-Message-Signature", ArcField::MessageSignature),
        ("ARC-Authentication-Results", ArcField::AuthResults),
    ] {
        let r = arc(&without(prefix, 1));
        assert_eq!(r.reason(), Some(&ArcReason::Missing { instance: 1, field }), "{prefix}");
        assert_eq!(r.status(), ChainStatus::Fail);
        assert_eq!(r.instances(), 2, "the sets found, though the form is broken");
    }
    // A gap: set 2 present, set 1 gone entirely.
    let t = text("chain2.eml");
    let set1 = t.find("ARC-Seal: i=1;").unwrap();
    let end = t.find("Authentication-Results: hop1.example").unwrap();
    let gap = [&t[..set1], &t[end..]].concat();
    assert_eq!(arc(gap.as_bytes()).reason(), Some(&ArcReason::Missing { instance: 1, field: ArcField::Seal }));
    // A duplicate instance.
    let aar = "ARC-Authentication-Results: i=1; other.example; spf=pass\r\n";
    let dup = [aar, &t].concat();
    assert_eq!(arc(dup.as_bytes()).reason(), Some(&ArcReason::Duplicate { instance: 1, field: ArcField::AuthResults }));
    // i=51.
    let over = ["ARC-Authentication-Results: i=51; other.example; spf=pass\r\n", &t].concat();
    let r = arc(over.as_bytes());
    assert_eq!((r.reason(), r.instances()), (Some(&ArcReason::TooManyInstances { found: 51 }), 51));
    // A malformed seal names the field and the tag.
    let bad = t.replacen("ARC-Seal: i=2; cv=pass;", "ARC-Seal: i=2; cv=perhaps;", 1);
    assert!(matches!(
        arc(bad.as_bytes()).reason(),
        Some(ArcReason::Malformed { instance: Some(2), field: ArcField::Seal, .. })
    ));
}

#[test]
fn the_cv_rules() {
    let t = text("chain2.eml");
    // cv=pass at instance 1 (the signature breaks too, but the rule decides first).
    let wrong = t.replacen("i=1; cv=none;", "i=1; cv=pass;", 1);
    assert_eq!(
        arc(wrong.as_bytes()).reason(),
        Some(&ArcReason::WrongChainStatus { instance: 1, found: ChainStatus::Pass })
    );
    let wrong = t.replacen("i=2; cv=pass;", "i=2; cv=none;", 1);
    assert_eq!(
        arc(wrong.as_bytes()).reason(),
        Some(&ArcReason::WrongChainStatus { instance: 2, found: ChainStatus::None })
    );
}

#[test]
fn signed_header_or_seal_changes_after_sealing_fail() {
    let t = text("chain2.eml");
    // A signed header changed: the latest AMS fails.
    let changed = t.replacen("Subject: ARC test", "Subject: changed", 1);
    assert!(matches!(
        arc(changed.as_bytes()).reason(),
        Some(ArcReason::MessageSignature { instance: 2, reason: Reason::SignatureMismatch })
    ));
    // The first AAR changed: the seals over it fail.
    let aar = t.replacen("i=1; hop1.example;", "i=1; hop1.example; dmarc=pass;", 1);
    assert!(matches!(arc(aar.as_bytes()).reason(), Some(ArcReason::Seal { instance: 2, .. })));
    // A seal made with the wrong key: set 2 resealed by our Ed25519 key
    // under dkimpy's name (d=example.com, s=2026rsa).
    let wrong_key = t.replacen("ARC-Seal: i=2; cv=pass; a=rsa-sha256;", "ARC-Seal: i=2; cv=pass; a=ed25519-sha256;", 1);
    assert!(matches!(
        arc(wrong_key.as_bytes()).reason(),
        Some(ArcReason::Seal { instance: 2, reason: Reason::KeyTypeMismatch { .. } })
    ));
    // No key for the latest seal: a failure naming the record.
    let no_key = t.replacen(
        "cv=pass; a=rsa-sha256; d=example.com; s=2026rsa;",
        "cv=pass; a=rsa-sha256; d=example.com; s=gone;",
        1,
    );
    assert!(matches!(
        arc(no_key.as_bytes()).reason(),
        Some(ArcReason::Seal { instance: 2, reason: Reason::NoRecord { .. } })
    ));
    // An earlier seal changed: the later seal, which signs it, fails first.
    let earlier = t.replacen(
        "i=1; cv=none; a=rsa-sha256; d=example.com; s=2026rsa;",
        "i=1; cv=none; a=rsa-sha256; d=example.com; s=gone;",
        1,
    );
    assert!(matches!(
        arc(earlier.as_bytes()).reason(),
        Some(ArcReason::Seal { instance: 2, reason: Reason::SignatureMismatch })
    ));
}

#[test]
fn fifty_sets_take_no_fifty_first_and_hostile_counts_stop_early() {
    let mut m = b"From: joe@example.com\r\nSubject: hi\r\n\r\nBody\r\n".to_vec();
    for _ in 0..50 {
        m = seal_hop(&m).unwrap();
    }
    let r = arc(&m);
    assert_eq!((r.status(), r.instances()), (ChainStatus::Pass, 50), "{:?}", r.reason());
    assert_eq!(seal_hop(&m), Err(SealError::TooManyInstances));
    // 200 forged AARs: refused on the count, no key lookups.
    let mut hostile = String::new();
    for i in 1..=200 {
        hostile.push_str(&format!("ARC-Authentication-Results: i={}; x.example; spf=pass\r\n", i % 50 + 1));
    }
    hostile.push_str("From: a@example.com\r\n\r\n");
    let mut asked = 0;
    let (_, r) = verify_with_arc(hostile.as_bytes(), &Policy::default(), Now::unix(NOW), |_| {
        asked += 1;
        KeyAnswer::NoRecord
    })
    .unwrap();
    assert_eq!(r.status(), ChainStatus::Fail);
    assert_eq!(asked, 0);
}

#[test]
fn one_key_answer_serves_dkim_and_arc() {
    // A DKIM signature and ARC sets by the same key: one request.
    let m = data("chain3.eml");
    let signer = dkim_core::Signer::builder(rsa_key(), "example.com", "2026rsa").timestamp(NOW).build().unwrap();
    let signed = [signer.sign(&m).unwrap().as_bytes(), &m].concat();
    let mut names = Vec::new();
    let (dkim, r) = verify_with_arc(&signed, &Policy::default(), Now::unix(NOW), |q| {
        names.push(q.name().to_owned());
        lookup(q)
    })
    .unwrap();
    assert_eq!(names, ["2026rsa._domainkey.example.com"]);
    assert_eq!(dkim[0].verdict(), dkim_core::Verdict::Pass);
    assert_eq!(r.status(), ChainStatus::Pass);
}

#[test]
fn the_arc_result_in_authentication_results() {
    let mut ar = dkim_core::AuthResults::new("mx.example");
    ar.arc(&arc(&data("chain3.eml")));
    assert_eq!(ar.to_value(), "mx.example;\r\n\tdkim=none;\r\n\tarc=pass header.oldest-pass=1");
    // A failing chain: the reason as a comment, nothing injected.
    let t = text("chain2.eml").replacen("ARC-Seal: i=2; cv=pass;", "ARC-Seal: i=2; cv=maybe\r\nX-Injected: 1;", 1);
    let r = arc(t.as_bytes());
    let mut ar = dkim_core::AuthResults::new("mx.example");
    ar.arc(&r);
    let value = ar.to_value();
    assert!(value.contains("\tarc=fail ("), "{value}");
    assert!(!value.contains("\r\nX-Injected"), "{value}");
}

#[test]
fn one_lookup_budget_for_dkim_and_arc() {
    let m = data("chain3.eml");
    let signer = dkim_core::Signer::builder(PrivateKey::Ed25519(ed_key()), "forwarder.example", "ed")
        .timestamp(NOW)
        .build()
        .unwrap();
    let signed = [signer.sign(&m).unwrap().as_bytes(), &m].concat();
    // Two names: the DKIM key and the ARC key. A budget of one: the DKIM
    // signature (first in the header) gets it, the chain fails on it.
    let policy = Policy::default().max_key_lookups(1);
    let mut asked = Vec::new();
    let (dkim, r) = verify_with_arc(&signed, &policy, Now::unix(NOW), |q| {
        asked.push(q.name().to_owned());
        lookup(q)
    })
    .unwrap();
    assert_eq!(asked, ["ed._domainkey.forwarder.example"]);
    assert_eq!(dkim[0].verdict(), dkim_core::Verdict::Pass);
    assert_eq!(r.status(), ChainStatus::Fail);
    assert!(
        matches!(
            r.reason(),
            Some(ArcReason::MessageSignature { instance: 3, reason: Reason::TooManyKeyLookups { limit: 1 } })
        ),
        "{:?}",
        r.reason()
    );
    // With two, both pass.
    let (dkim, r) = verify_with_arc(&signed, &Policy::default().max_key_lookups(2), Now::unix(NOW), lookup).unwrap();
    assert_eq!((dkim[0].verdict(), r.status()), (dkim_core::Verdict::Pass, ChainStatus::Pass));
}

/// Verifies `message` in `chunk`-byte pieces with the seal's body hash
/// added to the verifier's pass, then seals: the set made from the shared
/// hash.
fn seal_in_one_pass(message: &[u8], chunk: usize) -> Result<String, SealError> {
    use dkim_core::{HeaderStatus, Step, Verifier};
    let mut v = Verifier::with_arc(Policy::default(), Now::unix(NOW));
    let mut session = forwarder().into_session();
    let mut id = None;
    for piece in message.chunks(chunk) {
        match id {
            Some(_) => v.body(piece),
            None => {
                session.headers(piece)?;
                if let HeaderStatus::Complete(start) = v.headers(piece).unwrap() {
                    id = Some(v.add_body_hash(session.body_hash_key()).unwrap());
                    v.body(&piece[start..]);
                }
            }
        }
        if let Step::NeedKeys(requests) = v.step() {
            for r in requests {
                v.answer_key(r.id(), lookup(&r));
            }
        }
    }
    v.finish().unwrap();
    assert!(matches!(v.step(), Step::Done));
    let chain = v.arc_result().cloned().unwrap();
    session.finish_with_body_hash(&chain, v.body_hash(id.unwrap()).unwrap())
}

#[test]
fn a_seal_from_the_verifiers_body_hash_is_the_seal_from_its_own() {
    // dkimpy's chains (an RSA DKIM signature and AMS with relaxed/relaxed
    // SHA-256: the hash is shared with theirs), a footer that broke one, and
    // a message with no chain and no signature (the hash is the seal's alone).
    let plain = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello \t there  \r\n\r\n\r\n".to_vec();
    for (name, message) in [
        ("chain1", data("chain1.eml")),
        ("chain3", data("chain3.eml")),
        ("footer", data("chain2-footer.eml")),
        ("plain", plain),
    ] {
        let own = forwarder().seal(&message, &arc(&message)).unwrap();
        for chunk in [1, 7, 64, 4096, message.len()] {
            assert_eq!(seal_in_one_pass(&message, chunk).unwrap(), own, "{name} in {chunk}-byte pieces");
        }
    }
    // A chain that a seal declared failed still takes no new set.
    let failed = data("chain3-sealed-fail.eml");
    assert!(matches!(seal_in_one_pass(&failed, 512), Err(SealError::ChainAlreadyFailed { .. })));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any body (whitespace runs, bare CR and LF, trailing empty lines), in
    /// any piece size: the seal made from the verifier's body hash is the
    /// seal made from its own.
    #[test]
    fn the_shared_body_hash_seals_as_the_own_one(
        body in proptest::collection::vec(proptest::sample::select(&b" \t\r\nab"[..]), 0..300),
        chunk in 1usize..80,
    ) {
        let message = [&b"From: joe@example.com\r\nSubject: hi\r\n\r\n"[..], &body].concat();
        let own = forwarder().seal(&message, &arc(&message)).unwrap();
        proptest::prop_assert_eq!(seal_in_one_pass(&message, chunk).unwrap(), own);
    }
}

/// A message whose header never ends (no empty line, so no body): the
/// one-call functions answer the key requests that only the end of the
/// message raises, as the streaming verifier's caller does. Found by the
/// `arc_chain` fuzz target (a chain of three sets with no empty line after
/// the header was reported `none`).
#[test]
fn a_message_without_an_empty_line_is_judged_with_its_keys() {
    use dkim_core::{Signer, Verdict, verify};
    // dkimpy's chain of three sets (and its DKIM signature), the empty line
    // and the body cut off: still a passing chain? No: the AMS signed a
    // body, and this message has none. But it is a chain of 3, judged.
    let full = data("chain3.eml");
    let end = full.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 2;
    let header_only = &full[..end];
    let chain = arc(header_only);
    assert_eq!(chain.instances(), 3, "{chain:?}");
    assert_eq!(chain.status(), ChainStatus::Fail, "{chain:?}");
    // A message signed with an empty body and sent without the empty line
    // passes, in both one-call functions.
    let key = rsa_key();
    let message = b"From: joe@example.com\r\nSubject: hi\r\n";
    let signer = Signer::builder(&key, "example.com", "2026rsa").timestamp(NOW).build().unwrap();
    let signed = [signer.sign(&[&message[..], b"\r\n"].concat()).unwrap().as_bytes(), &message[..]].concat();
    let results = verify(&signed, &Policy::default(), Now::unix(NOW), lookup).unwrap();
    assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass], "{results:?}");
    let (results, chain) = verify_with_arc(&signed, &Policy::default(), Now::unix(NOW), lookup).unwrap();
    assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass], "{results:?}");
    assert_eq!(chain.status(), ChainStatus::None);
}
