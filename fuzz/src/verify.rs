//! Full verification of arbitrary bytes with dkim-core's sans-IO `Verifier`,
//! the message fed whole and fed in chunks: both runs must ask for the same
//! keys and give the same results (verdicts, reasons and all), and neither
//! may panic. The one-call `dkim_core::verify`, with the same answers, gives
//! the whole run's results too.
//!
//! Input layout (written by `seed.sh` as `00 07 40 01 90` before a message):
//!
//! - byte 0, the mode: bit 0 normalizes bare LF line ends
//!   (`LineEndings::NormalizeLf`); bits 1-2 choose when the chunked run
//!   answers the key requests (as soon as asked, after the first body chunk,
//!   before `finish`, after `finish`); bit 3 selects `Policy::legacy()` with
//!   a fixed clock instead of `Policy::default()`; bits 4-7 are a salt: 0
//!   answers every request with the RFC 8463 Ed25519 key, anything else picks
//!   per name (hash of salt and name) among that key, the RFC 8463 RSA key,
//!   no record, a temporary failure, and the Ed25519 key split in two
//!   strings next to an unrelated TXT record;
//! - bytes 1-4, the chunk-length pattern of the chunked run (see
//!   `dkim_fuzz::Chunks`);
//! - the rest, the message.

use crate::{Chunks, fnv1a, split_pattern};
use dkim_core::{
    HeaderStatus, KeyAnswer, LineEndings, Now, Policy, SignatureResult, Step, TempFailCause, TxtRecord, Verdict,
    Verifier, VerifyError,
};

/// RFC 8463 Appendix A.2, Ed25519.
const ED25519_RECORD: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
/// RFC 8463 Appendix A.2, RSA (1024 bits).
const RSA_RECORD: &str = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    Asked,
    AfterFirstBodyChunk,
    BeforeFinish,
    AfterFinish,
}

#[derive(Debug, PartialEq)]
struct Outcome {
    results: Result<Vec<SignatureResult>, VerifyError>,
    requests: Vec<String>,
}

/// The property check of one input.
pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (pattern, message) = split_pattern(rest);
    let line_endings = if mode & 1 == 1 { LineEndings::NormalizeLf } else { LineEndings::Crlf };
    let when =
        [When::Asked, When::AfterFirstBodyChunk, When::BeforeFinish, When::AfterFinish][usize::from(mode >> 1 & 3)];
    let (policy, now) = if mode & 8 == 0 {
        (Policy::default(), Now::danger_no_clock())
    } else {
        (Policy::legacy(), Now::unix(1_600_000_000))
    };
    let policy = policy.line_endings(line_endings);
    let salt = mode >> 4;

    let whole = run(policy.clone(), now, salt, When::Asked, false, [message]);
    let one_call = dkim_core::verify(message, &policy, now, |r| answer(salt, r.name()));
    assert_eq!(one_call, whole.results, "dkim_core::verify and the sans-IO run differ");
    let chunked = run(policy, now, salt, when, true, Chunks::new(pattern, message));
    assert_eq!(whole, chunked, "whole and chunked verification differ ({when:?})");
}

fn answer(salt: u8, name: &str) -> KeyAnswer {
    let ed25519 = || KeyAnswer::records(vec![TxtRecord::from_text(ED25519_RECORD)]);
    if salt == 0 {
        return ed25519();
    }
    match fnv1a(salt, name.as_bytes()) % 8 {
        0..=3 => ed25519(),
        4 => KeyAnswer::records(vec![TxtRecord::from_text(RSA_RECORD)]),
        5 => KeyAnswer::NoRecord,
        6 => KeyAnswer::TempFail(TempFailCause::Timeout),
        _ => {
            let (a, b) = ED25519_RECORD.split_at(20);
            KeyAnswer::records(vec![
                TxtRecord::from_text("v=spf1 -all"),
                TxtRecord::new(vec![a.as_bytes().to_vec(), b.as_bytes().to_vec()]),
            ])
        }
    }
}

/// Answers every open request; by id, or (`by_name`) by the name in upper
/// case with a final dot.
fn answer_all(v: &mut Verifier, salt: u8, by_name: bool) {
    while let Step::NeedKeys(requests) = v.step() {
        assert!(!requests.is_empty());
        for r in requests {
            assert!(v.key_requests().contains(&r));
            if by_name {
                v.answer_key_by_name(&format!("{}.", r.name().to_ascii_uppercase()), answer(salt, r.name()));
            } else {
                v.answer_key(r.id(), answer(salt, r.name()));
            }
            // A repeated answer is ignored.
            v.answer_key(r.id(), KeyAnswer::TempFail(TempFailCause::ServFail));
        }
    }
}

fn run<'a>(
    policy: Policy,
    now: Now,
    salt: u8,
    when: When,
    by_name: bool,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Outcome {
    let mut v = Verifier::new(policy, now);
    let failed = |v: &Verifier, e| Outcome {
        results: Err(e),
        requests: v.key_requests().iter().map(|r| r.name().to_owned()).collect(),
    };
    let mut in_body = false;
    for chunk in chunks {
        if in_body {
            v.body(chunk);
        } else {
            match v.headers(chunk) {
                Err(e) => return failed(&v, e),
                Ok(HeaderStatus::Partial) => {
                    assert!(matches!(v.step(), Step::NeedHeaders));
                    continue;
                }
                Ok(HeaderStatus::Complete(n)) => {
                    assert!(n <= chunk.len(), "body offset {n} past the chunk of {}", chunk.len());
                    assert!(!matches!(v.step(), Step::NeedHeaders));
                    in_body = true;
                    if when == When::Asked {
                        answer_all(&mut v, salt, by_name);
                    }
                    v.body(&chunk[n..]);
                }
            }
        }
        if when == When::AfterFirstBodyChunk {
            answer_all(&mut v, salt, by_name);
        }
    }
    if when == When::BeforeFinish {
        answer_all(&mut v, salt, by_name);
    }
    if let Err(e) = v.finish() {
        return failed(&v, e);
    }
    answer_all(&mut v, salt, by_name);
    assert!(matches!(v.step(), Step::Done), "not done after finish and all answers: {:?}", v.step());
    let results = v.results();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.index(), i);
        assert_ne!(r.verdict(), Verdict::None);
        assert_eq!(r.verdict() == Verdict::Pass, r.reason().is_none(), "{r:?}");
        if r.verdict() == Verdict::Pass {
            assert_eq!(r.body_hash_matched(), Some(true));
            assert!(r.key_bits().is_some() && r.signature().is_some());
        }
    }
    Outcome { results: Ok(results), requests: v.key_requests().iter().map(|r| r.name().to_owned()).collect() }
}
