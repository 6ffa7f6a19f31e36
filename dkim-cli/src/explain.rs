//! `dkim explain`: each signature's tags in words, its verdict, and the
//! library's diagnoses (what went wrong and what to do).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use dkim::diagnose::{DiagnoseInput, Diagnosis, diagnose, wrong_name_candidates};
use dkim::dns::{KeySource, Lookup};
use dkim::{Reason, SignatureResult, TxtRecord};

use dkim::arc::{ArcResult, ChainStatus};

use crate::verify::{exit_status, result_members, verifier};
use crate::{Fatal, json_members, json_object, json_string, wrap};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    keys: crate::KeyArgs,
    /// The current time (Unix seconds).
    #[arg(long)]
    now: Option<u64>,
    /// One JSON object per signature (and one for the message) on standard output.
    #[arg(long)]
    json: bool,
    /// The message (default or `-`: standard input).
    file: Option<PathBuf>,
}

pub(crate) fn run(a: Args) -> Result<ExitCode, Fatal> {
    let keys = a.keys.source()?;
    let message = crate::read_input(a.file.as_deref())?;
    let le = crate::line_endings(&message);
    let now = a.now.unwrap_or_else(crate::now_unix);
    let recording = Recording { keys: &keys, seen: Mutex::new(Vec::new()) };
    let results = crate::runtime()?.block_on(async {
        let results = verifier(&recording, le, Some(now)).verify_bytes(&message).await?;
        // For keys not found, also look at the names people publish them at by mistake.
        for r in results.iter().filter(|r| matches!(r.reason(), Some(Reason::NoRecord { .. }))) {
            for name in wrong_name_candidates(r) {
                recording.lookup_txt(&name).await;
            }
        }
        Ok::<_, Fatal>(results)
    })?;
    let lookups = recording.seen.into_inner().unwrap_or_default();
    let diagnoses = diagnose(&DiagnoseInput::new(&results).header(&message).lookups(lookups));
    // The ARC chain, when the message carries one.
    let (_, chain) = crate::arc::check(&message, &keys, le, Some(now))?;
    let chain = (chain.status() != ChainStatus::None || chain.reason().is_some()).then_some(chain);
    let mut out = std::io::stdout().lock();
    if a.json {
        write_json(&mut out, &results, &diagnoses)?;
        if let Some(chain) = &chain {
            writeln!(out, "{}", arc_json(chain))?;
        }
    } else {
        write_text(&mut out, &results, &diagnoses, now)?;
        if let Some(chain) = &chain {
            write_arc(&mut out, chain)?;
        }
    }
    out.flush()?;
    Ok(exit_status(&results))
}

/// A key source that remembers what it answered, for the diagnoses.
struct Recording<'a> {
    keys: &'a crate::Keys,
    seen: Mutex<Vec<(String, Option<Vec<TxtRecord>>)>>,
}

impl KeySource for Recording<'_> {
    async fn lookup_txt(&self, name: &str) -> Lookup {
        let answer = self.keys.lookup_txt(name).await;
        let records = match &answer {
            Lookup::Found(a) => Some(a.records().to_vec()),
            _ => None,
        };
        if let Ok(mut seen) = self.seen.lock() {
            seen.push((name.to_string(), records));
        }
        answer
    }
}

/// The diagnoses about signature `i`, or about the message for `None`.
fn about(diagnoses: &[Diagnosis], i: Option<usize>) -> impl Iterator<Item = &Diagnosis> {
    diagnoses.iter().filter(move |d| d.signature() == i)
}

fn write_json(out: &mut impl Write, results: &[SignatureResult], diagnoses: &[Diagnosis]) -> std::io::Result<()> {
    for (i, r) in results.iter().enumerate() {
        let codes: Vec<String> = about(diagnoses, Some(i)).map(diagnosis_json).collect();
        writeln!(out, "{{{},\"diagnoses\":[{}]}}", result_members(r), codes.join(","))?;
    }
    let codes: Vec<String> = about(diagnoses, None).map(diagnosis_json).collect();
    writeln!(out, "{{\"message\":true,\"signatures\":{},\"diagnoses\":[{}]}}", results.len(), codes.join(","))
}

fn diagnosis_json(d: &Diagnosis) -> String {
    json_object(&[
        ("code", Some(d.code().as_str())),
        ("severity", Some(d.severity().as_str())),
        ("message", Some(d.message())),
    ])
}

fn write_text(
    out: &mut impl Write,
    results: &[SignatureResult],
    diagnoses: &[Diagnosis],
    now: u64,
) -> std::io::Result<()> {
    if results.is_empty() {
        writeln!(out, "The message has no DKIM-Signature field.")?;
    }
    for (i, r) in results.iter().enumerate() {
        writeln!(out, "Signature {} of {}: {}", i + 1, results.len(), r.verdict())?;
        write_tags(out, r, now)?;
        if let Some(reason) = r.reason() {
            writeln!(out, "  verdict:   {} ({reason})", r.verdict())?;
        }
        for d in about(diagnoses, Some(i)) {
            writeln!(out, "  {}", wrap(&format!("{} [{}]: {}", d.severity(), d.code(), d.message()), 76, "    "))?;
        }
    }
    for d in about(diagnoses, None) {
        writeln!(out, "{}", wrap(&format!("{} [{}]: {}", d.severity(), d.code(), d.message()), 78, "  "))?;
    }
    Ok(())
}

/// One line per tag that matters, in words.
fn write_tags(out: &mut impl Write, r: &SignatureResult, now: u64) -> std::io::Result<()> {
    let Some(sig) = r.signature() else { return Ok(()) };
    let mut line = |k: &str, v: String| writeln!(out, "{}", wrap(&format!("  {k:<10} {v}"), 78, "             "));
    line("d=", format!("{} (the domain that takes responsibility)", sig.domain()))?;
    line("s=", format!("{} (key at {}._domainkey.{})", sig.selector(), sig.selector(), sig.domain()))?;
    line("a=", sig.algorithm().as_str().to_string())?;
    line("h=", sig.signed_headers().as_str().replace(':', ", "))?;
    if let Some(l) = sig.body_length() {
        let tail =
            r.unsigned_body_bytes().map_or(String::new(), |n| format!("; {n} body bytes after it are not signed"));
        line("l=", format!("{l} bytes of the body are signed{tail}"))?;
    }
    if let Some(t) = sig.timestamp() {
        line("t=", format!("signed {} ago", age(now.saturating_sub(t))))?;
    }
    if let Some(x) = sig.expiration() {
        let left =
            if x > now { format!("expires in {}", age(x - now)) } else { format!("expired {} ago", age(now - x)) };
        line("x=", left)?;
    }
    Ok(())
}

/// The ARC chain in words: who sealed what, where it broke.
fn write_arc(out: &mut impl Write, chain: &ArcResult) -> std::io::Result<()> {
    let n = chain.instances();
    match (chain.status(), chain.oldest_pass()) {
        (ChainStatus::Pass, Some(1)) => {
            writeln!(out, "ARC chain: pass ({n} sets; the message is as it was when set 1 was added)")?;
        }
        (ChainStatus::Pass, Some(o)) => writeln!(
            out,
            "ARC chain: pass ({n} sets; changed before set {o} was added: what the sealers before it saw is not what arrived)"
        )?,
        (status, _) => {
            let reason = chain.reason().map(ToString::to_string).unwrap_or_default();
            writeln!(out, "{}", wrap(&format!("ARC chain: {status}: {reason}"), 78, "  "))?;
        }
    }
    let word = |v: Option<bool>| match v {
        Some(true) => "validates",
        Some(false) => "does not validate",
        None => "not checked",
    };
    for set in chain.sets() {
        let line = format!(
            "set {}: sealed by {} (s={}), after the checks of {} (cv={}); its message signature ({}) {}, its seal {}",
            set.instance(),
            set.seal_domain(),
            set.seal_selector(),
            if set.authserv_id().is_empty() { "?" } else { set.authserv_id() },
            set.chain_status(),
            set.message_signature_domain(),
            word(set.message_signature_valid()),
            word(set.seal_valid()),
        );
        writeln!(out, "  {}", wrap(&line, 76, "    "))?;
    }
    Ok(())
}

fn arc_json(chain: &ArcResult) -> String {
    let flag = |v: Option<bool>| v.map_or("null", |b| if b { "true" } else { "false" });
    let sets: Vec<String> = chain
        .sets()
        .iter()
        .map(|s| {
            format!(
                "{{\"instance\":{},{},\"message_signature_valid\":{},\"seal_valid\":{}}}",
                s.instance(),
                json_members(&[
                    ("sealer", Some(s.seal_domain())),
                    ("selector", Some(s.seal_selector())),
                    ("authserv_id", Some(s.authserv_id())),
                    ("cv", Some(s.chain_status().as_str())),
                ]),
                flag(s.message_signature_valid()),
                flag(s.seal_valid()),
            )
        })
        .collect();
    let reason = chain.reason().map(ToString::to_string).unwrap_or_default();
    let oldest = chain.oldest_pass().map_or_else(|| "null".to_string(), |o| o.to_string());
    format!(
        "{{\"arc\":true,\"cv\":{},\"instances\":{},\"oldest_pass\":{oldest},\"reason\":{},\"sets\":[{}]}}",
        json_string(chain.status().as_str()),
        chain.instances(),
        json_string(&reason),
        sets.join(",")
    )
}

fn age(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}
