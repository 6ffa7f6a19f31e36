//! `dkim verify --mbox FILE` and `--maildir DIR`: every message of a
//! mailbox, key lookups concurrent (one key cache for all), a progress bar
//! on a terminal, then a summary by signing domain.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use dkim::{KeyCache, LineEndings, SignatureResult, SystemClock, Verdict};
use futures::stream::{self, StreamExt as _};

use crate::verify::{result_members, verifier};
use crate::{Fatal, Keys, fatal, json_string};

/// Messages verified at once (their key lookups overlap).
const IN_FLIGHT: usize = 32;

/// One message of a mailbox: where it is, and its bytes.
pub(crate) struct Message {
    label: String,
    bytes: Vec<u8>,
}

/// The messages of an mbox file (mboxo or mboxrd: a line starting with
/// `From ` begins a message; `>From `, `>>From `, ... lose one `>`).
pub(crate) fn read_mbox(path: &Path) -> Result<Vec<Message>, Fatal> {
    let data = std::fs::read(path).map_err(|e| fatal(format!("cannot read {}: {e}", path.display())))?;
    if !data.is_empty() && !data.starts_with(b"From ") {
        return Err(fatal(format!("{}: not an mbox file (it does not start with a \"From \" line)", path.display())));
    }
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in data.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            messages.extend(current.take());
            current = Some(Vec::new());
            continue;
        }
        let Some(m) = current.as_mut() else { continue };
        let quoted = line.iter().take_while(|&&b| b == b'>').count();
        if quoted > 0 && line[quoted..].starts_with(b"From ") {
            m.extend_from_slice(&line[1..]);
        } else {
            m.extend_from_slice(line);
        }
    }
    messages.extend(current);
    Ok(messages
        .into_iter()
        .enumerate()
        .map(|(i, mut bytes)| {
            // The empty line before the next "From " belongs to the mbox.
            if bytes.ends_with(b"\n\n") {
                bytes.pop();
            } else if bytes.ends_with(b"\r\n\r\n") {
                bytes.truncate(bytes.len() - 2);
            }
            Message { label: format!("{}:{}", path.display(), i + 1), bytes }
        })
        .collect())
}

/// The messages of a Maildir (`cur/` and `new/`, by file name).
pub(crate) fn read_maildir(dir: &Path) -> Result<Vec<Message>, Fatal> {
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["cur", "new"] {
        let d = dir.join(sub);
        let entries = std::fs::read_dir(&d).map_err(|e| fatal(format!("cannot read {}: {e}", d.display())))?;
        for e in entries {
            let e = e.map_err(|e| fatal(format!("{}: {e}", d.display())))?;
            if e.file_type().is_ok_and(|t| t.is_file()) && !e.file_name().to_string_lossy().starts_with('.') {
                files.push(e.path());
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).map_err(|e| fatal(format!("cannot read {}: {e}", p.display())))?;
            Ok(Message { label: p.display().to_string(), bytes })
        })
        .collect()
}

/// Verifies every message; prints one line (or JSON object) per message,
/// then the summary (on standard error with `--json`).
pub(crate) fn run(messages: Vec<Message>, keys: Keys, now: Option<u64>, json: bool) -> Result<ExitCode, Fatal> {
    let cache = Arc::new(KeyCache::new(keys, SystemClock));
    let crlf = verifier(Arc::clone(&cache), LineEndings::Crlf, now).overall_timeout(Duration::from_secs(30));
    let lf = verifier(Arc::clone(&cache), LineEndings::NormalizeLf, now).overall_timeout(Duration::from_secs(30));
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(messages.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} messages, {per_sec}, {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let outcomes: Vec<(usize, Result<Vec<SignatureResult>, String>)> = crate::runtime()?.block_on(
        stream::iter(messages.iter().enumerate())
            .map(|(i, m)| {
                let v = if crate::line_endings(&m.bytes) == LineEndings::NormalizeLf { &lf } else { &crlf };
                let bar = &bar;
                async move {
                    let r = v.verify_bytes(&m.bytes).await.map_err(|e| e.to_string());
                    bar.inc(1);
                    (i, r)
                }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect(),
    );
    bar.finish_and_clear();
    let mut outcomes = outcomes;
    outcomes.sort_by_key(|(i, _)| *i);

    let mut out = std::io::stdout().lock();
    let mut summary = Summary::default();
    for (i, outcome) in &outcomes {
        let label = &messages[*i].label;
        summary.add(outcome);
        if json {
            match outcome {
                Ok(results) => {
                    let sigs: Vec<String> = results.iter().map(|r| format!("{{{}}}", result_members(r))).collect();
                    writeln!(out, "{{\"message\":{},\"signatures\":[{}]}}", json_string(label), sigs.join(","))?;
                }
                Err(e) => writeln!(out, "{{\"message\":{},\"error\":{}}}", json_string(label), json_string(e))?,
            }
        } else {
            writeln!(out, "{label}: {}", one_line(outcome))?;
        }
    }
    out.flush()?;
    if json {
        summary.print(&mut std::io::stderr().lock())?;
    } else {
        writeln!(out)?;
        summary.print(&mut out)?;
    }
    Ok(if summary.all_pass() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn one_line(outcome: &Result<Vec<SignatureResult>, String>) -> String {
    match outcome {
        Err(e) => format!("error: {e}"),
        Ok(r) if r.is_empty() => "none (not signed)".into(),
        Ok(results) => results
            .iter()
            .map(|r| {
                let mut s =
                    format!("{} d={} s={}", r.verdict(), r.domain().unwrap_or("?"), r.selector().unwrap_or("?"));
                if let Some(reason) = r.reason() {
                    s.push_str(&format!(" ({reason})"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Counts by signing domain, and the reasons signatures did not pass.
#[derive(Default)]
struct Summary {
    messages: usize,
    passed: usize,
    unsigned: usize,
    errors: usize,
    /// d= -> (pass, not pass).
    domains: BTreeMap<String, (usize, usize)>,
    reasons: BTreeMap<String, usize>,
}

impl Summary {
    fn add(&mut self, outcome: &Result<Vec<SignatureResult>, String>) {
        self.messages += 1;
        let results = match outcome {
            Err(e) => {
                self.errors += 1;
                *self.reasons.entry(format!("unreadable message: {e}")).or_default() += 1;
                return;
            }
            Ok(r) => r,
        };
        if results.is_empty() {
            self.unsigned += 1;
        }
        if results.iter().any(|r| r.verdict() == Verdict::Pass) {
            self.passed += 1;
        }
        for r in results {
            let counts = self.domains.entry(r.domain().unwrap_or("?").to_ascii_lowercase()).or_default();
            if r.verdict() == Verdict::Pass {
                counts.0 += 1;
            } else {
                counts.1 += 1;
                let reason = r.reason().map_or_else(|| r.verdict().to_string(), |x| x.to_string());
                *self.reasons.entry(reason).or_default() += 1;
            }
        }
    }

    fn all_pass(&self) -> bool {
        self.passed == self.messages
    }

    fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        let failed = self.messages - self.passed - self.unsigned - self.errors;
        writeln!(
            out,
            "{} messages: {} pass, {} fail, {} none (not signed), {} unreadable",
            self.messages, self.passed, failed, self.unsigned, self.errors
        )?;
        if !self.domains.is_empty() {
            writeln!(out, "by signing domain (signatures):")?;
            let mut domains: Vec<_> = self.domains.iter().collect();
            domains.sort_by_key(|(d, (p, f))| (std::cmp::Reverse(p + f), (*d).clone()));
            for (d, (p, f)) in domains {
                writeln!(out, "  {d:<30} {p:>6} pass {f:>6} fail")?;
            }
        }
        if !self.reasons.is_empty() {
            writeln!(out, "commonest reasons:")?;
            let mut reasons: Vec<_> = self.reasons.iter().collect();
            reasons.sort_by_key(|(r, n)| (std::cmp::Reverse(**n), (*r).clone()));
            for (r, n) in reasons.into_iter().take(5) {
                writeln!(out, "  {n:>6}  {r}")?;
            }
        }
        Ok(())
    }
}
