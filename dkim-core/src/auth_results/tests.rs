#![allow(clippy::unwrap_used)]

extern crate std;

use alloc::format;
use alloc::vec;

use proptest::prelude::*;

use super::*;
use crate::policy::Limits;
use crate::result::Reason;

/// The one Authentication-Results test parser (dkim-testkit's): it shares
/// no type with this crate, so the second copy of dkim-core that the
/// dev-dependency brings in does not matter.
use dkim_testkit::auth_results::ParsedField as Parsed;

/// Checks the line structure of a field: printable ASCII, TAB, and CRLF
/// only as "\r\n\t", every line at most 998 characters.
fn check_lines(field: &str) {
    if let Err(e) = dkim_testkit::auth_results::check_lines(field) {
        panic!("{e}: {field:?}");
    }
}

/// Parses a whole field (its lines checked first).
fn parse_field(field: &str) -> Result<Parsed, String> {
    check_lines(field);
    dkim_testkit::auth_results::parse(field)
}

fn field(resinfos: Vec<ResInfo>) -> String {
    let mut ar = AuthResults::new("mx.example.net");
    for r in resinfos {
        ar.push(r);
    }
    ar.to_field()
}

fn b_values(bs: &[&str]) -> Vec<String> {
    let f = field(bs.iter().map(|b| ResInfo::new(Verdict::Pass).b(*b)).collect());
    parse_field(&f).unwrap().resinfos.iter().map(|r| r.property("header.b").unwrap().into()).collect()
}

#[test]
fn full_resinfo_exact() {
    let f = field(vec![
        ResInfo::new(Verdict::Pass)
            .domain("example.com")
            .selector("sel")
            .identity("@example.com")
            .algorithm("rsa-sha256")
            .b("abcdEFGHijklmnop"),
    ]);
    assert_eq!(
        f,
        "Authentication-Results: mx.example.net;\r\n\
         \tdkim=pass header.d=example.com header.s=sel header.i=@example.com\r\n\
         \theader.a=rsa-sha256 header.b=abcdEFGH"
    );
}

#[test]
fn several_resinfos_exact() {
    let f =
        field(vec![
            ResInfo::new(Verdict::Fail)
                .domain("example.com")
                .selector("s1")
                .algorithm("rsa-sha256")
                .b("AAAAAAAA1/+")
                .reason(Reason::BodyHashMismatch),
            ResInfo::new(Verdict::TempError).domain("example.org").selector("s2").b("AAAAAAAA2").reason(
                Reason::TempFail { name: "s._domainkey.example.com".into(), cause: crate::TempFailCause::Timeout },
            ),
        ]);
    assert_eq!(
        f,
        "Authentication-Results: mx.example.net;\r\n\
         \tdkim=fail header.d=example.com header.s=s1 header.a=rsa-sha256\r\n\
         \theader.b=AAAAAAAA1 (body hash did not verify: the body was changed after\r\n\
         \tsigning);\r\n\
         \tdkim=temperror header.d=example.org header.s=s2 header.b=AAAAAAAA2 (the key\r\n\
         \tlookup of s._domainkey.example.com failed temporarily: no DNS answer in time)"
    );
    for line in f.split("\r\n") {
        assert!(line.len() <= LINE_WIDTH, "{line:?}");
    }
    let p = parse_field(&f).unwrap();
    assert_eq!(p.resinfos[0].comments, [Reason::BodyHashMismatch.to_string()]);
    assert_eq!(
        p.resinfos[1].comments,
        [Reason::TempFail { name: "s._domainkey.example.com".into(), cause: crate::TempFailCause::Timeout }
            .to_string()]
    );
}

#[test]
fn no_signature_is_none() {
    let ar = AuthResults::new("mx.example.net");
    assert_eq!(ar.to_field(), "Authentication-Results: mx.example.net;\r\n\tdkim=none");
    assert_eq!(ar.to_value(), "mx.example.net;\r\n\tdkim=none");
    assert_eq!(AuthResults::from_results("mx.example.net", &[]), ar);
    let p = parse_field(&ar.to_field()).unwrap();
    assert_eq!(p.resinfos.len(), 1);
    assert_eq!(p.resinfos[0].result, "none");
    assert!(p.resinfos[0].properties.is_empty());
}

#[test]
fn every_verdict_word() {
    let verdicts = [
        Verdict::None,
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Neutral,
        Verdict::Policy,
        Verdict::TempError,
        Verdict::PermError,
    ];
    let p = parse_field(&field(verdicts.iter().map(|&v| ResInfo::new(v)).collect())).unwrap();
    let words: Vec<&str> = p.resinfos.iter().map(|r| r.result.as_str()).collect();
    assert_eq!(words, ["none", "pass", "fail", "neutral", "policy", "temperror", "permerror"]);
    assert!(p.resinfos.iter().all(|r| r.method == "dkim"));
}

#[test]
fn from_signature_result() {
    let value = b" v=1; a=ed25519-sha256; d=example.com; s=sel; i=joe=40x@mail.example.com; h=from; bh=AAAA;\r\n b=AQIDBAUGBwgJ";
    let signature = Signature::parse(value, &Limits::default()).unwrap();
    let result = SignatureResult {
        index: 0,
        field_index: 0,
        verdict: Verdict::Fail,
        reason: Some(Reason::SignatureMismatch),
        signature: Some(signature),
        domain: Some("example.com".into()),
        selector: Some("sel".into()),
        testing: false,
        key_bits: None,
        unsigned_body_bytes: None,
        body_hash_matched: Some(true),
        dnssec: crate::Dnssec::Unknown,
    };
    let unparsed = SignatureResult {
        verdict: Verdict::PermError,
        reason: Some(Reason::Signature(crate::signature::SignatureError::MissingTag("b"))),
        signature: None,
        domain: Some("bad example".into()),
        selector: None,
        ..result.clone()
    };
    let ar = AuthResults::from_results("mx.example.net", &[result, unparsed]);
    let p = parse_field(&ar.to_field()).unwrap();
    let r = &p.resinfos[0];
    assert_eq!(r.result, "fail");
    assert_eq!(r.property("header.d"), Some("example.com"));
    assert_eq!(r.property("header.s"), Some("sel"));
    assert_eq!(r.property("header.i"), Some("joe@x@mail.example.com"));
    assert_eq!(r.property("header.a"), Some("ed25519-sha256"));
    assert_eq!(r.property("header.b"), Some("AQIDBAUG"));
    assert_eq!(r.comments, [Reason::SignatureMismatch.to_string()]);
    let r = &p.resinfos[1];
    assert_eq!(r.result, "permerror");
    assert_eq!(r.properties, [("header.d".to_string(), "bad example".to_string())]);
    assert_eq!(r.comments.len(), 1);
    // The pushed form is the same.
    let mut pushed = AuthResults::new("mx.example.net");
    for result in &ar.resinfos {
        pushed.push(result.clone());
    }
    assert_eq!(pushed.to_field(), ar.to_field());
}

#[test]
fn header_b_unique_at_eight() {
    assert_eq!(b_values(&["abcdefghXYZ", "bcdefghiXYZ", "cdefghijXYZ"]), ["abcdefgh", "bcdefghi", "cdefghij"]);
    assert_eq!(b_values(&["abcdefghXYZ"]), ["abcdefgh"]);
}

#[test]
fn header_b_longer_when_shared() {
    let common = "A".repeat(40);
    let b1 = format!("{common}1xxxxx");
    let b2 = format!("{common}2xxxxx");
    let b3 = format!("{common}21yyyy");
    let b4 = "Bxxxxxxxxxxxxxxxxxx".to_string();
    let got = b_values(&[&b1, &b2, &b3, &b4]);
    assert_eq!(got, [format!("{common}1"), format!("{common}2x"), format!("{common}21"), "Bxxxxxxx".into()]);
    // Each prefix is unique and the shortest such.
    let all = [&b1, &b2, &b3, &b4];
    for (k, prefix) in got.iter().enumerate() {
        for (j, other) in all.iter().enumerate() {
            assert_eq!(other.starts_with(prefix.as_str()), j == k);
        }
        let shorter = &prefix[..prefix.len() - 1];
        assert!(shorter.len() < MIN_B_CHARS || all.iter().filter(|o| o.starts_with(shorter)).count() > 1);
    }
}

#[test]
fn header_b_identical_and_short_values() {
    let long = "Q".repeat(100);
    assert_eq!(b_values(&[&long, &long, "short"]), [long.clone(), long.clone(), "short".into()]);
    // One value is a prefix of the other: the shorter is written whole.
    assert_eq!(b_values(&["abcdefghij", "abcdefghijkl"]), ["abcdefghij", "abcdefghijk"]);
    // Very long identical values are cut.
    let huge = "Z".repeat(2000);
    assert_eq!(b_values(&[&huge, &huge]), ["Z".repeat(MAX_B_CHARS), "Z".repeat(MAX_B_CHARS)]);
}

#[test]
fn header_b_folding_whitespace_and_quoting() {
    let f = field(vec![
        ResInfo::new(Verdict::Pass).b("ab/d\r\n ef+h ijkl"),
        ResInfo::new(Verdict::Pass).b("Zm9v\r\n\tYmFy="),
        ResInfo::new(Verdict::Pass).b("\r\n \t"),
    ]);
    assert!(f.contains("header.b=\"ab/def+h\";"), "{f:?}");
    let p = parse_field(&f).unwrap();
    assert_eq!(p.resinfos[0].property("header.b"), Some("ab/def+h"));
    assert_eq!(p.resinfos[1].property("header.b"), Some("Zm9vYmFy"));
    assert_eq!(p.resinfos[2].property("header.b"), None);
}

#[test]
fn crlf_in_domain_cannot_add_a_field() {
    let f = field(vec![ResInfo::new(Verdict::Pass).domain("example.com\r\nX-Injected: 1").selector("s\n\ta")]);
    check_lines(&f);
    assert!(!f.contains("\r\nX-Injected"));
    assert_eq!(f.matches("\r\n").count(), f.matches("\r\n\t").count());
    let p = parse_field(&f).unwrap();
    assert_eq!(p.resinfos.len(), 1);
    assert_eq!(p.resinfos[0].property("header.d"), Some("example.com??X-Injected: 1"));
    assert_eq!(p.resinfos[0].property("header.s"), Some("s??a"));
}

#[test]
fn semicolon_in_values_cannot_add_a_resinfo() {
    let f = field(vec![
        ResInfo::new(Verdict::Fail).domain("a; dkim=pass").selector("x\" header.d=evil").identity("\\\"; dkim=pass"),
        ResInfo::new(Verdict::Fail).domain("b;").reason("x); dkim=pass (y"),
    ]);
    let p = parse_field(&f).unwrap();
    assert_eq!(p.resinfos.len(), 2);
    assert_eq!(p.resinfos[0].properties.len(), 3);
    assert_eq!(p.resinfos[0].property("header.d"), Some("a; dkim=pass"));
    assert_eq!(p.resinfos[0].property("header.s"), Some("x\" header.d=evil"));
    assert_eq!(p.resinfos[0].property("header.i"), Some("\\\"; dkim=pass"));
    assert_eq!(p.resinfos[1].property("header.d"), Some("b;"));
    assert_eq!(p.resinfos[1].comments, ["x); dkim=pass (y"]);
    assert!(p.resinfos.iter().all(|r| r.result == "fail"));
}

#[test]
fn reason_cannot_escape_its_comment() {
    let reason = "bad ) ( \\ \r\nX-Injected: 1\r\n\r\n; dkim=pass \\";
    let f = field(vec![ResInfo::new(Verdict::Fail).domain("example.com").reason(reason), ResInfo::new(Verdict::Pass)]);
    check_lines(&f);
    assert!(f.contains("(bad \\) \\( \\\\ X-Injected: 1 ; dkim=pass \\\\);"), "{f:?}");
    let p = parse_field(&f).unwrap();
    assert_eq!(p.resinfos.len(), 2);
    assert_eq!(p.resinfos[0].comments, [sanitize_reason(reason)]);
    assert_eq!(p.resinfos[0].comments, ["bad ) ( \\ X-Injected: 1 ; dkim=pass \\"]);
    assert_eq!(p.resinfos[1].result, "pass");
}

#[test]
fn authserv_id_is_quoted() {
    let mut ar = AuthResults::new("mx.example.net; dkim=pass\r\n");
    ar.push(ResInfo::new(Verdict::Fail));
    let f = ar.to_field();
    assert_eq!(f, "Authentication-Results: \"mx.example.net; dkim=pass??\";\r\n\tdkim=fail");
    let p = parse_field(&f).unwrap();
    assert_eq!(p.authserv_id, "mx.example.net; dkim=pass??");
    assert_eq!(p.resinfos.len(), 1);
    assert_eq!(AuthResults::new("").to_value(), "\"\";\r\n\tdkim=none");
}

#[test]
fn non_ascii_and_nul_become_question_marks() {
    let f = field(vec![
        ResInfo::new(Verdict::Pass)
            .domain("bücher.example")
            .selector("s\0l")
            .identity("jo\u{2028}e@example.com")
            .reason("é\u{85}ß"),
    ]);
    let p = parse_field(&f).unwrap();
    let r = &p.resinfos[0];
    assert_eq!(r.property("header.d"), Some("b?cher.example"));
    assert_eq!(r.property("header.s"), Some("s?l"));
    assert_eq!(r.property("header.i"), Some("jo?e@example.com"));
    assert_eq!(r.comments, ["? ?"]);
}

#[test]
fn bare_and_quoted_values() {
    let f = field(vec![
        ResInfo::new(Verdict::Pass)
            .domain("example.com")
            .selector("sel-1_x")
            .identity("joe.bloggs+tag@mail.example.com")
            .algorithm("rsa-sha256"),
        ResInfo::new(Verdict::Pass).domain("a b").selector("").identity("@-bad-.example").algorithm("x=y"),
    ]);
    assert!(f.contains(
        "dkim=pass header.d=example.com header.s=sel-1_x\r\n\theader.i=joe.bloggs+tag@mail.example.com header.a=rsa-sha256;"
    ));
    assert!(f.ends_with("dkim=pass header.d=\"a b\" header.s=\"\" header.i=\"@-bad-.example\" header.a=\"x=y\""));
    let p = parse_field(&f).unwrap();
    assert_eq!(p.resinfos[1].property("header.s"), Some(""));
}

#[test]
fn overlong_values_are_left_out_or_cut() {
    let long = "a".repeat(MAX_VALUE_CHARS + 1);
    let ok = "b".repeat(MAX_VALUE_CHARS);
    let reason = "\"()\\".repeat(1000);
    let mut ar = AuthResults::new(&"m".repeat(2000));
    ar.push(
        ResInfo::new(Verdict::Fail)
            .domain(&*long)
            .selector(&*ok)
            .identity("\"".repeat(MAX_VALUE_CHARS))
            .reason(&*reason),
    );
    let f = ar.to_field();
    let p = parse_field(&f).unwrap();
    assert_eq!(p.authserv_id, "m".repeat(MAX_VALUE_CHARS));
    let r = &p.resinfos[0];
    assert_eq!(r.property("header.d"), None);
    assert_eq!(r.property("header.s"), Some(ok.as_str()));
    assert_eq!(r.property("header.i"), Some("\"".repeat(MAX_VALUE_CHARS).as_str()));
    assert_eq!(r.comments, [format!("{}...", &reason[..MAX_REASON_CHARS])]);
}

#[test]
fn long_reason_is_folded() {
    let reason = "word ".repeat(60);
    let f = field(vec![ResInfo::new(Verdict::Fail).domain("example.com").reason(&*reason)]);
    for line in f.split("\r\n") {
        assert!(line.len() <= LINE_WIDTH, "{line:?}");
    }
    assert_eq!(parse_field(&f).unwrap().resinfos[0].comments, [reason.trim_end()]);
}

/// Strings with controls, quotes, parentheses, separators and
/// non-ASCII, or arbitrary bytes read as UTF-8.
#[test]
fn authserv_id_forms() {
    let ok: &[(&[u8], &str)] = &[
        (b"mx.example.net; dkim=pass", "mx.example.net"),
        (b" mx.example.net;dkim=pass", "mx.example.net"),
        (b"mx.example.net", "mx.example.net"),
        (b"mx.example.net 1; none", "mx.example.net"),
        (b"mx.example.net(comment); none", "mx.example.net"),
        (b" (a (nested) comment \\) with \\( escapes)\r\n\t mx.example.net; none", "mx.example.net"),
        (b"\r\n\tmx.example.net\r\n\t; none", "mx.example.net"),
        (b"\"mx example\"; none", "mx example"),
        (b"\"a\\\"b\\\\c\"; none", "a\"b\\c"),
        (b"\"folded\r\n\tid\"; none", "folded\tid"),
        (b"\"\"; none", ""),
        ("m\u{e9}l.example; none".as_bytes(), "m\u{e9}l.example"),
    ];
    for (value, id) in ok {
        assert_eq!(authserv_id(value).as_deref(), Ok(*id), "{:?}", String::from_utf8_lossy(value));
    }
    let bad: &[(&[u8], AuthservIdError)] = &[
        (b"", AuthservIdError::Missing),
        (b" \r\n\t ", AuthservIdError::Missing),
        (b"; dkim=pass", AuthservIdError::Missing),
        (b"dkim=pass", AuthservIdError::Missing),
        (b"mx@example.net; none", AuthservIdError::Missing),
        (b"mx.example.net\"x\"; none", AuthservIdError::Missing),
        (b"(unclosed mx.example.net; none", AuthservIdError::UnclosedComment),
        (b"(a (b) mx.example.net; none", AuthservIdError::UnclosedComment),
        (b"(ends in a backslash \\", AuthservIdError::UnclosedComment),
        (b"\"unclosed; none", AuthservIdError::UnclosedQuotedString),
        (b"\"ends in a backslash\\", AuthservIdError::UnclosedQuotedString),
        (b"mx.\xff.example; none", AuthservIdError::NotUtf8),
    ];
    for (value, err) in bad {
        assert_eq!(authserv_id(value), Err(*err), "{:?}", String::from_utf8_lossy(value));
        assert!(!err.to_string().is_empty());
    }
}

fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[a-z.;=\"\\\\() \r\n\t\0@é]{0,40}",
    ]
}

fn resinfo_strategy() -> impl Strategy<Value = ResInfo> {
    let verdict = prop_oneof![
        Just(Verdict::None),
        Just(Verdict::Pass),
        Just(Verdict::Fail),
        Just(Verdict::Neutral),
        Just(Verdict::Policy),
        Just(Verdict::TempError),
        Just(Verdict::PermError),
    ];
    let opt = || proptest::option::of(nasty());
    (verdict, opt(), opt(), opt(), opt(), opt(), opt()).prop_map(|(v, d, s, i, a, b, reason)| {
        let mut r = ResInfo::new(v);
        r.domain = d;
        r.selector = s;
        r.identity = i;
        r.algorithm = a;
        r.b = b;
        r.comment = reason.into_iter().collect();
        r
    })
}

proptest! {
    #[test]
    fn any_input_gives_one_well_formed_field(
        authserv_id in nasty(),
        resinfos in proptest::collection::vec(resinfo_strategy(), 0..5),
    ) {
        let mut ar = AuthResults::new(&authserv_id);
        for r in &resinfos {
            ar.push(r.clone());
        }
        let f = ar.to_field();
        prop_assert!(f.is_ascii());
        check_lines(&f);
        prop_assert_eq!(f.matches("\r\n").count(), f.matches("\r\n\t").count());
        prop_assert_eq!(format!("Authentication-Results: {}", ar.to_value()), f.clone());
        let p = parse_field(&f).map_err(|e| TestCaseError::fail(format!("{e}: {f:?}")))?;
        prop_assert_eq!(p.resinfos.len(), resinfos.len().max(1));
        prop_assert_eq!(&p.authserv_id, &truncate(sanitize_value(&authserv_id), MAX_VALUE_CHARS));
        // The public reader finds the id we wrote.
        prop_assert_eq!(super::authserv_id(ar.to_value().as_bytes()), Ok(p.authserv_id.clone()));
        for (parsed, r) in p.resinfos.iter().zip(&resinfos) {
            prop_assert_eq!(&parsed.method, "dkim");
            prop_assert_eq!(parsed.result.as_str(), r.result.as_str());
            let fields = [("header.d", &r.domain), ("header.s", &r.selector), ("header.i", &r.identity), ("header.a", &r.algorithm)];
            for (name, value) in fields {
                let expected = value.as_deref().map(sanitize_value).filter(|v| v.len() <= MAX_VALUE_CHARS);
                prop_assert_eq!(parsed.property(name), expected.as_deref());
            }
            let full = sanitize_b(r.b.as_deref().unwrap_or_default());
            prop_assert_eq!(parsed.property("header.b").is_some(), !full.is_empty());
            if let Some(b) = parsed.property("header.b") {
                prop_assert!(full.starts_with(b) && b.len() >= MIN_B_CHARS.min(full.len()));
            }
            let reason = r.comment.first().map(|c| sanitize_reason(c)).filter(|t| !t.is_empty());
            prop_assert_eq!(parsed.comments.first(), reason.as_ref());
            prop_assert!(parsed.comments.len() <= 1);
        }
    }
}

#[test]
fn testing_mode_and_dnssec_are_noted() {
    let value = b" v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AQIDBAUGBwgJ";
    let mut result = SignatureResult {
        index: 0,
        field_index: 0,
        verdict: Verdict::Pass,
        reason: None,
        signature: Some(Signature::parse(value, &Limits::default()).unwrap()),
        domain: None,
        selector: None,
        testing: true,
        key_bits: Some(256),
        unsigned_body_bytes: None,
        body_hash_matched: Some(true),
        dnssec: crate::Dnssec::Authenticated,
    };
    let f = AuthResults::from_results("mx.example.net", core::slice::from_ref(&result)).to_field();
    let p = parse_field(&f).unwrap();
    assert_eq!(p.resinfos[0].comments, ["key in testing mode, t=y; key DNSSEC-authenticated"]);
    result.testing = false;
    result.dnssec = crate::Dnssec::NotAuthenticated;
    let f = AuthResults::from_results("mx.example.net", core::slice::from_ref(&result)).to_field();
    assert_eq!(parse_field(&f).unwrap().resinfos[0].comments, ["key not DNSSEC-authenticated"]);
    result.dnssec = crate::Dnssec::Unknown;
    let f = AuthResults::from_results("mx.example.net", core::slice::from_ref(&result)).to_field();
    assert!(parse_field(&f).unwrap().resinfos[0].comments.is_empty(), "{f}");
}
