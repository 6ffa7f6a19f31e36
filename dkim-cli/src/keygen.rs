//! `dkim keygen`: a new key pair, PREFIX.pem (PKCS#8) and PREFIX.zone (the
//! TXT record to publish).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dkim::{Algorithm, CryptoError, Limits, PrivateKey, Signer, SigningKey};

use crate::{Fatal, fatal};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// rsa-sha256 or ed25519-sha256.
    #[arg(long, default_value = "rsa-sha256")]
    algorithm: String,
    /// RSA modulus size.
    #[arg(long, default_value_t = 2048)]
    bits: u32,
    /// Generate an RSA key under 2048 bits (weak; 1024 at least).
    #[arg(long)]
    allow_weak: bool,
    /// The domain the key is for.
    #[arg(long)]
    domain: String,
    /// The selector.
    #[arg(long)]
    selector: String,
    /// Output path prefix.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(a: Args) -> Result<ExitCode, Fatal> {
    let key = match a.algorithm.as_str() {
        "ed25519-sha256" => PrivateKey::generate_ed25519()?,
        "rsa-sha256" => {
            judge_rsa_size(&a)?;
            PrivateKey::generate_rsa(a.bits)?
        }
        other => return Err(fatal(format!("unknown algorithm {other:?} (rsa-sha256 or ed25519-sha256)"))),
    };
    let zone_line = key.dns_record().zone_line(&a.selector, &a.domain);
    let pem_path = with_suffix(&a.out, "pem");
    let zone_path = with_suffix(&a.out, "zone");
    write_private(&pem_path, key.to_pkcs8_pem().as_bytes())?;
    std::fs::write(&zone_path, zone_line.as_bytes())
        .map_err(|e| fatal(format!("cannot write {}: {e}", zone_path.display())))?;
    println!("private key: {}", pem_path.display());
    println!("DNS record:  {}", zone_path.display());
    print!("{zone_line}");
    Ok(ExitCode::SUCCESS)
}

/// Has the library judge the RSA key size before the slow generation: a
/// signer refuses keys under 1024 bits, and calls those under 2048 weak
/// (refused here without --allow-weak).
fn judge_rsa_size(a: &Args) -> Result<(), Fatal> {
    let max = Limits::default().max_rsa_bits;
    if a.bits > max {
        return Err(fatal(format!("{}-bit RSA keys are beyond what verifiers accept ({max})", a.bits)));
    }
    let planned = Signer::builder(PlannedRsaKey(a.bits), &a.domain, &a.selector).no_timestamp().build()?;
    if planned.is_weak_key() {
        if !a.allow_weak {
            return Err(fatal(format!(
                "{}-bit RSA keys are weak; use 2048 bits, or --allow-weak to generate one anyway",
                a.bits
            )));
        }
        eprintln!("dkim: warning: {}-bit RSA is weak; 2048 bits is the norm", a.bits);
    }
    if a.bits > 2048 {
        eprintln!(
            "dkim: warning: a {}-bit key makes a TXT record some DNS providers cannot publish; 2048 bits is the norm",
            a.bits
        );
    }
    Ok(())
}

/// An RSA key of this many bits, not generated yet: it cannot sign.
struct PlannedRsaKey(u32);

impl SigningKey for PlannedRsaKey {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RsaSha256
    }

    fn bits(&self) -> Option<u32> {
        Some(self.0)
    }

    fn sign_digest(&self, _digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Err(CryptoError::ExternalKey)
    }
}

fn with_suffix(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Writes a private key readable by its owner only (on Unix).
fn write_private(path: &Path, data: &[u8]) -> Result<(), Fatal> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(data).map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}
