//! `dkim-milter --from-opendkim`: OpenDKIM configurations in the style of
//! Debian's /etc/opendkim.conf (tests/data/opendkim/) converted to ours.
//! Every output is read back with `Config::from_toml`, and every setting of
//! the input is either in it or reported.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::path::{Path, PathBuf};

use dkim_milter::config::{Action, Config, Listen, Mode};
use dkim_milter::opendkim::{Conversion, convert, convert_file};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/opendkim")
}

/// The files the samples name, from tests/data/opendkim/.
fn read(p: &Path) -> io::Result<String> {
    let name = match p.to_str() {
        Some("/etc/hostname") => "hostname",
        Some(s) => s.strip_prefix("/etc/opendkim/").ok_or(io::ErrorKind::NotFound)?,
        None => return Err(io::ErrorKind::NotFound.into()),
    };
    std::fs::read_to_string(data().join(name))
}

fn sample(name: &str) -> (Conversion, Config) {
    let conf = std::fs::read_to_string(data().join(name)).unwrap();
    let out = convert(&conf, &read).unwrap_or_else(|e| panic!("{name}: {e}"));
    let config = Config::from_toml(&out.toml).unwrap_or_else(|e| panic!("{name}: {e}\n{}", out.toml));
    (out, config)
}

/// The setting names reported, in order.
fn reported(out: &Conversion) -> Vec<String> {
    out.unconverted
        .iter()
        .map(|line| {
            let after = line.splitn(3, ':').nth(2).unwrap().trim_start();
            after.split([' ', ':']).next().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn a_single_key() {
    let (out, config) = sample("single.conf");
    assert_eq!(config.listen, Listen::Inet("127.0.0.1:8891".parse().unwrap()));
    assert_eq!(config.mode, Mode::SignVerify);
    assert_eq!(config.authserv_id, "mx1.example.com", "from /etc/hostname");
    let key = &config.keys["default"];
    assert_eq!((key.domain.as_str(), key.selector.as_str()), ("example.com", "2026"));
    assert_eq!(key.file.as_deref(), Some(Path::new("/etc/dkimkeys/example.private")));
    assert_eq!(config.signing.len(), 1);
    assert_eq!(
        (config.signing[0].from.as_str(), config.signing[0].keys.as_slice()),
        ("example.com", &["default".to_owned()][..])
    );
    assert_eq!(config.sign.canonicalization.to_string(), "relaxed/simple");
    assert_eq!(config.sign.oversign.as_deref(), Some(&["From".to_owned()][..]));
    assert_eq!(config.sign.internal_hosts, ["192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12"]);
    assert_eq!(reported(&out), ["Syslog", "SyslogSuccess", "UserID", "UMask", "PidFile", "TrustAnchorFile"]);
    assert!(out.unconverted[0].starts_with("opendkim.conf:5: Syslog yes: "), "{:?}", out.unconverted);
}

#[test]
fn key_and_signing_tables_with_two_keys_for_one_domain() {
    let (out, config) = sample("tables.conf");
    assert_eq!(config.listen, Listen::Unix("/var/spool/postfix/opendkim/opendkim.sock".into()));
    assert_eq!(config.authserv_id, "mail.example.com");
    assert_eq!(config.keys.len(), 3);
    let ed = &config.keys["ed2026._domainkey.example.com"];
    assert_eq!((ed.domain.as_str(), ed.selector.as_str()), ("example.com", "ed2026"));
    let rules: Vec<(&str, Vec<&str>)> =
        config.signing.iter().map(|r| (r.from.as_str(), r.keys.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        rules,
        [
            ("*@example.com", vec!["rsa2026._domainkey.example.com", "ed2026._domainkey.example.com"]),
            ("*.example.org", vec!["mail._domainkey.example.org"]),
            ("*@example.org", vec!["mail._domainkey.example.org"]),
        ]
    );
    assert_eq!(config.signing_rule("joe@example.com").unwrap().keys.len(), 2);
    assert_eq!(config.signing_rule("joe@lists.example.org").unwrap().from, "*.example.org");
    assert!(config.signing_rule("joe@example.net").is_none());
    assert_eq!(config.sign.canonicalization.to_string(), "relaxed/relaxed");
    assert_eq!(config.sign.oversign.as_deref().unwrap(), ["From", "Subject", "Date"]);
    assert_eq!(config.sign.headers.as_deref().unwrap().len(), 8);
    assert_eq!(config.sign.expire_after, Some(604_800));
    assert!(config.require_safe_keys);
    assert_eq!(config.verify.min_rsa_bits, 1024);

    // InternalHosts: addresses and CIDR blocks (netmask and bracket
    // spellings too); the host name and the negation are reported.
    assert_eq!(config.sign.internal_hosts, ["127.0.0.1", "::1", "192.168.0.0/16", "10.1.0.0/16", "2001:db8::/32"]);
    let all = out.unconverted.join("\n");
    assert!(all.contains("/etc/opendkim/trusted.hosts:8: mail.example.com: a host name"), "{all}");
    assert!(all.contains("/etc/opendkim/trusted.hosts:9: !192.168.7.7: a negation"), "{all}");
    assert!(all.contains("MultipleSignatures yes: ours signs with the keys of the first matching rule"), "{all}");
    for name in ["Syslog", "LogWhy", "UMask", "UserID", "PidFile", "AutoRestart", "AutoRestartRate"] {
        assert!(reported(&out).iter().any(|r| r == name), "{name} not reported: {all}");
    }
    for name in ["SignatureAlgorithm", "ExternalIgnoreList", "TrustAnchorFile"] {
        assert!(reported(&out).iter().any(|r| r == name), "{name} not reported: {all}");
    }
}

#[test]
fn on_actions_and_verify_settings() {
    let (out, config) = sample("onerror.conf");
    assert_eq!(config.mode, Mode::Verify);
    assert_eq!(config.listen, Listen::Inet("[::1]:8891".parse().unwrap()));
    assert_eq!(config.authserv_id, "mx1.example.com", "HOSTNAME is /etc/hostname");
    assert_eq!(config.verify.dns, ["127.0.0.1", "::1"]);
    assert_eq!((config.verify.lookup_timeout, config.verify.overall_timeout), (20, 20));
    assert_eq!((config.verify.max_signatures, config.verify.min_rsa_bits), (5, 2048));
    assert!(!config.require_safe_keys);
    assert_eq!(config.on_error.dns, Action::Accept);
    assert_eq!(config.on_error.internal, Action::Tempfail);
    assert_eq!(config.on_error.bad_key, Action::Tempfail, "On-KeyNotFound");
    let all = out.unconverted.join("\n");
    assert!(all.contains("On-BadSignature reject: ours never acts on a verdict"), "{all}");
    assert!(all.contains("On-NoSignature accept: not needed"), "{all}");
    assert!(all.contains("On-Security quarantine: ours never acts on a verdict"), "{all}");
    for name in ["AlwaysAddARHeader", "ADSPAction", "Frobnicate"] {
        assert!(reported(&out).iter().any(|r| r == name), "{name} not reported: {all}");
    }
    assert!(all.contains("Frobnicate yes: not an OpenDKIM setting"), "{all}");
}

#[test]
fn reject_and_discard_keep_our_defaults() {
    let conf = "Socket inet:8891@localhost\nAuthservID mx\nMode v\nOn-DNSError reject\n\
                On-InternalError discard\nOn-KeyNotFound quarantine\nOn-Default tempfail\n";
    let out = convert(conf, &read).unwrap();
    let config = Config::from_toml(&out.toml).unwrap();
    assert_eq!(config.on_error.dns, Action::Tempfail);
    assert_eq!(config.on_error.internal, Action::Tempfail);
    assert_eq!(config.on_error.bad_key, Action::Accept, "quarantine lets the message through");
    let all = out.unconverted.join("\n");
    assert!(all.contains("opendkim.conf:4: On-DNSError reject: ours never rejects or discards"), "{all}");
    assert!(all.contains("opendkim.conf:5: On-InternalError discard: ours never rejects or discards"), "{all}");
    assert!(all.contains("opendkim.conf:6: On-KeyNotFound quarantine: ours never quarantines"), "{all}");
    assert!(all.contains("opendkim.conf:7: On-Default tempfail: for bad and missing signatures"), "{all}");

    // On-Default fills in what is not set.
    let out = convert("Socket inet:8891\nAuthservID mx\nMode v\nOn-Default accept\n", &read).unwrap();
    let config = Config::from_toml(&out.toml).unwrap();
    assert_eq!(config.listen, Listen::Inet("0.0.0.0:8891".parse().unwrap()));
    assert_eq!((config.on_error.dns, config.on_error.internal), (Action::Accept, Action::Accept));
}

#[test]
fn socket_spellings() {
    let cases = [
        ("inet:8891@localhost", "inet:127.0.0.1:8891"),
        ("inet:8891@127.0.0.1", "inet:127.0.0.1:8891"),
        ("inet:12301", "inet:0.0.0.0:12301"),
        ("inet6:8891@[::1]", "inet:[::1]:8891"),
        ("local:/run/opendkim/opendkim.sock", "unix:/run/opendkim/opendkim.sock"),
        ("unix:/run/o.sock", "unix:/run/o.sock"),
        ("/run/o.sock", "unix:/run/o.sock"),
    ];
    for (socket, want) in cases {
        let out = convert(&format!("Mode v\nAuthservID mx\nSocket {socket}\n"), &read).unwrap();
        assert!(out.toml.contains(&format!("listen = \"{want}\"")), "{socket}: {}", out.toml);
        assert!(out.unconverted.is_empty(), "{socket}: {:?}", out.unconverted);
        Config::from_toml(&out.toml).unwrap();
    }
    // A host name: reported, and the port kept on the loopback address.
    let out = convert("Mode v\nAuthservID mx\nSocket inet:8891@mail.example.com\n", &read).unwrap();
    assert!(out.toml.contains("listen = \"inet:127.0.0.1:8891\""));
    assert!(out.unconverted[0].contains("Socket inet:8891@mail.example.com"), "{:?}", out.unconverted);
    // No Socket at all: the usual port, reported.
    let out = convert("Mode v\nAuthservID mx\n", &read).unwrap();
    assert!(out.toml.contains("listen = \"inet:127.0.0.1:8891\""));
    assert!(out.unconverted[0].contains("no Socket"), "{:?}", out.unconverted);
}

#[test]
fn a_missing_table_names_the_file() {
    let conf = std::fs::read_to_string(data().join("missing.conf")).unwrap();
    let err = convert(&conf, &read).unwrap_err();
    assert!(err.contains("opendkim.conf:3: KeyTable"), "{err}");
    assert!(err.contains("/etc/opendkim/no-such.table"), "{err}");
}

#[test]
fn plain_tables_and_a_comma_list_of_keys() {
    let dir = std::env::temp_dir().join(format!("dkim-milter-opendkim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("KeyTable"),
        "rsa example.net:rsa:/etc/dkimkeys/rsa.pem\ned example.net:ed:/etc/dkimkeys/ed.pem\n\
         inline example.net:x:MIIEvQIBADANBg\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("SigningTable"),
        "example.net rsa,ed\n*@example.org rsa\nann@example.net rsa ann@example.net\n",
    )
    .unwrap();
    let conf = dir.join("opendkim.conf");
    std::fs::write(
        &conf,
        format!(
            "BaseDirectory {}\nSocket local:/run/o.sock\nAuthservID mx.example.net\nKeyTable file:KeyTable\n\
             SigningTable file:SigningTable\nMode s\nCanonicalization relaxed\n",
            dir.display()
        ),
    )
    .unwrap();
    let text = convert_file(&conf).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let config = Config::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(text.starts_with("# dkim-milter configuration converted from "), "{text}");
    assert!(text.contains("# not carried over: ") && text.contains("KeyTable:3: inline"), "{text}");
    assert!(text.contains("*@example.org rsa: OpenDKIM looked this up literally"), "{text}");
    assert!(text.contains("example.net: OpenDKIM signed with the first key only"), "{text}");
    assert_eq!(config.mode, Mode::Sign);
    assert_eq!(config.sign.canonicalization.to_string(), "relaxed/simple");
    let rules: Vec<(&str, usize)> = config.signing.iter().map(|r| (r.from.as_str(), r.keys.len())).collect();
    assert_eq!(rules, [("ann@example.net", 1), ("example.net", 2)], "addresses before domains");
    assert_eq!(config.signing[0].keys, ["rsa/ann@example.net"], "the signer makes a key of its own");
    assert_eq!(config.keys["rsa/ann@example.net"].identity.as_deref(), Some("ann@example.net"));
    assert_eq!(config.keys["rsa"].identity, None);
    assert_eq!(config.keys["rsa"].file.as_deref(), Some(Path::new("/etc/dkimkeys/rsa.pem")));
}

#[test]
fn every_sample_converts_to_a_valid_configuration() {
    for entry in std::fs::read_dir(data()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "conf") && !path.ends_with("missing.conf") {
            let (out, _) = sample(path.file_name().unwrap().to_str().unwrap());
            assert!(out.unconverted.iter().all(|l| !l.contains('\n')));
        }
    }
}
