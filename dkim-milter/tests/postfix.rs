//! The milter in a real Postfix: mail sent over SMTP on loopback, through
//! `smtpd_milters`, delivered to a Maildir, checked there. Each test has
//! its own Postfix instance and milter (see `support`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use dkim_core::{PrivateKey, Signer, Verdict};
use dkim_testkit::auth_results;
use support::*;

const INTERNAL: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const EXTERNAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const AUTHSERV_ID: &str = "mx.dest.example";

/// A Postfix and a milter whose configuration has the example keys (RSA
/// and Ed25519 for example.com) and `extra` TOML.
struct Rig {
    // Dropped in this order: Postfix first, then the milter, then files.
    postfix: Postfix,
    milter: Milter,
    zone: String,
    dir: TempDir,
}

fn config(milter: SocketAddr, verify: &str, keys: &str) -> String {
    format!(
        r#"listen = "inet:{milter}"
mode = "sign-verify"
authserv_id = "{AUTHSERV_ID}"

[sign]
internal_hosts = ["127.0.0.2"]
authenticated = true
daemon_names = ["ORIGINATING"]

{verify}

{keys}
"#
    )
}

fn example_keys(dir: &Path) -> String {
    for name in ["rsa2048.pem", "ed25519.pem"] {
        write_key(&dir.join(name), &std::fs::read_to_string(data(name)).unwrap());
    }
    format!(
        r#"[keys.rsa]
domain = "example.com"
selector = "2026rsa"
file = "{rsa}"

[keys.ed]
domain = "example.com"
selector = "2026"
file = "{ed}"

[[signing]]
from = "example.com"
keys = ["rsa", "ed"]
"#,
        rsa = dir.join("rsa2048.pem").display(),
        ed = dir.join("ed25519.pem").display(),
    )
}

impl Rig {
    fn start(tag: &str) -> Option<Self> {
        Self::with_zone(tag, "")
    }

    fn with_zone(tag: &str, extra_zone: &str) -> Option<Self> {
        Self::with_verify(tag, extra_zone, |zone_path| format!("[verify]\nzone = \"{}\"", zone_path.display()))
    }

    /// A rig whose `[verify]` section `verify` makes from the zone file's
    /// path.
    fn with_verify(tag: &str, extra_zone: &str, verify: impl FnOnce(&Path) -> String) -> Option<Self> {
        if !postfix_available() {
            return None;
        }
        let dir = TempDir::new(tag);
        let zone = zone(extra_zone);
        let zone_path = dir.0.join("keys.zone");
        std::fs::write(&zone_path, &zone).unwrap();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
        let keys = example_keys(&dir.0);
        let config_path = dir.0.join("dkim-milter.toml");
        std::fs::write(&config_path, config(addr, &verify(&zone_path), &keys)).unwrap();
        let milter = Milter::start(&config_path, addr);
        let postfix = Postfix::start(&dir.0, addr);
        Some(Self { postfix, milter, zone, dir })
    }

    async fn send(&self, from_ip: IpAddr, message: &[u8]) -> Reply {
        send(self.postfix.smtp, from_ip, "sender@example.com", "rcpt@dest.example", message).await
    }

    fn logs(&self) -> String {
        format!("--- maillog\n{}\n--- milter\n{}", self.postfix.log(), self.milter.log_text())
    }
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@example.com>\r\nTo: rcpt@dest.example\r\nSubject: {subject}\r\n\
         Date: Wed, 02 Dec 2026 12:00:00 +0000\r\nMessage-ID: <{subject}@example.com>\r\n\r\n\
         Hello,\r\n\r\nthis is a test message.\r\n.a line starting with a dot\r\n"
    )
    .into_bytes()
}

/// The header field values named `name` in a delivered message.
fn fields(message: &[u8], name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(message);
    let header = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in header.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(c) = current.as_mut() {
                c.push_str("\r\n");
                c.push_str(line);
            }
            continue;
        }
        out.extend(current.take());
        let bytes = line.as_bytes();
        if bytes.len() > name.len()
            && bytes[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && bytes[name.len()] == b':'
        {
            current = Some(line.to_owned());
        }
    }
    out.extend(current);
    out
}

fn our_results(message: &[u8]) -> Vec<auth_results::ParsedField> {
    fields(message, "Authentication-Results")
        .iter()
        .map(|f| auth_results::parse(f).unwrap_or_else(|e| panic!("{e}: {f:?}")))
        .filter(|f| f.authserv_id == AUTHSERV_ID)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_mail_is_signed_with_rsa_and_ed25519_and_verifies_elsewhere() {
    let Some(rig) = Rig::start("sign") else { return };
    // A forged field claiming our authserv-id, from an internal sender too.
    let sent = [
        format!("Authentication-Results: {AUTHSERV_ID}; dkim=pass header.d=bank.example\r\n").into_bytes(),
        message("signed"),
    ]
    .concat();
    let reply = rig.send(INTERNAL, &sent).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let delivered = rig.postfix.wait_delivered(1).remove(0);
    let sigs = fields(&delivered, "DKIM-Signature");
    assert_eq!(sigs.len(), 2, "{}", String::from_utf8_lossy(&delivered));
    assert!(sigs[0].contains("a=rsa-sha256") && sigs[1].contains("a=ed25519-sha256"), "{sigs:?}");
    // Our verifier.
    let results = verify_with_zone(&delivered, &rig.zone);
    assert_eq!(results.len(), 2);
    for r in &results {
        assert_eq!(r.verdict(), Verdict::Pass, "{:?} in\n{}", r.reason(), String::from_utf8_lossy(&delivered));
    }
    // An independent one.
    if let Some(verdicts) = verify_with_dkimpy(&delivered, &rig.zone) {
        assert_eq!(verdicts, ["pass", "pass"], "dkimpy");
    }
    // Signed mail gets no Authentication-Results of ours, and the forged one is gone.
    assert!(our_results(&delivered).is_empty());
    assert!(fields(&delivered, "Authentication-Results").is_empty(), "{}", String::from_utf8_lossy(&delivered));
    let log = rig.milter.log_text();
    assert!(log.contains("action=\"sign\"") || log.contains("action=sign"), "{log}");
    // The log line names Postfix's queue id (the `{i}` macro).
    let line = log.lines().find(|l| l.contains("action=") && l.contains("sign")).unwrap_or_default();
    let qid = line.split("queue_id=").nth(1).and_then(|v| v.split_whitespace().next()).unwrap_or_default();
    let qid = qid.trim_matches('"');
    assert!(qid.len() >= 6 && qid.chars().all(|c| c.is_ascii_alphanumeric()), "no queue id in {line:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_mail_gets_pass_fail_none_and_forged_results_are_removed() {
    let Some(rig) = Rig::start("verify") else { return };
    let key = PrivateKey::from_pem(&std::fs::read_to_string(data("ed25519.pem")).unwrap()).unwrap();
    let signer = Signer::builder(key, "example.com", "2026").build().unwrap();

    let original = message("pass");
    let signed = [signer.sign(&original).unwrap().into_bytes(), original].concat();
    let mut tampered = signed.clone();
    let at = tampered.windows(5).position(|w| w == b"Hello").unwrap();
    tampered[at..at + 5].copy_from_slice(b"Jello");
    let forged = [
        format!("Authentication-Results: {AUTHSERV_ID}; dkim=pass header.d=example.com\r\n").into_bytes(),
        b"Authentication-Results: other.example; dkim=pass header.d=example.org\r\n".to_vec(),
        message("none"),
    ]
    .concat();

    for (m, want) in [(&signed, "pass"), (&tampered, "fail"), (&forged, "none")] {
        let reply = rig.send(EXTERNAL, m).await;
        assert_eq!(reply.code, 250, "{want}: {reply:?}\n{}", rig.logs());
        let delivered = rig.postfix.wait_delivered(1);
        let got = delivered.last().unwrap();
        let ours = our_results(got);
        assert_eq!(ours.len(), 1, "{want}: one field of ours in\n{}", String::from_utf8_lossy(got));
        let dkim: Vec<_> = ours[0].resinfos.iter().filter(|r| r.method == "dkim").collect();
        assert_eq!(dkim.len(), 1, "{want}");
        assert_eq!(dkim[0].result, want, "{}", String::from_utf8_lossy(got));
        if want != "none" {
            assert_eq!(dkim[0].property("header.d"), Some("example.com"));
            assert_eq!(dkim[0].property("header.s"), Some("2026"));
            assert_eq!(dkim[0].property("header.a"), Some("ed25519-sha256"));
            assert!(dkim[0].property("header.b").is_some_and(|b| b.len() >= 8));
        } else {
            // The other authserv-id's field stays.
            let all = fields(got, "Authentication-Results");
            assert!(all.iter().any(|f| f.contains("other.example")), "{all:?}");
            assert_eq!(all.len(), 2, "{all:?}");
        }
        // Clear the Maildir for the next message.
        for p in std::fs::read_dir(rig.postfix.maildir.join("new")).unwrap() {
            std::fs::remove_file(p.unwrap().path()).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arc_chains_get_their_result_and_are_sealed_with_a_set_that_peers_validate() {
    // [arc] seal = true with the example RSA key: the milter validates and
    // seals the chains it verifies.
    let Some(rig) = Rig::with_verify("arc", "", |zone_path| {
        format!("[verify]\nzone = \"{}\"\n\n[arc]\nseal = true\nkey = \"rsa\"", zone_path.display())
    }) else {
        return;
    };
    let arc_data = |name: &str| {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../dkim-core/tests/data/arc").join(name)).unwrap()
    };
    // dkimpy's two-set chain, and the same after a footer was added.
    for (file, cv, status) in [("chain2.eml", "pass", "pass"), ("chain2-footer.eml", "fail", "fail")] {
        let reply = rig.send(EXTERNAL, &arc_data(file)).await;
        assert_eq!(reply.code, 250, "{file}: {reply:?}\n{}", rig.logs());
        let delivered = rig.postfix.wait_delivered(1);
        let got = delivered.last().unwrap();
        let text = String::from_utf8_lossy(got);
        let ours = our_results(got);
        assert_eq!(ours.len(), 1, "{text}");
        let arc: Vec<_> = ours[0].resinfos.iter().filter(|r| r.method == "arc").collect();
        assert_eq!(arc.len(), 1, "{text}");
        assert_eq!(arc[0].result, status, "{text}");
        if status == "pass" {
            assert_eq!(arc[0].property("header.oldest-pass"), Some("1"), "{text}");
        }
        // The new set: instance 3, cv= what was found, our AR in its AAR.
        let seals = fields(got, "ARC-Seal");
        assert!(seals.iter().any(|f| f.contains("i=3; cv=") && f.contains(&format!("cv={cv};"))), "{seals:?}");
        let aar = fields(got, "ARC-Authentication-Results");
        assert!(
            aar.iter().any(|f| f.contains("i=3;") && f.contains(AUTHSERV_ID) && f.contains(&format!("arc={status}"))),
            "{aar:?}"
        );
        // Validated by us and by dkimpy as delivered.
        let chain = arc_with_zone(got, &rig.zone);
        let want = if status == "pass" { dkim_core::arc::ChainStatus::Pass } else { dkim_core::arc::ChainStatus::Fail };
        assert_eq!((chain.status(), chain.instances()), (want, 3), "{:?}\n{text}", chain.reason());
        if let Some(peer) = arc_verify_with_dkimpy(got, &rig.zone) {
            assert_eq!(peer, status, "dkimpy on\n{text}");
        }
        for p in std::fs::read_dir(rig.postfix.maildir.join("new")).unwrap() {
            std::fs::remove_file(p.unwrap().path()).unwrap();
        }
    }
    // A chain a seal declared failed: arc=fail, and no new set.
    let reply = rig.send(EXTERNAL, &arc_data("chain3-sealed-fail.eml")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let delivered = rig.postfix.wait_delivered(1);
    let got = delivered.last().unwrap();
    assert!(!fields(got, "ARC-Seal").iter().any(|f| f.contains("i=4;")), "{}", String::from_utf8_lossy(got));
    assert!(rig.milter.log_text().contains("not sealed"), "{}", rig.milter.log_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sighup_with_a_new_key_table_takes_effect_for_the_next_message() {
    let seed = [42u8; 32];
    let Some(rig) = Rig::with_zone("hup", &ed25519_zone_line(seed, "rotated")) else { return };
    let reply = rig.send(INTERNAL, &message("before")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let before = rig.postfix.wait_delivered(1).remove(0);
    assert!(fields(&before, "DKIM-Signature").iter().all(|f| !f.contains("s=rotated")));

    write_key(&rig.dir.0.join("rotated.pem"), &ed25519_pem(seed));
    let config_path = rig.dir.0.join("dkim-milter.toml");
    let text = std::fs::read_to_string(&config_path).unwrap();
    let new = text.replace("selector = \"2026\"", "selector = \"rotated\"").replace(
        &format!("file = \"{}\"", rig.dir.0.join("ed25519.pem").display()),
        &format!("file = \"{}\"", rig.dir.0.join("rotated.pem").display()),
    );
    assert_ne!(new, text);
    // A broken file first: the old configuration stays.
    std::fs::write(&config_path, "listen = ").unwrap();
    rig.milter.signal("HUP");
    wait_for_log(&rig.milter, "reload failed");
    std::fs::write(&config_path, new).unwrap();
    rig.milter.signal("HUP");
    wait_for_log(&rig.milter, "configuration reloaded");

    let reply = rig.send(INTERNAL, &message("after")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let after = rig.postfix.wait_delivered(2).remove(1);
    let sigs = fields(&after, "DKIM-Signature");
    assert!(sigs.iter().any(|f| f.contains("s=rotated")), "{sigs:?}");
    let results = verify_with_zone(&after, &rig.zone);
    assert!(results.iter().all(|r| r.verdict() == Verdict::Pass), "{results:?}");
}

fn wait_for_log(milter: &Milter, needle: &str) {
    let start = std::time::Instant::now();
    while !milter.log_text().contains(needle) {
        assert!(start.elapsed() < Duration::from_secs(10), "no {needle:?} in\n{}", milter.log_text());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_milter_socket_closes_that_connection_only() {
    let Some(mut rig) = Rig::start("garbage") else { return };
    let inputs: [&[u8]; 5] = [
        b"GET / HTTP/1.0\r\n\r\n",
        &[0xff, 0xff, 0xff, 0xff, b'O'],
        &[0, 0, 0, 13, b'O', 0, 0, 0, 6],
        &[0, 0, 0, 1, b'C'],
        &[0, 0, 0, 2, b'L', b'x'],
    ];
    // One connection stays open, silent, while the others misbehave.
    let idle = std::net::TcpStream::connect(rig.milter.addr).unwrap();
    for input in inputs {
        let mut s = std::net::TcpStream::connect(rig.milter.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(input).unwrap();
        // Truncated packets: the milter waits for the rest; closing our side
        // ends it. Malformed ones: the milter closes.
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut buf = Vec::new();
        let read = s.read_to_end(&mut buf);
        assert!(read.is_ok(), "{input:?}: the milter did not close: {read:?}");
        assert!(rig.milter.alive(), "the milter died on {input:?}\n{}", rig.milter.log_text());
    }
    assert!(!rig.milter.log_text().contains("panicked"), "{}", rig.milter.log_text());
    drop(idle);
    // Mail still flows.
    let reply = rig.send(INTERNAL, &message("after-garbage")).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    rig.postfix.wait_delivered(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_milter_killed_mid_message_means_4xx_and_nothing_delivered_then_the_retry_passes() {
    let Some(mut rig) = Rig::start("kill") else { return };
    // Mail from slow.example is signed by an external signer that first
    // leaves a mark, then takes its time: the milter is killed while it
    // waits, in the middle of the message.
    let marker = rig.dir.0.join("signer-started");
    let config_path = rig.dir.0.join("dkim-milter.toml");
    let base = std::fs::read_to_string(&config_path).unwrap();
    let slow = format!(
        "{base}\n[keys.slow]\ndomain = \"example.com\"\nselector = \"2026\"\nalgorithm = \"ed25519-sha256\"\n\
         command = [\"sh\", \"-c\", \"touch {}; sleep 4\"]\n\n[[signing]]\nfrom = \"slow.example\"\nkeys = [\"slow\"]\n",
        marker.display()
    );
    std::fs::write(&config_path, &slow).unwrap();
    rig.milter.signal("HUP");
    wait_for_log(&rig.milter, "configuration reloaded");

    let sent = String::from_utf8(message("killed")).unwrap();
    let sent = sent.replace("sender@example.com>", "sender@slow.example>").into_bytes();
    let smtp = rig.postfix.smtp;
    let to_send = sent.clone();
    let client =
        tokio::spawn(async move { send(smtp, INTERNAL, "sender@slow.example", "rcpt@dest.example", &to_send).await });
    let start = std::time::Instant::now();
    while !marker.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "the signer never started\n{}", rig.logs());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    rig.milter.child.kill().unwrap();
    rig.milter.child.wait().unwrap();
    let reply = client.await.unwrap();
    assert!((400..500).contains(&reply.code), "{reply:?}\n{}", rig.logs());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rig.postfix.delivered().is_empty(), "a message was delivered\n{}", rig.logs());

    // Restarted, with the slow signer replaced by the key file: the same
    // message goes through, signed.
    let fixed = slow.replace(
        &format!("command = [\"sh\", \"-c\", \"touch {}; sleep 4\"]", marker.display()),
        &format!("file = \"{}\"", rig.dir.0.join("ed25519.pem").display()),
    );
    let fixed = fixed.replace("algorithm = \"ed25519-sha256\"\n", "");
    std::fs::write(&config_path, fixed).unwrap();
    let addr = rig.milter.addr;
    rig.milter = Milter::start(&config_path, addr);
    let reply = rig.send(INTERNAL, &sent).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let delivered = rig.postfix.wait_delivered(1).remove(0);
    let results = verify_with_zone(&delivered, &rig.zone);
    assert_eq!(results.len(), 1, "{}", String::from_utf8_lossy(&delivered));
    assert_eq!(results[0].verdict(), Verdict::Pass);
}

/// Adds a key whose external signer leaves `marker` and takes `seconds`,
/// and a rule signing mail from slow.example with it; reloads.
fn add_slow_signer(rig: &Rig, marker: &Path, seconds: u32) {
    let config_path = rig.dir.0.join("dkim-milter.toml");
    let base = std::fs::read_to_string(&config_path).unwrap();
    // The signature the signer returns: made with the example key, by
    // the test binary in its helper mode (`DKIM_TEST_SIGN_WITH`).
    let exe = std::env::current_exe().unwrap();
    let slow = format!(
        "{base}\n[keys.slow]\ndomain = \"example.com\"\nselector = \"2026\"\nalgorithm = \"ed25519-sha256\"\n\
         command = [\"sh\", \"-c\", \"touch {m}; sleep {seconds}; DKIM_TEST_SIGN_WITH={key} {exe} --exact helper_sign --nocapture -q 2>/dev/null | grep '^signature:' | cut -d: -f2\"]\n\n\
         [[signing]]\nfrom = \"slow.example\"\nkeys = [\"slow\"]\n",
        m = marker.display(),
        key = data("ed25519.pem").display(),
        exe = exe.display(),
    );
    std::fs::write(&config_path, &slow).unwrap();
    rig.milter.signal("HUP");
    wait_for_log(&rig.milter, "configuration reloaded");
}

/// Not a test of its own: the external signer of `add_slow_signer`
/// (base64 digest on stdin, base64 signature out), when run with
/// `DKIM_TEST_SIGN_WITH=KEYFILE`.
#[test]
fn helper_sign() {
    use base64ct::{Base64, Encoding as _};
    use dkim_core::SigningKey as _;
    let Some(path) = std::env::var_os("DKIM_TEST_SIGN_WITH") else { return };
    let key = PrivateKey::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    let digest = Base64::decode_vec(line.trim()).unwrap();
    println!("signature:{}", Base64::encode_string(&key.sign_digest(&digest).unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_message_in_flight() {
    let Some(mut rig) = Rig::start("drain") else { return };
    let marker = rig.dir.0.join("signer-started");
    add_slow_signer(&rig, &marker, 1);
    let sent = String::from_utf8(message("drained")).unwrap();
    let sent = sent.replace("sender@example.com>", "sender@slow.example>").into_bytes();
    let smtp = rig.postfix.smtp;
    let client =
        tokio::spawn(async move { send(smtp, INTERNAL, "sender@slow.example", "rcpt@dest.example", &sent).await });
    let start = std::time::Instant::now();
    while !marker.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "the signer never started\n{}", rig.logs());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    rig.milter.signal("TERM");
    let reply = client.await.unwrap();
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let status = rig.milter.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(rig.milter.log_text().contains("no message in flight"), "{}", rig.milter.log_text());
    let delivered = rig.postfix.wait_delivered(1).remove(0);
    let results = verify_with_zone(&delivered, &rig.zone);
    assert_eq!(results.len(), 1, "{}", String::from_utf8_lossy(&delivered));
    assert_eq!(results[0].verdict(), Verdict::Pass, "{:?}", results[0].reason());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_10_mib_message_streams_through_sign_and_verify() {
    let Some(rig) = Rig::start("large") else { return };
    let mut body = String::with_capacity(11 << 20);
    let mut n = 0u64;
    while body.len() < 10 << 20 {
        n += 1;
        body.push_str(&format!("line {n:08} {} \r\n", "x".repeat((n % 70) as usize)));
    }
    let head = String::from_utf8(message("large")).unwrap();
    let (head, _) = head.split_once("\r\n\r\n").unwrap();
    let sent = format!("{head}\r\n\r\n{body}").into_bytes();
    let reply = rig.send(INTERNAL, &sent).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let signed = rig.postfix.wait_delivered(1).remove(0);
    let results = verify_with_zone(&signed, &rig.zone);
    assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass, Verdict::Pass]);
    // The signed copy again, from outside: verified as it streams.
    let start = signed.windows(16).position(|w| w == b"DKIM-Signature: ").unwrap();
    let reply = rig.send(EXTERNAL, &signed[start..]).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let verified = rig.postfix.wait_delivered(2).remove(1);
    let ours = our_results(&verified);
    let verdicts: Vec<&str> =
        ours[0].resinfos.iter().filter(|r| r.method == "dkim").map(|r| r.result.as_str()).collect();
    assert_eq!(verdicts, ["pass", "pass"], "{}", rig.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_from_the_sendmail_command_is_signed_by_its_daemon_name() {
    let Some(rig) = Rig::start("sendmail") else { return };
    let mut child = std::process::Command::new("/usr/sbin/sendmail")
        .arg("-C")
        .arg(rig.postfix.dir.join("etc"))
        .args(["-f", "sender@example.com", "rcpt@dest.example"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // sendmail reads LF line ends, as a local program writes them.
    let text = String::from_utf8(message("sendmail")).unwrap().replace("\r\n", "\n");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let delivered = rig.postfix.wait_delivered(1).remove(0);
    let results = verify_with_zone(&delivered, &rig.zone);
    assert_eq!(results.len(), 2, "{}\n{}", String::from_utf8_lossy(&delivered), rig.logs());
    assert!(results.iter().all(|r| r.verdict() == Verdict::Pass), "{results:?}");
}

/// Signed by the example Ed25519 key.
fn signed_message(subject: &str) -> Vec<u8> {
    let key = PrivateKey::from_pem(&std::fs::read_to_string(data("ed25519.pem")).unwrap()).unwrap();
    let signer = Signer::builder(key, "example.com", "2026").build().unwrap();
    let m = message(subject);
    [signer.sign(&m).unwrap().into_bytes(), m].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_looked_up_over_dns_from_knot() {
    if !postfix_available() {
        return;
    }
    let knot_dir = TempDir::new("knot");
    let knot = Knot::start(&knot_dir.0, &zone(""));
    let Some(rig) = Rig::with_verify("dns", "", |_| format!("[verify]\ndns = [\"{}\"]", knot.addr)) else { return };
    let reply = rig.send(EXTERNAL, &signed_message("over-dns")).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let got = rig.postfix.wait_delivered(1).remove(0);
    let ours = our_results(&got);
    assert_eq!(ours[0].resinfos[0].result, "pass", "{}", String::from_utf8_lossy(&got));
    // Knot signs nothing: the DNSSEC status is named as not authenticated.
    let comments = ours[0].resinfos[0].comments.join(" ");
    assert!(comments.contains("DNSSEC") || comments.contains("dnssec"), "{comments:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_failure_tempfails_by_default_and_is_temperror_when_accepted() {
    // Nothing listens on the DNS port: every lookup fails.
    let closed = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    let verify = format!("[verify]\ndns = [\"{closed}\"]\nlookup_timeout = 1\noverall_timeout = 2");
    let Some(rig) = Rig::with_verify("dnsfail", "", |_| verify.clone()) else { return };
    let reply = rig.send(EXTERNAL, &signed_message("dns-down")).await;
    assert!((400..500).contains(&reply.code), "{reply:?}\n{}", rig.logs());
    // Unsigned mail needs no lookup: it goes through.
    let reply = rig.send(EXTERNAL, &message("unsigned")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    rig.postfix.wait_delivered(1);

    let accept = format!("{verify}\n\n[on_error]\ndns = \"accept\"");
    let Some(rig) = Rig::with_verify("dnsaccept", "", |_| accept) else { return };
    let reply = rig.send(EXTERNAL, &signed_message("dns-down")).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let got = rig.postfix.wait_delivered(1).remove(0);
    assert_eq!(our_results(&got)[0].resinfos[0].result, "temperror", "{}", String::from_utf8_lossy(&got));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_canonicalization_and_8bit_headers_survive_byte_for_byte() {
    let verify = |zone: &Path| format!("[verify]\nzone = \"{}\"", zone.display());
    let Some(rig) = Rig::with_verify("simple", "", verify) else { return };
    let config_path = rig.dir.0.join("dkim-milter.toml");
    let text = std::fs::read_to_string(&config_path).unwrap();
    let text = text.replace(
        "daemon_names = [\"ORIGINATING\"]",
        "daemon_names = [\"ORIGINATING\"]\ncanonicalization = \"simple/simple\"",
    );
    std::fs::write(&config_path, text).unwrap();
    rig.milter.signal("HUP");
    wait_for_log(&rig.milter, "configuration reloaded");

    // A Latin-1 subject (raw 8-bit, not UTF-8), a folded field, odd spacing.
    let mut sent =
        b"From: Sender <sender@example.com>\r\nTo:  rcpt@dest.example\r\nSubject: caf\xe9 cr\xe8me\r\n".to_vec();
    sent.extend_from_slice(
        b"X-Folded: one\r\n\ttwo  three\r\nDate: Wed, 02 Dec 2026 12:00:00 +0000\r\n\r\nBody  with  spaces \r\n",
    );
    let reply = rig.send(INTERNAL, &sent).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}", rig.logs());
    let signed = rig.postfix.wait_delivered(1).remove(0);
    let sigs = fields(&signed, "DKIM-Signature");
    assert!(sigs.iter().all(|s| s.contains("c=simple/simple")), "{sigs:?}");
    let results = verify_with_zone(&signed, &rig.zone);
    assert!(results.iter().all(|r| r.verdict() == Verdict::Pass), "{results:?}\n{}", String::from_utf8_lossy(&signed));
    if let Some(verdicts) = verify_with_dkimpy(&signed, &rig.zone) {
        assert_eq!(verdicts, ["pass", "pass"], "dkimpy");
    }
    // And verified on the way in.
    let start = signed.windows(16).position(|w| w == b"DKIM-Signature: ").unwrap();
    let reply = rig.send(EXTERNAL, &signed[start..]).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let verified = rig.postfix.wait_delivered(2).remove(1);
    let verdicts: Vec<String> =
        our_results(&verified)[0].resinfos.iter().filter(|r| r.method == "dkim").map(|r| r.result.clone()).collect();
    assert_eq!(verdicts, ["pass", "pass"], "{}", rig.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opendkim_configuration_converted_signs_and_verifies_in_postfix() {
    if !postfix_available() {
        return;
    }
    let dir = TempDir::new("from-opendkim");
    for name in ["rsa2048.pem", "ed25519.pem"] {
        write_key(&dir.0.join(name), &std::fs::read_to_string(data(name)).unwrap());
    }
    let d = dir.0.display();
    std::fs::write(
        dir.0.join("key.table"),
        format!(
            "rsa._domainkey.example.com example.com:2026rsa:{d}/rsa2048.pem\n\
             ed._domainkey.example.com example.com:2026:{d}/ed25519.pem\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.0.join("signing.table"),
        "*@example.com rsa._domainkey.example.com\n*@example.com ed._domainkey.example.com\n",
    )
    .unwrap();
    std::fs::write(dir.0.join("trusted.hosts"), "127.0.0.2\n").unwrap();
    let port = free_port();
    std::fs::write(
        dir.0.join("opendkim.conf"),
        format!(
            "Syslog yes\nUMask 007\nMode sv\nCanonicalization relaxed/simple\nOversignHeaders From\n\
             KeyTable refile:{d}/key.table\nSigningTable refile:{d}/signing.table\n\
             InternalHosts {d}/trusted.hosts\nSocket inet:{port}@127.0.0.1\nAuthservID {AUTHSERV_ID}\n\
             On-DNSError accept\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dkim-milter"))
        .arg("--from-opendkim")
        .arg(dir.0.join("opendkim.conf"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = String::from_utf8(out.stdout).unwrap();
    assert!(toml.contains("not carried over") && toml.contains("Syslog"), "{toml}");
    // Keys from our zone file instead of DNS.
    let zone_path = dir.0.join("keys.zone");
    std::fs::write(&zone_path, zone("")).unwrap();
    let zone_line = format!("zone = \"{}\"\n", zone_path.display());
    let toml = if toml.contains("\n[verify]\n") {
        toml.replace("\n[verify]\n", &format!("\n[verify]\n{zone_line}"))
    } else {
        format!("{toml}\n[verify]\n{zone_line}")
    };
    let config_path = dir.0.join("dkim-milter.toml");
    std::fs::write(&config_path, &toml).unwrap();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let milter = Milter::start(&config_path, addr);
    let postfix = Postfix::start(&dir.0, addr);

    let reply = send(postfix.smtp, INTERNAL, "sender@example.com", "rcpt@dest.example", &message("converted")).await;
    assert_eq!(reply.code, 250, "{reply:?}\n{}\n{toml}", milter.log_text());
    let signed = postfix.wait_delivered(1).remove(0);
    let sigs = fields(&signed, "DKIM-Signature");
    assert_eq!(sigs.len(), 2, "{}", String::from_utf8_lossy(&signed));
    assert!(sigs.iter().all(|s| s.contains("c=relaxed/simple")), "{sigs:?}");
    let results = verify_with_zone(&signed, &zone(""));
    assert!(results.iter().all(|r| r.verdict() == Verdict::Pass), "{results:?}");

    let start = signed.windows(16).position(|w| w == b"DKIM-Signature: ").unwrap();
    let reply = send(postfix.smtp, EXTERNAL, "sender@example.com", "rcpt@dest.example", &signed[start..]).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let verified = postfix.wait_delivered(2).remove(1);
    let verdicts: Vec<String> =
        our_results(&verified)[0].resinfos.iter().filter(|r| r.method == "dkim").map(|r| r.result.clone()).collect();
    assert_eq!(verdicts, ["pass", "pass"]);
}
