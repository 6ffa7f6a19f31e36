//! The `dkim` program's command-line contract: `sign`, `verify`, `explain`,
//! `check-record`, `check-key`, `keygen`, exit statuses and error handling.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dkim_testkit::auth_results;
use hickory_server::proto::op::{Message, OpCode, ResponseCode};

mod support;
use support::{dns_server, zone_reply};

/// The `dkim` binary cargo built for these tests.
fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dkim"))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data").join(name)
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The program may exit before reading its input (a usage error).
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dkim-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn message_crlf() -> Vec<u8> {
    std::fs::read(data("message.eml")).unwrap()
}

fn message_lf() -> Vec<u8> {
    message_crlf().into_iter().filter(|&b| b != b'\r').collect()
}

/// Splits the signed output into the DKIM-Signature field and the rest.
fn split_field(out: &[u8], lf: bool) -> (String, Vec<u8>) {
    let text = String::from_utf8(out.to_vec()).unwrap();
    let nl = if lf { "\n" } else { "\r\n" };
    let mut end = 0;
    for (i, line) in text.split_inclusive(nl).enumerate() {
        if i > 0 && !line.starts_with([' ', '\t']) {
            break;
        }
        end += line.len();
    }
    (text[..end].to_string(), out[end..].to_vec())
}

fn tag(field: &str, name: &str) -> Option<String> {
    let unfolded: String = field.split_once(':').unwrap().1.chars().filter(|c| !c.is_whitespace()).collect();
    unfolded.split(';').find_map(|t| t.strip_prefix(&format!("{name}=")).map(str::to_string))
}

fn verify_json(message: &[u8]) -> (Vec<String>, i32) {
    let zone = data("dns.zone");
    let out = run(&["verify", "--zone", zone.to_str().unwrap(), "--json", "-"], message);
    let lines = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    (lines, out.status.code().unwrap())
}

#[test]
fn sign_then_verify_every_algorithm_canonicalization_and_line_ending() {
    for (key, selector, alg) in [("ed25519.pem", "2026", "ed25519-sha256"), ("rsa2048.pem", "2026rsa", "rsa-sha256")] {
        for c in ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"] {
            for lf in [false, true] {
                let input = if lf { message_lf() } else { message_crlf() };
                let key = data(key);
                let out = run(
                    &[
                        "sign",
                        "--key",
                        key.to_str().unwrap(),
                        "--domain",
                        "example.com",
                        "--selector",
                        selector,
                        "--algorithm",
                        alg,
                        "--canonicalization",
                        c,
                        "-",
                    ],
                    &input,
                );
                assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
                let (field, rest) = split_field(&out.stdout, lf);
                assert!(field.starts_with("DKIM-Signature:"), "{field}");
                assert_eq!(rest, input, "the input follows unchanged");
                if lf {
                    assert!(!field.contains('\r'), "no CR after LF input");
                } else {
                    assert!(!field.replace("\r\n", "").contains('\n'), "no bare LF after CRLF input");
                }
                assert_eq!(tag(&field, "c").as_deref(), Some(c));
                assert_eq!(tag(&field, "a").as_deref(), Some(alg));
                assert_eq!(tag(&field, "l"), None, "no l= without --body-length");
                let (lines, code) = verify_json(&out.stdout);
                assert_eq!(code, 0, "{lines:?}");
                assert_eq!(lines.len(), 1);
                assert!(
                    lines[0].starts_with(r#"{"result":"pass","domain":"example.com","selector":""#),
                    "{}",
                    lines[0]
                );
            }
        }
    }
}

#[test]
fn sign_options_set_their_tags() {
    let key = data("rsa2048.pem");
    let out = run(
        &[
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--domain",
            "example.com",
            "--selector",
            "2026rsa",
            "--headers",
            "from:to:subject:date:content-type",
            "--identity",
            "alice@example.com",
            "--body-length",
            "--expiration",
            "3600",
        ],
        &message_crlf(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let (field, _) = split_field(&out.stdout, false);
    let h: Vec<String> = tag(&field, "h").unwrap().split(':').map(|s| s.to_ascii_lowercase()).collect();
    for name in ["from", "to", "subject", "date", "content-type"] {
        assert!(h.contains(&name.to_string()), "h={h:?}");
    }
    assert_eq!(tag(&field, "i").as_deref(), Some("alice@example.com"));
    let body = dkim::hash::body_hash(
        dkim::CanonicalizationAlgorithm::Relaxed,
        dkim::HashAlgorithm::Sha256,
        &message_crlf()[message_crlf().windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..],
    );
    assert_eq!(tag(&field, "l").unwrap(), body.canonical_length.to_string());
    let t: u64 = tag(&field, "t").unwrap().parse().unwrap();
    let x: u64 = tag(&field, "x").unwrap().parse().unwrap();
    assert_eq!(x, t + 3600);
    assert_eq!(verify_json(&out.stdout).1, 0);
    // l= without Content-Type signed: the rest of the body could be retyped,
    // so the verifier's policy refuses it.
    let out = run(
        &[
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--domain",
            "example.com",
            "--selector",
            "2026rsa",
            "--headers",
            "from:subject",
            "--body-length",
        ],
        &message_crlf(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let (lines, code) = verify_json(&out.stdout);
    assert_eq!(code, 1);
    assert!(lines[0].starts_with(r#"{"result":"policy""#), "{lines:?}");
}

#[test]
fn verify_reports_each_signature_in_order_and_sets_the_exit_status() {
    let signed = std::fs::read(data("signed.eml")).unwrap();
    let (lines, code) = verify_json(&signed);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains(r#""selector":"2026rsa""#) && lines[0].contains(r#""algorithm":"rsa-sha256""#));
    assert!(lines[1].contains(r#""selector":"2026""#) && lines[1].contains(r#""algorithm":"ed25519-sha256""#));
    // A zone file cannot vouch for DNSSEC; the key is there all the same.
    for line in &lines {
        assert!(line.ends_with(r#","dnssec":"unknown"}"#), "{line}");
    }
    // A mailing-list footer breaks both.
    let mut footer = signed.clone();
    footer.extend_from_slice(b"--\r\nlist footer\r\n");
    let (lines, code) = verify_json(&footer);
    assert_eq!(code, 1);
    assert!(lines.iter().all(|l| l.starts_with(r#"{"result":"fail""#)), "{lines:?}");
    // Unsigned: one object with result none.
    let (lines, code) = verify_json(&message_crlf());
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(r#"{"result":"none""#) && lines[0].ends_with(r#","dnssec":null}"#), "{lines:?}");
    // --now after x= makes an expiring signature fail as permerror.
    let key = data("ed25519.pem");
    let out = run(
        &[
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--domain",
            "example.com",
            "--selector",
            "2026",
            "--expiration",
            "60",
        ],
        &message_crlf(),
    );
    let zone = data("dns.zone");
    let later =
        (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 7200).to_string();
    let v = run(&["verify", "--zone", zone.to_str().unwrap(), "--json", "--now", &later], &out.stdout);
    assert_eq!(v.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&v.stdout).starts_with(r#"{"result":"permerror""#));
}

/// `--now` is the verifier's clock; without it, the system's.
#[test]
fn verify_now_sets_the_clock() {
    const SIGNED_AT: u64 = 1_700_000_000;
    let pem = std::fs::read_to_string(data("ed25519.pem")).unwrap();
    let key = dkim::PrivateKey::from_pem(&pem).unwrap();
    let signer =
        dkim::Signer::builder(key, "example.com", "2026").timestamp(SIGNED_AT).expire_after(3600).build().unwrap();
    let message = message_crlf();
    let signed = [signer.sign(&message).unwrap().into_bytes(), message].concat();
    let zone = data("dns.zone");
    let verify = |now: Option<u64>| {
        let now = now.map(|t| t.to_string());
        let mut args = vec!["verify", "--zone", zone.to_str().unwrap(), "--json"];
        if let Some(t) = &now {
            args.extend(["--now", t]);
        }
        let out = run(&args, &signed);
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, text) = verify(Some(SIGNED_AT + 60));
    assert_eq!(code, Some(0), "{text}");
    // After x=, and before t= (beyond the clock skew): permerror.
    for now in [SIGNED_AT + 7200, SIGNED_AT - 3600] {
        let (code, text) = verify(Some(now));
        assert_eq!(code, Some(1), "{text}");
        assert!(text.starts_with(r#"{"result":"permerror""#), "{text}");
    }
    // The system clock is long past x=.
    let (code, text) = verify(None);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with(r#"{"result":"permerror""#) && text.contains("expired"), "{text}");
}

/// What the library takes for a message the tool verifies; what it refuses
/// is exit 2 with the library's reason.
#[test]
fn verify_takes_a_header_only_message_and_refuses_what_is_not_a_message() {
    let zone = data("dns.zone");
    let key = data("ed25519.pem");
    let sign = |message: &[u8]| {
        let out =
            run(&["sign", "--key", key.to_str().unwrap(), "--domain", "example.com", "--selector", "2026"], message);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    // No empty line after the header: a message with an empty body, whose
    // relaxed body hash is SHA-256 of nothing (RFC 6376 section 3.4.4).
    for header in [&b"From: alice@example.com\r\nSubject: hi\r\n"[..], b"From: alice@example.com\nSubject: hi\n"] {
        let signed = sign(header);
        let (field, _) = split_field(&signed, !header.contains(&b'\r'));
        assert_eq!(tag(&field, "bh").as_deref(), Some("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
        let (lines, code) = verify_json(&signed);
        assert_eq!(code, 0, "{lines:?}");
        assert!(lines[0].starts_with(r#"{"result":"pass""#), "{lines:?}");
    }
    for input in [&b""[..], b"not a message", b"no colon\r\n\r\nbody\r\n", b"From: a\r\nSubject: ends inside a line"] {
        let expected = dkim::verify::verify(input, &dkim::Policy::default(), dkim::Now::danger_no_clock(), |_| {
            dkim::KeyAnswer::NoRecord
        })
        .unwrap_err();
        for command in ["verify", "explain"] {
            let out = run(&[command, "--zone", zone.to_str().unwrap(), "-"], input);
            assert_eq!(out.status.code(), Some(2), "{command} {input:?}");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!("dkim: error: {expected}\n"),
                "{command} {input:?}"
            );
            assert!(out.stdout.is_empty());
        }
    }
}

/// Line ends follow the first line: LF there means a Unix file, read with
/// every bare LF as CRLF (even when a CRLF comes later).
#[test]
fn verify_reads_lf_messages() {
    let mut mixed = message_lf();
    mixed.extend_from_slice(b"a line with CRLF\r\n");
    for input in [message_lf(), mixed] {
        let key = data("rsa2048.pem");
        let out =
            run(&["sign", "--key", key.to_str().unwrap(), "--domain", "example.com", "--selector", "2026rsa"], &input);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let (lines, code) = verify_json(&out.stdout);
        assert_eq!(code, 0, "{lines:?}");
        // The same message with CRLF line ends is what was signed.
        let crlf = String::from_utf8(out.stdout.clone()).unwrap().replace("\r\n", "\n").replace('\n', "\r\n");
        let (lines, code) = verify_json(crlf.as_bytes());
        assert_eq!(code, 0, "{lines:?}");
    }
}

#[test]
fn human_report_and_authentication_results() {
    let zone = data("dns.zone");
    let signed = data("signed.eml");
    let out =
        run(&["verify", "--zone", zone.to_str().unwrap(), "--ar", "mx.example.net", signed.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("signature 1: pass"), "{text}");
    let field = auth_results::find(&text).unwrap_or_else(|| panic!("no Authentication-Results in {text}"));
    let ar = auth_results::parse(field).unwrap_or_else(|e| panic!("{e}: {field:?}"));
    assert_eq!(ar.authserv_id, "mx.example.net");
    let selectors: Vec<Option<&str>> = ar.resinfos.iter().map(|r| r.property("header.s")).collect();
    assert_eq!(selectors, [Some("2026rsa"), Some("2026")], "{field}");
    for r in &ar.resinfos {
        assert_eq!((r.method.as_str(), r.result.as_str()), ("dkim", "pass"), "{field}");
        assert_eq!(r.property("header.d"), Some("example.com"), "{field}");
        assert_eq!(r.property("header.i"), Some("@example.com"), "{field}");
    }
    let b: Vec<Option<&str>> = ar.resinfos.iter().map(|r| r.property("header.b")).collect();
    assert!(b[0].is_some() && b[1].is_some() && b[0] != b[1], "header.b tells the two apart: {field}");
    // With --json the field goes to standard error.
    let out = run(&["verify", "--zone", zone.to_str().unwrap(), "--json", "--ar", "mx", signed.to_str().unwrap()], b"");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().all(|l| l.starts_with('{') && l.ends_with('}')), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("Authentication-Results: mx;"), "{stderr}");
    let ar = auth_results::parse(auth_results::find(&stderr).unwrap()).unwrap();
    assert_eq!((ar.authserv_id.as_str(), ar.resinfos.len()), ("mx", 2));
}

#[test]
fn bad_input_is_one_line_on_stderr_and_exit_2() {
    let zone = data("dns.zone");
    let key = data("ed25519.pem");
    let bad_zone = tmp("bad.zone");
    std::fs::write(&bad_zone, "a._domainkey.example.com. IN TXT \"unterminated\n").unwrap();
    let bad_key = tmp("bad.pem");
    std::fs::write(&bad_key, "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n").unwrap();
    let cases: Vec<(Vec<&str>, &[u8])> = vec![
        (vec!["verify", "--zone", zone.to_str().unwrap(), "--json", "/nonexistent/message.eml"], b""),
        (vec!["verify", "--zone", bad_zone.to_str().unwrap(), "--json", "-"], b"From: a\r\n\r\nbody\r\n"),
        (vec!["verify", "--zone", zone.to_str().unwrap(), "--json", "-"], b"From: a\r\nSubject: ends inside a line"),
        (
            vec!["sign", "--key", bad_key.to_str().unwrap(), "--domain", "example.com", "--selector", "s"],
            b"From: a\r\n\r\nb\r\n",
        ),
        (
            vec!["sign", "--key", "/nonexistent.pem", "--domain", "example.com", "--selector", "s"],
            b"From: a\r\n\r\nb\r\n",
        ),
        (vec!["sign", "--key", key.to_str().unwrap(), "--domain", "example.com", "--selector", "s"], b"no header end"),
        (
            vec![
                "sign",
                "--key",
                key.to_str().unwrap(),
                "--domain",
                "example.com",
                "--selector",
                "s",
                "--canonicalization",
                "fancy",
            ],
            b"From: a\r\n\r\n",
        ),
        (vec!["verify", "--dns", "not-an-address", "-"], b"From: a\r\n\r\n"),
        (vec!["frobnicate"], b""),
    ];
    for (args, stdin) in cases {
        let out = run(&args, stdin);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{args:?}: {err}");
        if args[0] != "frobnicate" {
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line: {err}");
            assert!(err.starts_with("dkim: error: "), "{err}");
        }
        assert!(out.stdout.is_empty() || args[0] == "verify", "{args:?}");
    }
}

#[test]
fn keygen_writes_a_key_and_a_zone_line_that_verify() {
    let prefix = tmp("k-ed");
    let out = run(
        &[
            "keygen",
            "--algorithm",
            "ed25519-sha256",
            "--domain",
            "example.org",
            "--selector",
            "s1",
            "--out",
            prefix.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let pem = tmp("k-ed.pem");
    let zone = tmp("k-ed.zone");
    assert!(std::fs::read_to_string(&pem).unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));
    let zone_text = std::fs::read_to_string(&zone).unwrap();
    assert!(zone_text.starts_with("s1._domainkey.example.org. IN TXT"), "{zone_text}");
    let signed =
        run(&["sign", "--key", pem.to_str().unwrap(), "--domain", "example.org", "--selector", "s1"], &message_crlf());
    let v = run(&["verify", "--zone", zone.to_str().unwrap(), "--json"], &signed.stdout);
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
    // RSA, 2048 bits by default: a record longer than 255 bytes, split into
    // strings of at most 255 bytes, that verifies too.
    let prefix = tmp("k-rsa");
    let out = run(&["keygen", "--domain", "example.org", "--selector", "s2", "--out", prefix.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "no warning for 2048 bits");
    let zone_text = std::fs::read_to_string(tmp("k-rsa.zone")).unwrap();
    let strings: Vec<&str> = zone_text.split('"').skip(1).step_by(2).collect();
    assert!(strings.len() > 1, "{zone_text}");
    assert!(strings.iter().all(|s| s.len() <= 255), "{zone_text}");
    let pem = tmp("k-rsa.pem");
    let signed =
        run(&["sign", "--key", pem.to_str().unwrap(), "--domain", "example.org", "--selector", "s2"], &message_crlf());
    let zone = tmp("k-rsa.zone");
    let v = run(&["verify", "--zone", zone.to_str().unwrap(), "--json"], &signed.stdout);
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
}

/// RSA under 2048 bits only with --allow-weak, and never under 1024.
#[test]
fn keygen_refuses_weak_rsa_keys_without_allow_weak() {
    let keygen = |bits: &str, allow_weak: bool, name: &str| {
        let prefix = tmp(name);
        let mut args = vec!["keygen", "--bits", bits, "--domain", "example.org", "--selector", "s", "--out"];
        args.push(prefix.to_str().unwrap());
        if allow_weak {
            args.push("--allow-weak");
        }
        let out = run(&args, b"");
        (out.status.code(), String::from_utf8(out.stderr).unwrap(), tmp(&format!("{name}.pem")).exists())
    };
    let (code, err, written) = keygen("1024", false, "weak-refused");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.starts_with("dkim: error: ") && err.trim_end().lines().count() == 1, "{err}");
    assert!(err.contains("--allow-weak"), "{err}");
    assert!(!written, "no key written");
    let (code, err, written) = keygen("1024", true, "weak-allowed");
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("weak"), "a warning: {err}");
    assert!(written);
    for allow_weak in [false, true] {
        let (code, err, written) = keygen("512", allow_weak, "broken");
        assert_eq!(code, Some(2), "{err}");
        assert!(err.starts_with("dkim: error: ") && err.trim_end().lines().count() == 1, "{err}");
        assert!(!err.contains("--allow-weak"), "--allow-weak does not help: {err}");
        assert!(!written);
    }
}

/// Signing with a weak key works, with a warning on standard error; the
/// output keeps the input's line ends.
#[test]
fn sign_warns_about_a_weak_key() {
    let prefix = tmp("weak-signer");
    let p = prefix.to_str().unwrap();
    let out = run(
        &["keygen", "--bits", "1024", "--allow-weak", "--domain", "example.org", "--selector", "w", "--out", p],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let (pem, zone) = (tmp("weak-signer.pem"), tmp("weak-signer.zone"));
    for lf in [false, true] {
        let input = if lf { message_lf() } else { message_crlf() };
        let out = run(&["sign", "--key", pem.to_str().unwrap(), "--domain", "example.org", "--selector", "w"], &input);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(err.starts_with("dkim: warning: ") && err.contains("weak") && err.contains("1024"), "{err}");
        let (field, rest) = split_field(&out.stdout, lf);
        assert_eq!(rest, input);
        assert_eq!(field.contains('\r'), !lf, "the field's line ends are the input's: {field:?}");
        let v = run(&["verify", "--zone", zone.to_str().unwrap(), "--json"], &out.stdout);
        assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
    }
    // A 2048-bit key: no warning.
    let key = data("rsa2048.pem");
    let out = run(
        &["sign", "--key", key.to_str().unwrap(), "--domain", "example.com", "--selector", "2026rsa"],
        &message_crlf(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// `--dns HOST:PORT` asks a real DNS server (here one on 127.0.0.1 serving
/// the TXT records of `examples/data/dns.zone`).
#[tokio::test]
async fn verify_over_dns() {
    let records = support::zone_records(&data("dns.zone"));
    assert_eq!(records.len(), 2);
    // The JSON says whether the key's answer was DNSSEC-authenticated.
    for (ad, dnssec) in [(false, "not authenticated"), (true, "authenticated")] {
        let records = records.clone();
        let addr = dns_server(move |query| zone_reply(query, &records, ad)).await.to_string();
        let signed = std::fs::read(data("signed.eml")).unwrap();
        let out =
            tokio::task::spawn_blocking(move || run(&["verify", "--dns", &addr, "--json"], &signed)).await.unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{text} {}", String::from_utf8_lossy(&out.stderr));
        let pass = text.lines().filter(|l| l.starts_with(r#"{"result":"pass""#));
        let dnssec = format!(r#","dnssec":"{dnssec}"}}"#);
        assert_eq!(pass.filter(|l| l.ends_with(&dnssec)).count(), 2, "{text}");
    }
    // A server that answers SERVFAIL gives temperror, exit 1.
    let addr = dns_server(|query| {
        let mut reply = Message::error_msg(query.metadata.id, OpCode::Query, ResponseCode::ServFail);
        reply.add_queries(query.queries.clone());
        reply
    })
    .await
    .to_string();
    let signed = std::fs::read(data("signed.eml")).unwrap();
    let out = tokio::task::spawn_blocking(move || run(&["verify", "--dns", &addr, "--json"], &signed)).await.unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text.lines().all(|l| l.starts_with(r#"{"result":"temperror""#)), "{text}");
}

/// Standard output closed by its reader before anything is written: the tool
/// stops quietly (no "Broken pipe" error, exit 0), as `| head` expects.
#[test]
fn closed_stdout_is_not_an_error() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let zone = data("dns.zone");
    let signed = data("signed.eml");
    let out = Command::new(bin())
        .args(["verify", "--zone", zone.to_str().expect("utf-8"), signed.to_str().expect("utf-8")])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run dkim");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

/// explain: per signature, the tags in words, the verdict and the diagnoses; 80 columns.
#[test]
fn explain_gives_the_diagnoses() {
    let zone = data("dns.zone");
    let z = zone.to_str().unwrap();
    let mut footer = std::fs::read(data("signed.eml")).unwrap();
    footer.extend_from_slice(b"--\r\nlist footer\r\n");
    let out = run(&["explain", "--zone", z], &footer);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Signature 1 of 2: fail") && text.contains("[body-changed]"), "{text}");
    assert!(text.contains("[dmarc-no-aligned-pass]"), "{text}");
    assert!(text.lines().all(|l| l.len() <= 80), "{text}");
    let out = run(&["explain", "--zone", z, "--json"], &message_crlf());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#""code":"not-signed""#), "{text}");
    let out = run(&["explain", "--zone", z, "--json", data("signed.eml").to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(r#""code":"dmarc-aligned""#)).count(), 2, "{text}");
}

/// check-record: clean record, missing record, bad record.
#[test]
fn check_record_lints_the_published_record() {
    let zone = data("dns.zone");
    let z = zone.to_str().unwrap();
    let out = run(&["check-record", "--domain", "example.com", "--selector", "2026rsa", "--zone", z], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("bits      2048") && text.contains("ok: no problems found"), "{text}");
    let out = run(&["check-record", "--domain", "example.com", "--selector", "gone", "--zone", z, "--json"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""code":"no-record""#));
    let bad = tmp("bad-record.zone");
    std::fs::write(
        &bad,
        "spaced._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkwGEc3Bqtc2kPvRMTJAnVSANLCrExATMEgcPvgXV \" \"FVosNWb9xR9e67nk0YArKngFRj\"\n\
         test._domainkey.example.com. IN TXT \"v=DKIM1; k=ed25519; t=y; p=U6MP8zIgvTcSM2v0gbi3pQW4AowxK0nKWI/w487IWvQ=\"\n",
    )
    .unwrap();
    let out = run(
        &["check-record", "--domain", "example.com", "--selector", "spaced", "--zone", bad.to_str().unwrap(), "--json"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""code":"record-joined-with-spaces""#));
    let out = run(
        &["check-record", "--domain", "example.com", "--selector", "test", "--zone", bad.to_str().unwrap(), "--json"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""code":"testing-mode""#));
}

/// check-key: the right key matches, another one does not.
#[test]
fn check_key_compares_the_private_key_with_the_record() {
    let zone = data("dns.zone");
    let z = zone.to_str().unwrap();
    for (key, selector, code) in [("ed25519.pem", "2026", 0), ("rsa2048.pem", "2026", 1), ("rsa2048.pem", "2026rsa", 0)]
    {
        let key = data(key);
        let args = ["check-key", "--key", key.to_str().unwrap(), "--domain", "example.com", "--selector", selector];
        let out = run(&[&args[..], &["--zone", z, "--json"]].concat(), b"");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(code), "{key:?} {selector}: {text}");
        assert_eq!(text.contains(r#""code":"key-mismatch""#), code == 1, "{text}");
    }
}

/// Every command that looks keys up takes `--zone` or `--dns`, never both.
#[test]
fn zone_and_dns_exclude_each_other_in_every_lookup_command() {
    let zone = data("dns.zone");
    let key = data("ed25519.pem");
    let (zone, key) = (zone.to_str().unwrap(), key.to_str().unwrap());
    let lookup = ["--zone", zone, "--dns", "127.0.0.1:53"];
    let commands: [Vec<&str>; 4] = [
        vec!["verify", "-"],
        vec!["explain", "-"],
        vec!["check-record", "--domain", "example.com", "--selector", "s"],
        vec!["check-key", "--key", key, "--domain", "example.com", "--selector", "s"],
    ];
    for mut args in commands {
        args.extend(lookup);
        let out = run(&args, b"From: a\r\n\r\n");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("cannot be used with"), "{args:?}: {err}");
    }
}

/// Output cut short by its reader (`dkim explain ... | head`) ends the
/// program quietly: exit 0, nothing on standard error, no panic.
#[test]
fn a_closed_output_pipe_exits_quietly() {
    let signed = std::fs::read(data("signed.eml")).unwrap();
    let (first, _) = signed.split_at(signed.windows(2).position(|w| w == b"\r\n").unwrap());
    assert!(first.starts_with(b"DKIM-Signature:"));
    // 900 signatures (under the 1000-field limit): far more output than a pipe holds.
    let field_end = signed.windows(3).position(|w| w == b"\r\nD" || w == b"\r\nF").unwrap() + 2;
    let mut message = Vec::new();
    for _ in 0..900 {
        message.extend_from_slice(&signed[..field_end]);
    }
    message.extend_from_slice(&signed);
    let zone = data("dns.zone");
    let whole = run(&["explain", "--zone", zone.to_str().unwrap(), "-"], &message);
    assert!(whole.stdout.len() > 1 << 17, "{} bytes: the test needs more than a pipe buffer", whole.stdout.len());
    let mut child = Command::new(bin())
        .args(["explain", "--zone", zone.to_str().unwrap(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before reading anything.
    drop(child.stdout.take());
    child.stdin.take().unwrap().write_all(&message).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A message signed by the CLI with the example Ed25519 key, LF line ends.
fn signed_lf(body: &str) -> String {
    let message = format!("From: joe@example.com\nTo: ann@example.org\nSubject: mbox test\n\n{body}");
    let key = data("ed25519.pem");
    let args = ["sign", "--key", key.to_str().unwrap(), "--domain", "example.com", "--selector", "2026", "-"];
    let out = run(&args, message.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// pass (with a "From " body line, quoted in the mbox), fail (tampered),
/// none (unsigned).
fn mailbox_messages() -> [String; 3] {
    let good = signed_lf("Hello,\nFrom here on, all is well.\n");
    let bad = signed_lf("Hello again.\n").replace("Hello again.", "Hello again!");
    let unsigned = "From: ann@example.org\nSubject: plain\n\nNo signature.\n".to_owned();
    [good, bad, unsigned]
}

#[test]
fn verify_an_mbox_prints_each_message_and_a_summary() {
    let mut mbox = String::new();
    for m in mailbox_messages() {
        mbox.push_str("From MAILER-DAEMON Wed Dec  2 12:00:00 2026\n");
        mbox.push_str(&m.replace("\nFrom here", "\n>From here"));
        mbox.push('\n');
    }
    let path = tmp("box.mbox");
    std::fs::write(&path, mbox).unwrap();
    let zone = data("dns.zone");
    let out = run(&["verify", "--zone", zone.to_str().unwrap(), "--mbox", path.to_str().unwrap()], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "not every message passed: {text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].ends_with(":1: pass d=example.com s=2026"), "{text}");
    assert!(lines[1].contains(":2: fail d=example.com s=2026 (body hash"), "{text}");
    assert!(lines[2].ends_with(":3: none (not signed)"), "{text}");
    assert!(text.contains("3 messages: 1 pass, 1 fail, 1 none (not signed), 0 unreadable"), "{text}");
    assert!(text.contains("example.com") && text.contains("1 pass      1 fail"), "{text}");

    let out = run(&["verify", "--zone", zone.to_str().unwrap(), "--json", "--mbox", path.to_str().unwrap()], b"");
    let json = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = json.lines().collect();
    assert_eq!(lines.len(), 3, "one object per message, the summary on stderr: {json}");
    assert!(lines[0].starts_with("{\"message\":") && lines[0].contains("\"result\":\"pass\""), "{json}");
    assert!(lines[2].ends_with("\"signatures\":[]}"), "{json}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 messages"));
}

#[test]
fn verify_a_maildir() {
    let dir = tmp("maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let [good, bad, unsigned] = mailbox_messages();
    std::fs::write(dir.join("cur/1.host:2,S"), good).unwrap();
    std::fs::write(dir.join("new/2.host"), bad).unwrap();
    std::fs::write(dir.join("new/3.host"), unsigned).unwrap();
    std::fs::write(dir.join("tmp/4.host"), "not delivered yet").unwrap();
    let zone = data("dns.zone");
    let out = run(&["verify", "--zone", zone.to_str().unwrap(), "--maildir", dir.to_str().unwrap()], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("3 messages: 1 pass, 1 fail, 1 none"), "{text}");
    // Only passing messages: exit 0.
    std::fs::remove_file(dir.join("new/2.host")).unwrap();
    std::fs::remove_file(dir.join("new/3.host")).unwrap();
    let out = run(&["verify", "--zone", zone.to_str().unwrap(), "--maildir", dir.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // Not a Maildir, not an mbox: exit 2 with the reason.
    let out = run(&["verify", "--maildir", "/nonexistent"], b"");
    assert_eq!(out.status.code(), Some(2));
    let notmbox = tmp("not.mbox");
    std::fs::write(&notmbox, "Subject: x\n\n").unwrap();
    let out = run(&["verify", "--mbox", notmbox.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an mbox"));
}
