//! The processes of the milter bench: our milter (release build of the main workspace), OpenDKIM and a Postfix on
//! loopback ports, each in a directory of its own under /var/tmp, all stopped on drop.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The header fields both milters sign (OpenDKIM's `SignHeaders`, our `sign.headers`); From is also oversigned.
pub const SIGNED_HEADERS: &[&str] = &["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"];
/// The signing domain and selector of the example RSA-2048 key (examples/data/rsa2048.pem, dns.zone).
pub const DOMAIN: &str = "example.com";
pub const SELECTOR: &str = "2026rsa";

/// The benches directory (this workspace's root).
pub fn benches_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Waits until something accepts connections on `addr`.
pub fn wait_for_port(addr: SocketAddr, limit: Duration) -> Result<(), String> {
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if start.elapsed() > limit {
            return Err(format!("nothing listens on {addr} after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Ok(())
}

/// A directory under /var/tmp (Postfix's `maillog_file_prefixes` allows /var), removed on drop unless
/// `DKIM_KEEP_BENCH_DIRS` is set.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = PathBuf::from(format!("/var/tmp/dkim-milter-bench/{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the bench directory");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("DKIM_KEEP_BENCH_DIRS").is_some() {
            eprintln!("kept: {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Writes a file readable by its owner only (both milters refuse or warn about keys others may read).
pub fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// The peak resident set size (VmHWM) of a process, in KiB.
pub fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// Which milter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ours,
    OpenDkim,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::OpenDkim => "opendkim",
        }
    }
}

/// Sign or verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sign,
    Verify,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sign => "sign",
            Mode::Verify => "verify",
        }
    }
}

/// Builds our milter in release mode from the main workspace; the binary's path.
pub fn build_ours() -> PathBuf {
    let root = benches_dir().join("..");
    eprintln!("building dkim-milter (release) in the main workspace");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-p", "dkim-milter", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --release -p dkim-milter failed");
    root.join("target/release/dkim-milter")
}

/// One running milter process (ours or OpenDKIM) in one mode, listening on a loopback TCP port.
pub struct Milter {
    pub kind: Kind,
    pub mode: Mode,
    pub addr: SocketAddr,
    child: Child,
    log: PathBuf,
}

impl Milter {
    /// Starts `kind` in `mode` with its files under `dir`: the example RSA-2048 key for signing, its record (the
    /// example zone) for verifying, no DNS.
    pub fn start(kind: Kind, mode: Mode, dir: &Path, ours_bin: &Path) -> Self {
        let dir = dir.join(format!("{}-{}", kind.name(), mode.name()));
        std::fs::create_dir_all(&dir).expect("milter dir");
        let data = benches_dir().join("../examples/data");
        let key = dir.join("rsa2048.pem");
        write_private(&key, &std::fs::read_to_string(data.join("rsa2048.pem")).expect("example key"));
        let port = free_port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let log = dir.join("milter.log");
        let stderr = std::fs::File::create(&log).expect("log file");
        let headers = SIGNED_HEADERS.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ");
        let child = match kind {
            Kind::Ours => {
                let mut conf = format!(
                    "listen = \"inet:127.0.0.1:{port}\"\nmode = \"{}\"\nauthserv_id = \"bench.test\"\n",
                    mode.name()
                );
                match mode {
                    Mode::Sign => write!(
                        conf,
                        "[keys.rsa]\ndomain = \"{DOMAIN}\"\nselector = \"{SELECTOR}\"\nfile = \"{}\"\n\n\
                         [[signing]]\nfrom = \"{DOMAIN}\"\nkeys = [\"rsa\"]\n\n\
                         [sign]\ncanonicalization = \"relaxed/relaxed\"\nheaders = [{headers}]\noversign = [\"From\"]\n",
                        key.display()
                    ),
                    Mode::Verify => write!(conf, "[verify]\nzone = \"{}\"\n", data.join("dns.zone").display()),
                }
                .expect("format");
                let path = dir.join("dkim-milter.toml");
                std::fs::write(&path, conf).expect("write config");
                // Warnings only: OpenDKIM logs nothing either (Syslog no).
                Command::new(ours_bin)
                    .arg("--config")
                    .arg(&path)
                    .env("RUST_LOG", "warn")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(stderr)
                    .spawn()
                    .expect("start dkim-milter")
            }
            Kind::OpenDkim => {
                let mut conf = format!(
                    "Syslog no\nBackground no\nSocket inet:{port}@127.0.0.1\nAuthservID bench.test\n\
                     PidFile {}\nUMask 007\nRequireSafeKeys no\n",
                    dir.join("opendkim.pid").display()
                );
                match mode {
                    Mode::Sign => {
                        std::fs::write(dir.join("KeyTable"), format!("rsa {DOMAIN}:{SELECTOR}:{}\n", key.display()))
                            .expect("KeyTable");
                        std::fs::write(dir.join("SigningTable"), format!("*@{DOMAIN} rsa\n")).expect("SigningTable");
                        write!(
                            conf,
                            "Mode s\nKeyTable {}\nSigningTable refile:{}\nCanonicalization relaxed/relaxed\n\
                             SignatureAlgorithm rsa-sha256\nSignHeaders {}\nOversignHeaders From\n\
                             InternalHosts 127.0.0.1\n",
                            dir.join("KeyTable").display(),
                            dir.join("SigningTable").display(),
                            SIGNED_HEADERS.join(",")
                        )
                        .expect("format");
                    }
                    Mode::Verify => {
                        // The key record as test DNS data: no resolver is asked.
                        let record = crate::key_record();
                        std::fs::write(
                            dir.join("TestDNSData"),
                            format!("{SELECTOR}._domainkey.{DOMAIN} {}\n", record.replace(' ', "")),
                        )
                        .expect("TestDNSData");
                        write!(
                            conf,
                            "Mode v\nTestDNSData {}\nAlwaysAddARHeader yes\nMinimumKeyBits 1024\n",
                            dir.join("TestDNSData").display()
                        )
                        .expect("format");
                    }
                }
                let path = dir.join("opendkim.conf");
                std::fs::write(&path, conf).expect("write config");
                Command::new("/usr/sbin/opendkim")
                    .args(["-f", "-x"])
                    .arg(&path)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(stderr)
                    .spawn()
                    .expect("start opendkim")
            }
        };
        let mut m = Self { kind, mode, addr, child, log };
        if let Err(e) = wait_for_port(addr, Duration::from_secs(20)) {
            let _ = m.child.kill();
            panic!("{} {}: {e}\n{}", kind.name(), mode.name(), m.log_text());
        }
        m
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak RSS so far, KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        vm_hwm_kib(self.pid())
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn id(&self) -> String {
        format!("{} {}", self.kind.name(), self.mode.name())
    }
}

impl Drop for Milter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn user_id(flag: &str, user: &str) -> u32 {
    let out = Command::new("id").args([flag, user]).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a numeric id")
}

/// A Postfix instance on loopback with one SMTP port per milter (`-o smtpd_milters=` in master.cf), delivering
/// every `@dest.example` recipient to one Maildir.
pub struct Postfix {
    pub dir: PathBuf,
    pub maildir: PathBuf,
}

impl Postfix {
    /// Starts Postfix in `dir/postfix`; `milters` are (SMTP port, milter address) pairs.
    pub fn start(dir: &Path, milters: &[(u16, SocketAddr)]) -> Self {
        let dir = dir.join("postfix");
        let (etc, queue, data, mail) = (dir.join("etc"), dir.join("queue"), dir.join("data"), dir.join("mail"));
        for d in [&etc, &queue, &data, &mail] {
            std::fs::create_dir_all(d).expect("postfix dirs");
        }
        let (uid, gid) = (user_id("-u", "postfix"), user_id("-g", "postfix"));
        for d in [&data, &mail] {
            std::os::unix::fs::chown(d, Some(uid), Some(gid)).expect("chown");
        }
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
            ("non_smtpd_milters", String::new()),
            ("milter_default_action", "tempfail".into()),
            ("milter_protocol", "6".into()),
            ("milter_connect_timeout", "5s".into()),
            ("milter_command_timeout", "15s".into()),
            ("milter_content_timeout", "60s".into()),
            ("smtpd_banner", "$myhostname ESMTP".into()),
            ("message_size_limit", "104857600".into()),
            ("virtual_mailbox_limit", "0".into()),
            ("biff", "no".into()),
        ] {
            writeln!(main, "{k} = {v}").expect("format");
        }
        std::fs::write(etc.join("main.cf"), main).expect("main.cf");
        let mut master = String::new();
        for (port, milter) in milters {
            writeln!(master, "127.0.0.1:{port} inet n - n - - smtpd -o smtpd_milters=inet:{milter}").expect("format");
        }
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
        std::fs::write(etc.join("master.cf"), master).expect("master.cf");
        let out = Command::new("/usr/sbin/postfix").arg("-c").arg(&etc).arg("start").output().expect("postfix");
        let pf = Self { dir, maildir: mail.join("inbox") };
        assert!(
            out.status.success(),
            "postfix start: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            pf.log()
        );
        for (port, _) in milters {
            let smtp = SocketAddr::from((Ipv4Addr::LOCALHOST, *port));
            wait_for_port(smtp, Duration::from_secs(20)).unwrap_or_else(|e| panic!("postfix smtpd: {e}\n{}", pf.log()));
        }
        pf
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("maillog")).unwrap_or_default()
    }

    /// The files delivered so far (Maildir `new/`).
    pub fn delivered(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.maildir.join("new")) {
            Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Waits until `n` messages are in `new/` (panics after `limit`).
    pub fn wait_delivered(&self, n: usize, limit: Duration) {
        let start = Instant::now();
        loop {
            let got = std::fs::read_dir(self.maildir.join("new")).map(|d| d.count()).unwrap_or(0);
            if got >= n {
                return;
            }
            assert!(start.elapsed() < limit, "{got} of {n} delivered after {limit:?}\n{}", self.log());
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Removes every delivered message.
    pub fn clear(&self) {
        for p in self.delivered() {
            let _ = std::fs::remove_file(p);
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
