//! A real Postfix (the Debian package) in a temporary configuration and
//! queue directory on loopback ports, the milter binary beside it, an SMTP
//! client and the delivered Maildir. Everything is stopped on drop.
//!
//! Postfix needs root (it starts as root and drops to the `postfix`
//! user). Without `postfix` or without root the tests skip with a line on
//! stderr, unless `DKIM_REQUIRE_POSTFIX=1` (set by `.ci/run`) makes that a
//! failure.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding as _};
use dkim_core::{Ed25519SigningKey, KeyAnswer, Policy, PrivateKey, SignatureResult};
use dkim_dns::ZoneFile;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

/// The repository's example keys (selectors `2026` and `2026rsa` at
/// example.com) and their zone.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data").join(name)
}

/// Whether Postfix can run here; prints why not (or panics when it is
/// required).
pub fn postfix_available() -> bool {
    let why = if !Path::new("/usr/sbin/postfix").exists() {
        Some("postfix is not installed (apt-get install postfix)")
    } else if !is_root() {
        Some("Postfix must be started as root")
    } else {
        None
    };
    match why {
        None => true,
        Some(why) if std::env::var_os("DKIM_REQUIRE_POSTFIX").is_some_and(|v| v == "1") => {
            panic!("DKIM_REQUIRE_POSTFIX=1 but {why}")
        }
        Some(why) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn id(flag: &str, user: &str) -> u32 {
    let out = Command::new("id").args([flag, user]).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a numeric id")
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A directory under /var/tmp (Postfix's `maillog_file_prefixes` allows
/// /var), removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = PathBuf::from(format!("/var/tmp/dkim-milter-tests/{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var_os("DKIM_KEEP_TEST_DIRS").is_some() {
            eprintln!("kept for inspection: {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A running Postfix instance.
pub struct Postfix {
    pub dir: PathBuf,
    pub smtp: SocketAddr,
    pub maildir: PathBuf,
}

impl Postfix {
    /// Starts Postfix in `dir/postfix` with its SMTP server on a free
    /// loopback port, the milter at `milter`, delivering every
    /// `@dest.example` recipient to one Maildir.
    pub fn start(dir: &Path, milter: SocketAddr) -> Self {
        let dir = dir.join("postfix");
        let (etc, queue, data, mail) = (dir.join("etc"), dir.join("queue"), dir.join("data"), dir.join("mail"));
        for d in [&etc, &queue, &data, &mail] {
            std::fs::create_dir_all(d).unwrap();
        }
        let (uid, gid) = (id("-u", "postfix"), id("-g", "postfix"));
        for d in [&data, &mail] {
            std::os::unix::fs::chown(d, Some(uid), Some(gid)).unwrap();
        }
        let port = free_port();
        let mut main = String::new();
        for (k, v) in [
            ("compatibility_level", "3.6".to_owned()),
            ("queue_directory", queue.display().to_string()),
            ("data_directory", data.display().to_string()),
            ("mail_owner", "postfix".into()),
            ("setgid_group", "postdrop".into()),
            ("myhostname", "mx.dest.example".into()),
            ("mydomain", "dest.example".into()),
            ("myorigin", "dest.example".into()),
            ("inet_interfaces", "127.0.0.1".into()),
            ("inet_protocols", "ipv4".into()),
            ("mydestination", String::new()),
            ("mynetworks", "127.0.0.0/8".into()),
            ("relay_domains", String::new()),
            ("virtual_mailbox_domains", "dest.example".into()),
            ("virtual_mailbox_base", mail.display().to_string()),
            ("virtual_mailbox_maps", "static:inbox/".into()),
            ("virtual_uid_maps", format!("static:{uid}")),
            ("virtual_gid_maps", format!("static:{gid}")),
            ("virtual_minimum_uid", "1".into()),
            ("maillog_file", dir.join("maillog").display().to_string()),
            ("smtpd_milters", format!("inet:{milter}")),
            ("non_smtpd_milters", format!("inet:{milter}")),
            ("milter_default_action", "tempfail".into()),
            // Mail Postfix makes itself (sendmail) is ORIGINATING; the SMTP
            // service's is INCOMING (master.cf below).
            ("milter_macro_daemon_name", "ORIGINATING".into()),
            ("milter_protocol", "6".into()),
            ("milter_connect_timeout", "5s".into()),
            ("milter_command_timeout", "15s".into()),
            ("milter_content_timeout", "30s".into()),
            ("smtpd_banner", "$myhostname ESMTP".into()),
            ("message_size_limit", "104857600".into()),
            ("virtual_mailbox_limit", "0".into()),
            ("biff", "no".into()),
        ] {
            writeln!(main, "{k} = {v}").unwrap();
        }
        std::fs::write(etc.join("main.cf"), main).unwrap();
        let mut master = format!("127.0.0.1:{port} inet n - n - - smtpd -o milter_macro_daemon_name=INCOMING\n");
        for line in [
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "local unix - n n - - local",
            "virtual unix - n n - - virtual",
            "lmtp unix - - n - - lmtp",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
        ] {
            master.push_str(line);
            master.push('\n');
        }
        std::fs::write(etc.join("master.cf"), master).unwrap();
        let out = Command::new("/usr/sbin/postfix").arg("-c").arg(&etc).arg("start").output().unwrap();
        let smtp = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let pf = Self { dir, smtp, maildir: mail.join("inbox") };
        assert!(
            out.status.success(),
            "postfix start: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            pf.log()
        );
        wait_for_port(smtp, Duration::from_secs(20)).unwrap_or_else(|e| panic!("postfix smtpd: {e}\n{}", pf.log()));
        pf
    }

    /// The mail log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("maillog")).unwrap_or_default()
    }

    /// Messages delivered so far (Maildir `new/`), oldest first, with CRLF
    /// line ends (as on the wire).
    pub fn delivered(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().map(|p| crlf(&std::fs::read(p).unwrap())).collect()
    }

    /// Waits until `n` messages were delivered.
    pub fn wait_delivered(&self, n: usize) -> Vec<Vec<u8>> {
        let start = Instant::now();
        loop {
            let got = self.delivered();
            if got.len() >= n {
                return got;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "{} of {n} delivered\n{}", got.len(), self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("/usr/sbin/postfix")
            .arg("-c")
            .arg(self.dir.join("etc"))
            .arg("abort")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    let mut prev = 0;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// Waits until something listens on `addr`.
pub fn wait_for_port(addr: SocketAddr, limit: Duration) -> Result<(), String> {
    let start = Instant::now();
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if start.elapsed() > limit {
            return Err(format!("nothing listens on {addr} after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Ok(())
}

/// The milter binary, running.
pub struct Milter {
    pub child: Child,
    pub addr: SocketAddr,
    pub config: PathBuf,
    pub log: PathBuf,
}

impl Milter {
    /// Starts `dkim-milter --config <config>`, waiting for its socket.
    pub fn start(config: &Path, addr: SocketAddr) -> Self {
        let log = config.with_file_name(format!("milter-{}.log", free_port()));
        let child = Command::new(env!("CARGO_BIN_EXE_dkim-milter"))
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", std::env::var("DKIM_MILTER_TEST_LOG").unwrap_or_else(|_| "info".into()))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut m = Self { child, addr, config: config.to_owned(), log };
        if let Err(e) = wait_for_port(addr, Duration::from_secs(20)) {
            let _ = m.child.kill();
            panic!("dkim-milter: {e}\n{}", m.log_text());
        }
        m
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill").arg(format!("-{sig}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Milter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An Ed25519 key as a PKCS#8 PEM file's text (RFC 8410).
pub fn ed25519_pem(seed: [u8; 32]) -> String {
    let mut der = vec![0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    der.extend_from_slice(&seed);
    format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", Base64::encode_string(&der))
}

/// A key file with mode 600.
pub fn write_key(path: &Path, pem: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, pem).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The zone of the example keys plus `extra` lines.
pub fn zone(extra: &str) -> String {
    format!("{}\n{extra}\n", std::fs::read_to_string(data("dns.zone")).unwrap())
}

/// The zone line of an Ed25519 key under example.com.
pub fn ed25519_zone_line(seed: [u8; 32], selector: &str) -> String {
    PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&seed)).dns_record().zone_line(selector, "example.com")
}

/// Verifies `message` with our library against the zone text.
pub fn verify_with_zone(message: &[u8], zone_text: &str) -> Vec<SignatureResult> {
    let zone = ZoneFile::parse(zone_text).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    dkim_core::verify(message, &Policy::default(), now, |r| KeyAnswer::from(zone.lookup(r.name()))).unwrap()
}

/// The ARC chain of `message` by our library against the zone text.
pub fn arc_with_zone(message: &[u8], zone_text: &str) -> dkim_core::arc::ArcResult {
    let zone = ZoneFile::parse(zone_text).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    dkim_core::verify_with_arc(message, &Policy::default(), now, |r| KeyAnswer::from(zone.lookup(r.name()))).unwrap().1
}

/// dkimpy's `arc_verify` of `message` (pass, fail or none), keys from the
/// zone text; `None` when dkimpy is not installed (it is in CI).
pub fn arc_verify_with_dkimpy(message: &[u8], zone_text: &str) -> Option<String> {
    let script = r#"
cv, _, why = dkim.arc_verify(msg, dnsfunc=dnsfunc)
print((cv or b'fail').decode())
print(why, file=sys.stderr)
"#;
    let out = run_dkimpy(script, "authres", message, zone_text)?;
    Some(out.trim().to_owned())
}

/// Verifies `message` with dkimpy (the Python `dkim` package), keys from
/// the zone text; one verdict per signature, topmost first ("pass" or
/// "fail"). `None` when dkimpy is not installed (it is in CI).
pub fn verify_with_dkimpy(message: &[u8], zone_text: &str) -> Option<Vec<String>> {
    let script = r#"
d = dkim.DKIM(msg)
count = sum(1 for line in msg.split(b'\r\n\r\n')[0].split(b'\r\n') if line.lower().startswith(b'dkim-signature:'))
for i in range(count):
    print('pass' if d.verify(idx=i, dnsfunc=dnsfunc) else 'fail')
"#;
    let out = run_dkimpy(script, "nacl", message, zone_text)?;
    Some(out.lines().map(str::to_owned).collect())
}

/// Runs `script` under python3 with `msg` (the message on stdin), `dkim`,
/// `sys` and a `dnsfunc` answering from the zone text's TXT records; its
/// standard output. `None` when dkimpy or the `extra` module is missing
/// (a failure under `DKIM_REQUIRE_POSTFIX=1`).
fn run_dkimpy(script: &str, extra: &str, message: &[u8], zone_text: &str) -> Option<String> {
    let zone = ZoneFile::parse(zone_text).unwrap();
    let mut records = String::from("{");
    for (i, (name, _, record)) in zone.txt_records().enumerate() {
        let text = String::from_utf8_lossy(&record.joined()).replace('\\', "\\\\").replace('"', "\\\"");
        write!(records, "{}\"{}.\": \"{text}\"", if i > 0 { "," } else { "" }, name.trim_end_matches('.')).unwrap();
    }
    records.push('}');
    let prelude = r#"
import sys, json, dkim
records = json.loads(sys.argv[1])
msg = sys.stdin.buffer.read()
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    return records.get(n.lower().rstrip('.') + '.', '').encode()
"#;
    let check = Command::new("python3").args(["-c", &format!("import dkim, {extra}")]).output().ok()?;
    if !check.status.success() {
        if std::env::var_os("DKIM_REQUIRE_POSTFIX").is_some_and(|v| v == "1") {
            panic!("dkimpy is not installed (pip install dkimpy pynacl authres)");
        }
        eprintln!("dkimpy not installed: independent check skipped");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", &[prelude, script].concat(), &records])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(message).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "dkimpy: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The outcome of one SMTP transaction: the reply to the end of DATA.
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

/// Sends one message over SMTP from source address `from_ip` (a loopback
/// address: 127.0.0.2 is "internal" in the tests' configurations).
pub async fn send(server: SocketAddr, from_ip: IpAddr, sender: &str, rcpt: &str, message: &[u8]) -> Reply {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from_ip, 0)).unwrap();
    let stream = socket.connect(server).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(read_reply(&mut read).await, 220);
    write.write_all(b"EHLO client.test\r\n").await.unwrap();
    expect(read_reply(&mut read).await, 250);
    write.write_all(format!("MAIL FROM:<{sender}>\r\n").as_bytes()).await.unwrap();
    let r = read_reply(&mut read).await;
    if r.code != 250 {
        return r;
    }
    write.write_all(format!("RCPT TO:<{rcpt}>\r\n").as_bytes()).await.unwrap();
    let r = read_reply(&mut read).await;
    if r.code != 250 {
        return r;
    }
    write.write_all(b"DATA\r\n").await.unwrap();
    let r = read_reply(&mut read).await;
    if r.code != 354 {
        return r;
    }
    write.write_all(&dot_stuff(message)).await.unwrap();
    write.write_all(b".\r\n").await.unwrap();
    let r = read_reply(&mut read).await;
    let _ = write.write_all(b"QUIT\r\n").await;
    r
}

fn expect(r: Reply, code: u16) {
    assert_eq!(r.code, code, "SMTP: {r:?}");
}

async fn read_reply(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Reply {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
            return Reply { code: 0, text: format!("connection closed after {text:?}") };
        }
        text.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            return Reply { code, text };
        }
    }
}

/// The DATA form of `message` (CRLF, lines starting with a dot doubled).
fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 16);
    let mut at_line_start = true;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Knot DNS (`knotd`, Debian package `knot`) serving `zone_text` as the
/// example.com zone on a loopback port; stopped on drop.
pub struct Knot {
    pub addr: SocketAddr,
    child: Child,
}

impl Knot {
    pub fn start(dir: &Path, zone_text: &str) -> Self {
        let knotd = ["/usr/sbin/knotd", "/usr/bin/knotd"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("knotd is not installed (apt-get install knot)");
        let dir = dir.join("knot");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("example.com.zone"), zone_text).unwrap();
        let port = free_port();
        let conf = format!(
            "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n\
             log:\n  - target: stderr\n    any: warning\n\
             database:\n    storage: \"{d}\"\n\
             template:\n  - id: default\n    storage: \"{d}\"\n    zonefile-load: whole\n    journal-content: none\n\
             zone:\n  - domain: example.com\n    file: example.com.zone\n",
            d = dir.display()
        );
        std::fs::write(dir.join("knot.conf"), conf).unwrap();
        let child = Command::new(knotd)
            .arg("-c")
            .arg(dir.join("knot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("knot.log")).unwrap())
            .spawn()
            .expect("start knotd");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let knot = Self { addr, child };
        // Serving once the zone's SOA answers over TCP.
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10), "knotd did not start on {addr}");
            std::thread::sleep(Duration::from_millis(25));
        }
        knot
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
