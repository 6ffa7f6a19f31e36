//! Whole-chain ARC validation of arbitrary bytes with
//! `dkim_core::verify_with_arc`, keys answered from a fixed set: the
//! example RSA key at `2026rsa._domainkey.example.com` (the key the dkimpy
//! chains of `dkim-core/tests/data/arc` are sealed with, split in two TXT
//! strings as published), the example Ed25519 key at
//! `2026._domainkey.example.com`, a temporary failure at
//! `temp._domainkey.example.com`, no record anywhere else. The whole input
//! is the message (CRLF line ends), verified with `Policy::default()` at a
//! fixed clock.
//!
//! Properties: no panic; the status is `none` exactly when there are no
//! instances and no reason; `pass` has no reason and an oldest pass `o`
//! with `1 <= o <= instances`, one set per instance numbered 1..=N, every
//! seal valid and the latest AMS valid; `fail` has a reason and no oldest
//! pass; more than 50 instances only with `TooManyInstances`; a temporary
//! reason only from the temporary-failure name; the DKIM results equal
//! those of `dkim_core::verify` on the same input (ARC changes nothing in
//! DKIM). For one input in 16 (by length: a second verification and two
//! seals would slow every run some fifteen times): sealing the input (an
//! Ed25519 sealer) with the body hash taken from a streaming verifier's
//! pass (`Verifier::add_body_hash`, `SealSession::finish_with_body_hash`,
//! the input fed in pieces whose size comes from its first byte) gives what
//! the one-call `Sealer::seal` gives: the same set, or the same error; and
//! the streaming verifier's chain is `verify_with_arc`'s.

use dkim_core::arc::{ArcReason, ArcResult, ChainStatus, MAX_INSTANCES, SealError, Sealer};
use dkim_core::{
    Ed25519SigningKey, HeaderStatus, KeyAnswer, KeyRequest, Now, Policy, Step, TempFailCause, TxtRecord, Verifier,
    verify, verify_with_arc,
};

/// `examples/data/dns.zone`, `2026rsa._domainkey.example.com`, in its two
/// strings.
const RSA_RECORD: [&str; 2] = [
    "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkwGEc3Bqtc2kPvRMTJAnVSANLCrExATMEgcPvgXV/FVosNWb9xR9e67nk0YArKngFRj+XhIQcnaFrKEiUb/M8m31dOnWvNMa9aT/TAcb843WF9/s5SAxqSPBZm1QDamNPbmmJ3tL2misTO3S9m+SK4dVdvhc4lqxDl7x0bXxXmzQqo3kS0IKUEglFHoQDkMvR",
    "Nvgh+7WheHEmkcx28+tkMWAcjQiGBGWYvldwLw7hLhyC7DB7QQ2623cAB9i2fkLGyAlm9FDZ1Yy7uy28hFWfVO1MoNI1Tlg3NKrsVb25NqrfIAY8G/C4ZxAcrQm7lwfWswFcrYihJC4RA7Xzdj7iwIDAQAB",
];
/// `examples/data/dns.zone`, `2026._domainkey.example.com`.
const ED25519_RECORD: &str = "v=DKIM1; k=ed25519; p=U6MP8zIgvTcSM2v0gbi3pQW4AowxK0nKWI/w487IWvQ=";
const TEMP_NAME: &str = "temp._domainkey.example.com";
/// After the dkimpy chains' timestamps (2026-01-01).
const NOW: u64 = 1_767_300_000;

fn lookup(r: &KeyRequest) -> KeyAnswer {
    match r.name() {
        "2026rsa._domainkey.example.com" => {
            KeyAnswer::records(vec![TxtRecord::new(RSA_RECORD.iter().map(|s| s.as_bytes().to_vec()).collect())])
        }
        "2026._domainkey.example.com" => KeyAnswer::records(vec![TxtRecord::from_text(ED25519_RECORD)]),
        TEMP_NAME => KeyAnswer::TempFail(TempFailCause::Timeout),
        _ => KeyAnswer::NoRecord,
    }
}

/// The property check of one input.
pub fn check(data: &[u8]) {
    let policy = Policy::default();
    let mut names = Vec::new();
    let outcome = verify_with_arc(data, &policy, Now::unix(NOW), |r| {
        names.push(r.name().to_owned());
        lookup(r)
    });
    let dkim_only = verify(data, &policy, Now::unix(NOW), lookup);
    let (dkim, arc) = match outcome {
        Ok(v) => v,
        Err(e) => {
            assert_eq!(dkim_only, Err(e), "verify and verify_with_arc disagree on the input");
            return;
        }
    };
    assert_eq!(dkim_only.as_ref(), Ok(&dkim), "ARC changes the DKIM results");
    if data.len() % 16 == 0 {
        check_shared_seal(data, &arc);
    }

    let (status, n, reason) = (arc.status(), arc.instances(), arc.reason());
    assert_eq!(status == ChainStatus::None, n == 0 && reason.is_none(), "{arc:?}");
    match status {
        ChainStatus::None => assert!(arc.sets().is_empty() && arc.oldest_pass().is_none(), "{arc:?}"),
        ChainStatus::Pass => {
            assert!(reason.is_none(), "{arc:?}");
            let oldest = arc.oldest_pass().expect("a passing chain has an oldest pass");
            assert!((1..=n).contains(&oldest), "oldest pass {oldest} of {n}: {arc:?}");
            assert!(n <= MAX_INSTANCES, "{arc:?}");
            assert_eq!(arc.sets().len(), n as usize, "{arc:?}");
            for (i, set) in arc.sets().iter().enumerate() {
                assert_eq!(set.instance() as usize, i + 1, "{arc:?}");
                assert_eq!(set.seal_valid(), Some(true), "{arc:?}");
                let want = if i == 0 { ChainStatus::None } else { ChainStatus::Pass };
                assert_eq!(set.chain_status(), want, "{arc:?}");
            }
            let latest = &arc.sets()[n as usize - 1];
            assert_eq!(latest.message_signature_valid(), Some(true), "{arc:?}");
            assert_eq!(arc.sets()[oldest as usize - 1].message_signature_valid(), Some(true), "{arc:?}");
            assert!(!names.is_empty(), "a chain passes without a key");
        }
        ChainStatus::Fail => {
            let reason = reason.expect("a failed chain has a reason");
            assert!(arc.oldest_pass().is_none(), "{arc:?}");
            if reason.is_temporary() {
                assert!(names.iter().any(|name| name == TEMP_NAME), "temporary without a temporary failure: {arc:?}");
            }
            if !matches!(reason, ArcReason::TooManyInstances { .. }) {
                assert!(n <= MAX_INSTANCES, "{arc:?}");
            }
        }
    }
    assert!(arc.sets().len() <= MAX_INSTANCES as usize, "{} sets", arc.sets().len());
}

/// The sealer of the seal property (a fixed key and time: its sets are
/// deterministic).
fn sealer() -> Sealer<Ed25519SigningKey> {
    Sealer::new(Ed25519SigningKey::from_seed(&[3; 32]), "fuzz.example", "arc", "fuzz.example")
        .expect("a valid sealer")
        .timestamp(NOW)
}

/// The seal from a streaming verifier's body hash against the one-call seal.
fn check_shared_seal(data: &[u8], chain: &ArcResult) {
    let whole = sealer().seal(data, chain);
    let piece = 1 + usize::from(data.first().copied().unwrap_or(0) % 64);
    let mut v = Verifier::with_arc(Policy::default(), Now::unix(NOW));
    let mut session = sealer().into_session();
    let mut session_ok: Result<(), SealError> = Ok(());
    let mut shared = None;
    let mut in_body = false;
    for chunk in data.chunks(piece) {
        if in_body {
            v.body(chunk);
            continue;
        }
        if session_ok.is_ok() {
            session_ok = session.headers(chunk).map(|_| ());
        }
        match v.headers(chunk) {
            Ok(HeaderStatus::Complete(start)) => {
                shared = Some(v.add_body_hash(session.body_hash_key()).expect("added between header and body"));
                v.body(&chunk[start..]);
                in_body = true;
            }
            Ok(_) => {}
            // The one-call verifier refused this input: checked above.
            Err(_) => return,
        }
    }
    if v.finish().is_err() {
        return;
    }
    if let Step::NeedKeys(requests) = v.step() {
        for r in requests {
            v.answer_key(r.id(), lookup(&r));
        }
    }
    let streamed = v.arc_result().cloned().expect("a finished verifier with ARC has a result");
    assert_eq!(&streamed, chain, "the streaming verifier's chain differs from verify_with_arc's");
    let got = match session_ok {
        Err(e) => Err(e),
        Ok(()) => match shared.and_then(|id| v.body_hash(id)).cloned() {
            Some(bh) => session.finish_with_body_hash(chain, &bh),
            // No body: the session's own (empty) body hash.
            None => session.finish(chain),
        },
    };
    assert_eq!(got, whole, "the seal from the shared body hash differs from the one-call seal");
}
