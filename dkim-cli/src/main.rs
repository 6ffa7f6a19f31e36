//! `dkim`: sign, verify and generate keys from the command line.
//!
//! ```text
//! dkim sign --key KEYFILE --domain D --selector S [--algorithm A] [--canonicalization C]
//!           [--headers from:to:subject] [--identity I] [--body-length] [--expiration SECONDS] [FILE|-]
//! dkim verify [--zone ZONEFILE | --dns HOST:PORT] [--json] [--now UNIX] [--ar HOSTNAME] [FILE|-]
//! dkim verify [--zone ZONEFILE | --dns HOST:PORT] [--json] [--now UNIX] (--mbox FILE | --maildir DIR)
//! dkim explain [--zone ZONEFILE | --dns HOST:PORT] [--json] [--now UNIX] [FILE|-]
//! dkim check-record --domain D --selector S [--zone ZONEFILE | --dns HOST:PORT] [--json]
//! dkim check-key --key KEYFILE --domain D --selector S [--zone ZONEFILE | --dns HOST:PORT] [--json]
//! dkim keygen [--algorithm A] [--bits 2048] [--allow-weak] --domain D --selector S --out PREFIX
//! dkim arc-verify [--zone ZONEFILE | --dns HOST:PORT] [--now UNIX] [--json] [FILE|-]
//! dkim arc-seal --key KEYFILE --domain D --selector S --authserv-id ID [--zone ZONEFILE | --dns HOST:PORT]
//!               [--timestamp UNIX] [--headers h1:h2:...] [--now UNIX] [FILE|-]
//! ```
//!
//! Exit status: 0 on success (for `verify` and `explain`: some signature
//! passed; for the checks: no problem found; for `arc-verify`: the chain
//! passes), 1 when no signature passed, a check found a problem, the ARC
//! chain is none or fail, or `arc-seal` must not seal (the reason on
//! standard error, nothing on standard output), 2 for usage, input and I/O
//! errors (one line on standard error, never a panic).
//!
//! One module per command: `sign`, `verify`, `explain`, `check` (both checks)
//! and `keygen`; what they share (input, key sources, JSON, wrapping) is here.

mod arc;
mod check;
mod explain;
mod keygen;
mod mailbox;
mod sign;
mod verify;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dkim::dns::{DnsClient, KeySource, Lookup, ZoneFile};
use dkim::{LineEndings, PrivateKey};

#[derive(Parser)]
#[command(name = "dkim", version, about = "DKIM (RFC 6376, RFC 8463): sign, verify, generate keys")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a message: writes one DKIM-Signature field, then the input unchanged.
    Sign(sign::Args),
    /// Verify every DKIM-Signature of a message.
    Verify(verify::Args),
    /// Explain each signature: what its tags mean here, the verdict, what went wrong and what to do.
    Explain(explain::Args),
    /// Lint the published key record of DOMAIN and SELECTOR.
    CheckRecord(check::CheckRecordArgs),
    /// Check that a private key matches the public key published for DOMAIN and SELECTOR.
    CheckKey(check::CheckKeyArgs),
    /// Generate a key pair: PREFIX.pem (PKCS#8) and PREFIX.zone (the TXT record).
    Keygen(keygen::Args),
    /// Validate the message's ARC chain (RFC 8617): cv none, pass or fail.
    ArcVerify(arc::VerifyArgs),
    /// Add an ARC set (ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results) on top.
    ArcSeal(arc::SealArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Explain(args) => explain::run(args),
        Command::CheckRecord(args) => check::run_record(args),
        Command::CheckKey(args) => check::run_key(args),
        Command::Keygen(args) => keygen::run(args),
        Command::ArcVerify(args) => arc::run_verify(args),
        Command::ArcSeal(args) => arc::run_seal(args),
    };
    match result {
        Ok(code) => code,
        Err(Fatal { quiet: true, .. }) => ExitCode::SUCCESS,
        Err(Fatal { msg, .. }) => {
            eprintln!("dkim: error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// A usage, input or I/O error: exit status 2. `quiet` marks standard
/// output closed by its reader (`dkim explain ... | head`): not an error.
struct Fatal {
    msg: String,
    quiet: bool,
}

impl<E: std::fmt::Display + 'static> From<E> for Fatal {
    fn from(e: E) -> Self {
        let any: &dyn std::any::Any = &e;
        let quiet = any.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
        Fatal { msg: e.to_string(), quiet }
    }
}

fn fatal(msg: impl Into<String>) -> Fatal {
    Fatal { msg: msg.into(), quiet: false }
}

/// The message in `file`, or on standard input for none or `-`.
fn read_input(file: Option<&Path>) -> Result<Vec<u8>, Fatal> {
    match file {
        Some(p) if p != Path::new("-") => {
            std::fs::read(p).map_err(|e| fatal(format!("cannot read {}: {e}", p.display())))
        }
        _ => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).map_err(|e| fatal(format!("cannot read standard input: {e}")))?;
            Ok(buf)
        }
    }
}

/// A private key from a PEM file (PKCS#8, or PKCS#1 for RSA).
fn read_key(path: &Path) -> Result<PrivateKey, Fatal> {
    let pem = std::fs::read_to_string(path).map_err(|e| fatal(format!("cannot read {}: {e}", path.display())))?;
    PrivateKey::from_pem(&pem).map_err(|e| fatal(format!("{}: {e}", path.display())))
}

/// LF when the first line ends in a bare LF (a message stored with Unix
/// line ends: every bare LF is then read as CRLF), else CRLF, as on the wire.
fn line_endings(message: &[u8]) -> LineEndings {
    LineEndings::detect(message).unwrap_or(LineEndings::Crlf)
}

/// Where key records come from (the same two options in every command that
/// looks keys up); the system's resolver when neither is given.
#[derive(clap::Args)]
struct KeyArgs {
    /// Answer key lookups from this RFC 1035 zone file.
    #[arg(long, conflicts_with = "dns")]
    zone: Option<PathBuf>,
    /// Ask this DNS server (HOST:PORT; UDP, then TCP when truncated).
    #[arg(long)]
    dns: Option<String>,
}

impl KeyArgs {
    fn source(self) -> Result<Keys, Fatal> {
        Ok(match (self.zone, self.dns) {
            (Some(z), _) => Keys::Zone(ZoneFile::from_path(&z)?),
            (None, Some(server)) => Keys::Dns(DnsClient::new([DnsClient::parse_server(&server)?])),
            (None, None) => Keys::Dns(DnsClient::from_system()?),
        })
    }
}

/// Where keys come from.
pub(crate) enum Keys {
    Zone(ZoneFile),
    Dns(DnsClient),
}

impl KeySource for Keys {
    async fn lookup_txt(&self, name: &str) -> Lookup {
        match self {
            Keys::Zone(z) => z.lookup_txt(name).await,
            Keys::Dns(c) => c.lookup_txt(name).await,
        }
    }
}

/// A runtime for the key lookups (the DNS client's sockets are tokio's).
fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// The current Unix time by the system clock.
fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `s` as a JSON string.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The members of a JSON object (no braces): strings, or `null` for `None`.
fn json_members(fields: &[(&str, Option<&str>)]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", json_string(k), v.map_or_else(|| "null".to_string(), json_string)))
        .collect();
    members.join(",")
}

/// A JSON object of strings (or `null` for `None`).
fn json_object(fields: &[(&str, Option<&str>)]) -> String {
    format!("{{{}}}", json_members(fields))
}

/// Wraps `text` at `width` columns, continuation lines indented; a word
/// longer than a line (a base64 key) is cut.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let lead = text.len() - text.trim_start_matches(' ').len();
    let mut out = String::from(&text[..lead]);
    let mut line = lead;
    for (i, word) in text[lead..].split(' ').enumerate() {
        let mut word = word;
        if i > 0 && line + 1 + word.len() > width {
            out.push('\n');
            out.push_str(indent);
            line = indent.len();
        } else if i > 0 {
            out.push(' ');
            line += 1;
        }
        while line + word.len() > width && width > line + 8 {
            let take = (width - line).min(word.len());
            let cut = (0..=take).rev().find(|&i| word.is_char_boundary(i)).unwrap_or(0);
            out.push_str(&word[..cut]);
            out.push('\n');
            out.push_str(indent);
            line = indent.len();
            word = &word[cut..];
        }
        out.push_str(word);
        line += word.len();
    }
    out
}
