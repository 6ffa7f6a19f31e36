//! The `dkim` example program's command-line contract: `sign`, `verify`,
//! `keygen`, exit statuses and error handling. `cargo test` builds the
//! examples; the binary is found beside the test executable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dkim_testkit::auth_results;

fn bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let p = dir.join("examples").join("dkim");
    assert!(p.exists(), "{} not built (cargo test builds the examples)", p.display());
    // `cargo test --test cli` alone does not rebuild the examples: refuse to
    // test a binary older than a file cargo built it from (its dep-info).
    let built = std::fs::metadata(&p).and_then(|m| m.modified()).unwrap();
    if let Some(newer) = inputs(&p.with_extension("d"))
        .into_iter()
        .find(|f| std::fs::metadata(f).and_then(|m| m.modified()).is_ok_and(|t| t > built))
    {
        panic!(
            "{} is older than {}: run `cargo test` (which builds the examples) or `cargo build --example dkim` first",
            p.display(),
            newer.display()
        );
    }
    p
}

/// The files a binary was built from, by cargo's dep-info file beside it
/// (`target: file file ...`, spaces in names escaped).
fn inputs(dep_info: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(dep_info) else { return Vec::new() };
    let Some((_, files)) = text.lines().next().and_then(|l| l.split_once(": ")) else { return Vec::new() };
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = files.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' => out.extend((!current.is_empty()).then(|| PathBuf::from(std::mem::take(&mut current)))),
            c => current.push(c),
        }
    }
    out.extend((!current.is_empty()).then(|| PathBuf::from(current)));
    out
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data").join(name)
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
            "from:to:subject:date",
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
    for name in ["from", "to", "subject", "date"] {
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
}

#[test]
fn verify_reports_each_signature_in_order_and_sets_the_exit_status() {
    let signed = std::fs::read(data("signed.eml")).unwrap();
    let (lines, code) = verify_json(&signed);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains(r#""selector":"2026rsa""#) && lines[0].contains(r#""algorithm":"rsa-sha256""#));
    assert!(lines[1].contains(r#""selector":"2026""#) && lines[1].contains(r#""algorithm":"ed25519-sha256""#));
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
    assert!(lines[0].starts_with(r#"{"result":"none""#), "{lines:?}");
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
        (vec!["verify", "--zone", zone.to_str().unwrap(), "--json", "-"], b"From: a\r\nSubject: no header end\r\n"),
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
    // RSA-1024: generated, with a warning; strings of at most 255 bytes.
    let prefix = tmp("k-rsa");
    let out = run(
        &["keygen", "--bits", "1024", "--domain", "example.org", "--selector", "s2", "--out", prefix.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("weak"));
    let zone_text = std::fs::read_to_string(tmp("k-rsa.zone")).unwrap();
    for s in zone_text.split('"').skip(1).step_by(2) {
        assert!(s.len() <= 255, "string of {} bytes", s.len());
    }
    let out = run(
        &["keygen", "--bits", "512", "--domain", "example.org", "--selector", "s3", "--out", prefix.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
}

#[path = "../dkim-dns/tests/support/mod.rs"]
mod support;

/// `--dns HOST:PORT` asks a real DNS server (here hickory-server on
/// 127.0.0.1 serving `examples/data/dns.zone`).
#[tokio::test]
async fn verify_over_dns() {
    let zone = dkim::dns::ZoneFile::from_path(data("dns.zone")).unwrap();
    let entries: Vec<support::Entry> =
        zone.txt_records().map(|(n, ttl, r)| (n.to_string(), ttl, support::Rr::Txt(r.strings().to_vec()))).collect();
    assert_eq!(entries.len(), 2);
    let server = support::authoritative(&entries).await;
    let addr = server.addr().to_string();
    let signed = std::fs::read(data("signed.eml")).unwrap();
    let out = tokio::task::spawn_blocking(move || run(&["verify", "--dns", &addr, "--json"], &signed)).await.unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.lines().filter(|l| l.starts_with(r#"{"result":"pass""#)).count(), 2, "{text}");
    // A server that answers SERVFAIL gives temperror, exit 1.
    let servfail =
        support::misbehaving(support::Misbehaviour::Rcode(hickory_server::proto::op::ResponseCode::ServFail)).await;
    let addr = servfail.addr.to_string();
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

#[test]
fn explain_check_record_and_check_key() {
    let zone = data("dns.zone");
    let z = zone.to_str().unwrap();
    // explain: per signature, the tags in words, the verdict and the diagnoses; 80 columns.
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

    // check-record: clean record, missing record, bad record.
    let out = run(&["check-record", "--domain", "example.com", "--selector", "2026rsa", "--zone", z], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("bits      2048") && text.contains("ok: no problems found"), "{text}");
    let out = run(&["check-record", "--domain", "example.com", "--selector", "gone", "--zone", z, "--json"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""code":"key-not-found""#));
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

    // check-key: the right key matches, another one does not.
    let ed = data("ed25519.pem");
    let out = run(
        &["check-key", "--key", ed.to_str().unwrap(), "--domain", "example.com", "--selector", "2026", "--zone", z],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let rsa = data("rsa2048.pem");
    let out = run(
        &[
            "check-key",
            "--key",
            rsa.to_str().unwrap(),
            "--domain",
            "example.com",
            "--selector",
            "2026",
            "--zone",
            z,
            "--json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""code":"key-mismatch""#));
    let out = run(
        &[
            "check-key",
            "--key",
            rsa.to_str().unwrap(),
            "--domain",
            "example.com",
            "--selector",
            "2026rsa",
            "--zone",
            z,
            "--json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
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
