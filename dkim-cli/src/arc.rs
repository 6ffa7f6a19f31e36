//! `dkim arc-verify` and `dkim arc-seal` (RFC 8617).
//!
//! ```text
//! dkim arc-verify [--zone ZONEFILE | --dns HOST:PORT] [--now UNIX] [--json] [FILE|-]
//!     {"cv":"pass","instances":3,"oldest_pass":1,"reason":""}; exit 0 on pass, 1 on none or fail
//! dkim arc-seal --key KEYFILE --domain D --selector S --authserv-id ID [--zone ZONEFILE | --dns HOST:PORT]
//!               [--timestamp UNIX] [--headers h1:h2:...] [--now UNIX] [FILE|-]
//!     the message with a new ARC set on top; exit 1 (reason on stderr, nothing on stdout) when it must
//!     not be sealed
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dkim::arc::{ArcResult, ChainStatus, Sealer};
use dkim::dns::KeySource;
use dkim::{HeaderStatus, KeyAnswer, LineEndings, Policy, SignatureResult, Step, TempFailCause, Verifier};

use crate::{Fatal, fatal, json_string};

#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    keys: crate::KeyArgs,
    /// The current time (Unix seconds) for the signatures' t= checks (default: the system clock).
    #[arg(long)]
    now: Option<u64>,
    /// One JSON object on one line: cv, instances, oldest_pass, reason.
    #[arg(long)]
    json: bool,
    /// The message (default or `-`: standard input).
    file: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct SealArgs {
    /// PKCS#8 PEM private key (RSA or Ed25519).
    #[arg(long)]
    key: PathBuf,
    /// The sealing domain (d=).
    #[arg(long)]
    domain: String,
    /// The selector (s=).
    #[arg(long)]
    selector: String,
    /// Our authserv-id: the Authentication-Results fields with it go into the new
    /// ARC-Authentication-Results.
    #[arg(long)]
    authserv_id: String,
    #[command(flatten)]
    keys: crate::KeyArgs,
    /// t= of the new ARC-Seal and ARC-Message-Signature (default: the current time).
    #[arg(long)]
    timestamp: Option<u64>,
    /// Header fields the ARC-Message-Signature signs, colon-separated (default: the library's set).
    #[arg(long)]
    headers: Option<String>,
    /// The current time (Unix seconds) for validating the chain already there.
    #[arg(long)]
    now: Option<u64>,
    /// The message (default or `-`: standard input).
    file: Option<PathBuf>,
}

/// Each lookup's limit.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The DKIM results and the ARC chain of `message`, keys from `keys`.
pub(crate) fn check<K: KeySource>(
    message: &[u8],
    keys: &K,
    le: LineEndings,
    now: Option<u64>,
) -> Result<(Vec<SignatureResult>, ArcResult), Fatal> {
    let mut v = Verifier::with_arc(Policy::default().line_endings(le), now.unwrap_or_else(crate::now_unix));
    let body = match v.headers(message)? {
        HeaderStatus::Complete(n) => n,
        HeaderStatus::Partial => message.len(),
    };
    crate::runtime()?.block_on(async {
        while let Step::NeedKeys(requests) = v.step() {
            let lookups = requests.iter().map(|r| async move {
                match tokio::time::timeout(LOOKUP_TIMEOUT, keys.lookup_txt(r.name())).await {
                    Ok(lookup) => KeyAnswer::from(lookup),
                    Err(_) => KeyAnswer::TempFail(TempFailCause::Timeout),
                }
            });
            let answers = futures::future::join_all(lookups).await;
            for (r, answer) in requests.iter().zip(answers) {
                v.answer_key(r.id(), answer);
            }
        }
    });
    v.body(&message[body..]);
    v.finish()?;
    let arc = v.arc_result().cloned().unwrap_or_else(ArcResult::none);
    Ok((v.into_results(), arc))
}

/// The reason in plain words (empty on pass and none).
fn reason(arc: &ArcResult) -> String {
    arc.reason().map(ToString::to_string).unwrap_or_default()
}

pub(crate) fn run_verify(a: VerifyArgs) -> Result<ExitCode, Fatal> {
    let keys = a.keys.source()?;
    let message = crate::read_input(a.file.as_deref())?;
    let le = crate::line_endings(&message);
    let (_, arc) = check(&message, &keys, le, a.now)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        let oldest = arc.oldest_pass().map_or_else(|| "null".to_string(), |i| i.to_string());
        writeln!(
            out,
            "{{\"cv\":{},\"instances\":{},\"oldest_pass\":{oldest},\"reason\":{}}}",
            json_string(arc.status().as_str()),
            arc.instances(),
            json_string(&reason(&arc)),
        )?;
    } else {
        match arc.status() {
            ChainStatus::None => writeln!(out, "arc: none (the message has no ARC set)")?,
            ChainStatus::Pass => writeln!(
                out,
                "arc: pass ({} sets, unchanged since set {})",
                arc.instances(),
                arc.oldest_pass().unwrap_or(arc.instances())
            )?,
            ChainStatus::Fail => writeln!(out, "arc: fail: {}", reason(&arc))?,
        }
    }
    out.flush()?;
    Ok(if arc.status() == ChainStatus::Pass { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub(crate) fn run_seal(a: SealArgs) -> Result<ExitCode, Fatal> {
    let key = crate::read_key(&a.key)?;
    let keys = a.keys.source()?;
    let message = crate::read_input(a.file.as_deref())?;
    let le = crate::line_endings(&message);
    let (_, chain) = check(&message, &keys, le, a.now)?;
    if let Err(e) = chain.may_seal() {
        eprintln!("dkim: not sealed: {e}");
        return Ok(ExitCode::from(1));
    }
    let mut sealer = Sealer::new(key, &a.domain, &a.selector, &a.authserv_id)?
        .timestamp(a.timestamp.unwrap_or_else(crate::now_unix));
    if let Some(h) = &a.headers {
        sealer = sealer.headers(h.split(':').map(str::trim).filter(|n| !n.is_empty()));
    }
    let lf = le == LineEndings::NormalizeLf;
    let crlf = if lf { to_crlf(&message) } else { message.clone() };
    let set = sealer.seal(&crlf, &chain).map_err(|e| fatal(format!("cannot seal: {e}")))?;
    let set = if lf { set.replace("\r\n", "\n") } else { set };
    let mut out = std::io::stdout().lock();
    out.write_all(set.as_bytes()).and_then(|()| out.write_all(&message)).and_then(|()| out.flush())?;
    Ok(ExitCode::SUCCESS)
}

/// Every bare LF as CRLF.
fn to_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32);
    let mut prev = 0u8;
    for &b in message {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}
