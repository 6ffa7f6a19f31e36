//! The adversarial corpus: hostile messages and key records, each a named
//! case with the typed error or verdict it must produce, never a panic,
//! always within the limits and in bounded time (each case is timed).
//!
//! DNS-level cases (answers with the wrong ID or name, CNAME loops,
//! truncation) are in `dkim-dns/tests/dns_client.rs`.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use dkim_core::crypto::KeyError;
use dkim_core::header::HeaderError;
use dkim_core::key_record::KeyRecordError;
use dkim_core::signature::SignatureError;
use dkim_core::tag_list::TagListErrorKind;
use dkim_core::{
    Ed25519SigningKey, HeaderStatus, KeyAnswer, Limits, Policy, PrivateKey, Reason, SignSession, SignatureResult,
    Signer, Step, TxtRecord, Verdict, Verifier, VerifyError,
};

const NOW: u64 = 1_800_000_000;
const SEED: [u8; 32] = [7; 32];
/// Every case must finish within this (debug build, loaded machine).
const BOUND: Duration = Duration::from_secs(20);

fn key() -> PrivateKey {
    PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&SEED))
}

fn record() -> String {
    format!("v=DKIM1; k=ed25519; p={}", key().public_key_base64())
}

const MESSAGE: &[u8] = b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n\
Date: Sat, 14 Nov 2026 10:00:00 +0000\r\n\r\nHello Bob,\r\nhow are you?\r\n";

fn signer() -> dkim_core::SignerBuilder<PrivateKey> {
    Signer::builder(key(), "example.com", "sel").timestamp(NOW - 60)
}

fn sign_with(message: &[u8], s: Signer<PrivateKey>) -> Vec<u8> {
    let mut session = SignSession::new(vec![s]);
    let HeaderStatus::Complete(n) = session.headers(message).unwrap() else { panic!("header") };
    session.body(&message[n..]);
    let mut out = session.finish().unwrap().concat().into_bytes();
    out.extend_from_slice(message);
    out
}

fn signed() -> Vec<u8> {
    sign_with(MESSAGE, signer().build().unwrap())
}

/// A message with a hand-written DKIM-Signature value (for syntax cases).
fn with_signature(tags: &str) -> Vec<u8> {
    let mut m = format!("DKIM-Signature: {tags}\r\n").into_bytes();
    m.extend_from_slice(MESSAGE);
    m
}

const BH: &str = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
const B: &str = "dGVzdA==";

/// A syntactically complete signature with `extra` appended or `replace`d tags.
fn tags(replace: &[(&str, &str)]) -> String {
    let mut t: Vec<(String, String)> = [
        ("v", "1"),
        ("a", "ed25519-sha256"),
        ("d", "example.com"),
        ("s", "sel"),
        ("h", "from:to:subject"),
        ("bh", BH),
        ("b", B),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in replace {
        match t.iter_mut().find(|(n, _)| n == k) {
            Some(slot) if v.is_empty() && *k != "b" && *k != "bh" => slot.1 = "\u{0}REMOVE".into(),
            Some(slot) => slot.1 = v.to_string(),
            None => t.push((k.to_string(), v.to_string())),
        }
    }
    t.iter().filter(|(_, v)| v != "\u{0}REMOVE").map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

enum Keys {
    /// The test key at every name.
    Good,
    /// These TXT records at every name.
    Records(Vec<TxtRecord>),
    NoRecord,
    TempFail,
}

struct Run {
    outcome: Result<Vec<SignatureResult>, VerifyError>,
    elapsed: Duration,
}

fn run(message: &[u8], keys: &Keys, policy: Policy, limits: Limits) -> Run {
    let started = Instant::now();
    let outcome = (|| {
        let mut v = Verifier::with_limits(policy, limits);
        let body_at = match v.headers(message)? {
            HeaderStatus::Complete(n) => Some(n),
            HeaderStatus::Partial => None,
        };
        while let Step::NeedKeys(requests) = v.step() {
            let requests = requests.to_vec();
            for r in requests {
                let answer = match keys {
                    Keys::Good => KeyAnswer::Records(vec![TxtRecord::from_text(&record())]),
                    Keys::Records(r) => KeyAnswer::Records(r.clone()),
                    Keys::NoRecord => KeyAnswer::NoRecord,
                    Keys::TempFail => KeyAnswer::TempFail,
                };
                v.answer_key(r.id(), answer);
            }
        }
        if let Some(n) = body_at {
            v.body(&message[n..]);
        }
        v.finish()?;
        Ok(v.into_results())
    })();
    Run { outcome, elapsed: started.elapsed() }
}

type Check = Box<dyn Fn(&Result<Vec<SignatureResult>, VerifyError>) -> bool>;

struct Case {
    name: &'static str,
    message: Vec<u8>,
    keys: Keys,
    policy: Policy,
    limits: Limits,
    expect: &'static str,
    check: Check,
}

fn case(name: &'static str, message: Vec<u8>, expect: &'static str, check: Check) -> Case {
    Case {
        name,
        message,
        keys: Keys::Good,
        policy: Policy::default().now(NOW),
        limits: Limits::default(),
        expect,
        check,
    }
}

fn first(r: &Result<Vec<SignatureResult>, VerifyError>) -> Option<&SignatureResult> {
    r.as_ref().ok().and_then(|v| v.first())
}

/// One signature with this verdict and a reason matching `f`.
fn verdict(v: Verdict, f: impl Fn(Option<&Reason>) -> bool + 'static) -> Check {
    Box::new(move |r| first(r).is_some_and(|s| s.verdict() == v && f(s.reason())))
}

fn sig_error(f: impl Fn(&SignatureError) -> bool + 'static) -> Check {
    verdict(Verdict::PermError, move |r| matches!(r, Some(Reason::Signature(e)) if f(e)))
}

fn key_error(f: impl Fn(&KeyRecordError) -> bool + 'static) -> Check {
    verdict(Verdict::PermError, move |r| matches!(r, Some(Reason::KeyRecord(e)) if f(e)))
}

fn header_error(f: impl Fn(&HeaderError) -> bool + 'static) -> Check {
    Box::new(move |r| matches!(r, Err(VerifyError::Header(e)) if f(e)))
}

fn pass() -> Check {
    verdict(Verdict::Pass, |r| r.is_none())
}

fn replace_once(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = hay.windows(from.len()).position(|w| w == from).unwrap_or_else(|| panic!("{:?} not found", from));
    let mut out = hay[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&hay[at + from.len()..]);
    out
}

/// A PKCS#1 RSAPublicKey with a `bits`-bit odd modulus (not a real key).
fn fake_rsa_spki(bits: usize) -> String {
    fn der_len(n: usize) -> Vec<u8> {
        if n < 128 {
            vec![n as u8]
        } else {
            let b = n.to_be_bytes();
            let skip = b.iter().position(|&x| x != 0).unwrap();
            let mut v = vec![0x80 | (b.len() - skip) as u8];
            v.extend_from_slice(&b[skip..]);
            v
        }
    }
    let mut modulus = vec![0x00, 0xC0];
    modulus.extend(std::iter::repeat_n(0xA5, bits / 8 - 2));
    modulus.push(0x01);
    let mut n = vec![0x02];
    n.extend(der_len(modulus.len()));
    n.extend(modulus);
    let e = [0x02, 0x03, 0x01, 0x00, 0x01];
    let mut seq = vec![0x30];
    seq.extend(der_len(n.len() + e.len()));
    seq.extend(n);
    seq.extend(e);
    Base64::encode_string(&seq)
}

fn cases() -> Vec<Case> {
    let mut c = Vec::new();
    let big_limits = Limits::default().max_header_bytes(64 << 20).max_header_fields(200_000);

    // --- Header framing ---------------------------------------------------
    let mut m = b"X-Long: ".to_vec();
    m.extend(std::iter::repeat_n(b'a', 1_000_000));
    m.extend_from_slice(b"\r\n");
    m.extend_from_slice(&signed());
    c.push(case("header_line_1mb_within_limit", m, "pass", pass()));
    let mut m = b"X-Long: ".to_vec();
    m.extend(std::iter::repeat_n(b'a', 2_000_000));
    m.extend_from_slice(b"\r\n");
    m.extend_from_slice(&signed());
    c.push(case(
        "header_line_2mb_over_limit",
        m,
        "HeaderError::TooLarge",
        header_error(|e| matches!(e, HeaderError::TooLarge { .. })),
    ));
    let mut m = Vec::new();
    for _ in 0..100_000 {
        m.extend_from_slice(b"X: v\r\n");
    }
    m.extend_from_slice(&signed());
    c.push(case(
        "header_100k_fields",
        m.clone(),
        "HeaderError::TooManyFields",
        header_error(|e| matches!(e, HeaderError::TooManyFields { .. })),
    ));
    let mut big = case("header_100k_fields_raised_limits", m, "pass", pass());
    big.limits = big_limits.clone();
    // With the limits raised, the signature (below the extra fields) still passes.
    c.push(big);
    c.push(case(
        "header_without_colon",
        [b"Not a header line\r\n".as_slice(), &signed()].concat(),
        "HeaderError::MissingColon",
        header_error(|e| matches!(e, HeaderError::MissingColon { .. })),
    ));
    c.push(case(
        "message_starts_with_folded_line",
        [b" folded\r\n".as_slice(), &signed()].concat(),
        "HeaderError::LeadingContinuation",
        header_error(|e| matches!(e, HeaderError::LeadingContinuation)),
    ));
    c.push(case(
        "field_name_with_space",
        [b"Bad Name: x\r\n".as_slice(), &signed()].concat(),
        "HeaderError::InvalidFieldName",
        header_error(|e| matches!(e, HeaderError::InvalidFieldName { .. })),
    ));
    c.push(case(
        "nul_in_field_name",
        [b"X-\0: x\r\n".as_slice(), &signed()].concat(),
        "HeaderError::InvalidFieldName",
        header_error(|e| matches!(e, HeaderError::InvalidFieldName { .. })),
    ));
    c.push(case("empty_input", Vec::new(), "no signature (none)", Box::new(|r| matches!(r, Ok(v) if v.is_empty()))));
    c.push(case(
        "header_only_no_body",
        b"From: a@example.com\r\nSubject: x\r\n".to_vec(),
        "no signature (none)",
        Box::new(|r| matches!(r, Ok(v) if v.is_empty())),
    ));

    // --- Hostile bytes in signed content -----------------------------------
    let nul = b"From: Alice <alice@example.com>\r\nSubject: nul\0byte and \xff\xfe 8-bit\r\n\r\nbody\r\n";
    c.push(case("nul_and_8bit_in_signed_header", sign_with(nul, signer().build().unwrap()), "pass", pass()));
    let bare_cr = b"From: alice@example.com\r\nSubject: bare\rcr\r\n\r\nline\rwith bare CR\r\nand bare\nLF\r\n";
    c.push(case("bare_cr_and_lf_are_data", sign_with(bare_cr, signer().build().unwrap()), "pass", pass()));
    let tampered = replace_once(&sign_with(bare_cr, signer().build().unwrap()), b"line\rwith", b"line\r\nwith");
    c.push(case(
        "bare_cr_turned_into_crlf_fails",
        tampered,
        "fail: BodyHashMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::BodyHashMismatch)),
    ));
    let mut m = signed();
    m.extend(std::iter::repeat_n(b"\r\n".as_slice(), 5_000_000).flatten());
    c.push(case("ten_mb_of_trailing_empty_lines", m, "pass", pass()));
    c.push(case(
        "body_changed",
        replace_once(&signed(), b"how are you?", b"how are you!"),
        "fail: BodyHashMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::BodyHashMismatch)),
    ));
    c.push(case(
        "signed_header_changed",
        replace_once(&signed(), b"Subject: hello", b"Subject: HELLO"),
        "fail: SignatureMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::SignatureMismatch)),
    ));
    c.push(case(
        "unsigned_message",
        MESSAGE.to_vec(),
        "no signature (none)",
        Box::new(|r| matches!(r, Ok(v) if v.is_empty())),
    ));

    // --- Many signatures ---------------------------------------------------
    let one = signed();
    let field_end = one.windows(4).position(|w| w == b"\r\nTo").unwrap();
    let field_start = 0;
    let sig_field = &one[field_start..one.windows(6).position(|w| w == b"\r\nFrom").unwrap() + 2];
    let _ = field_end;
    let mut m = Vec::new();
    for _ in 0..10_000 {
        m.extend_from_slice(sig_field);
    }
    m.extend_from_slice(MESSAGE);
    let mut many = case(
        "ten_thousand_signatures",
        m,
        "10 000 results: the first 16 pass, the rest TooManySignatures",
        Box::new(|r| {
            r.as_ref().is_ok_and(|v| {
                v.len() == 10_000
                    && v[..16].iter().all(|s| s.verdict() == Verdict::Pass)
                    && v[16..].iter().all(|s| matches!(s.reason(), Some(Reason::TooManySignatures { .. })))
            })
        }),
    );
    many.limits = big_limits.clone();
    c.push(many);

    // --- DKIM-Signature syntax ---------------------------------------------
    let h4096 = format!("from{}", ":f".repeat(4095));
    c.push(case(
        "h_with_4096_entries",
        with_signature(&tags(&[("h", &h4096)])),
        "TooManySignedHeaders",
        sig_error(|e| matches!(e, SignatureError::TooManySignedHeaders { .. })),
    ));
    let h_long = vec!["from"; 4096].join(":");
    c.push(case(
        "h_over_the_tag_value_limit",
        with_signature(&tags(&[("h", &h_long)])),
        "TagList ValueTooLong on h",
        sig_error(|e| matches!(e, SignatureError::TagList(t) if t.kind() == TagListErrorKind::ValueTooLong)),
    ));
    c.push(case(
        "l_with_80_digits",
        with_signature(&tags(&[("l", &"9".repeat(80))])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    ));
    c.push(case(
        "t_overflowing",
        with_signature(&tags(&[("t", "99999999999999999999999")])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    ));
    c.push(case(
        "x_overflowing",
        with_signature(&tags(&[("t", "1"), ("x", "184467440737095516160")])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    ));
    c.push(case(
        "x_before_t",
        with_signature(&tags(&[("t", "2000"), ("x", "1000")])),
        "ExpirationBeforeTimestamp",
        sig_error(|e| matches!(e, SignatureError::ExpirationBeforeTimestamp { .. })),
    ));
    c.push(case(
        "negative_l",
        with_signature(&tags(&[("l", "-5")])),
        "InvalidNumber",
        sig_error(|e| matches!(e, SignatureError::InvalidNumber { .. })),
    ));
    c.push(case(
        "truncated_base64_b",
        with_signature(&tags(&[("b", "dGVzd")])),
        "InvalidBase64",
        sig_error(|e| matches!(e, SignatureError::InvalidBase64 { .. })),
    ));
    c.push(case(
        "non_canonical_base64_b",
        with_signature(&tags(&[("b", "dGVzdB==")])),
        "InvalidBase64",
        sig_error(|e| matches!(e, SignatureError::InvalidBase64 { .. })),
    ));
    c.push(case(
        "garbage_in_bh",
        with_signature(&tags(&[("bh", "!!notbase64!!")])),
        "InvalidBase64",
        sig_error(|e| matches!(e, SignatureError::InvalidBase64 { .. })),
    ));
    c.push(case(
        "duplicate_tag",
        with_signature(&format!("{}; d=evil.example", tags(&[]))),
        "TagList DuplicateTag",
        sig_error(|e| matches!(e, SignatureError::TagList(t) if t.kind() == TagListErrorKind::DuplicateTag)),
    ));
    c.push(case(
        "empty_tag_spec",
        with_signature(&tags(&[]).replace("; s=sel", "; ; s=sel")),
        "TagList EmptyTagSpec",
        sig_error(|e| matches!(e, SignatureError::TagList(_))),
    ));
    c.push(case(
        "tag_without_equals",
        with_signature(&format!("{}; novalue", tags(&[]))),
        "TagList ExpectedEquals",
        sig_error(|e| matches!(e, SignatureError::TagList(_))),
    ));
    c.push(case(
        "control_byte_in_tag_list",
        with_signature(&tags(&[]).replace("; s=sel", "; s=s\u{1}el")),
        "TagList error",
        sig_error(|e| matches!(e, SignatureError::TagList(_) | SignatureError::InvalidSelector(_))),
    ));
    c.push(case(
        "tag_value_over_limit",
        with_signature(&tags(&[("z", &"a".repeat(20_000))])),
        "TagList ValueTooLong",
        sig_error(|e| matches!(e, SignatureError::TagList(_))),
    ));
    for (name, tag, expect) in [
        ("missing_b", "b", "MissingTag(b)"),
        ("missing_bh", "bh", "MissingTag(bh)"),
        ("missing_d", "d", "MissingTag(d)"),
        ("missing_s", "s", "MissingTag(s)"),
        ("missing_h", "h", "MissingTag(h)"),
        ("missing_a", "a", "MissingTag(a)"),
        ("missing_v", "v", "MissingTag(v)"),
    ] {
        let text = tags(&[]).split("; ").filter(|t| !t.starts_with(&format!("{tag}="))).collect::<Vec<_>>().join("; ");
        let want = tag;
        c.push(case(
            name,
            with_signature(&text),
            expect,
            sig_error(move |e| matches!(e, SignatureError::MissingTag(t) if *t == want)),
        ));
    }
    c.push(case(
        "empty_b",
        with_signature(&tags(&[("b", "")])),
        "EmptyTag(b)",
        sig_error(|e| matches!(e, SignatureError::EmptyTag("b") | SignatureError::MissingTag("b"))),
    ));
    c.push(case(
        "version_2",
        with_signature(&tags(&[("v", "2")])),
        "UnsupportedVersion",
        sig_error(|e| matches!(e, SignatureError::UnsupportedVersion(_))),
    ));
    c.push(case(
        "algorithm_rsa_md5",
        with_signature(&tags(&[("a", "rsa-md5")])),
        "UnsupportedAlgorithm",
        sig_error(|e| matches!(e, SignatureError::UnsupportedAlgorithm(_))),
    ));
    c.push(case(
        "canonicalization_fancy",
        with_signature(&tags(&[("c", "fancy/simple")])),
        "UnsupportedCanonicalization",
        sig_error(|e| matches!(e, SignatureError::UnsupportedCanonicalization(_))),
    ));
    c.push(case(
        "query_method_http",
        with_signature(&tags(&[("q", "http/get")])),
        "UnsupportedQueryMethod",
        sig_error(|e| matches!(e, SignatureError::UnsupportedQueryMethod(_))),
    ));
    c.push(case(
        "domain_with_space",
        with_signature(&tags(&[("d", "exa mple.com")])),
        "InvalidDomain",
        sig_error(|e| matches!(e, SignatureError::InvalidDomain(_))),
    ));
    c.push(case(
        "domain_with_crlf_injection",
        with_signature(&tags(&[("d", "example.com\r\n\tX-Evil: 1")])),
        "InvalidDomain",
        sig_error(|e| matches!(e, SignatureError::InvalidDomain(_))),
    ));
    c.push(case(
        "selector_with_slash",
        with_signature(&tags(&[("s", "a/b")])),
        "InvalidSelector",
        sig_error(|e| matches!(e, SignatureError::InvalidSelector(_))),
    ));
    c.push(case(
        "identity_outside_domain",
        with_signature(&tags(&[("i", "joe@evil.example")])),
        "IdentityOutsideDomain",
        sig_error(|e| matches!(e, SignatureError::IdentityOutsideDomain { .. })),
    ));
    c.push(case(
        "from_not_signed",
        with_signature(&tags(&[("h", "to:subject")])),
        "FromNotSigned",
        sig_error(|e| matches!(e, SignatureError::FromNotSigned)),
    ));
    c.push(case(
        "invalid_utf8_in_signature",
        [b"DKIM-Signature: v=1; d=\xff\xfe; s=x\r\n".as_slice(), MESSAGE].concat(),
        "permerror (syntax)",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::Signature(_)))),
    ));

    // --- Body length --------------------------------------------------------
    let l_signed = sign_with(MESSAGE, signer().body_length(true).build().unwrap());
    let l_text = String::from_utf8_lossy(&l_signed).to_string();
    let l_value: u64 = l_text.split("l=").nth(1).unwrap().split(';').next().unwrap().trim().parse().unwrap();
    let beyond = l_text.replacen(&format!("l={l_value};"), &format!("l={};", l_value + 1000), 1).into_bytes();
    // RFC 6376 6.1.3: an l= larger than the body makes the signature fail.
    c.push(case(
        "l_beyond_the_body",
        beyond,
        "fail BodyLengthExceedsBody",
        verdict(Verdict::Fail, |r| matches!(r, Some(Reason::BodyLengthExceedsBody { .. }))),
    ));
    let mut refused = case(
        "l_refused_by_policy",
        l_signed.clone(),
        "policy BodyLengthRefused",
        verdict(Verdict::Policy, |r| r == Some(&Reason::BodyLengthRefused)),
    );
    refused.policy = refused.policy.accept_body_length(false);
    c.push(refused);

    // --- Time ---------------------------------------------------------------
    let expired = sign_with(MESSAGE, signer().timestamp(NOW - 7200).expiration(NOW - 3600).build().unwrap());
    c.push(case(
        "expired",
        expired,
        "permerror Expired",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::Expired { .. }))),
    ));
    let future =
        sign_with(MESSAGE, Signer::builder(key(), "example.com", "sel").timestamp(NOW + 86_400).build().unwrap());
    c.push(case(
        "timestamp_in_future",
        future,
        "permerror TimestampInFuture",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::TimestampInFuture { .. }))),
    ));

    // --- Key records ----------------------------------------------------------
    let with_keys = |name: &'static str, records: Vec<&str>, expect: &'static str, check: Check| {
        let mut k = case(name, signed(), expect, check);
        k.keys = Keys::Records(records.into_iter().map(TxtRecord::from_text).collect());
        k
    };
    let huge = format!("v=DKIM1; k=ed25519; n={}; p={}", "x".repeat(64 * 1024), key().public_key_base64());
    c.push(with_keys(
        "key_record_64kib",
        vec![&huge],
        "KeyRecord TooLarge",
        key_error(|e| matches!(e, KeyRecordError::TooLarge { .. })),
    ));
    c.push(with_keys(
        "key_p_not_a_key",
        vec!["v=DKIM1; k=rsa; p=SGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGEga2V5"],
        "KeyRecord Key(NotAKey)",
        key_error(|e| matches!(e, KeyRecordError::Key(KeyError::NotAKey))),
    ));
    c.push(with_keys(
        "key_p_not_base64",
        vec!["v=DKIM1; k=ed25519; p=!!!"],
        "KeyRecord InvalidBase64",
        key_error(|e| matches!(e, KeyRecordError::InvalidBase64)),
    ));
    c.push(with_keys(
        "key_ed25519_31_bytes",
        vec![&format!("v=DKIM1; k=ed25519; p={}", Base64::encode_string(&[1u8; 31]))],
        "Key(Ed25519Length(31))",
        key_error(|e| matches!(e, KeyRecordError::Key(KeyError::Ed25519Length(31)))),
    ));
    let rsa16k = format!("v=DKIM1; k=rsa; p={}", fake_rsa_spki(16_384));
    let mut k16 = with_keys(
        "key_rsa_16384_bits",
        vec![&rsa16k],
        "KeyRecord Key(RsaTooLarge) or TooLarge, fast",
        key_error(|e| matches!(e, KeyRecordError::Key(KeyError::RsaTooLarge { .. }) | KeyRecordError::TooLarge { .. })),
    );
    k16.limits = Limits::default().max_key_record_bytes(64 * 1024);
    c.push(k16);
    c.push(with_keys(
        "key_revoked",
        vec!["v=DKIM1; k=ed25519; p="],
        "permerror KeyRevoked",
        verdict(Verdict::PermError, |r| r == Some(&Reason::KeyRevoked)),
    ));
    c.push(with_keys(
        "key_version_2",
        vec![&record().replace("DKIM1", "DKIM2")],
        "KeyRecord UnsupportedVersion",
        key_error(|e| matches!(e, KeyRecordError::UnsupportedVersion(_))),
    ));
    c.push(with_keys(
        "key_version_not_first",
        vec![&format!("k=ed25519; v=DKIM1; p={}", key().public_key_base64())],
        "KeyRecord VersionNotFirst",
        key_error(|e| matches!(e, KeyRecordError::VersionNotFirst)),
    ));
    c.push(with_keys(
        "key_unknown_type",
        vec![&record().replace("k=ed25519", "k=foo")],
        "KeyRecord UnknownKeyType",
        key_error(|e| matches!(e, KeyRecordError::UnknownKeyType(_))),
    ));
    c.push(with_keys(
        "key_missing_p",
        vec!["v=DKIM1; k=ed25519"],
        "KeyRecord MissingKey",
        key_error(|e| matches!(e, KeyRecordError::MissingKey)),
    ));
    c.push(with_keys(
        "key_duplicate_tag",
        vec![&format!("{}; k=rsa", record())],
        "KeyRecord TagList(DuplicateTag)",
        key_error(|e| matches!(e, KeyRecordError::TagList(_))),
    ));
    c.push(with_keys(
        "key_type_mismatch",
        vec![&record().replace("k=ed25519", "k=rsa")],
        "KeyTypeMismatch (or a key error)",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::KeyTypeMismatch { .. } | Reason::KeyRecord(_)))),
    ));
    c.push(with_keys(
        "key_hash_sha1_only",
        vec![&record().replace("k=ed25519", "k=ed25519; h=sha1")],
        "KeyHashMismatch",
        verdict(Verdict::PermError, |r| r == Some(&Reason::KeyHashMismatch)),
    ));
    c.push(with_keys(
        "key_service_chat",
        vec![&record().replace("k=ed25519", "k=ed25519; s=chat")],
        "KeyServiceMismatch",
        verdict(Verdict::PermError, |r| r == Some(&Reason::KeyServiceMismatch)),
    ));
    c.push(with_keys(
        "two_different_key_records",
        vec![&record(), "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
        "AmbiguousKeyRecords",
        verdict(Verdict::PermError, |r| matches!(r, Some(Reason::AmbiguousKeyRecords { .. }))),
    ));
    c.push(with_keys(
        "key_record_plus_spf_record",
        vec!["v=spf1 -all", &record()],
        "pass (the DKIM record counts)",
        pass(),
    ));
    c.push(with_keys(
        "other_key_published",
        vec!["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
        "fail SignatureMismatch",
        verdict(Verdict::Fail, |r| r == Some(&Reason::SignatureMismatch)),
    ));
    let split: Vec<Vec<u8>> = record().as_bytes().chunks(7).map(<[u8]>::to_vec).collect();
    let mut sp = case("record_in_many_small_strings", signed(), "pass (strings joined without spaces)", pass());
    sp.keys = Keys::Records(vec![TxtRecord::new(split)]);
    c.push(sp);
    let mut oversized = case(
        "oversized_txt_record",
        signed(),
        "KeyRecord TooLarge",
        key_error(|e| matches!(e, KeyRecordError::TooLarge { .. })),
    );
    oversized.keys = Keys::Records(vec![TxtRecord::new(vec![vec![b'a'; 255]; 400])]);
    c.push(oversized);
    let mut nokey =
        case("no_key_record", signed(), "permerror NoKey", verdict(Verdict::PermError, |r| r == Some(&Reason::NoKey)));
    nokey.keys = Keys::NoRecord;
    c.push(nokey);
    let mut temp = case(
        "key_lookup_temporary_failure",
        signed(),
        "temperror KeyLookupTempFail",
        verdict(Verdict::TempError, |r| r == Some(&Reason::KeyLookupTempFail)),
    );
    temp.keys = Keys::TempFail;
    c.push(temp);
    let mut empty =
        case("empty_txt_record", signed(), "permerror (no usable key)", verdict(Verdict::PermError, |_| true));
    empty.keys = Keys::Records(vec![TxtRecord::new(vec![Vec::new()])]);
    c.push(empty);
    c
}

#[test]
fn adversarial_corpus() {
    let cases = cases();
    let mut names = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        let run = run(&case.message, &case.keys, case.policy.clone(), case.limits.clone());
        if !(case.check)(&run.outcome) {
            let got = match &run.outcome {
                Ok(v) if v.is_empty() => "no signatures".to_string(),
                Ok(v) => format!("{} result(s), first: {} {:?}", v.len(), v[0].verdict(), v[0].reason()),
                Err(e) => format!("error {e:?}"),
            };
            failures.push(format!("{}: want {}, got {got}", case.name, case.expect));
        }
        if run.elapsed > BOUND {
            failures.push(format!("{}: took {:?}", case.name, run.elapsed));
        }
    }
    println!("adversarial corpus: {} cases, {} failures", cases.len(), failures.len());
    assert!(cases.len() >= 50, "at least 50 named cases, have {}", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `SignatureResult::domain` and `selector` name the signer whichever way the
/// field fails: a signature that parses (from the signature), one whose tag
/// list parses but which breaks a rule (from the tag list), one whose tag
/// list fails the value limit (from a loose parse), and one past the
/// signature limit.
#[test]
fn results_name_domain_and_selector_on_every_path() {
    let now = || Policy::default().now(NOW);
    let cases: [(&str, Vec<u8>, Policy, Limits); 4] = [
        ("parses", signed(), now(), Limits::default()),
        ("From not signed", with_signature(&tags(&[("h", "to:subject")])), now(), Limits::default()),
        // bh= is over the value limit: only the loose parse reads the list.
        ("value too long", signed(), now(), Limits::default().max_tag_value_bytes(40)),
        ("over the limit", signed(), now().max_signatures(0), Limits::default()),
    ];
    for (what, message, policy, limits) in cases {
        let results = run(&message, &Keys::Good, policy, limits).outcome.unwrap();
        let r = &results[0];
        assert_eq!(r.signature().is_some(), what == "parses", "{what}");
        assert_eq!(r.domain(), Some("example.com"), "{what}");
        assert_eq!(r.selector(), Some("sel"), "{what}");
    }
}
