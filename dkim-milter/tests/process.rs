//! The binary without Postfix: configuration checks, key file safety, the
//! connection cap, SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::*;

fn write_config(dir: &Path, addr: SocketAddr, extra: &str, key_mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let key = dir.join("ed25519.pem");
    std::fs::write(&key, std::fs::read_to_string(data("ed25519.pem")).unwrap()).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(key_mode)).unwrap();
    let zone = dir.join("keys.zone");
    std::fs::write(&zone, zone_text()).unwrap();
    let path = dir.join("dkim-milter.toml");
    std::fs::write(
        &path,
        format!(
            "listen = \"inet:{addr}\"\nauthserv_id = \"mx.test\"\n{extra}\n[verify]\nzone = \"{}\"\n\n\
             [keys.ed]\ndomain = \"example.com\"\nselector = \"2026\"\nfile = \"{}\"\n\n\
             [[signing]]\nfrom = \"example.com\"\nkeys = [\"ed\"]\n",
            zone.display(),
            key.display()
        ),
    )
    .unwrap();
    path
}

fn zone_text() -> String {
    zone("")
}

fn check(config: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dkim-milter")).arg("--config").arg(config).arg("--check").output().unwrap()
}

#[test]
fn check_accepts_a_good_configuration_and_refuses_unsafe_keys() {
    let dir = TempDir::new("check");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    let good = write_config(&dir.0, addr, "", 0o600);
    let out = check(&good);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok (1 keys, 1 signing rules)"));

    let unsafe_key = write_config(&dir.0, addr, "", 0o644);
    let out = check(&unsafe_key);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mode 644") && err.contains("chmod 600"), "{err}");
    // Told otherwise, it is accepted.
    let allowed = write_config(&dir.0, addr, "require_safe_keys = false", 0o644);
    assert!(check(&allowed).status.success());

    std::fs::write(&good, "listen = \"inet:127.0.0.1:1\"\nauthserv_id = \"x\"\nmod = \"verify\"\n").unwrap();
    let out = check(&good);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field `mod`"));
    let missing =
        Command::new(env!("CARGO_BIN_EXE_dkim-milter")).args(["--config", "/nonexistent.toml"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent.toml"));
}

/// An SMFIC_OPTNEG packet (version 6, every action, no protocol flags).
const OPTNEG: [u8; 17] = [0, 0, 0, 13, b'O', 0, 0, 0, 6, 0, 0, 0x01, 0xff, 0, 0, 0, 0];

/// Sends OPTNEG and waits for the answer's first bytes.
fn negotiates(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(&OPTNEG).unwrap();
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && head[4] == b'O'
}

#[test]
fn connections_over_the_cap_wait_until_one_ends() {
    let dir = TempDir::new("cap");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    let config = write_config(&dir.0, addr, "max_connections = 1", 0o600);
    let _milter = Milter::start(&config, addr);
    // wait_for_port's probe connection has come and gone; the slot is free.
    std::thread::sleep(Duration::from_millis(200));
    let mut first = TcpStream::connect(addr).unwrap();
    assert!(negotiates(&mut first, Duration::from_secs(5)), "the first connection is served");
    let mut second = TcpStream::connect(addr).unwrap();
    assert!(!negotiates(&mut second, Duration::from_millis(700)), "the second waits");
    drop(first);
    let mut head = [0u8; 5];
    second.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    second.read_exact(&mut head).unwrap();
    assert_eq!(head[4], b'O', "served once the first is gone");
}

#[test]
fn sigterm_stops_the_milter_cleanly() {
    let dir = TempDir::new("term");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    let config = write_config(&dir.0, addr, "", 0o600);
    let mut milter = Milter::start(&config, addr);
    milter.signal("TERM");
    let status = milter.child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{}", milter.log_text());
    assert!(milter.log_text().contains("no message in flight"), "{}", milter.log_text());
    assert!(TcpStream::connect(addr).is_err(), "the socket is closed");
}
