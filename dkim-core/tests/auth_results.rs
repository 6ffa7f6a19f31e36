//! `AuthResults` as a receiver reads it: fields made from real verification
//! results, read back with the RFC 8601 parser of `dkim-testkit`. The RFC
//! 8463 Appendix A message (two passing signatures), a copy with its body
//! changed (two failures, with reasons), and a hand-written signature with
//! hostile `d=`/`s=` values, which must not add a resinfo or end the field.

#![allow(clippy::unwrap_used)]

use base64ct::{Base64, Encoding};
use dkim_core::{AuthResults, Now, Policy, SignatureResult, Verdict};
use dkim_testkit::auth_results::{ParsedField, parse};
use dkim_testkit::{rfc8463, verify};

fn results(message: &[u8]) -> Vec<SignatureResult> {
    verify(message, &rfc8463::zone(), Policy::default(), Now::unix(rfc8463::SIGNED_AT + 60), 0).unwrap()
}

fn read_back(authserv_id: &str, results: &[SignatureResult]) -> ParsedField {
    let field = AuthResults::from_results(authserv_id, results).to_field();
    parse(&field).unwrap_or_else(|e| panic!("{e}: {field:?}"))
}

#[test]
fn rfc8463_message_two_passes() {
    let results = results(rfc8463::MESSAGE);
    let ar = read_back("mx.example.net", &results);
    assert_eq!(ar.authserv_id, "mx.example.net");
    assert_eq!(ar.resinfos.len(), 2);
    for (r, (s, a)) in ar.resinfos.iter().zip([("brisbane", "ed25519-sha256"), ("test", "rsa-sha256")]) {
        assert_eq!((r.method.as_str(), r.result.as_str()), ("dkim", "pass"));
        assert_eq!(r.property("header.d"), Some(rfc8463::DOMAIN));
        assert_eq!(r.property("header.s"), Some(s));
        assert_eq!(r.property("header.i"), Some("@football.example.com"));
        assert_eq!(r.property("header.a"), Some(a));
        assert!(r.comments.is_empty(), "{:?}", r.comments);
    }
    // RFC 6008: header.b is a prefix of each b= that tells them apart.
    for (r, result) in ar.resinfos.iter().zip(&results) {
        let b = r.property("header.b").unwrap();
        let full = Base64::encode_string(result.signature().unwrap().signature());
        assert!(b.len() >= 8 && full.starts_with(b), "{b} of {full}");
    }
}

#[test]
fn changed_body_two_failures_with_reasons() {
    let text = String::from_utf8(rfc8463::MESSAGE.to_vec()).unwrap();
    let changed = text.replace("We lost the game.", "We won the game.");
    let results = results(changed.as_bytes());
    assert!(results.iter().all(|r| r.verdict() == Verdict::Fail));
    let ar = read_back("mx.example.net", &results);
    assert_eq!(ar.resinfos.len(), 2);
    for r in &ar.resinfos {
        assert_eq!(r.result, "fail");
        assert_eq!(r.comments.len(), 1, "the reason, as a comment: {:?}", r.comments);
    }
}

#[test]
fn no_signature_is_dkim_none() {
    let ar = read_back("mx", &results(rfc8463::UNSIGNED));
    assert_eq!(ar.resinfos.len(), 1);
    assert_eq!((ar.resinfos[0].method.as_str(), ar.resinfos[0].result.as_str()), ("dkim", "none"));
}

#[test]
fn hostile_signature_values_stay_inside_their_resinfo() {
    let message = [
        b"DKIM-Signature: v=1; a=ed25519-sha256; d=\"x;dkim=pass\".example; s=a(b; h=from; bh=AAAA; b=AAAA\r\n"
            .as_slice(),
        rfc8463::UNSIGNED,
    ]
    .concat();
    let results = results(&message);
    assert_eq!(results.len(), 1);
    assert_ne!(results[0].verdict(), Verdict::Pass);
    let ar = read_back("mx.example.net", &results);
    assert_eq!(ar.resinfos.len(), 1, "{ar:?}");
    assert_eq!(ar.resinfos[0].result, "permerror");
}
