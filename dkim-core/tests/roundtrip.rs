//! Round trips: sign with [`SignSession`], verify with [`Verifier`] against
//! key records built from the same keys, for every algorithm,
//! canonicalization and signer option; then the ways a signed message can go
//! wrong (changed body or header, wrong, revoked or missing key, DNS failure,
//! expiry, an added From), several signatures in one pass, chunked input,
//! and property tests over arbitrary bodies, header values and chunkings.
//!
//! Expected values come from RFC 6376 (and an independent transcription of
//! its body canonicalization in `support::canonical_body`), never from the
//! library itself.

use dkim_core::{
    Algorithm, Canonicalization, CanonicalizationAlgorithm, Ed25519SigningKey, KeyAnswer, LineEndings, Now, Policy,
    PrivateKey, Reason, Signer, SigningKey as _, TempFailCause, Verdict,
};
use proptest::prelude::*;

use support::{
    CANONICALIZATIONS, DOMAIN, Dns, SELECTOR, T0, Timed, canonical_body, ed25519_key, ed25519_other_key, key_name, lf,
    prepend, record, rsa_key, rsa_other_key, sign, sign_chunked, verify, verify_chunked,
};

#[path = "roundtrip/support.rs"]
mod support;

/// A realistic message: folded headers, tabs, double spaces, trailing
/// whitespace, an unsigned header, and empty lines at the end of the body.
const MESSAGE: &[u8] = b"Received: from client1.football.example.com  [192.0.2.1]\r\n\
\tby submitserver.example.com with SUBMISSION;\r\n\
\tFri, 11 Jul 2003 21:01:54 -0700 (PDT)\r\n\
From: Joe SixPack <joe@example.com>\r\n\
To: Suzie Q <suzie@shopping.example.net>,\r\n   Ann  <ann@example.org>\r\n\
Subject:  Is dinner ready?  \t\r\n\
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n\
Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
X-Mailer:\tTest  Mailer \r\n\
\r\n\
Hi.  \r\n\
\r\n\
We lost\tthe game.   Are you hungry yet? \t \r\n\
  indented\t\tline\r\n\
=20 soft=\r\n\
tail\r\n\
\r\n\
Joe.\r\n\
\r\n\
\r\n";

/// The signer options of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opt {
    None,
    Identity,
    BodyLength,
    Expiry,
    Headers,
    Lf,
}

const OPTS: [Opt; 6] = [Opt::None, Opt::Identity, Opt::BodyLength, Opt::Expiry, Opt::Headers, Opt::Lf];

fn keys() -> [PrivateKey; 2] {
    [ed25519_key(), rsa_key()]
}

fn signer(key: &PrivateKey, selector: &str, c: Canonicalization, opt: Opt) -> Signer<PrivateKey> {
    let b = Signer::builder(key.clone(), DOMAIN, selector).timestamp(T0).canonicalization(c);
    let b = match opt {
        Opt::None => b,
        Opt::Identity => b.identity("joe@sub.example.com"),
        Opt::BodyLength => b.body_length(true),
        Opt::Expiry => b.timestamp(T0).expire_after(3600),
        Opt::Headers => b.headers(&["to", "subject"]),
        Opt::Lf => b.line_endings(LineEndings::NormalizeLf),
    };
    b.build().expect("signer settings")
}

/// The policy of the matrix: a clock one minute after signing.
fn policy() -> Policy {
    Policy::default()
}

/// `MESSAGE` signed by one signer with `c` and no options.
fn signed(key: &PrivateKey, c: Canonicalization) -> Vec<u8> {
    sign(MESSAGE, vec![signer(key, SELECTOR, c, Opt::None)])
}

fn replace_once(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let p = haystack.windows(from.len()).position(|w| w == from).unwrap_or_else(|| {
        panic!("{:?} not found", String::from_utf8_lossy(from));
    });
    [&haystack[..p], to, &haystack[p + from.len()..]].concat()
}

fn assert_pass(r: &dkim_core::SignatureResult, what: &str) {
    assert_eq!((r.verdict(), r.reason()), (Verdict::Pass, None), "{what}");
}

// ---------------------------------------------------------------------------
// 1. Sign-then-verify matrix
// ---------------------------------------------------------------------------

#[test]
fn matrix_algorithms_canonicalizations_options_pass() {
    for key in keys() {
        let alg = key.algorithm();
        let dns = Dns::new().key(SELECTOR, &key);
        for c in CANONICALIZATIONS {
            for opt in OPTS {
                let what = format!("{alg} {c} {opt:?}");
                let (message, policy, eol): (Vec<u8>, Policy, &[u8]) = match opt {
                    Opt::Lf => (lf(MESSAGE), policy().line_endings(LineEndings::NormalizeLf), b"\n"),
                    _ => (MESSAGE.to_vec(), policy(), b"\r\n"),
                };
                let signed = sign(&message, vec![signer(&key, SELECTOR, c, opt)]);
                let out = verify(&signed, policy, &dns);
                assert_eq!(out.requested, [format!("{SELECTOR}._domainkey.{DOMAIN}")], "{what}");
                let r = out.one();
                assert_pass(r, &what);
                assert!(!r.testing(), "{what}");
                assert_eq!(r.algorithm(), Some(alg), "{what}");
                assert_eq!(r.domain(), Some(DOMAIN), "{what}");
                assert_eq!(r.selector(), Some(SELECTOR), "{what}");
                assert_eq!(r.body_hash_matched(), Some(true), "{what}");
                assert_eq!(r.key_bits(), Some(if alg == Algorithm::RsaSha256 { 2048 } else { 256 }), "{what}");
                let sig = r.signature().expect("parsed signature");
                assert_eq!(sig.canonicalization(), c, "{what}");
                // bh= is the hash of the RFC 6376 canonical body (oracle).
                let crlf_body = support::body_of(MESSAGE, b"\r\n");
                assert_eq!(sig.body_hash(), support::body_hash(&crlf_body, c.body), "{what}");
                assert!(sig.signed_headers().contains("from"), "{what}");
                assert!(!sig.signed_headers().contains("received"), "{what}");
                match opt {
                    Opt::Identity => {
                        assert_eq!(sig.identity(), "joe@sub.example.com", "{what}");
                        assert!(sig.has_identity_tag(), "{what}");
                    }
                    Opt::BodyLength => {
                        let len = canonical_body(&crlf_body, c.body).len() as u64;
                        assert_eq!(sig.body_length(), Some(len), "{what}");
                        assert_eq!(r.unsigned_body_bytes(), Some(0), "{what}");
                    }
                    Opt::Expiry => {
                        assert_eq!((sig.timestamp(), sig.expiration()), (Some(T0), Some(T0 + 3600)), "{what}");
                    }
                    Opt::Headers => assert_eq!(sig.signed_headers().as_str(), "From:to:subject", "{what}"),
                    Opt::None | Opt::Lf => {
                        assert_eq!(sig.identity(), "@example.com", "{what}");
                        assert!(!sig.has_identity_tag(), "{what}");
                        assert_eq!((sig.body_length(), r.unsigned_body_bytes()), (None, None), "{what}");
                        assert_eq!((sig.timestamp(), sig.expiration()), (Some(T0), None), "{what}");
                        // Default set: each present default field, then the oversigned ones again.
                        let h = sig.signed_headers();
                        assert_eq!(h.iter().filter(|n| n.eq_ignore_ascii_case("from")).count(), 2, "{what}");
                        assert!(!h.contains("x-mailer"), "{what}");
                    }
                }
                if opt == Opt::Lf {
                    // Signing LF input is signing its CRLF form: the message
                    // converted to CRLF verifies without the option.
                    let crlf: Vec<u8> = body_to_crlf(&signed);
                    let again = verify(&crlf, self::policy(), &dns);
                    assert_pass(again.one(), &format!("{what}, converted to CRLF"));
                    assert!(support::body_of(&signed, eol).ends_with(b"Joe.\n\n\n"));
                }
            }
        }
    }
}

/// Bare LF -> CRLF (CRLF kept).
fn body_to_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    for (i, &b) in message.iter().enumerate() {
        if b == b'\n' && (i == 0 || message[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

#[test]
fn key_request_name_is_lower_case_selector_domainkey_domain() {
    let key = ed25519_key();
    let signed = sign(
        MESSAGE,
        vec![Signer::builder(key.clone(), "Example.COM", "Sel-2026").timestamp(T0).build().expect("signer")],
    );
    let out = verify(&signed, policy(), &Dns::new().key("sel-2026", &key));
    assert_eq!(out.requested, ["sel-2026._domainkey.example.com"]);
    assert_pass(out.one(), "mixed-case d= and s=");
}

#[test]
fn signing_in_chunks_gives_the_same_fields() {
    for key in keys() {
        for c in CANONICALIZATIONS {
            let whole = sign_chunked(MESSAGE, vec![signer(&key, SELECTOR, c, Opt::BodyLength)], 0);
            for chunk in [1, 7, 64, 4096] {
                let chunked = sign_chunked(MESSAGE, vec![signer(&key, SELECTOR, c, Opt::BodyLength)], chunk);
                assert_eq!(chunked, whole, "{} {c} chunk {chunk}", key.algorithm());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Negative cases
// ---------------------------------------------------------------------------

#[test]
fn modified_body_fails_with_body_hash_mismatch() {
    for key in keys() {
        let dns = Dns::new().key(SELECTOR, &key);
        for c in CANONICALIZATIONS {
            let what = format!("{} {c}", key.algorithm());
            let signed = signed(&key, c);
            for (from, to) in
                [(&b"We lost"[..], &b"We won"[..]), (b"Joe.\r\n", b"Joe!\r\n"), (b"tail\r\n", b"tail\r\nx\r\n")]
            {
                let tampered = replace_once(&signed, from, to);
                let r = verify(&tampered, policy(), &dns).results.remove(0);
                assert_eq!(
                    (r.verdict(), r.reason()),
                    (Verdict::Fail, Some(&Reason::BodyHashMismatch)),
                    "{what}: body {:?} -> {:?}",
                    String::from_utf8_lossy(from),
                    String::from_utf8_lossy(to)
                );
                assert_eq!(r.body_hash_matched(), Some(false), "{what}");
            }
        }
    }
}

#[test]
fn whitespace_change_in_body_passes_relaxed_and_fails_simple() {
    for key in keys() {
        let dns = Dns::new().key(SELECTOR, &key);
        for c in CANONICALIZATIONS {
            let what = format!("{} {c}", key.algorithm());
            // One more trailing space and a tab turned into spaces.
            let tampered = replace_once(&signed(&key, c), b"Hi.  \r\n", b"Hi. \t \r\n");
            let tampered = replace_once(&tampered, b"lost\tthe", b"lost  the");
            let r = verify(&tampered, policy(), &dns).results.remove(0);
            match c.body {
                CanonicalizationAlgorithm::Relaxed => assert_pass(&r, &what),
                CanonicalizationAlgorithm::Simple => {
                    assert_eq!((r.verdict(), r.reason()), (Verdict::Fail, Some(&Reason::BodyHashMismatch)), "{what}")
                }
                other => unreachable!("no canonicalization {other:?} in RFC 6376"),
            }
            // Empty lines added at the end are ignored by both.
            let mut more_empty = signed(&key, c);
            more_empty.extend_from_slice(b"\r\n\r\n");
            assert_pass(verify(&more_empty, policy(), &dns).one(), &format!("{what}, extra empty lines"));
        }
    }
}

#[test]
fn modified_signed_header_fails_with_signature_mismatch() {
    for key in keys() {
        let dns = Dns::new().key(SELECTOR, &key);
        for c in CANONICALIZATIONS {
            let what = format!("{} {c}", key.algorithm());
            let signed = signed(&key, c);
            for (from, to) in [
                (&b"Is dinner ready?"[..], &b"Is dinner ready!"[..]),
                (b"From: Joe SixPack <joe@", b"From: Joe SixPack <jim@"),
                (b"   Ann  <ann@", b"   Bob  <ann@"),
            ] {
                let tampered = replace_once(&signed, from, to);
                let r = verify(&tampered, policy(), &dns).results.remove(0);
                assert_eq!(
                    (r.verdict(), r.reason()),
                    (Verdict::Fail, Some(&Reason::SignatureMismatch)),
                    "{what}: {:?}",
                    String::from_utf8_lossy(to)
                );
                assert_eq!(r.body_hash_matched(), Some(true), "{what}");
            }
            // Unsigned headers may change freely.
            let unsigned = replace_once(&signed, b"X-Mailer:\tTest  Mailer", b"X-Mailer: other");
            assert_pass(verify(&unsigned, policy(), &dns).one(), &format!("{what}, unsigned header changed"));
            // Case of the name and whitespace: relaxed header passes, simple fails.
            let respaced =
                replace_once(&signed, b"Subject:  Is dinner ready?  \t\r\n", b"SUBJECT :\tIs dinner   ready?\r\n");
            let r = verify(&respaced, policy(), &dns).results.remove(0);
            match c.header {
                CanonicalizationAlgorithm::Relaxed => assert_pass(&r, &format!("{what}, respaced subject")),
                CanonicalizationAlgorithm::Simple => assert_eq!(
                    (r.verdict(), r.reason()),
                    (Verdict::Fail, Some(&Reason::SignatureMismatch)),
                    "{what}, respaced subject"
                ),
                other => unreachable!("no canonicalization {other:?} in RFC 6376"),
            }
        }
    }
}

#[test]
fn other_key_published_fails() {
    for (key, other, bits) in [(ed25519_key(), ed25519_other_key(), 256), (rsa_key(), rsa_other_key(), 1024)] {
        for c in CANONICALIZATIONS {
            let what = format!("{} {c}", key.algorithm());
            let signed = signed(&key, c);
            let r = verify(&signed, policy(), &Dns::new().key(SELECTOR, &other)).results.remove(0);
            assert_eq!((r.verdict(), r.reason()), (Verdict::Fail, Some(&Reason::SignatureMismatch)), "{what}");
            assert_eq!(r.key_bits(), Some(bits), "{what}");
        }
    }
    // A key of the other type cannot verify at all.
    let ed = ed25519_key();
    let rsa = rsa_key();
    for (key, other) in [(&ed, &rsa), (&rsa, &ed)] {
        let signed = signed(key, Canonicalization::RELAXED);
        let r = verify(&signed, policy(), &Dns::new().key(SELECTOR, other)).results.remove(0);
        assert_eq!(r.verdict(), Verdict::PermError, "{}", key.algorithm());
        assert!(matches!(r.reason(), Some(Reason::KeyTypeMismatch { .. })), "{:?}", r.reason());
    }
}

/// A key record parsed once and handed over as `KeyAnswer::Parsed` gives the
/// verdict the TXT text gives, for a good key, another key and a revoked one.
#[test]
fn parsed_key_answers_decide_like_text_answers() {
    let limits = dkim_core::Limits::default();
    let parsed = |text: &str| KeyAnswer::Parsed {
        record: std::sync::Arc::new(dkim_core::KeyRecord::parse(text.as_bytes(), &limits).expect("record")),
        dnssec: dkim_core::Dnssec::Unknown,
    };
    for (key, other) in [(ed25519_key(), ed25519_other_key()), (rsa_key(), rsa_other_key())] {
        let revoked = format!("v=DKIM1; k={}; p=", key.algorithm().key_type().as_str());
        for c in CANONICALIZATIONS {
            let what = format!("{} {c}", key.algorithm());
            let signed = signed(&key, c);
            for text in [record(&key), record(&other), revoked.clone()] {
                let by_text = verify(&signed, policy(), &Dns::new().text(SELECTOR, &text)).results.remove(0);
                let by_parsed =
                    verify(&signed, policy(), &Dns::new().answer(SELECTOR, parsed(&text))).results.remove(0);
                assert_eq!(by_parsed.verdict(), by_text.verdict(), "{what}: {text}");
                assert_eq!(by_parsed.reason(), by_text.reason(), "{what}: {text}");
            }
            let good = verify(&signed, policy(), &Dns::new().answer(SELECTOR, parsed(&record(&key)))).results.remove(0);
            assert_pass(&good, &what);
        }
    }
}

#[test]
fn revoked_key_is_permerror() {
    for key in keys() {
        let signed = signed(&key, Canonicalization::RELAXED);
        let revoked = format!("v=DKIM1; k={}; p=", key.algorithm().key_type().as_str());
        let r = verify(&signed, policy(), &Dns::new().text(SELECTOR, &revoked)).results.remove(0);
        assert_eq!((r.verdict(), r.reason()), (Verdict::PermError, Some(&Reason::KeyRevoked)), "{}", key.algorithm());
    }
}

#[test]
fn missing_key_is_permerror_and_dns_failure_temperror() {
    for key in keys() {
        let what = key.algorithm();
        let signed = signed(&key, Canonicalization::SIMPLE);
        let r = verify(&signed, policy(), &Dns::new().answer(SELECTOR, KeyAnswer::NoRecord)).results.remove(0);
        assert_eq!(
            (r.verdict(), r.reason()),
            (Verdict::PermError, Some(&Reason::NoRecord { name: format!("{SELECTOR}._domainkey.{DOMAIN}") })),
            "{what}"
        );
        let r = verify(&signed, policy(), &Dns::new().answer(SELECTOR, KeyAnswer::records(vec![]))).results.remove(0);
        assert_eq!(
            (r.verdict(), r.reason()),
            (Verdict::PermError, Some(&Reason::NoRecord { name: format!("{SELECTOR}._domainkey.{DOMAIN}") })),
            "{what} empty answer"
        );
        let r = verify(&signed, policy(), &Dns::new().answer(SELECTOR, KeyAnswer::TempFail(TempFailCause::Timeout)))
            .results
            .remove(0);
        assert_eq!(r.verdict(), Verdict::TempError, "{what}");
        assert_eq!(
            r.reason(),
            Some(&Reason::TempFail { name: format!("{SELECTOR}._domainkey.{DOMAIN}"), cause: TempFailCause::Timeout }),
            "{what}"
        );
        // The key at another selector does not help.
        let r = verify(&signed, policy(), &Dns::new().key("other", &key)).results.remove(0);
        assert_eq!(
            (r.verdict(), r.reason()),
            (Verdict::PermError, Some(&Reason::NoRecord { name: format!("{SELECTOR}._domainkey.{DOMAIN}") })),
            "{what} other selector"
        );
    }
}

#[test]
fn testing_flag_passes_and_is_reported() {
    for key in keys() {
        let signed = signed(&key, Canonicalization::RELAXED);
        let text = format!("v=DKIM1; k={}; t=y; p={}", key.algorithm().key_type().as_str(), key.public_key_base64());
        let out = verify(&signed, policy(), &Dns::new().text(SELECTOR, &text));
        assert_pass(out.one(), "t=y");
        assert!(out.one().testing(), "{}", key.algorithm());
    }
}

#[test]
fn body_length_with_appended_footer_is_policy_and_reports_unsigned_bytes() {
    let footer: &[u8] = b"-- \r\nsent via the  example-list\tmailing list  \r\n\r\n";
    for key in keys() {
        let dns = Dns::new().key(SELECTOR, &key);
        for c in CANONICALIZATIONS {
            let what = format!("{} {c}", key.algorithm());
            let signed = sign(MESSAGE, vec![signer(&key, SELECTOR, c, Opt::BodyLength)]);
            let mut forwarded = signed.clone();
            forwarded.extend_from_slice(footer);
            let body = support::body_of(MESSAGE, b"\r\n");
            let with_footer = [&body[..], footer].concat();
            let expected = (canonical_body(&with_footer, c.body).len() - canonical_body(&body, c.body).len()) as u64;
            assert!(expected >= 40, "{what}: footer canonical length {expected}");
            let r = verify(&forwarded, policy(), &dns).results.remove(0);
            assert_eq!(
                (r.verdict(), r.reason()),
                (Verdict::Policy, Some(&Reason::UnsignedBodyContent { bytes: expected })),
                "{what} with footer"
            );
            assert_eq!(r.unsigned_body_bytes(), Some(expected), "{what}");
            let r = verify(&forwarded, policy().danger_allow_unsigned_body(true), &dns).results.remove(0);
            assert_pass(&r, &format!("{what} with footer, unsigned content allowed"));
            // Without l= the same footer breaks the body hash.
            let mut plain = self::signed(&key, c);
            plain.extend_from_slice(footer);
            let r = verify(&plain, policy(), &dns).results.remove(0);
            assert_eq!((r.verdict(), r.reason()), (Verdict::Fail, Some(&Reason::BodyHashMismatch)), "{what} no l=");
            // With l=, a body shortened below l= fails.
            let cut = &signed[..signed.len() - b"Joe.\r\n\r\n\r\n".len()];
            let r = verify(cut, policy(), &dns).results.remove(0);
            assert_eq!(r.verdict(), Verdict::Fail, "{what} truncated");
            assert!(matches!(r.reason(), Some(Reason::BodyLengthExceedsBody { .. })), "{what}: {:?}", r.reason());
        }
    }
}

#[test]
fn expired_signature_is_permerror_after_skew() {
    for key in keys() {
        let what = key.algorithm();
        let signed = sign(MESSAGE, vec![signer(&key, SELECTOR, Canonicalization::RELAXED, Opt::Expiry)]);
        let dns = Dns::new().key(SELECTOR, &key);
        let x = T0 + 3600;
        // Default skew 300 s: x= + 300 is still accepted.
        assert_pass(verify(&signed, Timed(Policy::default(), Now::unix(x + 300)), &dns).one(), "at x= + skew");
        let now = x + 301;
        let out = verify(&signed, Timed(Policy::default(), Now::unix(now)), &dns);
        let r = out.one();
        assert_eq!(r.verdict(), Verdict::PermError, "{what}");
        assert_eq!(r.reason(), Some(&Reason::Expired { expiration: x, now }), "{what}");
        // No clock: x= cannot be checked.
        assert_pass(verify(&signed, Timed(Policy::default(), Now::danger_no_clock()), &dns).one(), "no clock");
    }
}

#[test]
fn second_from_added_after_signing_fails_with_default_oversigning() {
    let evil = b"From: Attacker <attacker@evil.example>\r\n";
    for key in keys() {
        let dns = Dns::new().key(SELECTOR, &key);
        for c in CANONICALIZATIONS {
            let what = format!("{} {c}", key.algorithm());
            let signed = signed(&key, c);
            // Added at the top, and added at the bottom of the header.
            let top = [&evil[..], &signed].concat();
            let bottom = replace_once(&signed, b"\r\n\r\nHi.", &[&b"\r\n"[..], &evil[..], b"\r\nHi."].concat());
            for (place, msg) in [("top", top), ("bottom", bottom)] {
                let r = verify(&msg, policy(), &dns).results.remove(0);
                assert_eq!(
                    (r.verdict(), r.reason()),
                    (Verdict::Fail, Some(&Reason::SignatureMismatch)),
                    "{what}: From added at the {place}"
                );
            }
            // Control: without oversigning, a From added above the signed one
            // is not covered, and the signature still verifies.
            let no_oversign = Signer::builder(key.clone(), DOMAIN, SELECTOR)
                .timestamp(T0)
                .canonicalization(c)
                .oversign(&[] as &[&str])
                .build()
                .expect("signer");
            let top = [&evil[..], &sign(MESSAGE, vec![no_oversign])].concat();
            // The default policy catches it all the same (an unsigned From).
            let r = verify(&top, policy(), &dns).one().clone();
            assert_eq!(r.verdict(), Verdict::Policy, "{what}, no oversigning");
            assert!(
                matches!(r.reason(), Some(Reason::UnsignedHeaderInstance { field, present: 2, signed: 1 }) if field == "From"),
                "{what}: {:?}",
                r.reason()
            );
            // RFC 6376 alone does not.
            assert_pass(verify(&top, Policy::legacy(), &dns).one(), &format!("{what}, no oversigning, legacy"));
        }
    }
}

// ---------------------------------------------------------------------------
// 3. Several signatures in one pass
// ---------------------------------------------------------------------------

#[test]
fn three_signers_in_one_session_all_verify() {
    let (ed, ed2, rsa) = (ed25519_key(), ed25519_other_key(), rsa_key());
    let dns = Dns::new().key("ed-a", &ed).key("ed-b", &ed2).key("rsa", &rsa);
    for c in CANONICALIZATIONS {
        let signers = vec![
            signer(&ed, "ed-a", c, Opt::None),
            signer(&ed2, "ed-b", c, Opt::Expiry),
            signer(&rsa, "rsa", c, Opt::BodyLength),
        ];
        let fields = sign_chunked(MESSAGE, signers, 0);
        let signed = prepend(&fields, MESSAGE);
        let out = verify(&signed, policy(), &dns);
        assert_eq!(out.results.len(), 3, "{c}");
        let mut names = out.requested.clone();
        names.sort();
        assert_eq!(names, [key_name("ed-a"), key_name("ed-b"), key_name("rsa")], "{c}");
        for (i, (r, sel)) in out.results.iter().zip(["ed-a", "ed-b", "rsa"]).enumerate() {
            assert_pass(r, &format!("{c} signature {i}"));
            assert_eq!((r.index(), r.field_index(), r.selector()), (i, i, Some(sel)), "{c}");
            assert_eq!(r.signature().map(|s| s.canonicalization()), Some(c), "{c}");
        }
        // Each signature stands alone: one key missing, the others pass.
        let partial = Dns::new().key("ed-a", &ed).key("rsa", &rsa);
        let out = verify(&signed, policy(), &partial);
        let verdicts: Vec<_> = out.results.iter().map(|r| (r.verdict(), r.reason().cloned())).collect();
        assert_eq!(
            verdicts,
            [
                (Verdict::Pass, None),
                (Verdict::PermError, Some(Reason::NoRecord { name: format!("ed-b._domainkey.{DOMAIN}") })),
                (Verdict::Pass, None)
            ],
            "{c}"
        );
        // A body change breaks all three.
        let tampered = replace_once(&signed, b"Joe.", b"Jim.");
        let out = verify(&tampered, policy(), &dns);
        for r in &out.results {
            assert_eq!((r.verdict(), r.reason()), (Verdict::Fail, Some(&Reason::BodyHashMismatch)), "{c} tampered");
        }
    }
}

// ---------------------------------------------------------------------------
// 4. Chunking
// ---------------------------------------------------------------------------

#[test]
fn chunked_verification_gives_the_same_results() {
    let ed = ed25519_key();
    let rsa = rsa_key();
    let dns = Dns::new().key(SELECTOR, &ed).key("rsa", &rsa);
    for c in CANONICALIZATIONS {
        let mut cases: Vec<(String, Vec<u8>, Policy)> = Vec::new();
        for opt in [Opt::None, Opt::BodyLength, Opt::Expiry, Opt::Lf] {
            let message = if opt == Opt::Lf { lf(MESSAGE) } else { MESSAGE.to_vec() };
            let signers = vec![signer(&ed, SELECTOR, c, opt), signer(&rsa, "rsa", c, opt)];
            let signed = sign(&message, signers);
            let policy = if opt == Opt::Lf { policy().line_endings(LineEndings::NormalizeLf) } else { policy() };
            if opt == Opt::BodyLength {
                let mut footer = signed.clone();
                footer.extend_from_slice(b"--\r\nfooter  \r\n");
                // Checked for chunking here; the default verdict for it (policy)
                // is `body_length_with_appended_footer_is_policy_and_reports_unsigned_bytes`'s.
                cases.push((format!("{opt:?} + footer"), footer, policy.clone().danger_allow_unsigned_body(true)));
            }
            if opt == Opt::None {
                let body = replace_once(&signed, b"the game", b"the match");
                cases.push((format!("{opt:?} body changed"), body, policy.clone()));
                let header = replace_once(&signed, b"dinner", b"lunch");
                cases.push((format!("{opt:?} header changed"), header, policy.clone()));
            }
            cases.push((format!("{opt:?}"), signed, policy));
        }
        for (what, message, policy) in cases {
            let whole = verify(&message, policy.clone(), &dns);
            assert_eq!(whole.results.len(), 2, "{c} {what}");
            if !what.contains("changed") {
                for r in &whole.results {
                    assert_pass(r, &format!("{c} {what}"));
                }
            }
            // Keys answered before the body for the small chunks, after it
            // for the large ones (and for the whole message).
            for (chunk, early) in [(1, true), (7, true), (64, false), (4096, false)] {
                let got = verify_chunked(&message, policy.clone(), &dns, chunk, early);
                assert_eq!(got.results, whole.results, "{c} {what}: chunk {chunk}, early keys {early}");
                assert_eq!(got.requested, whole.requested, "{c} {what}: chunk {chunk}");
            }
            let early = verify_chunked(&message, policy.clone(), &dns, 4096, true);
            assert_eq!(early.results, whole.results, "{c} {what}: chunk 4096, early keys");
        }
    }
}

// ---------------------------------------------------------------------------
// 5. Properties
// ---------------------------------------------------------------------------

/// Header field values: runs of printable text and whitespace, sometimes
/// folded.
fn header_value() -> impl Strategy<Value = String> {
    let segment = proptest::collection::vec(
        proptest::sample::select(&b"abcXYZ09 \t=;:<>@.,()\"!"[..]).prop_map(char::from),
        0..24,
    )
    .prop_map(|v| v.into_iter().collect::<String>());
    let fold = proptest::sample::select(&["\r\n ", "\r\n\t", "\r\n  \t"][..]);
    (segment.clone(), proptest::collection::vec((fold, segment), 0..3)).prop_map(|(first, rest)| {
        let mut s = first;
        for (f, seg) in rest {
            s.push_str(f);
            s.push_str(&seg);
        }
        s
    })
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(&b" \t\r\nabZ=."[..]), 0..300)
}

fn message(subject: &str, to: &str, body: &[u8]) -> Vec<u8> {
    let mut m =
        format!("From: joe@example.com\r\nTo:{to}\r\nSubject:{subject}\r\nX-Other: {subject}\r\nContent-Type: text/plain\r\n\r\n")
            .into_bytes();
    m.extend_from_slice(body);
    m
}

/// Verifies `message` whole and cut at `cuts`, checks both give the same
/// results, and returns them.
fn check_cuts(
    message: &[u8],
    policy: &Policy,
    dns: &Dns,
    cuts: &[proptest::sample::Index],
) -> Result<Vec<dkim_core::SignatureResult>, TestCaseError> {
    let whole = verify(message, policy.clone(), dns);
    let mut points: Vec<usize> = cuts.iter().map(|i| i.index(message.len() + 1)).collect();
    points.sort_unstable();
    let cut = support::verify_at(message, policy.clone(), dns, &points, false);
    prop_assert_eq!(&cut.results, &whole.results, "cut at {:?}", points);
    prop_assert_eq!(&cut.requested, &whole.requested);
    Ok(whole.results)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_sign_then_verify_passes_whole_and_chunked(
        body in body_bytes(),
        subject in header_value(),
        to in header_value(),
        relaxed_header in any::<bool>(),
        body_length in any::<bool>(),
        use_rsa in any::<bool>(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
    ) {
        // Both algorithms: rsa-sha256 and ed25519-sha256.
        let key = if use_rsa { rsa_key() } else { ed25519_key() };
        let dns = Dns::new().key(SELECTOR, &key);
        let msg = message(&subject, &to, &body);
        let header = if relaxed_header { CanonicalizationAlgorithm::Relaxed } else { CanonicalizationAlgorithm::Simple };
        for body_canon in [CanonicalizationAlgorithm::Simple, CanonicalizationAlgorithm::Relaxed] {
            let c = Canonicalization::new(header, body_canon);
            let opt = if body_length { Opt::BodyLength } else { Opt::None };
            let signed = sign(&msg, vec![signer(&key, SELECTOR, c, opt)]);
            let results = check_cuts(&signed, &policy(), &dns, &cuts)?;
            prop_assert_eq!(results.len(), 1);
            prop_assert_eq!(results[0].verdict(), Verdict::Pass, "{} {:?}: {:?}", c, opt, results[0].reason());
            let sig = results[0].signature().expect("signature");
            // bh= is the hash of the RFC 6376 canonical body (oracle).
            prop_assert_eq!(sig.body_hash(), &support::body_hash(&body, body_canon)[..]);
        }
    }

    #[test]
    fn prop_lf_input_verifies_whole_and_chunked(
        body in body_bytes(),
        subject in header_value(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
    ) {
        let key = ed25519_key();
        let dns = Dns::new().key(SELECTOR, &key);
        let msg = lf(&message(&subject, "ann@example.net", &body));
        let policy = policy().line_endings(LineEndings::NormalizeLf);
        for c in [Canonicalization::SIMPLE, Canonicalization::RELAXED] {
            let s = Signer::builder(key.clone(), DOMAIN, SELECTOR).timestamp(T0)
                .canonicalization(c)
                .line_endings(LineEndings::NormalizeLf)
                .build()
                .expect("signer");
            let signed = sign(&msg, vec![s]);
            let results = check_cuts(&signed, &policy, &dns, &cuts)?;
            prop_assert_eq!(results[0].verdict(), Verdict::Pass, "{}: {:?}", c, results[0].reason());
        }
    }

    #[test]
    fn prop_changed_body_never_passes(
        body in body_bytes(),
        pos in any::<proptest::sample::Index>(),
        byte in proptest::sample::select(&b"xY7"[..]),
    ) {
        // Inserting a letter changes the canonical body under either
        // canonicalization, so the signature must fail.
        let key = ed25519_key();
        let dns = Dns::new().key(SELECTOR, &key);
        let msg = message("hi", "ann@example.net", &body);
        for c in [Canonicalization::SIMPLE, Canonicalization::RELAXED] {
            let signed = sign(&msg, vec![signer(&key, SELECTOR, c, Opt::None)]);
            let body_start = signed.len() - body.len();
            let at = body_start + pos.index(body.len() + 1);
            let mut tampered = signed.clone();
            tampered.insert(at, byte);
            let r = verify(&tampered, policy(), &dns).results.remove(0);
            prop_assert_eq!((r.verdict(), r.reason()), (Verdict::Fail, Some(&Reason::BodyHashMismatch)), "{}", c);
        }
    }
}

#[test]
fn ed25519_keys_differ() {
    // The "other key" tests rely on it.
    assert_ne!(ed25519_key().public_key_base64(), ed25519_other_key().public_key_base64());
    assert_ne!(rsa_key().public_key_base64(), rsa_other_key().public_key_base64());
    let seed_key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    assert!(record(&seed_key).starts_with("v=DKIM1; k=ed25519; p="));
    assert!(record(&rsa_key()).starts_with("v=DKIM1; k=rsa; p=MIIB"));
}
