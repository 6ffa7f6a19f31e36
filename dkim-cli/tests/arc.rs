//! `dkim arc-verify` and `dkim arc-seal`: the command-line contract, and
//! interoperability with dkimpy (`arc_sign`/`arc_verify`, PyPI) and Perl
//! Mail::DKIM (`Mail::DKIM::ARC::Signer`/`Verifier`, Debian
//! libmail-dkim-perl) in both directions: chains of 1 to 4 hops mixing the
//! three, each hop adding its Authentication-Results first, every chain
//! judged by all three, keys served by a DNS server on 127.0.0.1.
//!
//! The peers are scripts in `tests/peers/`. Without dkimpy or Mail::DKIM the
//! peer tests say so and skip, unless `DKIM_REQUIRE_PEERS=1` (CI), where
//! a missing peer fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn zone() -> PathBuf {
    root("examples/data/dns.zone")
}

fn run(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn dkim(args: &[&str], stdin: &[u8]) -> Output {
    run(env!("CARGO_BIN_EXE_dkim"), args, stdin)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The JSON line of `arc-verify --json` and the exit status.
fn arc_verify(args: &[&str], message: &[u8]) -> (String, i32) {
    let out = dkim(&[&["arc-verify", "--json"], args].concat(), message);
    (text(&out.stdout).trim_end().to_owned(), out.status.code().unwrap_or(-1))
}

fn base() -> Vec<u8> {
    b"From: Joe <joe@example.com>\r\nTo: list@lists.example.net\r\nSubject: interop\r\n\
      Date: Thu, 03 Dec 2026 12:00:00 +0000\r\nMessage-ID: <interop@example.com>\r\n\r\n\
      Hello,\r\n\r\nthe body of an ARC interop test.\r\n"
        .to_vec()
}

#[test]
fn arc_verify_json_contract() {
    let z = zone();
    let now = ["--zone", z.to_str().unwrap(), "--now", "1767300000"];
    let (line, code) = arc_verify(&now, &base());
    assert_eq!((line.as_str(), code), (r#"{"cv":"none","instances":0,"oldest_pass":null,"reason":""}"#, 1));
    let chain = std::fs::read(root("dkim-core/tests/data/arc/chain3.eml")).unwrap();
    let (line, code) = arc_verify(&now, &chain);
    assert_eq!((line.as_str(), code), (r#"{"cv":"pass","instances":3,"oldest_pass":1,"reason":""}"#, 0));
    let broken = std::fs::read(root("dkim-core/tests/data/arc/chain2-footer.eml")).unwrap();
    let (line, code) = arc_verify(&now, &broken);
    assert!(
        line.starts_with(
            r#"{"cv":"fail","instances":2,"oldest_pass":null,"reason":"the ARC-Message-Signature of set 2"#
        ),
        "{line}"
    );
    assert_eq!(code, 1);
    // LF line ends read the same.
    let lf = text(&chain).replace("\r\n", "\n");
    assert_eq!(arc_verify(&now, lf.as_bytes()).1, 0);
    // Not a message: exit 2, one line on stderr.
    let out = dkim(&["arc-verify", "--json", "--zone", zone().to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty() && text(&out.stderr).starts_with("dkim: error:"));
}

#[test]
fn arc_seal_contract() {
    let z = zone();
    let key = root("examples/data/ed25519.pem");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> =
            ["arc-seal", "--key", key.to_str().unwrap(), "--domain", "example.com", "--selector", "2026"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
        v.extend(
            ["--authserv-id", "mx.example", "--zone", z.to_str().unwrap(), "--timestamp", "1767300000"]
                .map(String::from),
        );
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v
    };
    let argv = args(&[]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    // The AR of our authserv-id goes into the AAR, arc= added; other AR fields do not.
    let m = [
        &b"Authentication-Results: mx.example; spf=pass smtp.mailfrom=example.com\r\n\
                Authentication-Results: other.example; dkim=fail\r\n"[..],
        &base(),
    ]
    .concat();
    let out = dkim(&argv, &m);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sealed = out.stdout;
    let s = text(&sealed);
    assert!(s.starts_with("ARC-Seal: i=1; cv=none; a=ed25519-sha256; d=example.com; s=2026; t=1767300000;"), "{s}");
    assert!(
        s.contains(
            "ARC-Authentication-Results: i=1; mx.example;\r\n spf=pass smtp.mailfrom=example.com;\r\n arc=none\r\n"
        ),
        "{s}"
    );
    assert!(s.ends_with(&text(&m)), "the input follows unchanged");
    assert_eq!(arc_verify(&["--zone", z.to_str().unwrap()], &sealed).1, 0);
    // --headers chooses the AMS's h=.
    let argv2 = args(&["--headers", "from:subject"]);
    let argv2: Vec<&str> = argv2.iter().map(String::as_str).collect();
    let s2 = text(&dkim(&argv2, &base()).stdout);
    assert!(s2.contains(" h=from:subject;"), "{s2}");
    // LF in, LF out, and it verifies.
    let lf = text(&base()).replace("\r\n", "\n");
    let out = dkim(&argv, lf.as_bytes());
    assert!(!out.stdout.contains(&b'\r'), "LF kept");
    assert_eq!(arc_verify(&["--zone", z.to_str().unwrap()], &out.stdout).1, 0);
    // A chain a seal declared failed: exit 1, a reason, nothing on stdout.
    let failed = std::fs::read(root("dkim-core/tests/data/arc/chain3-sealed-fail.eml")).unwrap();
    let out = dkim(&argv, &failed);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("cv=fail"), "{}", text(&out.stderr));
    // A broken chain that no seal declared failed is sealed with cv=fail.
    let broken = std::fs::read(root("dkim-core/tests/data/arc/chain2-footer.eml")).unwrap();
    let out = dkim(&argv, &broken);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.starts_with(b"ARC-Seal: i=3; cv=fail;"));
    // Usage: a missing key file is exit 2.
    let out = dkim(
        &["arc-seal", "--key", "/nonexistent.pem", "--domain", "d.example", "--selector", "s", "--authserv-id", "x"],
        &base(),
    );
    assert_eq!(out.status.code(), Some(2));
}

// ------------------------------------------------------------------------------------------------
// Interop with dkimpy and Mail::DKIM
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Peer {
    Ours,
    Dkimpy,
    Perl,
}

const PEERS: [Peer; 3] = [Peer::Ours, Peer::Dkimpy, Peer::Perl];

fn peers_available() -> bool {
    let py = Command::new("python3").args(["-c", "import dkim, authres, dns.resolver"]).output();
    let pl = Command::new("perl").args(["-MMail::DKIM::ARC::Signer", "-MMail::DKIM::ARC::Verifier", "-e1"]).output();
    let ok = py.is_ok_and(|o| o.status.success()) && pl.is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("DKIM_REQUIRE_PEERS").is_none_or(|v| v != "1"),
            "dkimpy (pip install dkimpy authres) or Mail::DKIM (apt install libmail-dkim-perl) is missing"
        );
        eprintln!("dkimpy or Mail::DKIM not installed: ARC interop skipped");
    }
    ok
}

fn peer_script(name: &str) -> String {
    root("dkim-cli/tests/peers").join(name).to_str().unwrap().to_owned()
}

/// `peer`'s verdict on `message`: pass, fail or none.
fn verdict(peer: Peer, dns: &str, message: &[u8]) -> String {
    let port = dns.rsplit(':').next().unwrap();
    let out = match peer {
        Peer::Ours => {
            let (line, _) = arc_verify(&["--dns", dns], message);
            return line.split('"').nth(3).unwrap_or("?").to_owned();
        }
        Peer::Dkimpy => run("python3", &[&peer_script("arc.py"), "verify", port], message),
        Peer::Perl => run("perl", &[&peer_script("arc.pl"), "verify", port], message),
    };
    assert!(out.status.success(), "{peer:?} verify: {}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

/// Hop `n` by `peer`: its Authentication-Results (arc= its own verdict),
/// then its seal with the example RSA key.
fn hop(peer: Peer, dns: &str, n: usize, message: &[u8]) -> Vec<u8> {
    let port = dns.rsplit(':').next().unwrap();
    let srvid = format!("hop{n}.example");
    let key = root("examples/data/rsa2048.pem");
    let key = key.to_str().unwrap();
    let out = match peer {
        Peer::Ours => {
            let cv = verdict(Peer::Ours, dns, message);
            let with_ar =
                [format!("Authentication-Results: {srvid}; arc={cv}; dkim=none\r\n").as_bytes(), message].concat();
            let args =
                ["arc-seal", "--key", key, "--domain", "example.com", "--selector", "2026rsa", "--authserv-id", &srvid];
            dkim(&[&args[..], &["--dns", dns, "--timestamp", "1767300000"]].concat(), &with_ar)
        }
        Peer::Dkimpy => run("python3", &[&peer_script("arc.py"), "seal", port, &srvid, key], message),
        Peer::Perl => run("perl", &[&peer_script("arc.pl"), "seal", port, &srvid, key], message),
    };
    assert!(out.status.success(), "{peer:?} seal at hop {n}: {}", text(&out.stderr));
    out.stdout
}

/// Every sequence of 1 to 4 sealers over the three implementations that
/// the test walks: all 3 single hops, all 9 pairs, and 4-hop chains that
/// put each implementation after each other one.
fn sequences() -> Vec<Vec<Peer>> {
    let mut seqs: Vec<Vec<Peer>> = PEERS.iter().map(|&p| vec![p]).collect();
    for a in PEERS {
        for b in PEERS {
            seqs.push(vec![a, b]);
        }
    }
    seqs.push(vec![Peer::Dkimpy, Peer::Perl, Peer::Ours, Peer::Dkimpy]);
    seqs.push(vec![Peer::Ours, Peer::Perl, Peer::Dkimpy, Peer::Ours]);
    seqs.push(vec![Peer::Perl, Peer::Ours, Peer::Dkimpy, Peer::Perl]);
    seqs.push(vec![Peer::Ours, Peer::Ours, Peer::Perl, Peer::Perl]);
    seqs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_mixing_ours_dkimpy_and_mail_dkim_validate_everywhere() {
    if !peers_available() {
        return;
    }
    let records = support::zone_records(&zone());
    let dns = support::dns_server(move |q| support::zone_reply(q, &records, false)).await.to_string();
    tokio::task::spawn_blocking(move || {
        let mut matrix = Vec::new();
        for seq in sequences() {
            let mut m = base();
            for (i, &peer) in seq.iter().enumerate() {
                m = hop(peer, &dns, i + 1, &m);
                // After every hop, all three agree: pass.
                for judge in PEERS {
                    let v = verdict(judge, &dns, &m);
                    assert_eq!(v, "pass", "{seq:?} after hop {} ({peer:?}), judged by {judge:?}\n{}", i + 1, text(&m));
                }
            }
            // The body changed after the last seal: all three say fail.
            let mut changed = m.clone();
            changed.extend_from_slice(b"-- \r\nfooter added later\r\n");
            for judge in PEERS {
                assert_eq!(verdict(judge, &dns, &changed), "fail", "{seq:?} with a footer, judged by {judge:?}");
            }
            matrix.push(format!("{seq:?}: pass x3, footer: fail x3"));
        }
        eprintln!("ARC interop matrix:\n{}", matrix.join("\n"));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_cases_agree_with_the_peers() {
    if !peers_available() {
        return;
    }
    let records = support::zone_records(&zone());
    let dns = support::dns_server(move |q| support::zone_reply(q, &records, false)).await.to_string();
    tokio::task::spawn_blocking(move || {
        let two = hop(Peer::Perl, &dns, 2, &hop(Peer::Dkimpy, &dns, 1, &base()));
        let two_text = text(&two);
        let cases: Vec<(&str, String)> = vec![
            ("a signed header changed", two_text.replacen("Subject: interop", "Subject: [list] interop", 1)),
            ("the first AAR changed", two_text.replacen("i=1; hop1.example;", "i=1; hop1.example; x=y;", 1)),
            ("set 1's seal removed", {
                let start = two_text.find("ARC-Seal: i=1;").unwrap();
                let end = start + two_text[start..].find("\r\nA").unwrap() + 2;
                [&two_text[..start], &two_text[end..]].concat()
            }),
            ("a seal's cv changed", two_text.replacen("cv=pass", "cv=none", 1)),
        ];
        for (what, m) in cases {
            for judge in PEERS {
                assert_eq!(verdict(judge, &dns, m.as_bytes()), "fail", "{what}, judged by {judge:?}\n{m}");
            }
        }
    })
    .await
    .unwrap();
}

#[test]
fn explain_tells_the_chain_in_words() {
    let z = zone();
    let args = ["explain", "--zone", z.to_str().unwrap(), "--now", "1767300000"];
    let broken = std::fs::read(root("dkim-core/tests/data/arc/chain2-footer.eml")).unwrap();
    let out = text(&dkim(&args, &broken).stdout);
    assert!(out.contains("ARC chain: fail: the ARC-Message-Signature of set 2 does not validate"), "{out}");
    assert!(out.contains("set 1: sealed by example.com (s=2026rsa), after the checks of hop1.example"), "{out}");
    let chain = std::fs::read(root("dkim-core/tests/data/arc/chain3.eml")).unwrap();
    let out = text(&dkim(&args, &chain).stdout);
    assert!(out.contains("ARC chain: pass (3 sets; the message is as it was when set 1 was added)"), "{out}");
    let json = text(&dkim(&[&args[..], &["--json"]].concat(), &chain).stdout);
    let last = json.lines().last().unwrap();
    assert!(last.starts_with(r#"{"arc":true,"cv":"pass","instances":3,"oldest_pass":1,"reason":"","sets":[{"instance":1,"sealer":"example.com""#), "{last}");
    // No ARC set: no ARC lines.
    let plain = text(&dkim(&args, &base()).stdout);
    assert!(!plain.contains("ARC"), "{plain}");
}
