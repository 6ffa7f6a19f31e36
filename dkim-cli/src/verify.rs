//! `dkim verify`: one verdict per DKIM-Signature, as text or JSON, and
//! optionally an Authentication-Results field.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dkim::dns::KeySource;
use dkim::{AsyncVerifier, AuthResults, FuturesTimer, LineEndings, ManualClock, Policy, SignatureResult, Verdict};

use crate::{Fatal, json_members, json_object};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    keys: crate::KeyArgs,
    /// One JSON object per signature on standard output.
    #[arg(long)]
    json: bool,
    /// The current time (Unix seconds) for t= and x= checks (default: the system clock).
    #[arg(long)]
    now: Option<u64>,
    /// Print an Authentication-Results field with this authserv-id (on
    /// standard error with --json, so standard output stays JSON).
    #[arg(long)]
    ar: Option<String>,
    /// Verify every message of this mbox file (mboxo or mboxrd) instead.
    #[arg(long, conflicts_with_all = ["file", "maildir", "ar"])]
    mbox: Option<PathBuf>,
    /// Verify every message of this Maildir (cur/ and new/) instead.
    #[arg(long, conflicts_with_all = ["file", "ar"])]
    maildir: Option<PathBuf>,
    /// The message (default or `-`: standard input).
    file: Option<PathBuf>,
}

pub(crate) fn run(a: Args) -> Result<ExitCode, Fatal> {
    let keys = a.keys.source()?;
    if let Some(path) = &a.mbox {
        return crate::mailbox::run(crate::mailbox::read_mbox(path)?, keys, a.now, a.json);
    }
    if let Some(dir) = &a.maildir {
        return crate::mailbox::run(crate::mailbox::read_maildir(dir)?, keys, a.now, a.json);
    }
    let message = crate::read_input(a.file.as_deref())?;
    let le = crate::line_endings(&message);
    let verifier = verifier(keys, le, a.now).overall_timeout(Duration::from_secs(30));
    let results = crate::runtime()?.block_on(verifier.verify_bytes(&message))?;
    let mut out = std::io::stdout().lock();
    if a.json {
        if results.is_empty() {
            writeln!(out, "{}", json_object(&UNSIGNED))?;
        }
        for r in &results {
            writeln!(out, "{{{}}}", result_members(r))?;
        }
    } else {
        report(&mut out, &results)?;
    }
    if let Some(authserv_id) = a.ar {
        let field = AuthResults::from_results(&authserv_id, &results).to_field();
        if a.json {
            // Standard output carries nothing but the JSON objects.
            eprintln!("{field}");
        } else {
            writeln!(out, "{field}")?;
        }
    }
    out.flush()?;
    Ok(exit_status(&results))
}

/// The verifier `verify` and `explain` use: keys from `keys`, line ends
/// `le`, the clock at `now` (default: the system's), 10 s per key lookup.
pub(crate) fn verifier<K: KeySource>(keys: K, le: LineEndings, now: Option<u64>) -> AsyncVerifier<K, FuturesTimer> {
    let verifier = AsyncVerifier::new(keys, Policy::default().line_endings(le))
        .timer(FuturesTimer)
        .lookup_timeout(Duration::from_secs(10));
    match now {
        Some(t) => verifier.clock(ManualClock::new(t)),
        None => verifier,
    }
}

/// 0 when some signature passed, else 1.
pub(crate) fn exit_status(results: &[SignatureResult]) -> ExitCode {
    let passed = results.iter().any(|r| r.verdict() == Verdict::Pass);
    if passed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// The JSON object for an unsigned message.
const UNSIGNED: [(&str, Option<&str>); 6] = [
    ("result", Some("none")),
    ("domain", None),
    ("selector", None),
    ("algorithm", None),
    ("reason", Some("the message has no DKIM-Signature field")),
    ("dnssec", None),
];

/// The members of one signature's JSON object; `dnssec` says whether the
/// key's DNS answer was DNSSEC-authenticated (`unknown` from a zone file).
pub(crate) fn result_members(r: &SignatureResult) -> String {
    let reason = r.reason().map(|x| x.to_string());
    json_members(&[
        ("result", Some(r.verdict().as_str())),
        ("domain", r.domain()),
        ("selector", r.selector()),
        ("algorithm", r.algorithm().map(|a| a.as_str())),
        ("reason", reason.as_deref()),
        ("dnssec", Some(r.dnssec().as_str())),
    ])
}

fn report(out: &mut impl Write, results: &[SignatureResult]) -> std::io::Result<()> {
    if results.is_empty() {
        writeln!(out, "none: the message has no DKIM-Signature field (it is not signed)")?;
        return Ok(());
    }
    for (i, r) in results.iter().enumerate() {
        write!(
            out,
            "signature {}: {} (d={} s={} a={})",
            i + 1,
            r.verdict(),
            r.domain().unwrap_or("?"),
            r.selector().unwrap_or("?"),
            r.algorithm().map_or("?", |a| a.as_str())
        )?;
        match r.reason() {
            Some(reason) => writeln!(out, ": {reason}")?,
            None => writeln!(out)?,
        }
        if r.testing() {
            writeln!(out, "  note: the key is in testing mode (t=y)")?;
        }
    }
    Ok(())
}
