//! `dkim sign`: one DKIM-Signature field, then the input unchanged.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use dkim::{Algorithm, Canonicalization, Signer, SigningKey};

use crate::{Fatal, fatal};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// PKCS#8 PEM private key (RSA or Ed25519); PKCS#1 RSA PEM is accepted too.
    #[arg(long)]
    key: PathBuf,
    /// The signing domain (d=).
    #[arg(long)]
    domain: String,
    /// The selector (s=).
    #[arg(long)]
    selector: String,
    /// rsa-sha256 or ed25519-sha256; must match the key (default: the key's).
    #[arg(long)]
    algorithm: Option<String>,
    /// Header/body canonicalization (c=), e.g. relaxed/relaxed or simple.
    #[arg(long, default_value = "relaxed/relaxed")]
    canonicalization: String,
    /// Header fields to sign, colon-separated (From is always signed).
    #[arg(long)]
    headers: Option<String>,
    /// The agent or user identifier (i=).
    #[arg(long)]
    identity: Option<String>,
    /// Add l= with the canonical body length.
    #[arg(long)]
    body_length: bool,
    /// Add x= this many seconds after t=.
    #[arg(long)]
    expiration: Option<u64>,
    /// The message (default or `-`: standard input).
    file: Option<PathBuf>,
}

pub(crate) fn run(a: Args) -> Result<ExitCode, Fatal> {
    let key = crate::read_key(&a.key)?;
    if let Some(alg) = &a.algorithm {
        let wanted = match Algorithm::parse(alg) {
            Some(wanted @ (Algorithm::RsaSha256 | Algorithm::Ed25519Sha256)) => wanted,
            _ => return Err(fatal(format!("unknown algorithm {alg:?} (rsa-sha256 or ed25519-sha256)"))),
        };
        if wanted != key.algorithm() {
            let key_alg = key.algorithm();
            return Err(fatal(format!("--algorithm {alg} does not match the key in {} ({key_alg})", a.key.display())));
        }
    }
    let c = Canonicalization::parse(&a.canonicalization).ok_or_else(|| {
        fatal(format!("bad --canonicalization {:?} (simple, relaxed, relaxed/simple, ...)", a.canonicalization))
    })?;
    let message = crate::read_input(a.file.as_deref())?;
    let le = crate::line_endings(&message);
    let now = crate::now_unix();
    let mut builder = Signer::builder(key, &a.domain, &a.selector).canonicalization(c).timestamp(now).line_endings(le);
    if let Some(h) = &a.headers {
        builder = builder.headers(h.split(':').map(str::trim).filter(|n| !n.is_empty()));
    }
    if let Some(i) = &a.identity {
        builder = builder.identity(i);
    }
    if let Some(secs) = a.expiration {
        builder = builder.expire_after(secs);
    }
    let signer = builder.body_length(a.body_length).build()?;
    if signer.is_weak_key() {
        let bits = signer.key_bits().unwrap_or_default();
        eprintln!("dkim: warning: {} is a weak {bits}-bit RSA key; 2048 bits is the norm", a.key.display());
    }
    let field = signer.sign(&message)?;
    let mut out = std::io::stdout().lock();
    out.write_all(field.as_bytes()).and_then(|()| out.write_all(&message)).and_then(|()| out.flush())?;
    Ok(ExitCode::SUCCESS)
}
