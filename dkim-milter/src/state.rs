//! What a configuration becomes when loaded: the keys read and checked,
//! the networks parsed, the key source and verification policy built. A
//! reload (SIGHUP) builds a new [`State`]; messages in flight keep the one
//! they started with.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64ct::{Base64, Encoding as _};
use dkim_async::{KeyCache, SystemClock};
use dkim_core::arc::Sealer;
use dkim_core::{Algorithm, ExternalKey, Policy, PrivateKey, Signer, SigningKey};
use dkim_dns::{DnsClient, KeySource, Lookup, ZoneFile};

use crate::config::{Config, ConfigError, KeySpec, Network};

/// A signing key: in process, or an external program.
#[derive(Clone)]
pub enum Key {
    /// A private key read from its file.
    Local(Arc<PrivateKey>),
    /// An RSA key of 2048 to 8192 bits, read from its file and held by
    /// AWS-LC (the `aws-lc-rs` feature, on by default).
    #[cfg(feature = "aws-lc-rs")]
    AwsLc(Arc<dkim_core::AwsLcRsaSigningKey>),
    /// An external signer.
    Command {
        /// The program and its arguments.
        argv: Vec<String>,
        /// The algorithm of its key.
        algorithm: Algorithm,
    },
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Local(k) => write!(f, "Local({:?})", k.algorithm()),
            #[cfg(feature = "aws-lc-rs")]
            Key::AwsLc(_) => write!(f, "AwsLc({:?})", Algorithm::RsaSha256),
            Key::Command { argv, algorithm } => write!(f, "Command({argv:?}, {algorithm:?})"),
        }
    }
}

impl Key {
    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Key::Local(k) => k.algorithm(),
            #[cfg(feature = "aws-lc-rs")]
            Key::AwsLc(_) => Algorithm::RsaSha256,
            Key::Command { algorithm, .. } => *algorithm,
        }
    }

    /// Signs `digest` (SHA-256 of the canonical header block).
    ///
    /// # Errors
    ///
    /// The key or the external program failed; the message says how.
    pub async fn sign_digest(&self, digest: &[u8], timeout: Duration) -> Result<Vec<u8>, String> {
        match self {
            // RustCrypto's RSA takes milliseconds per signature: off the async workers, so
            // other connections' I/O carries on meanwhile. Ed25519 (tens of µs) stays inline.
            Key::Local(k) if k.algorithm() == Algorithm::RsaSha256 => {
                let (k, digest) = (Arc::clone(k), digest.to_vec());
                tokio::task::spawn_blocking(move || k.sign_digest(&digest))
                    .await
                    .map_err(|e| format!("signing task failed: {e}"))?
                    .map_err(|e| e.to_string())
            }
            Key::Local(k) => k.sign_digest(digest).map_err(|e| e.to_string()),
            #[cfg(feature = "aws-lc-rs")]
            Key::AwsLc(k) => k.sign_digest(digest).map_err(|e| e.to_string()),
            Key::Command { argv, algorithm } => run_signer(argv, *algorithm, digest, timeout).await,
        }
    }
}

async fn run_signer(
    argv: &[String],
    algorithm: Algorithm,
    digest: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    use tokio::io::AsyncWriteExt as _;
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .env("DKIM_ALGORITHM", algorithm.as_str())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = format!("{}\n", Base64::encode_string(digest));
    let run = async {
        stdin.write_all(input.as_bytes()).await.map_err(|e| format!("{program}: {e}"))?;
        drop(stdin);
        child.wait_with_output().await.map_err(|e| format!("{program}: {e}"))
    };
    let out =
        tokio::time::timeout(timeout, run).await.map_err(|_| format!("{program}: no answer in {timeout:?}"))??;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("{program} exited with {}: {}", out.status, err.trim()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Base64::decode_vec(text.trim()).map_err(|e| format!("{program}: its output is not base64: {e}"))
}

/// Where verification keys come from.
#[derive(Debug)]
pub enum Source {
    /// DNS servers.
    Dns(DnsClient),
    /// A zone file.
    Zone(ZoneFile),
}

impl KeySource for Source {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        let name = name.to_owned();
        async move {
            match self {
                Source::Dns(c) => c.lookup_txt(&name).await,
                Source::Zone(z) => z.lookup_txt(&name).await,
            }
        }
    }
}

/// A loaded configuration.
#[derive(Debug)]
pub struct State {
    /// The configuration it came from.
    pub config: Config,
    /// The signing keys by name.
    pub keys: BTreeMap<String, Key>,
    /// The internal networks.
    pub networks: Vec<Network>,
    /// The verification policy.
    pub policy: Policy,
    /// The key source, behind a cache shared by every message.
    pub keys_source: Arc<KeyCache<Source, SystemClock>>,
    /// Lines worth logging once (weak keys).
    pub warnings: Vec<String>,
    /// The ARC sealer (`[arc] seal = true`).
    pub sealer: Option<Sealer<SealKey>>,
}

/// A key the ARC sealer signs with in process.
pub type SealKey = Arc<dyn SigningKey + Send + Sync>;

impl Key {
    /// The key as an in-process signer (`None` for an external program).
    #[must_use]
    pub fn in_process(&self) -> Option<SealKey> {
        match self {
            Key::Local(k) => Some(Arc::clone(k) as SealKey),
            #[cfg(feature = "aws-lc-rs")]
            Key::AwsLc(k) => Some(Arc::clone(k) as SealKey),
            Key::Command { .. } => None,
        }
    }
}

impl State {
    /// Loads `config`: reads every key file (refusing unsafe ones when
    /// `require_safe_keys`), builds the key source and the policy.
    ///
    /// # Errors
    ///
    /// The first key that cannot be used, a zone file that cannot be read,
    /// DNS settings that cannot be read.
    pub fn load(config: Config) -> Result<Self, ConfigError> {
        let mut keys = BTreeMap::new();
        let mut warnings = Vec::new();
        for (name, spec) in &config.keys {
            let key = load_key(name, spec, config.require_safe_keys)?;
            if let Key::Local(k) = &key
                && let Some(bits) = k.bits().filter(|&b| k.algorithm() == Algorithm::RsaSha256 && b < 2048)
            {
                warnings.push(format!("keys.{name}: RSA key of {bits} bits; 2048 or more is recommended"));
            }
            keys.insert(name.clone(), key);
        }
        let networks = config.internal_networks()?;
        let v = &config.verify;
        let source = match (&v.zone, v.dns.is_empty()) {
            (Some(zone), _) => Source::Zone(
                ZoneFile::from_path(zone)
                    .map_err(|e| ConfigError::new(format!("verify.zone: {}: {e}", zone.display())))?,
            ),
            (None, false) => {
                let servers = v
                    .dns
                    .iter()
                    .map(|s| DnsClient::parse_server(s).map_err(|e| ConfigError::new(format!("verify.dns: {e}"))))
                    .collect::<Result<Vec<_>, _>>()?;
                Source::Dns(DnsClient::new(servers))
            }
            (None, true) => {
                Source::Dns(DnsClient::from_system().map_err(|e| ConfigError::new(format!("system resolver: {e}")))?)
            }
        };
        let mut policy = Policy::default()
            .max_signatures(v.max_signatures)
            .min_rsa_bits(v.min_rsa_bits)
            .danger_allow_unsigned_body(v.allow_unsigned_body)
            .clock_skew(v.clock_skew);
        if !v.single_instance_fields {
            policy = policy.single_instance_fields(std::iter::empty::<&str>());
        }
        let sealer = match (&config.arc.seal, &config.arc.key) {
            (true, Some(name)) => {
                let (Some(spec), Some(key)) = (config.keys.get(name), keys.get(name).and_then(Key::in_process)) else {
                    return Err(ConfigError::new(format!("arc.key {name:?}: no key file to seal with")));
                };
                let sealer = Sealer::new(key, &spec.domain, &spec.selector, &config.authserv_id)
                    .map_err(|e| ConfigError::new(format!("arc.key {name:?}: {e}")))?;
                Some(match &config.sign.headers {
                    Some(h) => sealer.headers(h.iter().map(String::as_str)),
                    None => sealer,
                })
            }
            _ => None,
        };
        Ok(Self {
            keys_source: Arc::new(KeyCache::new(source, SystemClock)),
            config,
            keys,
            networks,
            policy,
            warnings,
            sealer,
        })
    }

    /// Signers (with their keys and domains) for the keys of the signing rule that matches `from`, with
    /// the configured headers, canonicalization and expiry; empty when no
    /// rule matches. The keys sign outside the session (see
    /// [`Key::sign_digest`]).
    ///
    /// # Errors
    ///
    /// A signer the library refuses (a bad header list).
    pub fn signers(&self, from: &str, now: u64) -> Result<Vec<(Signer<ExternalKey>, Key, String)>, String> {
        let Some(rule) = self.config.signing_rule(from) else { return Ok(Vec::new()) };
        let sign = &self.config.sign;
        let mut out = Vec::new();
        for name in &rule.keys {
            let (Some(spec), Some(key)) = (self.config.keys.get(name), self.keys.get(name)) else { continue };
            let mut b = Signer::builder(ExternalKey::new(key.algorithm()), &spec.domain, &spec.selector)
                .canonicalization(sign.canonicalization)
                .timestamp(now);
            if let Some(h) = &sign.headers {
                b = b.headers(h.iter().map(String::as_str));
            }
            if let Some(o) = &sign.oversign {
                b = b.oversign(o.iter().map(String::as_str));
            }
            if let Some(i) = &spec.identity {
                b = b.identity(i);
            }
            if let Some(x) = sign.expire_after {
                b = b.expire_after(x);
            }
            out.push((b.build().map_err(|e| format!("keys.{name}: {e}"))?, key.clone(), spec.domain.clone()));
        }
        Ok(out)
    }
}

fn load_key(name: &str, spec: &KeySpec, require_safe: bool) -> Result<Key, ConfigError> {
    if let Some(argv) = &spec.command {
        let algorithm = match spec.algorithm.as_deref() {
            Some("ed25519-sha256") => Algorithm::Ed25519Sha256,
            _ => Algorithm::RsaSha256,
        };
        return Ok(Key::Command { argv: argv.clone(), algorithm });
    }
    let path = spec.file.as_deref().ok_or_else(|| ConfigError::new(format!("keys.{name}: no file")))?;
    if require_safe {
        check_safe(path).map_err(|e| ConfigError::new(format!("keys.{name}: {e}")))?;
    }
    let pem = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(format!("keys.{name}: cannot read {}: {e}", path.display())))?;
    let key =
        PrivateKey::from_pem(&pem).map_err(|e| ConfigError::new(format!("keys.{name}: {}: {e}", path.display())))?;
    if key.algorithm() == Algorithm::RsaSha256 && key.bits().is_some_and(|b| b < 1024) {
        return Err(ConfigError::new(format!(
            "keys.{name}: {}: RSA keys under 1024 bits are refused (RFC 8301)",
            path.display()
        )));
    }
    #[cfg(feature = "aws-lc-rs")]
    if key.algorithm() == Algorithm::RsaSha256 {
        // The same key, held by AWS-LC: its signatures are byte for byte those of
        // the RustCrypto key (PKCS#1 v1.5 is deterministic), ten times faster. A
        // size AWS-LC does not sign with stays on RustCrypto.
        match dkim_core::AwsLcRsaSigningKey::from_pem(&pem) {
            Ok(fast) => return Ok(Key::AwsLc(Arc::new(fast))),
            Err(dkim_core::KeyError::RsaSizeUnsupported { .. }) => {}
            Err(e) => return Err(ConfigError::new(format!("keys.{name}: {}: {e}", path.display()))),
        }
    }
    Ok(Key::Local(Arc::new(key)))
}

/// Refuses a key file that anyone but its owner may read or write, or that
/// is writable through its group (OpenDKIM's `RequireSafeKeys`).
fn check_safe(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "{} has mode {mode:03o}: others may read it; chmod 600 it, or set require_safe_keys = false",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn spec(file: &Path) -> KeySpec {
        KeySpec {
            domain: "example.com".into(),
            selector: "s".into(),
            file: Some(file.to_path_buf()),
            command: None,
            algorithm: None,
            identity: None,
        }
    }

    fn data(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data").join(name)
    }

    #[tokio::test]
    async fn each_key_kind_signs_as_the_library_key() {
        let digest = [0x5a; 32];
        let timeout = Duration::from_secs(5);
        let rsa = load_key("rsa", &spec(&data("rsa2048.pem")), false).unwrap();
        #[cfg(feature = "aws-lc-rs")]
        assert!(matches!(rsa, Key::AwsLc(_)), "an RSA-2048 key is held by AWS-LC: {rsa:?}");
        #[cfg(not(feature = "aws-lc-rs"))]
        assert!(matches!(rsa, Key::Local(_)), "{rsa:?}");
        let reference = PrivateKey::from_pem(&std::fs::read_to_string(data("rsa2048.pem")).unwrap()).unwrap();
        assert_eq!(rsa.algorithm(), Algorithm::RsaSha256);
        assert_eq!(rsa.sign_digest(&digest, timeout).await.unwrap(), reference.sign_digest(&digest).unwrap());

        // 1024 bits (RFC 8301 still allows it; AWS-LC does not sign with it): RustCrypto.
        let dir = std::env::temp_dir().join(format!("dkim-milter-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = PrivateKey::generate_rsa(1024).unwrap();
        let path = dir.join("rsa1024.pem");
        std::fs::write(&path, small.to_pkcs8_pem().as_bytes()).unwrap();
        let key = load_key("small", &spec(&path), false).unwrap();
        assert!(matches!(key, Key::Local(_)), "{key:?}");
        assert_eq!(key.sign_digest(&digest, timeout).await.unwrap(), small.sign_digest(&digest).unwrap());

        let ed = load_key("ed", &spec(&data("ed25519.pem")), false).unwrap();
        assert_eq!(ed.algorithm(), Algorithm::Ed25519Sha256);
        let reference = PrivateKey::from_pem(&std::fs::read_to_string(data("ed25519.pem")).unwrap()).unwrap();
        assert_eq!(ed.sign_digest(&digest, timeout).await.unwrap(), reference.sign_digest(&digest).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
