//! `dkim_core::diagnose`: one case per recognised situation (a message
//! signed in the test or written by hand, the zone's answers, the verifier,
//! then the diagnosis), and every row of the corpus' `*/expected.tsv`
//! diagnosed consistently with its verdict (skipped without the corpus).
//!
//! RSA keys of 1024 and 4096 bits (and a 512-bit public key) are in
//! `tests/data/diagnose/`, generated with `openssl genpkey` for these tests.

#![allow(clippy::unwrap_used)]

use base64ct::{Base64, Encoding};
use dkim_core::diagnose::{Code, DiagnoseInput, Diagnosis, Evidence, Severity, diagnose, wrong_name_candidates};
use dkim_core::{
    Ed25519SigningKey, HeaderStatus, KeyAnswer, LineEndings, Now, Policy, PrivateKey, SignSession, SignatureResult,
    Signer, SignerBuilder, Verdict,
};
use dkim_testkit::txt_line as txt;
use dkim_testkit::{Corpus, ZoneFile, verify};

const T0: u64 = 1_795_000_000;
const MESSAGE: &[u8] = b"From: Joe <joe@example.com>\r\nTo: ann@example.org\r\nSubject: lunch\r\n\
Date: Mon, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nSee you at noon.\r\n";

fn ed_key() -> PrivateKey {
    PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]))
}

fn pem(rel: &str) -> PrivateKey {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    PrivateKey::from_pem(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn data(name: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/diagnose").join(name);
    std::fs::read_to_string(path).unwrap().trim().to_string()
}

fn ed_p() -> String {
    ed_key().public_key_base64()
}

/// Signs `message` with `key` as `d`/`s` (builder options by `opts`) at T0.
fn sign_with(
    message: &[u8],
    key: PrivateKey,
    d: &str,
    s: &str,
    opts: impl FnOnce(SignerBuilder<PrivateKey>) -> SignerBuilder<PrivateKey>,
) -> Vec<u8> {
    let signer = opts(Signer::builder(key, d, s).timestamp(T0)).build().unwrap();
    let mut session = SignSession::new(vec![signer]);
    let HeaderStatus::Complete(body) = session.headers(message).unwrap() else { panic!("header incomplete") };
    session.body(&message[body..]);
    let mut out = session.finish().unwrap().remove(0).into_bytes();
    out.extend_from_slice(message);
    out
}

fn sign(message: &[u8]) -> Vec<u8> {
    sign_with(message, ed_key(), "example.com", "sel", |b| b)
}

fn ed_zone() -> String {
    txt("sel._domainkey.example.com", &format!("v=DKIM1; k=ed25519; p={}", ed_p()))
}

/// What a caller does: verify, then look up the key names and the
/// wrong-name candidates (plus `extra` names) in the same zone.
fn run_with(
    message: &[u8],
    zone: &str,
    (policy, now): (Policy, u64),
    extra: &[&str],
) -> (Vec<SignatureResult>, Vec<Diagnosis>) {
    let zone = dkim_testkit::zone(zone);
    let results = verify(message, &zone, policy, Now::unix(now), 0).unwrap();
    let diagnoses = diagnose_with(message, &zone, &results, extra);
    (results, diagnoses)
}

fn diagnose_with(message: &[u8], zone: &ZoneFile, results: &[SignatureResult], extra: &[&str]) -> Vec<Diagnosis> {
    let mut names: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    for r in results {
        if let Some(sig) = r.signature() {
            names.push(sig.key_name());
        }
        names.extend(wrong_name_candidates(r));
    }
    let mut input = DiagnoseInput::new(results).header(message);
    for n in names {
        let records = match dkim_testkit::keys::answer(zone, &n) {
            KeyAnswer::Records { records, .. } => Some(records),
            _ => None,
        };
        input = input.lookup(&n, records);
    }
    diagnose(&input)
}

fn run(message: &[u8], zone: &str) -> (Vec<SignatureResult>, Vec<Diagnosis>) {
    run_with(message, zone, (Policy::default(), T0 + 60), &[])
}

fn find(diagnoses: &[Diagnosis], code: Code) -> &Diagnosis {
    diagnoses.iter().find(|d| d.code() == code).unwrap_or_else(|| panic!("no {code} in {}", show(diagnoses)))
}

fn has(diagnoses: &[Diagnosis], code: Code) -> bool {
    diagnoses.iter().any(|d| d.code() == code)
}

fn show(diagnoses: &[Diagnosis]) -> String {
    diagnoses.iter().map(|d| format!("\n  {d}")).collect()
}

fn errors(diagnoses: &[Diagnosis]) -> Vec<Code> {
    diagnoses.iter().filter(|d| d.severity() == Severity::Error).map(Diagnosis::code).collect()
}

#[test]
fn not_signed() {
    let (results, d) = run(MESSAGE, "");
    assert!(results.is_empty());
    let n = find(&d, Code::NotSigned);
    assert_eq!(n.severity(), Severity::Error);
    assert_eq!(n.signature(), None);
    assert!(n.message().contains("private key"), "{n}");
    assert_eq!(errors(&d), [Code::NotSigned]);
}

#[test]
fn key_not_found_names_the_query() {
    let (_, d) = run(&sign(MESSAGE), "");
    let k = find(&d, Code::NoRecord);
    assert_eq!(k.severity(), Severity::Error);
    assert!(k.evidence().contains(&Evidence::NameQueried("sel._domainkey.example.com".into())));
    assert!(k.message().contains("sel._domainkey.example.com"));
    assert!(!has(&d, Code::KeyAtWrongName));
}

#[test]
fn key_at_wrong_name() {
    let record = format!("v=DKIM1; k=ed25519; p={}", ed_p());
    for name in ["example.com", "_domainkey.example.com", "sel.example.com", "sel._domainkey.example.com.example.com"] {
        let zone = txt(name, &record) + &txt("example.com", "v=spf1 -all");
        let (_, d) = run(&sign(MESSAGE), &zone);
        assert!(has(&d, Code::NoRecord));
        let w = find(&d, Code::KeyAtWrongName);
        assert!(w.evidence().contains(&Evidence::RecordAt(name.into())), "{name}: {w}");
        assert!(w.message().contains("sel._domainkey.example.com"));
    }
    // An SPF record alone at the domain is not a misplaced key.
    let (_, d) = run(&sign(MESSAGE), &txt("example.com", "v=spf1 -all"));
    assert!(!has(&d, Code::KeyAtWrongName), "{}", show(&d));
}

#[test]
fn key_not_found_hints_at_another_selector() {
    let zone = txt("oldesp._domainkey.example.com", &format!("v=DKIM1; k=ed25519; p={}", ed_p()));
    let (_, d) = run_with(&sign(MESSAGE), &zone, (Policy::default(), T0 + 60), &["oldesp._domainkey.example.com"]);
    let k = find(&d, Code::NoRecord);
    assert!(k.message().contains("oldesp"), "{k}");
}

#[test]
fn header_changed() {
    let signed = sign(MESSAGE);
    let changed = String::from_utf8(signed).unwrap().replace("Subject: lunch", "Subject: dinner");
    let (results, d) = run(changed.as_bytes(), &ed_zone());
    assert_eq!(results[0].body_hash_matched(), Some(true));
    assert_eq!(find(&d, Code::KeyMismatchOrHeaderChanged).severity(), Severity::Error);
}

#[test]
fn key_does_not_match() {
    let other = Ed25519SigningKey::from_seed(&[8; 32]);
    let zone = txt(
        "sel._domainkey.example.com",
        &format!("v=DKIM1; k=ed25519; p={}", Base64::encode_string(&other.public_key_bytes())),
    );
    let (_, d) = run(&sign(MESSAGE), &zone);
    assert!(has(&d, Code::KeyMismatchOrHeaderChanged), "{}", show(&d));
    assert!(!has(&d, Code::BodyChanged));
}

#[test]
fn body_changed() {
    let mut signed = sign(MESSAGE);
    signed.extend_from_slice(b"-- \r\nmailing list footer\r\n");
    let (_, d) = run(&signed, &ed_zone());
    assert_eq!(find(&d, Code::BodyChanged).severity(), Severity::Error);
    assert!(!has(&d, Code::KeyMismatchOrHeaderChanged));
}

#[test]
fn unsigned_tail_with_l() {
    let headers = ["from", "to", "subject", "date", "content-type"];
    let mut signed = sign_with(MESSAGE, ed_key(), "example.com", "sel", |b| b.headers(headers).body_length(true));
    signed.extend_from_slice(b"Click here: https://attacker.example/\r\n");
    // RFC 6376 alone (the legacy policy): a pass, with a warning.
    let (results, d) = run_with(&signed, &ed_zone(), (Policy::legacy(), T0 + 60), &[]);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    let t = find(&d, Code::UnsignedTail);
    assert_eq!(t.severity(), Severity::Warning);
    let l = results[0].signature().unwrap().body_length().unwrap();
    assert!(t.evidence().contains(&Evidence::Offset(l)));
    assert!(t.evidence().contains(&Evidence::Bytes { what: "unsigned body", count: 39 }), "{:?}", t.evidence());
    assert!(errors(&d).is_empty(), "{}", show(&d));
    // The default policy: `policy`, and the unsigned tail is an error.
    let (results, d) = run(&signed, &ed_zone());
    assert_eq!(results[0].verdict(), Verdict::Policy);
    assert_eq!(results[0].reason(), Some(&dkim_core::Reason::UnsignedBodyContent { bytes: 39 }));
    assert!(errors(&d).contains(&Code::UnsignedTail), "{}", show(&d));
    // l= without Content-Type signed: `policy`, with its own diagnosis.
    let untyped = sign_with(MESSAGE, ed_key(), "example.com", "sel", |b| b.body_length(true));
    let (results, d) = run(&untyped, &ed_zone());
    assert_eq!(results[0].verdict(), Verdict::Policy);
    assert_eq!(find(&d, Code::BodyLengthWithoutContentType).severity(), Severity::Error);

    // A changed signed part with l=: the body changed, and the message says l=.
    let changed = String::from_utf8(signed).unwrap().replace("noon", "nine");
    let (_, d) = run(changed.as_bytes(), &ed_zone());
    assert!(find(&d, Code::BodyChanged).message().contains("l="));

    // A policy that refuses l=.
    let signed = sign_with(MESSAGE, ed_key(), "example.com", "sel", |b| b.body_length(true));
    let (_, d) = run_with(&signed, &ed_zone(), (Policy::default().accept_body_length(false), T0 + 60), &[]);
    assert!(has(&d, Code::BodyLengthRefused));
}

#[test]
fn expired() {
    let signed = sign_with(MESSAGE, ed_key(), "example.com", "sel", |b| b.expiration(T0 + 3600));
    let (_, d) = run_with(&signed, &ed_zone(), (Policy::default(), T0 + 86_400), &[]);
    let e = find(&d, Code::Expired);
    assert!(e.evidence().contains(&Evidence::Now(T0 + 86_400)));
    assert!(e.evidence().contains(&Evidence::Tag { name: "x".into(), value: (T0 + 3600).to_string() }));
}

#[test]
fn future_timestamp() {
    let signed = sign_with(MESSAGE, ed_key(), "example.com", "sel", |b| b.timestamp(T0 + 86_400));
    let (_, d) = run(&signed, &ed_zone());
    assert_eq!(find(&d, Code::FutureTimestamp).severity(), Severity::Error);
}

#[test]
fn testing_mode() {
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=ed25519; t=y; p={}", ed_p()));
    let (results, d) = run(&sign(MESSAGE), &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    assert_eq!(find(&d, Code::TestingMode).severity(), Severity::Warning);
}

#[test]
fn revoked() {
    let (_, d) = run(&sign(MESSAGE), &txt("sel._domainkey.example.com", "v=DKIM1; k=ed25519; p="));
    assert!(has(&d, Code::KeyRevoked));
}

#[test]
fn key_sizes() {
    // Below 1024: refused.
    let signed = sign_with(MESSAGE, pem("../examples/data/rsa2048.pem"), "example.com", "sel", |b| b);
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=rsa; p={}", data("rsa512.pub.b64")));
    let (_, d) = run(&signed, &zone);
    assert!(find(&d, Code::KeyTooShort).evidence().contains(&Evidence::KeyBits(512)));

    // 1024: weak but accepted.
    let key = pem("tests/data/diagnose/rsa1024.pem");
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=rsa; p={}", key.public_key_base64()));
    let (results, d) = run(&sign_with(MESSAGE, key, "example.com", "sel", |b| b), &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    let w = find(&d, Code::KeyWeak);
    assert_eq!(w.severity(), Severity::Warning);
    assert!(w.evidence().contains(&Evidence::KeyBits(1024)));

    // 2048: nothing to say about the size.
    let key = pem("../examples/data/rsa2048.pem");
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=rsa; p={}", key.public_key_base64()));
    let (results, d) = run(&sign_with(MESSAGE, key, "example.com", "sel", |b| b), &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    assert!(!has(&d, Code::KeyWeak) && !has(&d, Code::KeyLargeRecord), "{}", show(&d));

    // 4096: a record too large for some providers.
    let key = pem("tests/data/diagnose/rsa4096.pem");
    assert_eq!(key.public_key_base64(), data("rsa4096.pub.b64"));
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=rsa; p={}", key.public_key_base64()));
    let (results, d) = run(&sign_with(MESSAGE, key, "example.com", "sel", |b| b), &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    let l = find(&d, Code::KeyLargeRecord);
    assert!(l.evidence().contains(&Evidence::KeyBits(4096)));
    assert!(l.evidence().iter().any(|e| matches!(e, Evidence::Bytes { what: "key record", count } if *count > 700)));
}

#[test]
fn rsa_sha1() {
    let message = b"DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
From: joe@example.com\r\n\r\nHi\r\n";
    let (_, d) = run(message, "");
    assert_eq!(find(&d, Code::RsaSha1).severity(), Severity::Error);
    // Accepted under the legacy policy, still worth a warning.
    let (_, d) = run_with(message, "", (Policy::legacy(), T0 + 60), &[]);
    assert!(d.iter().any(|d| d.code() == Code::RsaSha1 && d.severity() == Severity::Warning), "{}", show(&d));
}

#[test]
fn record_joined_with_spaces() {
    let p = ed_p();
    let (a, b) = p.split_at(20);
    let zone = format!("sel._domainkey.example.com TXT \"v=DKIM1; k=ed25519; p={a} \" \"{b}\"\n");
    let (results, d) = run(&sign(MESSAGE), &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    assert_eq!(find(&d, Code::RecordJoinedWithSpaces).severity(), Severity::Warning);
}

#[test]
fn record_quotes_in_p() {
    let p = ed_p();
    let (a, b) = p.split_at(20);
    let zone = format!("sel._domainkey.example.com TXT \"v=DKIM1; k=ed25519; p={a}\\\" \\\"{b}\"\n");
    let (_, d) = run(&sign(MESSAGE), &zone);
    let q = find(&d, Code::RecordQuotesInP);
    assert_eq!(q.severity(), Severity::Error);
    assert!(!has(&d, Code::RecordNotBase64));
}

#[test]
fn record_not_base64_or_not_a_key() {
    let (_, d) = run(&sign(MESSAGE), &txt("sel._domainkey.example.com", "v=DKIM1; k=ed25519; p=!!!!"));
    assert!(has(&d, Code::RecordNotBase64), "{}", show(&d));
    let (_, d) = run(&sign(MESSAGE), &txt("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=AAAA"));
    assert!(has(&d, Code::RecordNotAKey), "{}", show(&d));
    let (_, d) = run(&sign(MESSAGE), &txt("sel._domainkey.example.com", "v=DKIM1; k=ed25519"));
    assert!(has(&d, Code::RecordSyntax), "{}", show(&d));
}

#[test]
fn several_records() {
    let good = format!("v=DKIM1; k=ed25519; p={}", ed_p());
    // One DKIM record and an unrelated one: the DKIM one counts.
    let zone = txt("sel._domainkey.example.com", "google-site-verification=abc") + &ed_zone();
    let (results, d) = run(&sign(MESSAGE), &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    let s = find(&d, Code::RecordSeveral);
    assert_eq!(s.severity(), Severity::Note);
    assert!(s.evidence().contains(&Evidence::Records(2)));
    assert!(s.message().contains("record 2"), "{s}");
    // Two different DKIM records: none counts.
    let other = Base64::encode_string(&Ed25519SigningKey::from_seed(&[9; 32]).public_key_bytes());
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=ed25519; p={other}"))
        + &txt("sel._domainkey.example.com", &good);
    let (_, d) = run(&sign(MESSAGE), &zone);
    assert_eq!(find(&d, Code::RecordSeveral).severity(), Severity::Error);
}

#[test]
fn record_without_version() {
    let zone = txt("sel._domainkey.example.com", &format!("k=ed25519; p={}", ed_p()));
    let (results, d) = run(&sign(MESSAGE), &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    assert_eq!(find(&d, Code::RecordNoVersion).severity(), Severity::Note);
    assert!(errors(&d).is_empty());
}

#[test]
fn record_type_mismatch() {
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=rsa; p={}", data("rsa1024.pub.b64")));
    let (_, d) = run(&sign(MESSAGE), &zone);
    let m = find(&d, Code::RecordTypeMismatch);
    assert!(m.evidence().contains(&Evidence::Tag { name: "k".into(), value: "rsa".into() }));
}

#[test]
fn record_hash_without_sha256() {
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=ed25519; h=sha1; p={}", ed_p()));
    let (_, d) = run(&sign(MESSAGE), &zone);
    assert_eq!(find(&d, Code::RecordHashNoSha256).severity(), Severity::Error);
}

#[test]
fn record_service_not_email() {
    let zone = txt("sel._domainkey.example.com", &format!("v=DKIM1; k=ed25519; s=web; p={}", ed_p()));
    let (_, d) = run(&sign(MESSAGE), &zone);
    assert!(has(&d, Code::RecordServiceNotEmail));
}

#[test]
fn key_lookup_failed() {
    let (results, d) = run(&sign(MESSAGE), "sel._domainkey.example.com SERVFAIL\n");
    assert_eq!(results[0].verdict(), Verdict::TempError);
    assert!(has(&d, Code::TempFail));
}

#[test]
fn headers_not_signed() {
    let signed = sign_with(MESSAGE, ed_key(), "example.com", "sel", |b| b.headers(&["from", "date"]));
    let (results, d) = run(&signed, &ed_zone());
    assert_eq!(results[0].verdict(), Verdict::Pass);
    let h = find(&d, Code::HeaderNotSigned);
    assert_eq!(h.severity(), Severity::Warning);
    let names: Vec<&str> = h
        .evidence()
        .iter()
        .filter_map(|e| if let Evidence::Header { name, .. } = e { Some(name.as_str()) } else { None })
        .collect();
    assert_eq!(names, ["To", "Subject", "Message-ID"]);
    // The default signer covers them all.
    let (_, d) = run(&sign(MESSAGE), &ed_zone());
    assert!(!has(&d, Code::HeaderNotSigned), "{}", show(&d));
}

#[test]
fn unsigned_second_from_and_subject() {
    let signed = sign_with(MESSAGE, ed_key(), "example.com", "sel", |b| b.headers(&["from", "subject", "to", "date"]));
    let mut attacked = b"From: CEO <ceo@example.com>\r\nSubject: urgent wire transfer\r\n".to_vec();
    attacked.extend_from_slice(&signed);
    // The default policy: `policy`, and the diagnosis is an error.
    let (results, d) = run(&attacked, &ed_zone());
    assert_eq!(results[0].verdict(), Verdict::Policy);
    assert!(errors(&d).contains(&Code::HeaderUnsignedDuplicate), "{}", show(&d));
    // RFC 6376 alone: a pass, with a warning per extra field.
    let (results, d) = run_with(&attacked, &ed_zone(), (Policy::legacy(), T0 + 60), &[]);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    let dups: Vec<&Diagnosis> = d.iter().filter(|d| d.code() == Code::HeaderUnsignedDuplicate).collect();
    assert_eq!(dups.len(), 2, "{}", show(&d));
    assert!(dups[0].evidence().contains(&Evidence::Header { name: "From".into(), offset: 0 }));
    assert!(dups[1].message().contains("Subject"));
    assert!(has(&d, Code::FromUnusable));
    // Oversigning (the default) makes the added copies break the signature.
    let mut attacked = b"From: CEO <ceo@example.com>\r\n".to_vec();
    attacked.extend_from_slice(&sign(MESSAGE));
    let (results, _) = run(&attacked, &ed_zone());
    assert_eq!(results[0].verdict(), Verdict::Fail);
}

fn with_from(from: &str) -> Vec<u8> {
    String::from_utf8(MESSAGE.to_vec()).unwrap().replace("joe@example.com", from).into_bytes()
}

#[test]
fn dmarc_strict_alignment() {
    let (_, d) = run(&sign(MESSAGE), &ed_zone());
    let a = find(&d, Code::DmarcAligned);
    assert_eq!(a.signature(), Some(0));
    assert!(a.evidence().contains(&Evidence::FromDomain("example.com".into())));
    assert!(!has(&d, Code::DmarcNoAlignedPass));
}

#[test]
fn dmarc_relaxed_alignment_uses_the_public_suffix_list() {
    let message = with_from("joe@news.example.co.uk");
    let signed = sign_with(&message, ed_key(), "example.co.uk", "sel", |b| b);
    let zone = txt("sel._domainkey.example.co.uk", &format!("v=DKIM1; k=ed25519; p={}", ed_p()));
    let (_, d) = run(&signed, &zone);
    let r = find(&d, Code::DmarcRelaxedOnly);
    assert!(r.evidence().contains(&Evidence::OrganizationalDomain("example.co.uk".into())));
    assert!(!has(&d, Code::DmarcNoAlignedPass));
    // co.uk is a public suffix: a signature by another .co.uk domain does not align.
    let signed = sign_with(&message, ed_key(), "other.co.uk", "sel", |b| b);
    let zone = txt("sel._domainkey.other.co.uk", &format!("v=DKIM1; k=ed25519; p={}", ed_p()));
    let (_, d) = run(&signed, &zone);
    assert!(has(&d, Code::DmarcNotAligned));
}

#[test]
fn dmarc_esp_signature_valid_but_not_aligned() {
    let signed = sign_with(MESSAGE, ed_key(), "esp.example.net", "esp1", |b| b);
    let zone = txt("esp1._domainkey.esp.example.net", &format!("v=DKIM1; k=ed25519; p={}", ed_p()));
    let (results, d) = run(&signed, &zone);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    let n = find(&d, Code::DmarcNotAligned);
    assert_eq!(n.severity(), Severity::Warning);
    assert!(n.message().contains("own domain"), "{n}");
    assert_eq!(find(&d, Code::DmarcNoAlignedPass).signature(), None);
    assert!(errors(&d).is_empty(), "{}", show(&d));
}

#[test]
fn dmarc_several_signatures_which_one_aligns() {
    let own = sign(MESSAGE);
    let both = sign_with(&own, ed_key(), "esp.example.net", "esp1", |b| b);
    let zone = ed_zone() + &txt("esp1._domainkey.esp.example.net", &format!("v=DKIM1; k=ed25519; p={}", ed_p()));
    let (results, d) = run(&both, &zone);
    assert_eq!(results.len(), 2);
    assert_eq!(find(&d, Code::DmarcNotAligned).signature(), Some(0));
    let a = find(&d, Code::DmarcAligned);
    assert_eq!(a.signature(), Some(1));
    assert!(a.message().contains("number 2"), "{a}");
    assert!(!has(&d, Code::DmarcNoAlignedPass));
}

#[test]
fn lf_message_and_whole_message_as_header() {
    let lf: Vec<u8> = sign(MESSAGE).into_iter().filter(|&b| b != b'\r').collect();
    let (results, d) = run_with(&lf, &ed_zone(), (Policy::default().line_endings(LineEndings::NormalizeLf), T0), &[]);
    assert_eq!(results[0].verdict(), Verdict::Pass);
    assert!(has(&d, Code::DmarcAligned), "{}", show(&d));
    assert!(!has(&d, Code::HeaderNotSigned), "{}", show(&d));
}

#[test]
fn expected_tsv_rows_get_consistent_diagnoses() {
    let Some(corpus) = Corpus::open("dkim-core diagnose") else { return };
    let rows = corpus.expected_rows();
    let mut failures = Vec::new();
    for row in &rows {
        let crlf = row.crlf();
        let zone = row.zone();
        let results = verify(&crlf, &zone, Policy::default(), Now::unix(row.now_or_any()), 0).unwrap();
        let d = diagnose_with(&crlf, &zone, &results, &[]);
        let (expected, label) = (row.expected.as_str(), format!("{row} ({})", row.expected));
        let Some(sig) = row.sig else {
            if expected != "none" || !has(&d, Code::NotSigned) {
                failures.push(format!("{label}: want not-signed, got{}", show(&d)));
            }
            continue;
        };
        let n = sig - 1;
        let mine: Vec<&Diagnosis> = d.iter().filter(|x| x.signature() == Some(n)).collect();
        let errs = mine.iter().filter(|x| x.severity() == Severity::Error).count();
        let ok = match expected {
            "pass" => errs == 0,
            "fail" | "permerror" | "temperror" | "policy" => errs > 0,
            other => panic!("{label}: unknown verdict {other}"),
        };
        if !ok || results.get(n).map(|r| r.verdict().as_str()) != Some(expected) {
            failures.push(format!("{label}: {errs} errors{}", show(&d)));
        }
    }
    corpus.report(rows.len(), "diagnoses", rows.len());
    assert!(failures.is_empty(), "{} of {} rows inconsistent:\n{}", failures.len(), rows.len(), failures.join("\n"));
}
