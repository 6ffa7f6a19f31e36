//! `--from-opendkim`: an OpenDKIM configuration (opendkim.conf(5)) turned
//! into ours.
//!
//! [`convert`] reads the text of an opendkim.conf, and the tables it names
//! through a reader you give it, and returns our TOML with a list of the
//! settings it could not carry over (each with its place and the reason).
//! [`convert_file`] does the same with the file system and puts that list
//! at the top of the TOML as comments. Nothing is dropped silently: every
//! setting of the file is either in the TOML or in the list.
//!
//! ```
//! use std::path::Path;
//! use dkim_milter::opendkim::convert;
//! let conf = "Socket inet:8891@localhost\nMode sv\nDomain example.com\n\
//!             Selector 2026\nKeyFile /etc/dkimkeys/example.private\nUserID opendkim\n";
//! let out = convert(conf, &|p: &Path| match p.to_str() {
//!     Some("/etc/hostname") => Ok("mx.example.com\n".into()),
//!     _ => Err(std::io::ErrorKind::NotFound.into()),
//! })?;
//! assert!(out.toml.contains("listen = \"inet:127.0.0.1:8891\""));
//! assert!(out.toml.contains("authserv_id = \"mx.example.com\""));
//! assert!(out.unconverted[0].contains("UserID"));
//! dkim_milter::config::Config::from_toml(&out.toml).unwrap();
//! # Ok::<(), String>(())
//! ```

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use dkim_core::Canonicalization;

use crate::config::{Config, Network};

/// The result of a conversion: our configuration and what did not make it.
///
/// ```
/// use dkim_milter::opendkim::{convert, Conversion};
/// let Conversion { toml, unconverted } =
///     convert("Mode v\nSocket local:/run/opendkim/opendkim.sock\nAuthservID mx.example.com\nSyslog yes\n",
///             &|_| Err(std::io::ErrorKind::NotFound.into()))?;
/// assert!(toml.contains("mode = \"verify\""));
/// assert!(toml.contains("listen = \"unix:/run/opendkim/opendkim.sock\""));
/// assert_eq!(unconverted.len(), 1);
/// assert!(unconverted[0].starts_with("opendkim.conf:4: Syslog yes: "));
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// The configuration, TOML that [`Config::from_toml`] accepts.
    pub toml: String,
    /// One line per setting (or table entry) not carried over, or carried
    /// over with a different meaning: `FILE:LINE: Setting value: why`.
    pub unconverted: Vec<String>,
}

/// Reads an opendkim.conf (and the tables it names) and returns our TOML,
/// with a `# not carried over: ...` comment at the top for each setting
/// that could not be converted.
///
/// ```no_run
/// let toml = dkim_milter::opendkim::convert_file("/etc/opendkim.conf".as_ref())?;
/// print!("{toml}");
/// # Ok::<(), String>(())
/// ```
///
/// # Errors
///
/// A file cannot be read, or a setting or table line cannot be understood;
/// the message names the file and the line.
pub fn convert_file(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let read = |p: &Path| std::fs::read_to_string(p);
    let conversion = convert_named(&path.display().to_string(), &text, &read)?;
    Ok(with_header(&path.display().to_string(), &conversion))
}

/// Converts the text of an opendkim.conf. `read` reads the other files it
/// names (key and signing tables, host lists, `Include`d files) and
/// `/etc/hostname` for `AuthservID HOSTNAME` (or no `AuthservID`). Places
/// in the main text are named `opendkim.conf:LINE`.
///
/// ```
/// use std::path::Path;
/// use dkim_milter::opendkim::convert;
/// let conf = "Socket inet:8891@127.0.0.1\nAuthservID mx.example.com\n\
///             KeyTable /etc/opendkim/key.table\nSigningTable refile:/etc/opendkim/signing.table\n\
///             On-BadSignature reject\n";
/// let read = |p: &Path| match p.to_str() {
///     Some("/etc/opendkim/key.table") => Ok("rsa example.com:rsa2026:/etc/dkimkeys/rsa.private\n".into()),
///     Some("/etc/opendkim/signing.table") => Ok("*@example.com rsa\n".into()),
///     _ => Err(std::io::ErrorKind::NotFound.into()),
/// };
/// let out = convert(conf, &read)?;
/// assert!(out.toml.contains("from = \"*@example.com\"\nkeys = [\"rsa\"]"));
/// assert!(out.unconverted[0].contains("On-BadSignature reject"));
/// # Ok::<(), String>(())
/// ```
///
/// # Errors
///
/// A file cannot be read, or a setting or table line cannot be understood;
/// the message names the file and the line.
pub fn convert(conf: &str, read: &dyn Fn(&Path) -> io::Result<String>) -> Result<Conversion, String> {
    convert_named("opendkim.conf", conf, read)
}

fn with_header(source: &str, c: &Conversion) -> String {
    let mut out = format!("# dkim-milter configuration converted from {source} (dkim-milter --from-opendkim).\n");
    if c.unconverted.is_empty() {
        out.push_str("# Every setting was carried over.\n");
    }
    for line in &c.unconverted {
        let _ = writeln!(out, "# not carried over: {}", line.replace(['\n', '\r'], " "));
    }
    out.push('\n');
    out.push_str(&c.toml);
    out
}

type Reader<'a> = &'a dyn Fn(&Path) -> io::Result<String>;

/// One `Name value` line of opendkim.conf.
#[derive(Clone, Debug)]
struct Setting {
    name: String,
    value: String,
    loc: String,
}

impl Setting {
    fn what(&self) -> String {
        if self.value.is_empty() { self.name.clone() } else { format!("{} {}", self.name, self.value) }
    }
}

/// One line of a table file (or one item of a comma list).
#[derive(Clone, Debug)]
struct Entry {
    loc: String,
    key: String,
    value: String,
}

impl Entry {
    fn what(&self) -> String {
        if self.value.is_empty() { self.key.clone() } else { format!("{} {}", self.key, self.value) }
    }
}

fn parse_conf(name: &str, text: &str, read: Reader<'_>, depth: usize, out: &mut Vec<Setting>) -> Result<(), String> {
    for (i, raw) in text.lines().enumerate() {
        let loc = format!("{name}:{}", i + 1);
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = match line.split_once(char::is_whitespace) {
            Some((k, v)) => (k, v.trim()),
            None => (line, ""),
        };
        if key.eq_ignore_ascii_case("Include") {
            if value.is_empty() {
                return Err(format!("{loc}: Include without a file name"));
            }
            if depth >= 5 {
                return Err(format!("{loc}: Include {value}: nested more than five levels deep"));
            }
            let text = read(Path::new(value)).map_err(|e| format!("{loc}: Include {value}: {e}"))?;
            parse_conf(value, &text, read, depth + 1, out)?;
            continue;
        }
        out.push(Setting { name: key.to_owned(), value: value.to_owned(), loc });
    }
    Ok(())
}

/// An OpenDKIM dataset (opendkim(8), "DATA SETS") of the kinds that are
/// files or lists.
enum Dataset {
    List(Vec<String>),
    File { path: PathBuf, regex: bool },
}

/// Our key table entry.
#[derive(Clone, Debug)]
struct Key {
    name: String,
    domain: String,
    selector: String,
    file: PathBuf,
    identity: Option<String>,
}

/// Our signing rule.
#[derive(Clone, Debug)]
struct Rule {
    from: String,
    keys: Vec<String>,
    loc: String,
}

/// What OpenDKIM does on an `On-*` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OAction {
    Accept,
    Discard,
    Quarantine,
    Reject,
    Tempfail,
}

impl OAction {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "a" | "accept" => Self::Accept,
            "d" | "discard" => Self::Discard,
            "q" | "quarantine" => Self::Quarantine,
            "r" | "reject" => Self::Reject,
            "t" | "tempfail" => Self::Tempfail,
            _ => return None,
        })
    }
}

struct Converter<'a> {
    read: Reader<'a>,
    settings: Vec<Setting>,
    notes: Vec<String>,
    base: Option<PathBuf>,
}

/// Settings OpenDKIM knows that have no counterpart, with the reason.
const NOT_NEEDED: &[(&str, &str)] = &[
    ("UserID", "not needed: run dkim-milter as that user (systemd User= and Group=)"),
    ("UMask", "no equivalent: set the socket's permissions with systemd (UMask=) or use a TCP socket"),
    ("PidFile", "not needed: dkim-milter runs in the foreground and writes no PID file (use systemd)"),
    ("Background", "not needed: dkim-milter runs in the foreground (use systemd)"),
    ("AutoRestart", "not needed: let systemd restart it (Restart=on-failure)"),
    ("AutoRestartRate", "not needed: let systemd restart it (StartLimitBurst=, StartLimitIntervalSec=)"),
    ("AutoRestartCount", "not needed: let systemd restart it (StartLimitBurst=)"),
    ("ChangeRootDirectory", "no equivalent: use systemd's RootDirectory= if you want a chroot"),
    ("Syslog", "not needed: dkim-milter logs to standard error (the journal under systemd); RUST_LOG sets the level"),
    ("SyslogSuccess", "not needed: dkim-milter logs to standard error; RUST_LOG sets the level"),
    ("SyslogFacility", "not needed: dkim-milter logs to standard error; RUST_LOG sets the level"),
    ("SyslogName", "not needed: dkim-milter logs to standard error"),
    ("LogWhy", "not needed: dkim-milter logs why at level debug (RUST_LOG=debug)"),
    ("LogResults", "not needed: dkim-milter logs results at level debug (RUST_LOG=debug)"),
    ("Quarantine", "no equivalent: dkim-milter never quarantines"),
    ("MilterDebug", "not needed: RUST_LOG=debug"),
    ("DebugFlags", "not needed: RUST_LOG=debug"),
    (
        "TrustAnchorFile",
        "no equivalent: dkim-milter reads no DNSSEC trust anchor; point verify.dns at a validating resolver",
    ),
    ("ResolverConfiguration", "no equivalent: dkim-milter has its own stub resolver (verify.dns)"),
    (
        "ExternalIgnoreList",
        "not needed: OpenDKIM used it only to silence the \"external host tried to send as\" log line",
    ),
    ("PeerList", "no equivalent: dkim-milter verifies all mail from clients that are not internal"),
    (
        "MTA",
        "no equivalent: dkim-milter signs by client address and SMTP AUTH (sign.internal_hosts, sign.authenticated)",
    ),
    (
        "MacroList",
        "no equivalent: dkim-milter signs by client address and SMTP AUTH (sign.internal_hosts, sign.authenticated)",
    ),
    (
        "SignatureAlgorithm",
        "not needed: the algorithm follows each key (RSA keys sign rsa-sha256, Ed25519 keys ed25519-sha256)",
    ),
    ("OmitHeaders", "no equivalent: list the fields to sign in sign.headers instead"),
    ("SenderHeaders", "no equivalent: dkim-milter picks the key by the From address"),
    ("AlwaysAddARHeader", "no equivalent: dkim-milter writes Authentication-Results for the mail it verifies"),
    ("AuthservIDWithJobID", "no equivalent: the authserv-id is authserv_id alone"),
    ("BodyLengthDB", "no equivalent: dkim-milter never signs with l="),
    ("TemporaryDirectory", "not needed: dkim-milter streams messages and keeps no temporary files"),
    ("QueryCache", "not needed: dkim-milter caches keys on its own"),
    ("X-Header", "no equivalent: dkim-milter adds no X-DKIM header"),
    ("SoftwareHeader", "no equivalent: dkim-milter adds no DKIM-Filter header"),
    ("Statistics", "no equivalent: dkim-milter keeps no statistics file"),
    ("ReportAddress", "no equivalent: dkim-milter sends no failure reports"),
    ("SendReports", "no equivalent: dkim-milter sends no failure reports"),
    ("ADSPAction", "no equivalent: ADSP is historic (RFC 6541 moved it there); DMARC replaces it"),
    ("ADSPNoSuchDomain", "no equivalent: ADSP is historic; DMARC replaces it"),
    ("DomainKeysCompat", "no equivalent: DomainKeys is historic"),
    ("Diagnostics", "no equivalent: dkim-milter writes no z= copies of headers"),
    ("DiagnosticDirectory", "no equivalent: dkim-milter writes no diagnostic files"),
    ("KeepTemporaryFiles", "not needed: dkim-milter keeps no temporary files"),
    ("MaximumHeaders", "no equivalent: dkim-milter limits what it buffers on its own"),
    ("RemoveOldSignatures", "no equivalent: dkim-milter keeps existing DKIM-Signature fields"),
    ("FixCRLF", "not needed: dkim-milter handles bare LF line endings itself"),
    ("StrictTestMode", "not needed: a test-mode setting"),
];

impl<'a> Converter<'a> {
    /// Takes the setting out (the last line wins; earlier ones are reported).
    fn take(&mut self, name: &str) -> Option<Setting> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < self.settings.len() {
            if self.settings[i].name.eq_ignore_ascii_case(name) {
                found.push(self.settings.remove(i));
            } else {
                i += 1;
            }
        }
        let last = found.pop()?;
        for s in found {
            self.notes.push(format!("{}: {}: overridden by the later {} at {}", s.loc, s.what(), last.name, last.loc));
        }
        Some(last)
    }

    fn note(&mut self, s: &Setting, why: impl AsRef<str>) {
        self.notes.push(format!("{}: {}: {}", s.loc, s.what(), why.as_ref()));
    }

    fn note_entry(&mut self, e: &Entry, why: impl AsRef<str>) {
        self.notes.push(format!("{}: {}: {}", e.loc, e.what(), why.as_ref()));
    }

    fn path(&self, p: &str) -> PathBuf {
        let p = PathBuf::from(p);
        match &self.base {
            Some(base) if p.is_relative() => base.join(p),
            _ => p,
        }
    }

    fn dataset(&self, s: &Setting) -> Result<Dataset, String> {
        let v = s.value.as_str();
        if v.is_empty() {
            return Err(format!("{}: {} without a value", s.loc, s.name));
        }
        if let Some(p) = v.strip_prefix("file:") {
            return Ok(Dataset::File { path: self.path(p), regex: false });
        }
        if let Some(p) = v.strip_prefix("refile:") {
            return Ok(Dataset::File { path: self.path(p), regex: true });
        }
        if let Some(l) = v.strip_prefix("csl:") {
            return Ok(Dataset::List(split_list(l)));
        }
        if let Some((kind, _)) = v.split_once(':') {
            const OTHER: &[&str] =
                &["db", "dsn", "ldap", "ldaps", "ldapi", "lua", "memcache", "mdb", "erlang", "repute", "socket"];
            if OTHER.contains(&kind.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "{}: {} {v}: {kind}: data sets cannot be read here; write the data to a flat file \
                     (file:/path) and convert again",
                    s.loc, s.name
                ));
            }
        }
        if v.starts_with('/') {
            return Ok(Dataset::File { path: self.path(v), regex: false });
        }
        Ok(Dataset::List(split_list(v)))
    }

    /// The entries of a data set, and whether they are wildcard patterns.
    fn entries(&self, s: &Setting) -> Result<(Vec<Entry>, bool), String> {
        match self.dataset(s)? {
            Dataset::List(items) => Ok((
                items
                    .into_iter()
                    .map(|item| {
                        let (key, value) = item.split_once('=').unwrap_or((&item, ""));
                        Entry { loc: s.loc.clone(), key: key.trim().to_owned(), value: value.trim().to_owned() }
                    })
                    .collect(),
                false,
            )),
            Dataset::File { path, regex } => {
                let text = (self.read)(&path)
                    .map_err(|e| format!("{}: {} {}: cannot read {}: {e}", s.loc, s.name, s.value, path.display()))?;
                let mut out = Vec::new();
                for (i, raw) in text.lines().enumerate() {
                    let line = raw.split('#').next().unwrap_or_default().trim();
                    if line.is_empty() {
                        continue;
                    }
                    let (key, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                    out.push(Entry {
                        loc: format!("{}:{}", path.display(), i + 1),
                        key: key.to_owned(),
                        value: value.trim().to_owned(),
                    });
                }
                Ok((out, regex))
            }
        }
    }

    fn boolean(s: &Setting) -> Result<bool, String> {
        match s.value.bytes().next() {
            Some(b'T' | b't' | b'Y' | b'y' | b'1') => Ok(true),
            Some(b'F' | b'f' | b'N' | b'n' | b'0') => Ok(false),
            _ => Err(format!("{}: {} {:?}: expected yes or no", s.loc, s.name, s.value)),
        }
    }

    fn number(s: &Setting) -> Result<u64, String> {
        s.value.parse().map_err(|_| format!("{}: {} {:?}: expected a whole number", s.loc, s.name, s.value))
    }

    fn list(&self, s: &Setting) -> Result<Vec<String>, String> {
        Ok(self.entries(s)?.0.into_iter().map(|e| e.key).collect())
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

/// A TOML basic string.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be.
fn key(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        s.to_owned()
    } else {
        q(s)
    }
}

fn array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", items.join(", "))
}

/// `Socket` in our spelling, or why not.
fn socket(value: &str) -> Result<String, String> {
    let port_host = |rest: &str, any: &str, v6: bool| -> Result<String, String> {
        let (port, host) = match rest.split_once('@') {
            Some((p, h)) => (p, h),
            None => (rest, any),
        };
        let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port number"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = match host {
            "localhost" if v6 => "::1",
            "localhost" => "127.0.0.1",
            "*" | "" if v6 => "::",
            "*" | "" => "0.0.0.0",
            h => h,
        };
        let ip: std::net::IpAddr =
            host.parse().map_err(|_| format!("{host:?} is a host name; ours needs an address"))?;
        Ok(format!("inet:{}", std::net::SocketAddr::new(ip, port)))
    };
    if let Some(rest) = value.strip_prefix("inet:") {
        return port_host(rest, "0.0.0.0", false);
    }
    if let Some(rest) = value.strip_prefix("inet6:") {
        return port_host(rest, "::", true);
    }
    let path = value.strip_prefix("local:").or_else(|| value.strip_prefix("unix:")).unwrap_or(value);
    if path.starts_with('/') {
        Ok(format!("unix:{path}"))
    } else {
        Err("expected inet:PORT@HOST or local:/PATH".into())
    }
}

/// An `InternalHosts` entry as an address or CIDR block, if it is one.
fn network(entry: &str) -> Option<String> {
    let entry = entry.trim();
    let (addr, prefix) = match entry.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (entry, None),
    };
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let prefix = match prefix {
        // OpenDKIM also takes 10.0.0.0/255.0.0.0.
        Some(mask) if mask.contains('.') => {
            let mask: std::net::Ipv4Addr = mask.parse().ok()?;
            let bits = u32::from(mask);
            if bits.leading_ones() + bits.trailing_zeros() != 32 {
                return None;
            }
            Some(bits.leading_ones().to_string())
        }
        Some(p) => Some(p.to_owned()),
        None => None,
    };
    let text = match prefix {
        Some(p) => format!("{addr}/{p}"),
        None => addr.to_owned(),
    };
    Network::parse(&text).ok().map(|_| text)
}

/// A SigningTable left side as our `from`, or why not.
fn pattern(p: &str, regex: bool) -> Result<String, &'static str> {
    let p = p.to_ascii_lowercase();
    if p == "*" {
        return Ok(p);
    }
    let plain = |s: &str| !s.is_empty() && !s.contains('*');
    if regex {
        if let Some((local, domain)) = p.rsplit_once('@') {
            return match (local, domain) {
                ("*", "*") => Ok("*".into()),
                ("*", d) if plain(d) => Ok(format!("*@{d}")),
                ("*", d) if d.strip_prefix("*.").is_some_and(plain) => Ok(d.to_owned()),
                (l, d) if plain(l) && plain(d) => Ok(p.clone()),
                _ => Err("a wildcard pattern ours cannot express (ours: user@domain, *@domain, *.domain, *)"),
            };
        }
        if p.strip_prefix("*.").is_some_and(plain) {
            return Ok(p);
        }
        return Err("a pattern without '@' that OpenDKIM matched against whole addresses, so never");
    }
    if p.contains('*') {
        return Err("OpenDKIM looked this up literally (the table is not refile:), so it never matched");
    }
    if let Some((local, domain)) = p.rsplit_once('@') {
        if local.is_empty() || domain.is_empty() || domain.starts_with('.') {
            return Err("an address pattern ours cannot express (ours: user@domain, domain, *.domain, *)");
        }
        return Ok(p);
    }
    if let Some(d) = p.strip_prefix('.') {
        return if plain(d) { Ok(format!("*.{d}")) } else { Err("an empty domain") };
    }
    Ok(p)
}

/// The order in which OpenDKIM looks up a plain (not refile:) signing
/// table: address, domain, parent domains from the nearest, `*`.
fn lookup_rank(from: &str) -> (u8, usize) {
    if from == "*" {
        (3, 0)
    } else if let Some(d) = from.strip_prefix("*.") {
        (2, usize::MAX - d.split('.').count())
    } else if from.contains('@') {
        (0, 0)
    } else {
        (1, 0)
    }
}

fn convert_named(source: &str, conf: &str, read: Reader<'_>) -> Result<Conversion, String> {
    let mut settings = Vec::new();
    parse_conf(source, conf, read, 0, &mut settings)?;
    let mut c = Converter { read, settings, notes: Vec::new(), base: None };
    let mut out = String::new();

    if let Some(s) = c.take("BaseDirectory") {
        c.base = Some(PathBuf::from(&s.value));
    }

    // listen
    let listen = match c.take("Socket") {
        Some(s) => match socket(&s.value) {
            Ok(l) => l,
            Err(e) if s.value.starts_with("inet") => {
                c.note(&s, format!("{e}: wrote inet:127.0.0.1 with the port; put the address you want in listen"));
                let port = s.value.split_once(':').map(|(_, r)| r.split('@').next().unwrap_or_default());
                match port.and_then(|p| p.parse::<u16>().ok()) {
                    Some(p) => format!("inet:127.0.0.1:{p}"),
                    None => return Err(format!("{}: Socket {:?}: {e}", s.loc, s.value)),
                }
            }
            Err(e) => return Err(format!("{}: Socket {:?}: {e}", s.loc, s.value)),
        },
        None => {
            c.notes.push(format!(
                "{source}: no Socket: wrote listen = \"inet:127.0.0.1:8891\" (the port OpenDKIM setups use); \
                 match it to your MTA's milter setting"
            ));
            "inet:127.0.0.1:8891".into()
        }
    };

    // mode
    let mode_setting = c.take("Mode");
    let (mut signs, verifies) = match &mode_setting {
        None => (true, true),
        Some(s) => {
            let v = s.value.to_ascii_lowercase();
            if v.is_empty() || !v.chars().all(|ch| ch == 's' || ch == 'v') {
                return Err(format!("{}: Mode {:?}: expected s, v or sv", s.loc, s.value));
            }
            (v.contains('s'), v.contains('v'))
        }
    };

    // authserv_id
    let authserv = match c.take("AuthservID") {
        Some(s) if s.value.contains(|ch: char| ch.is_whitespace() || ch.is_control() || ch == ';') => {
            return Err(format!("{}: AuthservID {:?}: expected a host name (no spaces, no ';')", s.loc, s.value));
        }
        Some(s) if s.value != "HOSTNAME" && !s.value.is_empty() => s.value.clone(),
        other => {
            let host = read(Path::new("/etc/hostname"))
                .ok()
                .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned))
                .filter(|h| !h.contains(|ch: char| ch.is_whitespace() || ch == ';'));
            match (host, other) {
                (Some(h), _) => h,
                (None, Some(s)) => {
                    c.note(&s, "could not read the host name from /etc/hostname: wrote \"localhost\"; change it");
                    "localhost".into()
                }
                (None, None) => {
                    c.notes.push(format!(
                        "{source}: no AuthservID and no /etc/hostname: wrote authserv_id = \"localhost\"; \
                         change it to the MTA's host name"
                    ));
                    "localhost".into()
                }
            }
        }
    };

    let require_safe_keys = c.take("RequireSafeKeys").map(|s| Converter::boolean(&s)).transpose()?;
    let multiple = c.take("MultipleSignatures");
    let multiple_on = multiple.as_ref().map(Converter::boolean).transpose()?.unwrap_or(false);
    let subdomains = c.take("SubDomains");

    // keys and signing rules
    let mut keys: Vec<Key> = Vec::new();
    let mut rules: Vec<Rule> = Vec::new();
    let key_table = c.take("KeyTable");
    let signing_table = c.take("SigningTable");
    let (domain, selector, key_file) = (c.take("Domain"), c.take("Selector"), c.take("KeyFile"));
    if let Some(kt) = &key_table {
        for s in [&domain, &selector, &key_file, &subdomains].into_iter().flatten() {
            c.note(s, "not needed: OpenDKIM ignores it when a KeyTable is set");
        }
        let (entries, _) = c.entries(kt)?;
        for e in entries {
            let mut fields = e.value.splitn(3, ':');
            let (Some(d), Some(sel), Some(file)) = (fields.next(), fields.next(), fields.next()) else {
                let hint =
                    if e.loc == kt.loc { " (a value not starting with '/' is a list: write file:PATH)" } else { "" };
                return Err(format!("{}: {}: expected KEYNAME DOMAIN:SELECTOR:KEYFILE{hint}", e.loc, e.what()));
            };
            let (d, sel, file) = (d.trim(), sel.trim(), file.trim());
            if d.is_empty() || sel.is_empty() || file.is_empty() {
                return Err(format!("{}: {}: expected KEYNAME DOMAIN:SELECTOR:KEYFILE", e.loc, e.what()));
            }
            if d.contains('%') || sel.contains('%') || file.contains('%') {
                c.note_entry(&e, "'%' (the From domain) has no equivalent: write one key per domain");
                continue;
            }
            if !file.contains('/') {
                c.note_entry(&e, "the key is inline in the table: write it to a PEM file and give its path");
                continue;
            }
            if keys.iter().any(|k| k.name == e.key) {
                c.note_entry(&e, "a second key of this name: the first one is kept");
                continue;
            }
            keys.push(Key {
                name: e.key.clone(),
                domain: d.to_owned(),
                selector: sel.to_owned(),
                file: c.path(file),
                identity: None,
            });
        }
        match &signing_table {
            Some(st) => signing_rules(&mut c, st, &mut keys, &mut rules, multiple_on)?,
            None => c.note(kt, "a KeyTable without SigningTable: the keys are carried over, but no mail is signed"),
        }
    } else if let Some(st) = &signing_table {
        return Err(format!("{}: SigningTable without KeyTable: OpenDKIM needs both", st.loc));
    } else if let Some(kf) = &key_file {
        let Some(sel) = &selector else {
            return Err(format!("{}: KeyFile without Selector", kf.loc));
        };
        for s in [kf, sel] {
            if s.value.is_empty() {
                return Err(format!("{}: {} without a value", s.loc, s.name));
            }
        }
        let sub = subdomains.as_ref().map(Converter::boolean).transpose()?.unwrap_or(false);
        match &domain {
            None => c.note(kf, "no Domain: OpenDKIM signed nothing with it; carried over as no key"),
            Some(ds) => {
                let (mut entries, _) = c.entries(ds)?;
                let mut seen = std::collections::BTreeSet::new();
                entries.retain(|e| seen.insert(e.key.to_ascii_lowercase()));
                let plain: Vec<Entry> = entries
                    .into_iter()
                    .filter(|e| {
                        let ok = !e.key.contains('*') && !e.key.contains('@') && !e.key.is_empty();
                        if !ok {
                            c.notes.push(format!(
                                "{}: Domain {}: a pattern: ours signs with a fixed domain; list the domains",
                                e.loc, e.key
                            ));
                        }
                        ok
                    })
                    .collect();
                for e in &plain {
                    let name = if plain.len() == 1 { "default".to_owned() } else { e.key.to_ascii_lowercase() };
                    keys.push(Key {
                        name: name.clone(),
                        domain: e.key.to_ascii_lowercase(),
                        selector: sel.value.clone(),
                        file: c.path(&kf.value),
                        identity: None,
                    });
                    rules.push(Rule { from: e.key.to_ascii_lowercase(), keys: vec![name.clone()], loc: e.loc.clone() });
                    if sub {
                        rules.push(Rule {
                            from: format!("*.{}", e.key.to_ascii_lowercase()),
                            keys: vec![name],
                            loc: e.loc.clone(),
                        });
                    }
                }
            }
        }
        if let Some(m) = &multiple {
            c.note(m, "not needed: one key per domain");
        }
    } else {
        for s in [&domain, &selector, &subdomains, &multiple].into_iter().flatten() {
            c.note(s, "not needed: there is no KeyFile or KeyTable to sign with");
        }
    }
    if signs && rules.is_empty() {
        let why = "nothing to sign with (no usable key and signing rule)";
        match &mode_setting {
            Some(s) => c.note(s, format!("{why}: wrote mode = \"verify\"")),
            None => c.notes.push(format!("{source}: {why}: wrote mode = \"verify\" (OpenDKIM's default is sv)")),
        }
        signs = false;
    }
    let mode = match (signs, verifies) {
        (true, true) => "sign-verify",
        (true, false) => "sign",
        _ => "verify",
    };

    let _ = writeln!(out, "listen = {}", q(&listen));
    let _ = writeln!(out, "mode = {}", q(mode));
    let _ = writeln!(out, "authserv_id = {}", q(&authserv));
    if let Some(b) = require_safe_keys {
        let _ = writeln!(out, "require_safe_keys = {b}");
    }
    for k in &keys {
        let _ = writeln!(out, "\n[keys.{}]", key(&k.name));
        let _ = writeln!(out, "domain = {}", q(&k.domain));
        let _ = writeln!(out, "selector = {}", q(&k.selector));
        let _ = writeln!(out, "file = {}", q(&k.file.to_string_lossy()));
        if let Some(i) = &k.identity {
            let _ = writeln!(out, "identity = {}", q(i));
        }
    }
    for r in &rules {
        let keys: Vec<String> = r.keys.clone();
        let _ = writeln!(out, "\n[[signing]]\nfrom = {}\nkeys = {}", q(&r.from), array(&keys));
    }

    // [sign]
    let mut sign = String::new();
    if let Some(s) = c.take("InternalHosts") {
        let (entries, regex) = c.entries(&s)?;
        let mut hosts: Vec<String> = Vec::new();
        for e in entries {
            let entry = e.key.as_str();
            if entry.starts_with('!') {
                c.note_entry(&e, "a negation: ours has no exceptions inside internal_hosts; split the block");
            } else if entry.eq_ignore_ascii_case("localhost") {
                for h in ["127.0.0.1", "::1"] {
                    if !hosts.iter().any(|x| x == h) {
                        hosts.push(h.into());
                    }
                }
            } else if let Some(n) = network(entry).filter(|_| !regex || !entry.contains('*')) {
                if !hosts.contains(&n) {
                    hosts.push(n);
                }
            } else {
                c.note_entry(
                    &e,
                    "a host name or pattern: ours takes addresses and CIDR blocks only; add its addresses",
                );
            }
        }
        let _ = writeln!(sign, "internal_hosts = {}", array(&hosts));
    }
    let canon = match c.take("Canonicalization") {
        Some(s) => Canonicalization::parse(&s.value.to_ascii_lowercase())
            .ok_or_else(|| {
                format!("{}: Canonicalization {:?}: expected simple or relaxed, or HEADER/BODY", s.loc, s.value)
            })?
            .to_string(),
        None => "simple/simple".into(),
    };
    let _ = writeln!(sign, "canonicalization = {}", q(&canon));
    if let Some(s) = c.take("SignHeaders") {
        let list = c.list(&s)?;
        if list.iter().any(|h| h.contains('*')) {
            c.note(&s, "a wildcard: ours signs a list of fields; the library's set is used");
        } else {
            let _ = writeln!(sign, "headers = {}", array(&list));
        }
    }
    if let Some(s) = c.take("OversignHeaders") {
        let list = c.list(&s)?;
        let _ = writeln!(sign, "oversign = {}", array(&list));
    }
    if let Some(s) = c.take("SignatureTTL") {
        match Converter::number(&s)? {
            0 => c.note(&s, "not needed: 0 means no expiry, ours' default"),
            n => {
                let _ = writeln!(sign, "expire_after = {n}");
            }
        }
    }
    let _ = write!(out, "\n[sign]\n{sign}");

    // [verify]
    let mut verify = String::new();
    if let Some(s) = c.take("Nameservers") {
        let mut list = Vec::new();
        for server in c.list(&s)? {
            if dkim_dns::DnsClient::parse_server(&server).is_ok() {
                list.push(server);
            } else {
                let why = format!("{server}: not an address; ours takes DNS servers by address only");
                c.note(&s, why);
            }
        }
        let _ = writeln!(verify, "dns = {}", array(&list));
    }
    if let Some(s) = c.take("DNSTimeout") {
        match Converter::number(&s)? {
            0 => c.note(&s, "0 (no timeout) has no equivalent: ours' default of 5 seconds per lookup is kept"),
            n => {
                let _ = writeln!(verify, "lookup_timeout = {n}");
                if n > 10 {
                    let _ = writeln!(verify, "overall_timeout = {n}");
                }
            }
        }
    }
    if let Some(s) = c.take("MaximumSignaturesToVerify") {
        match Converter::number(&s)? {
            0 => c.note(&s, "0 has no equivalent: ours' default of 8 is kept"),
            n => {
                let _ = writeln!(verify, "max_signatures = {n}");
            }
        }
    }
    if let Some(s) = c.take("MinimumKeyBits") {
        let n = Converter::number(&s)?;
        let n = u32::try_from(n).map_err(|_| format!("{}: MinimumKeyBits {n}: too large", s.loc))?;
        let _ = writeln!(verify, "min_rsa_bits = {n}");
    }
    if !verify.is_empty() {
        let _ = write!(out, "\n[verify]\n{verify}");
    }

    let on_error = on_error(&mut c)?;
    if !on_error.is_empty() {
        let _ = write!(out, "\n[on_error]\n{on_error}");
    }

    // Everything else.
    let rest = std::mem::take(&mut c.settings);
    for s in rest {
        let why = NOT_NEEDED
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&s.name))
            .map_or("not an OpenDKIM setting dkim-milter knows: ignored", |(_, why)| why);
        c.note(&s, why);
    }

    Config::from_toml(&out).map_err(|e| format!("{source}: the converted configuration is refused: {e}"))?;
    Ok(Conversion { toml: out, unconverted: c.notes })
}

fn signing_rules(
    c: &mut Converter<'_>,
    st: &Setting,
    keys: &mut Vec<Key>,
    rules: &mut Vec<Rule>,
    multiple_on: bool,
) -> Result<(), String> {
    let (entries, regex) = c.entries(st)?;
    for e in entries {
        let from = match pattern(&e.key, regex) {
            Ok(f) => f,
            Err(why) => {
                c.note_entry(&e, why);
                continue;
            }
        };
        let mut names = Vec::new();
        for token in e.value.split(|ch: char| ch == ',' || ch.is_whitespace()).filter(|t| !t.is_empty()) {
            if token.contains('@') {
                // The signer, i=: ours keeps it on the key, so each
                // (key, signer) pair becomes a key of its own.
                if token.contains('%') {
                    c.note_entry(&e, "a signer with '%' has no equivalent: set identity on the key");
                    continue;
                }
                for n in &mut names {
                    let Some(k) = keys.iter().find(|k| &k.name == n) else { continue };
                    let derived = format!("{}/{token}", k.name);
                    if !keys.iter().any(|k| k.name == derived) {
                        let mut k = k.clone();
                        k.name.clone_from(&derived);
                        k.identity = Some(token.to_owned());
                        keys.push(k);
                    }
                    *n = derived;
                }
            } else if token == "%" {
                c.note_entry(&e, "'%' as the key name has no equivalent: name the keys");
            } else if keys.iter().any(|k| k.name == token) {
                names.push(token.to_owned());
            } else {
                c.note_entry(&e, format!("key {token} is not in the KeyTable (or was not carried over)"));
            }
        }
        if names.is_empty() {
            continue;
        }
        match rules.iter_mut().find(|r| r.from == from) {
            Some(r) => {
                for n in names {
                    if !r.keys.contains(&n) {
                        r.keys.push(n);
                    }
                }
            }
            None => rules.push(Rule { from, keys: names, loc: e.loc.clone() }),
        }
    }
    if !regex {
        rules.sort_by_key(|r| lookup_rank(&r.from));
    }
    if !multiple_on {
        let several: Vec<(String, String, Vec<String>)> = rules
            .iter()
            .filter(|r| r.keys.len() > 1)
            .map(|r| (r.loc.clone(), r.from.clone(), r.keys.clone()))
            .collect();
        for (loc, from, ks) in several {
            c.notes.push(format!(
                "{loc}: {from}: OpenDKIM signed with the first key only (MultipleSignatures is off); \
                 ours signs with all of them: {}",
                ks.join(", ")
            ));
        }
    } else if rules.len() > 1 {
        let why = "ours signs with the keys of the first matching rule only, OpenDKIM with every matching \
                   line: add a later rule's keys to an earlier one if a sender matched both";
        c.notes.push(format!("{}: MultipleSignatures yes: {why}", st.loc));
    }
    Ok(())
}

fn on_error(c: &mut Converter<'_>) -> Result<String, String> {
    let mut parse = |name: &str| -> Result<Option<(Setting, OAction)>, String> {
        let Some(s) = c.take(name) else { return Ok(None) };
        let a = OAction::parse(&s.value).ok_or_else(|| {
            format!("{}: {} {:?}: expected accept, discard, quarantine, reject or tempfail", s.loc, s.name, s.value)
        })?;
        Ok(Some((s, a)))
    };
    let default = parse("On-Default")?;
    let dns = parse("On-DNSError")?;
    let internal = parse("On-InternalError")?;
    let key_not_found = parse("On-KeyNotFound")?;
    let sig_error = parse("On-SignatureError")?;
    let verdicts: Vec<(Setting, OAction)> = ["On-BadSignature", "On-NoSignature", "On-Security", "On-PolicyError"]
        .iter()
        .filter_map(|n| parse(n).transpose())
        .collect::<Result<_, _>>()?;

    let mut out = String::new();
    let verdict_why = "ours never acts on a verdict: it accepts the message and writes Authentication-Results \
                       (let DMARC or a delivery rule act on it)";
    for (s, a) in &verdicts {
        if *a == OAction::Accept {
            c.note(s, "not needed: ours accepts too, with the verdict in Authentication-Results");
        } else {
            c.note(s, verdict_why);
        }
    }
    // One of ours from the specific setting, else On-Default.
    let mut field = |c: &mut Converter<'_>, ours: &str, ours_default: &str, specific: Option<&(Setting, OAction)>| {
        let (s, a) = match (specific, &default) {
            (Some(x), _) => (x.0.clone(), x.1),
            (None, Some(d)) => (d.0.clone(), d.1),
            (None, None) => return,
        };
        match a {
            OAction::Accept => {
                let _ = writeln!(out, "{ours} = \"accept\"");
            }
            OAction::Tempfail => {
                let _ = writeln!(out, "{ours} = \"tempfail\"");
            }
            OAction::Quarantine => {
                let _ = writeln!(out, "{ours} = \"accept\"");
                c.note(&s, format!("ours never quarantines: on_error.{ours} = \"accept\" lets the message through"));
            }
            OAction::Reject | OAction::Discard => {
                c.note(&s, format!("ours never rejects or discards: on_error.{ours} stays \"{ours_default}\""));
            }
        }
    };
    field(c, "internal", "tempfail", internal.as_ref().or(sig_error.as_ref()));
    field(c, "dns", "tempfail", dns.as_ref());
    field(c, "bad_key", "accept", key_not_found.as_ref());
    if let (Some(i), Some(s)) = (&internal, &sig_error)
        && i.1 != s.1
    {
        c.note(&s.0, format!("ours has one setting for internal errors and signing failures: {} wins", i.0.name));
    }
    if let Some((s, a)) = &default
        && *a != OAction::Accept
    {
        c.note(s, format!("for bad and missing signatures and security concerns: {verdict_why}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &Path) -> io::Result<String> {
        Err(io::ErrorKind::NotFound.into())
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(q("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
        assert_eq!(key("rsa-2026_x"), "rsa-2026_x");
        assert_eq!(key("mail._domainkey.example.com"), "\"mail._domainkey.example.com\"");
    }

    #[test]
    fn sockets() {
        assert_eq!(socket("inet:8891@localhost").unwrap(), "inet:127.0.0.1:8891");
        assert_eq!(socket("inet:8891@127.0.0.1").unwrap(), "inet:127.0.0.1:8891");
        assert_eq!(socket("inet:8891").unwrap(), "inet:0.0.0.0:8891");
        assert_eq!(socket("inet6:8891@[::1]").unwrap(), "inet:[::1]:8891");
        assert_eq!(socket("inet6:8891").unwrap(), "inet:[::]:8891");
        assert_eq!(socket("local:/run/opendkim/opendkim.sock").unwrap(), "unix:/run/opendkim/opendkim.sock");
        assert_eq!(socket("/run/o.sock").unwrap(), "unix:/run/o.sock");
        assert!(socket("inet:8891@mail.example.com").unwrap_err().contains("host name"));
        assert!(socket("inet:http@localhost").is_err());
        assert!(socket("o.sock").is_err());
    }

    #[test]
    fn networks() {
        assert_eq!(network("10.0.0.0/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(network("192.168.0.0/255.255.0.0").as_deref(), Some("192.168.0.0/16"));
        assert_eq!(network("[2001:db8::]/32").as_deref(), Some("2001:db8::/32"));
        assert_eq!(network("192.168.0.0/255.0.255.0"), None);
        assert_eq!(network("mail.example.com"), None);
    }

    #[test]
    fn patterns() {
        assert_eq!(pattern("*@Example.com", true).unwrap(), "*@example.com");
        assert_eq!(pattern("*@*.example.com", true).unwrap(), "*.example.com");
        assert_eq!(pattern("*.example.com", true).unwrap(), "*.example.com");
        assert_eq!(pattern("joe@example.com", true).unwrap(), "joe@example.com");
        assert_eq!(pattern("*", true).unwrap(), "*");
        assert!(pattern("joe*@example.com", true).is_err());
        assert!(pattern("example.com", true).is_err());
        assert_eq!(pattern("example.com", false).unwrap(), "example.com");
        assert_eq!(pattern(".example.com", false).unwrap(), "*.example.com");
        assert_eq!(pattern("joe@example.com", false).unwrap(), "joe@example.com");
        assert!(pattern("*@example.com", false).is_err());
        assert!(pattern("joe@.example.com", false).is_err());
    }

    #[test]
    fn plain_signing_table_is_ordered_as_opendkim_looks_up() {
        let read = |p: &Path| match p.to_str() {
            Some("/kt") => Ok("a example.com:s:/k/a\nb example.com:s:/k/b\n".into()),
            Some("/st") => Ok("* a\n.example.com a\n.sub.example.com b\nexample.com a\njoe@example.com b\n".into()),
            _ => none(p),
        };
        let out = convert("AuthservID mx\nSocket inet:1@127.0.0.1\nKeyTable /kt\nSigningTable /st\n", &read).unwrap();
        let config = Config::from_toml(&out.toml).unwrap();
        let froms: Vec<&str> = config.signing.iter().map(|r| r.from.as_str()).collect();
        assert_eq!(froms, ["joe@example.com", "example.com", "*.sub.example.com", "*.example.com", "*"]);
    }

    #[test]
    fn bad_values_name_the_line() {
        let cases = [
            ("Mode x\n", "opendkim.conf:1: Mode"),
            ("\nRequireSafeKeys maybe\n", "opendkim.conf:2: RequireSafeKeys"),
            ("DNSTimeout soon\n", "opendkim.conf:1: DNSTimeout"),
            ("On-DNSError bounce\n", "opendkim.conf:1: On-DNSError"),
            ("Canonicalization loose\n", "opendkim.conf:1: Canonicalization"),
            ("KeyTable db:/etc/kt.db\nSigningTable /st\n", "opendkim.conf:1: KeyTable db:/etc/kt.db: db:"),
            ("SigningTable /st\n", "SigningTable without KeyTable"),
            ("KeyFile /k\nDomain example.com\n", "KeyFile without Selector"),
            ("Include /missing.conf\n", "opendkim.conf:1: Include /missing.conf"),
            ("Socket relative.sock\n", "opendkim.conf:1: Socket"),
        ];
        for (conf, want) in cases {
            let err = convert(conf, &none).unwrap_err();
            assert!(err.contains(want), "{conf:?}: {err}");
        }
    }

    #[test]
    fn duplicates_and_unknown_settings_are_reported() {
        let out = convert("Mode v\nMode sv\nAuthservID mx\nFrobnicate yes\n", &none).unwrap();
        assert!(out.toml.contains("mode = \"verify\""), "sv without keys is verify: {}", out.toml);
        let all = out.unconverted.join("\n");
        assert!(all.contains("opendkim.conf:1: Mode v: overridden by the later Mode at opendkim.conf:2"), "{all}");
        assert!(all.contains("opendkim.conf:2: Mode sv: nothing to sign with"), "{all}");
        assert!(all.contains("opendkim.conf:4: Frobnicate yes: not an OpenDKIM setting"), "{all}");
        assert!(all.contains("no Socket"), "{all}");
    }

    #[test]
    fn odd_values_never_panic() {
        let handled = [
            "BaseDirectory",
            "Socket",
            "Mode",
            "AuthservID",
            "RequireSafeKeys",
            "MultipleSignatures",
            "SubDomains",
            "KeyTable",
            "SigningTable",
            "Domain",
            "Selector",
            "KeyFile",
            "InternalHosts",
            "Canonicalization",
            "SignHeaders",
            "OversignHeaders",
            "SignatureTTL",
            "Nameservers",
            "DNSTimeout",
            "MaximumSignaturesToVerify",
            "MinimumKeyBits",
            "On-Default",
            "On-DNSError",
            "On-InternalError",
            "On-KeyNotFound",
            "On-SignatureError",
            "On-BadSignature",
            "On-NoSignature",
            "On-Security",
            "Include",
        ];
        let values = [
            "",
            "%",
            "yes",
            "0",
            "-1",
            "99999999999999999999",
            "inet:",
            "inet:@",
            "inet6:[",
            "local:",
            "refile:",
            "file:",
            "csl:",
            ",,,",
            "a:b:c",
            "/t",
            "refile:/t",
            "*",
            "s",
            "v",
            "r",
            "\u{0}\"",
        ];
        let table = |_: &Path| Ok("x\n%\n* a,b\n!x\n@ @\nk d:s:/f\nk %:s:/f\n*@* k x@y\n.x k\n10.0.0.0/99\n".into());
        let names = handled.iter().copied().chain(NOT_NEEDED.iter().map(|(n, _)| *n)).chain(["Bogus"]);
        for name in names {
            for value in values {
                for prefix in ["", "KeyTable /t\nSigningTable /t\n", "KeyFile /k\nSelector s\nDomain /t\n"] {
                    let conf = format!("{prefix}{name} {value}\n");
                    let result = convert(&conf, &table);
                    if let Err(e) = &result {
                        assert!(!e.contains("refused"), "{conf:?}: {e}");
                    }
                    if let Ok(out) = result {
                        Config::from_toml(&out.toml).unwrap_or_else(|e| panic!("{conf:?}: {e}\n{}", out.toml));
                    }
                }
            }
        }
    }

    #[test]
    fn include_is_followed() {
        let read = |p: &Path| match p.to_str() {
            Some("/etc/opendkim/more.conf") => Ok("Socket local:/run/o.sock\n".into()),
            _ => none(p),
        };
        let out = convert("AuthservID mx\nInclude /etc/opendkim/more.conf\nMode v\n", &read).unwrap();
        assert!(out.toml.contains("listen = \"unix:/run/o.sock\""));
        assert!(out.unconverted.is_empty(), "{:?}", out.unconverted);
    }
}
