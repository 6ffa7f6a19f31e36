//! The configuration file: one TOML document, read with serde. Every key
//! is documented in `dkim-milter/README.md` and on the fields below;
//! [`Config::from_toml`] checks the whole file and names the first problem
//! with its place.
//!
//! ```
//! use dkim_milter::config::{Config, Mode};
//! let config = Config::from_toml(r#"
//!     listen = "inet:127.0.0.1:8891"
//!     mode = "sign-verify"
//!     authserv_id = "mx.example.com"
//!
//!     [keys.rsa]
//!     domain = "example.com"
//!     selector = "rsa2026"
//!     file = "/etc/dkim-milter/rsa2026.pem"
//!
//!     [[signing]]
//!     from = "example.com"
//!     keys = ["rsa"]
//! "#)?;
//! assert_eq!(config.mode, Mode::SignVerify);
//! assert_eq!(config.signing[0].keys, ["rsa"]);
//! # Ok::<(), dkim_milter::config::ConfigError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use dkim_core::Canonicalization;
use serde::Deserialize;

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the milter listens: `inet:HOST:PORT`, `unix:PATH` or a path.
    pub listen: Listen,
    /// What it does with each message.
    #[serde(default)]
    pub mode: Mode,
    /// The authserv-id of the `Authentication-Results` fields it writes
    /// (RFC 8601 section 2.5), usually the host name of the MTA. Incoming
    /// fields that claim it are removed.
    pub authserv_id: String,
    /// The most SMTP connections handled at once; more wait to be
    /// accepted. Default 256.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Refuse key files that users other than the owner may read or
    /// write (OpenDKIM's `RequireSafeKeys`). Default true.
    #[serde(default = "yes")]
    pub require_safe_keys: bool,
    /// The signing keys by name.
    #[serde(default)]
    pub keys: BTreeMap<String, KeySpec>,
    /// Which mail is signed with which keys, first match wins.
    #[serde(default)]
    pub signing: Vec<SigningRule>,
    /// Which senders' mail is signed, and how.
    #[serde(default)]
    pub sign: SignConfig,
    /// How mail is verified.
    #[serde(default)]
    pub verify: VerifyConfig,
    /// What happens to a message when something goes wrong.
    #[serde(default)]
    pub on_error: OnError,
    /// ARC (RFC 8617): validate chains, seal.
    #[serde(default)]
    pub arc: ArcConfig,
}

/// `[arc]`: ARC chain validation and sealing.
///
/// ```
/// use dkim_milter::Config;
/// let c = Config::from_toml(
///     "listen = \"inet:127.0.0.1:8891\"\nauthserv_id = \"mx.example\"\nmode = \"verify\"\n\
///      [keys.arc]\ndomain = \"lists.example\"\nselector = \"arc\"\nfile = \"/etc/dkim/arc.pem\"\n\
///      [arc]\nseal = true\nkey = \"arc\"\n",
/// )?;
/// assert!(c.arc.verify && c.arc.seal);
/// # Ok::<(), dkim_milter::config::ConfigError>(())
/// ```
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ArcConfig {
    /// Validate the ARC chain of verified mail and add `arc=` to the
    /// `Authentication-Results` field (default true).
    #[serde(default = "yes")]
    pub verify: bool,
    /// Add an ARC set to verified mail after verifying it (for mailing
    /// lists and forwarders; default false). Needs `key`.
    #[serde(default)]
    pub seal: bool,
    /// The key-table entry that seals (its domain and selector are the
    /// seal's `d=` and `s=`; a key file, not an external signer).
    #[serde(default)]
    pub key: Option<String>,
}

impl Default for ArcConfig {
    fn default() -> Self {
        Self { verify: true, seal: false, key: None }
    }
}

fn default_max_connections() -> usize {
    256
}

fn yes() -> bool {
    true
}

/// A listening socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    /// A TCP socket (`inet:127.0.0.1:8891`).
    Inet(SocketAddr),
    /// A Unix socket (`unix:/run/dkim-milter/milter.sock`, or the path
    /// alone).
    Unix(PathBuf),
}

impl Listen {
    /// Reads the Postfix spelling of a milter socket.
    ///
    /// ```
    /// use dkim_milter::config::Listen;
    /// assert_eq!(Listen::parse("inet:127.0.0.1:8891"), Ok(Listen::Inet("127.0.0.1:8891".parse().unwrap())));
    /// assert_eq!(Listen::parse("unix:/run/m.sock"), Ok(Listen::Unix("/run/m.sock".into())));
    /// assert!(Listen::parse("inet:localhost").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// What is wrong with `s`.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(addr) = s.strip_prefix("inet:").or_else(|| s.strip_prefix("inet6:")) {
            // Postfix and OpenDKIM also write inet:PORT@HOST.
            let addr = match addr.split_once('@') {
                Some((port, "localhost")) => format!("127.0.0.1:{port}"),
                Some((port, host)) => format!("{}:{port}", bracket(host)),
                None if addr.parse::<u16>().is_ok() => {
                    return Err(format!(
                        "{s:?}: no address; write inet:127.0.0.1:{addr} (this machine) or inet:0.0.0.0:{addr} (every interface)"
                    ));
                }
                None => addr.to_owned(),
            };
            return addr
                .parse()
                .map(Listen::Inet)
                .map_err(|_| format!("{s:?}: expected inet:ADDRESS:PORT with a numeric address"));
        }
        let path = s.strip_prefix("unix:").or_else(|| s.strip_prefix("local:")).unwrap_or(s);
        if path.starts_with('/') {
            Ok(Listen::Unix(PathBuf::from(path)))
        } else {
            Err(format!("{s:?}: expected inet:ADDRESS:PORT, unix:/PATH or an absolute path"))
        }
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() }
}

impl fmt::Display for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listen::Inet(a) => write!(f, "inet:{a}"),
            Listen::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

impl<'de> Deserialize<'de> for Listen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Listen::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// What the milter does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Sign mail from internal or authenticated senders; verify nothing.
    Sign,
    /// Verify every message; sign nothing.
    Verify,
    /// Sign mail from internal or authenticated senders, verify the rest
    /// (OpenDKIM's `Mode sv`). The default.
    #[default]
    SignVerify,
}

impl Mode {
    /// Whether this mode signs.
    #[must_use]
    pub fn signs(self) -> bool {
        matches!(self, Mode::Sign | Mode::SignVerify)
    }

    /// Whether this mode verifies.
    #[must_use]
    pub fn verifies(self) -> bool {
        matches!(self, Mode::Verify | Mode::SignVerify)
    }
}

/// One signing key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`); the public key is at
    /// `selector._domainkey.domain`.
    pub selector: String,
    /// The private key, a PEM file (PKCS#8, or PKCS#1 for RSA). Exactly
    /// one of `file` and `command`.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// An external signer (a key in an HSM or a KMS): the program and its
    /// arguments. It is started once per signature with the algorithm in
    /// `DKIM_ALGORITHM` (`rsa-sha256` or `ed25519-sha256`) and the SHA-256
    /// digest to sign, base64, on standard input; it prints the signature,
    /// base64, and exits 0.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// The algorithm of an external signer's key: `rsa-sha256` (default)
    /// or `ed25519-sha256`.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// The agent or user identifier (`i=`), if any.
    #[serde(default)]
    pub identity: Option<String>,
}

/// A line of the signing table: mail whose From address matches `from`
/// is signed with `keys` (all of them: an RSA and an Ed25519 key side by
/// side, or an old and a new key during a rotation).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningRule {
    /// `example.com` (that domain), `*.example.com` (its subdomains),
    /// `user@example.com` (one address), `*@example.com` (the domain, as
    /// OpenDKIM writes it) or `*` (every sender).
    pub from: String,
    /// Names from the key table.
    pub keys: Vec<String>,
}

impl SigningRule {
    /// Whether a From address (`local@domain`, compared without case)
    /// matches.
    ///
    /// ```
    /// use dkim_milter::config::SigningRule;
    /// let rule = |from: &str| SigningRule { from: from.into(), keys: vec![] };
    /// assert!(rule("example.com").matches("joe@Example.COM"));
    /// assert!(!rule("example.com").matches("joe@sub.example.com"));
    /// assert!(rule("*.example.com").matches("joe@sub.example.com"));
    /// assert!(rule("joe@example.com").matches("JOE@example.com"));
    /// assert!(!rule("joe@example.com").matches("ann@example.com"));
    /// assert!(rule("*@example.com").matches("ann@example.com"));
    /// assert!(rule("*").matches("ann@example.org"));
    /// ```
    #[must_use]
    pub fn matches(&self, address: &str) -> bool {
        let pattern = self.from.to_ascii_lowercase();
        let address = address.to_ascii_lowercase();
        let Some((_, domain)) = address.rsplit_once('@') else { return false };
        if pattern == "*" {
            return true;
        }
        if let Some(suffix) = pattern.strip_prefix("*.") {
            return domain.len() > suffix.len()
                && domain.ends_with(suffix)
                && domain[..domain.len() - suffix.len()].ends_with('.');
        }
        if let Some(d) = pattern.strip_prefix("*@") {
            return domain == d;
        }
        if pattern.contains('@') { address == pattern } else { domain == pattern }
    }
}

/// Which mail is signed, and how.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignConfig {
    /// Clients whose mail is signed (addresses or CIDR blocks). Default
    /// `127.0.0.0/8` and `::1`. Mail that Postfix makes itself
    /// (`non_smtpd_milters`, the `sendmail` command) reaches the milter as
    /// from `localhost [127.0.0.1]`.
    #[serde(default = "default_internal")]
    pub internal_hosts: Vec<String>,
    /// Also sign mail from clients that authenticated (SMTP AUTH; the
    /// `{auth_authen}` macro). Default true.
    #[serde(default = "yes")]
    pub authenticated: bool,
    /// Also sign mail whose `{daemon_name}` macro is one of these: with
    /// `milter_macro_daemon_name = ORIGINATING` on a Postfix service (its
    /// `-o` in master.cf), that service's mail is signed whatever the
    /// client address (OpenDKIM's `MacroList daemon_name|ORIGINATING`).
    /// Default none.
    #[serde(default)]
    pub daemon_names: Vec<String>,
    /// The header fields signed (default: the library's set). Fields
    /// absent from a message are left out of its `h=`.
    #[serde(default)]
    pub headers: Option<Vec<String>>,
    /// Fields signed once more than they occur, so that none can be added
    /// (default: the library's set, always with From; only fields the
    /// message has).
    #[serde(default)]
    pub oversign: Option<Vec<String>>,
    /// `header/body`: `relaxed/relaxed` (default), `relaxed/simple`,
    /// `simple/relaxed` or `simple/simple`.
    #[serde(default = "default_canonicalization", deserialize_with = "canonicalization")]
    pub canonicalization: Canonicalization,
    /// Seconds until the signature expires (`x=`), if it should.
    #[serde(default)]
    pub expire_after: Option<u64>,
}

impl Default for SignConfig {
    fn default() -> Self {
        Self {
            internal_hosts: default_internal(),
            authenticated: true,
            daemon_names: Vec::new(),
            headers: None,
            oversign: None,
            canonicalization: default_canonicalization(),
            expire_after: None,
        }
    }
}

fn default_internal() -> Vec<String> {
    vec!["127.0.0.0/8".into(), "::1".into()]
}

fn default_canonicalization() -> Canonicalization {
    Canonicalization::RELAXED
}

fn canonicalization<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Canonicalization, D::Error> {
    let s = String::deserialize(d)?;
    Canonicalization::parse(&s).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{s:?}: expected relaxed/relaxed, relaxed/simple, simple/relaxed or simple/simple"
        ))
    })
}

/// How mail is verified: where keys come from and the library's `Policy`
/// settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {
    /// DNS servers (`HOST:PORT` or `HOST`) for key lookups; default the
    /// system's (`/etc/resolv.conf`).
    #[serde(default)]
    pub dns: Vec<String>,
    /// Answer key lookups from this zone file instead of DNS (tests,
    /// offline use).
    #[serde(default)]
    pub zone: Option<PathBuf>,
    /// Seconds one key lookup may take (default 5) and all lookups of a
    /// message (default 10); a later answer is `temperror`.
    #[serde(default = "default_lookup_timeout")]
    pub lookup_timeout: u64,
    /// See `lookup_timeout`.
    #[serde(default = "default_overall_timeout")]
    pub overall_timeout: u64,
    /// The most signatures verified per message (default 8); more are
    /// `policy` without a lookup.
    #[serde(default = "default_max_signatures")]
    pub max_signatures: usize,
    /// The shortest RSA key that passes (default 1024, RFC 8301).
    #[serde(default = "default_min_rsa_bits")]
    pub min_rsa_bits: u32,
    /// Allow signatures whose `l=` leaves body content unsigned (default
    /// false: such a signature gets `policy`).
    #[serde(default)]
    pub allow_unsigned_body: bool,
    /// Check that single-instance fields (From, Subject, ...) do not occur
    /// more often than the signature covers (default true).
    #[serde(default = "yes")]
    pub single_instance_fields: bool,
    /// Allowed clock skew in seconds for `t=` and `x=` (default 300).
    #[serde(default = "default_clock_skew")]
    pub clock_skew: u64,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        Self {
            dns: Vec::new(),
            zone: None,
            lookup_timeout: default_lookup_timeout(),
            overall_timeout: default_overall_timeout(),
            max_signatures: default_max_signatures(),
            min_rsa_bits: default_min_rsa_bits(),
            allow_unsigned_body: false,
            single_instance_fields: true,
            clock_skew: default_clock_skew(),
        }
    }
}

fn default_lookup_timeout() -> u64 {
    5
}
fn default_overall_timeout() -> u64 {
    10
}
fn default_max_signatures() -> usize {
    8
}
fn default_min_rsa_bits() -> u32 {
    1024
}
fn default_clock_skew() -> u64 {
    300
}

/// What to do with a message on trouble, by class.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OnError {
    /// The milter could not do its job (a signing failure, a message it
    /// cannot read). Default `tempfail`.
    #[serde(default = "tempfail")]
    pub internal: Action,
    /// A key lookup failed temporarily (the verdict is `temperror`).
    /// Default `tempfail`, as OpenDKIM's `On-DNSError`.
    #[serde(default = "tempfail")]
    pub dns: Action,
    /// A signature's key record is missing (OpenDKIM's `On-KeyNotFound`)
    /// or unusable (malformed, revoked, too short: the verdict is
    /// `permerror` or `policy`). Default `accept`.
    #[serde(default = "accept")]
    pub bad_key: Action,
}

impl Default for OnError {
    fn default() -> Self {
        Self { internal: Action::Tempfail, dns: Action::Tempfail, bad_key: Action::Accept }
    }
}

fn tempfail() -> Action {
    Action::Tempfail
}
fn accept() -> Action {
    Action::Accept
}

/// An action on trouble.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Answer 4xx: the client keeps the message and tries again.
    Tempfail,
    /// Let the message through (with what results there are).
    Accept,
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// An internal network: an address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Reads `10.0.0.0/8`, `::1` or `192.0.2.7`.
    ///
    /// ```
    /// use dkim_milter::config::Network;
    /// let net = Network::parse("10.0.0.0/8")?;
    /// assert!(net.contains("10.1.2.3".parse().unwrap()));
    /// assert!(!net.contains("11.0.0.1".parse().unwrap()));
    /// assert!(Network::parse("::1")?.contains("::1".parse().unwrap()));
    /// assert!(Network::parse("10.0.0.0/33").is_err());
    /// # Ok::<(), String>(())
    /// ```
    ///
    /// # Errors
    ///
    /// What is wrong with `s`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| format!("{s:?} is not an address or CIDR block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                p.trim().parse::<u8>().ok().filter(|&p| p <= max).ok_or_else(|| format!("{s:?}: bad prefix length"))?
            }
        };
        Ok(Self { addr, prefix })
    }

    /// Whether `ip` is inside (an IPv4-mapped IPv6 address counts as IPv4).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.prefix),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let (full, rest) = (usize::from(prefix / 8), prefix % 8);
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[full] & mask == b[full] & mask
    }
}

impl Config {
    /// Reads and checks a configuration.
    ///
    /// # Errors
    ///
    /// A TOML or schema error (with line and column), or a rule broken: an
    /// empty authserv-id, a signing rule naming a key that is not in the
    /// key table, a bad internal network, `max_connections` of 0.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::new(e.to_string().trim_end().to_owned()))?;
        config.check()?;
        Ok(config)
    }

    /// Reads and checks the file at `path`.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or [`Config::from_toml`] refuses it; the
    /// message names the file.
    pub fn load(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text).map_err(|e| ConfigError::new(format!("{}: {e}", path.display())))
    }

    /// The internal networks, parsed.
    ///
    /// # Errors
    ///
    /// The first entry that is not an address or CIDR block.
    pub fn internal_networks(&self) -> Result<Vec<Network>, ConfigError> {
        self.sign
            .internal_hosts
            .iter()
            .map(|h| Network::parse(h).map_err(|e| ConfigError::new(format!("sign.internal_hosts: {e}"))))
            .collect()
    }

    fn check(&self) -> Result<(), ConfigError> {
        let id = self.authserv_id.trim();
        if id.is_empty() || id.contains(|c: char| c.is_whitespace() || c.is_control() || c == ';') {
            return Err(ConfigError::new(format!(
                "authserv_id {:?}: expected a host name (no spaces, no ';')",
                self.authserv_id
            )));
        }
        if self.max_connections == 0 {
            return Err(ConfigError::new("max_connections must be at least 1"));
        }
        for (name, key) in &self.keys {
            if key.domain.trim().is_empty() || key.selector.trim().is_empty() {
                return Err(ConfigError::new(format!("keys.{name}: domain and selector must not be empty")));
            }
            match (&key.file, &key.command) {
                (Some(f), None) if !f.as_os_str().is_empty() => {}
                (None, Some(c)) if !c.is_empty() => {}
                _ => return Err(ConfigError::new(format!("keys.{name}: give exactly one of file and command"))),
            }
            if let Some(a) = &key.algorithm
                && (!matches!(a.as_str(), "rsa-sha256" | "ed25519-sha256") || key.command.is_none())
            {
                return Err(ConfigError::new(format!(
                    "keys.{name}: algorithm {a:?}: rsa-sha256 or ed25519-sha256, and only with command"
                )));
            }
        }
        for (i, rule) in self.signing.iter().enumerate() {
            if rule.keys.is_empty() {
                return Err(ConfigError::new(format!("signing[{i}] ({}): no keys", rule.from)));
            }
            if let Some(twice) = rule.keys.iter().enumerate().find(|(j, k)| rule.keys[..*j].contains(k)).map(|(_, k)| k)
            {
                return Err(ConfigError::new(format!("signing[{i}] ({}): key {twice:?} listed twice", rule.from)));
            }
            if let Some(missing) = rule.keys.iter().find(|k| !self.keys.contains_key(*k)) {
                return Err(ConfigError::new(format!(
                    "signing[{i}] ({}): key {missing:?} is not in the key table",
                    rule.from
                )));
            }
        }
        if self.mode.signs() && self.signing.is_empty() {
            return Err(ConfigError::new(format!(
                "mode {:?} signs, but the signing table is empty ([[signing]] from = ..., keys = [...])",
                self.mode
            )));
        }
        for server in &self.verify.dns {
            dkim_dns::DnsClient::parse_server(server)
                .map_err(|e| ConfigError::new(format!("verify.dns: {server:?}: {e}")))?;
        }
        if self.verify.lookup_timeout == 0 || self.verify.overall_timeout < self.verify.lookup_timeout {
            return Err(ConfigError::new(
                "verify.lookup_timeout must be at least 1 second, and verify.overall_timeout at least as long",
            ));
        }
        self.internal_networks()?;
        if self.arc.seal {
            let name =
                self.arc.key.as_deref().ok_or_else(|| ConfigError::new("arc.seal needs arc.key, a key-table name"))?;
            let spec = self
                .keys
                .get(name)
                .ok_or_else(|| ConfigError::new(format!("arc.key {name:?} is not in the key table")))?;
            if spec.command.is_some() {
                return Err(ConfigError::new(format!(
                    "arc.key {name:?} is an external signer; sealing needs a key file"
                )));
            }
            if !self.mode.verifies() {
                return Err(ConfigError::new("arc.seal seals verified mail: mode must be verify or sign-verify"));
            }
        }
        Ok(())
    }

    /// The signing rule for a From address, if any.
    #[must_use]
    pub fn signing_rule(&self, from: &str) -> Option<&SigningRule> {
        self.signing.iter().find(|r| r.matches(from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "listen = \"inet:127.0.0.1:8891\"\nauthserv_id = \"mx.example.com\"\nmode = \"verify\"\n";

    #[test]
    fn defaults_are_the_safe_ones() {
        let c = Config::from_toml(BASE).unwrap();
        assert_eq!(c.on_error, OnError { internal: Action::Tempfail, dns: Action::Tempfail, bad_key: Action::Accept });
        assert!(c.require_safe_keys);
        assert!(c.verify.single_instance_fields && !c.verify.allow_unsigned_body);
        assert_eq!((c.verify.min_rsa_bits, c.max_connections), (1024, 256));
        assert_eq!(c.sign.canonicalization, Canonicalization::RELAXED);
        assert_eq!(c.arc, ArcConfig { verify: true, seal: false, key: None });
    }

    #[test]
    fn errors_name_the_problem() {
        let cases = [
            ("listen = \"inet:host\"\nauthserv_id = \"x\"\nmode=\"verify\"", "inet:ADDRESS:PORT"),
            ("listen = \"/s\"\nauthserv_id = \"a b\"\nmode=\"verify\"", "authserv_id"),
            ("listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\ncolour = 1", "unknown field `colour`"),
            ("listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"sign\"", "signing table is empty"),
            ("listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\n[arc]\nseal = true", "arc.seal needs arc.key"),
            (
                "listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\n[arc]\nseal = true\nkey = \"k\"",
                "arc.key \"k\" is not in the key table",
            ),
            ("listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\n[arc]\nverify = 1", "invalid type"),
            (
                "listen = \"/s\"\nauthserv_id = \"x\"\n[[signing]]\nfrom = \"a.example\"\nkeys = [\"k\"]",
                "key \"k\" is not in the key table",
            ),
            (
                "listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\n[sign]\ninternal_hosts = [\"10/8\"]",
                "internal_hosts",
            ),
            (
                "listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\n[sign]\ncanonicalization = \"loose\"",
                "relaxed/relaxed",
            ),
            ("listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\n[on_error]\ndns = \"bounce\"", "unknown variant"),
            (
                "listen = \"/s\"\nauthserv_id = \"x\"\nmode=\"verify\"\n[verify]\nlookup_timeout = 9\noverall_timeout = 5",
                "at least as long",
            ),
            (
                "listen = \"/s\"\nauthserv_id = \"x\"\n[keys.k]\ndomain = \"a\"\nselector = \"s\"\nfile = \"/k\"\n[[signing]]\nfrom = \"a\"\nkeys = [\"k\", \"k\"]",
                "listed twice",
            ),
            (
                "listen = \"/s\"\nauthserv_id = \"x\"\n[keys.k]\ndomain = \"a\"\nselector = \"s\"\nfile = \"\"\n[[signing]]\nfrom = \"a\"\nkeys = [\"k\"]",
                "exactly one of file and command",
            ),
        ];
        for (text, want) in cases {
            let err = Config::from_toml(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn the_shipped_example_configuration_is_valid() {
        let text = include_str!("../dist/dkim-milter.toml");
        let c = Config::from_toml(text).unwrap();
        assert_eq!(c.mode, Mode::SignVerify);
        assert_eq!(c.signing_rule("joe@example.com").map(|r| r.keys.len()), Some(2));
        assert_eq!(c.signing_rule("joe@lists.example.com").map(|r| r.keys.len()), Some(1));
        assert!(c.signing_rule("joe@example.org").is_none());
    }

    #[test]
    fn listen_spellings() {
        assert_eq!(Listen::parse("inet:8891@127.0.0.1"), Ok(Listen::Inet("127.0.0.1:8891".parse().unwrap())));
        assert_eq!(Listen::parse("inet6:[::1]:8891"), Ok(Listen::Inet("[::1]:8891".parse().unwrap())));
        assert_eq!(Listen::parse("local:/var/run/x.sock"), Ok(Listen::Unix("/var/run/x.sock".into())));
        assert_eq!(Listen::parse("inet:8891@localhost"), Ok(Listen::Inet("127.0.0.1:8891".parse().unwrap())));
        assert!(Listen::parse("inet:8891").unwrap_err().contains("inet:0.0.0.0:8891"));
        assert!(Listen::parse("relative.sock").is_err());
        assert_eq!(Listen::parse("inet:127.0.0.1:1").unwrap().to_string(), "inet:127.0.0.1:1");
    }

    #[test]
    fn networks() {
        let n = Network::parse("192.168.0.0/23").unwrap();
        assert!(n.contains("192.168.1.255".parse().unwrap()));
        assert!(!n.contains("192.168.2.0".parse().unwrap()));
        assert!(n.contains("::ffff:192.168.0.1".parse().unwrap()), "IPv4-mapped");
        assert!(Network::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(!Network::parse("::1").unwrap().contains("127.0.0.1".parse().unwrap()));
    }
}
