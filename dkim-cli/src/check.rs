//! `dkim check-record` and `dkim check-key`: lint the published key record,
//! and check a private key against it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use dkim::diagnose::lint_record;
use dkim::dns::{KeySource, Lookup};
use dkim::key_record::looks_like_key_record;
use dkim::{KeyRecord, Limits, PublicKey, SigningKey, TxtRecord};

use crate::{Fatal, fatal, json_object, json_string, wrap};

#[derive(clap::Args)]
pub(crate) struct CheckRecordArgs {
    /// The signing domain (d=).
    #[arg(long)]
    domain: String,
    /// The selector (s=).
    #[arg(long)]
    selector: String,
    #[command(flatten)]
    keys: crate::KeyArgs,
    /// JSON on standard output.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub(crate) struct CheckKeyArgs {
    /// The private key (PKCS#8 or PKCS#1 PEM).
    #[arg(long)]
    key: PathBuf,
    /// The signing domain (d=).
    #[arg(long)]
    domain: String,
    /// The selector (s=).
    #[arg(long)]
    selector: String,
    #[command(flatten)]
    keys: crate::KeyArgs,
    /// JSON on standard output.
    #[arg(long)]
    json: bool,
}

/// One finding of `check-record` / `check-key`.
struct Finding {
    code: &'static str,
    severity: &'static str,
    message: String,
}

impl Finding {
    fn new(code: &'static str, severity: &'static str, message: impl Into<String>) -> Self {
        Self { code, severity, message: message.into() }
    }
}

/// What a command found: facts to print and findings.
#[derive(Default)]
struct Report {
    facts: Vec<(&'static str, String)>,
    findings: Vec<Finding>,
}

impl Report {
    fn fact(&mut self, name: &'static str, value: impl Into<String>) {
        self.facts.push((name, value.into()));
    }

    fn find(&mut self, code: &'static str, severity: &'static str, message: impl Into<String>) {
        self.findings.push(Finding::new(code, severity, message));
    }
}

pub(crate) fn run_record(a: CheckRecordArgs) -> Result<ExitCode, Fatal> {
    let keys = a.keys.source()?;
    let name = key_name(&a.selector, &a.domain);
    let answer = crate::runtime()?.block_on(keys.lookup_txt(&name));
    let mut report = Report::default();
    report.fact("name", name.clone());
    let records: Vec<TxtRecord> = match answer {
        Lookup::Found(found) => found.records().to_vec(),
        Lookup::NoRecord(_) => Vec::new(),
        other => {
            report.find(
                "temp-fail",
                "error",
                format!("The lookup of {name} failed for now: {}. Try again.", lookup_failure(&other)),
            );
            return print_report(&report, a.json);
        }
    };
    if let Some(r) = records.iter().find(|r| looks_like_key_record(&r.joined())) {
        record_facts(r, &mut report);
    }
    // The findings are the library's (the same as `dkim explain` gives for a signature's record).
    for d in lint_record(&name, &records) {
        report.find(d.code().as_str(), d.severity().as_str(), d.message());
    }
    print_report(&report, a.json)
}

pub(crate) fn run_key(a: CheckKeyArgs) -> Result<ExitCode, Fatal> {
    let private = crate::read_key(&a.key)?;
    let record = private.dns_record();
    let ours = KeyRecord::parse(record.text().as_bytes(), &Limits::default())
        .map_err(|e| fatal(format!("the key's own public half does not parse: {e}")))?
        .public_key()
        .cloned()
        .ok_or_else(|| fatal("the key has no public half"))?;
    let keys = a.keys.source()?;
    let name = key_name(&a.selector, &a.domain);
    let answer = crate::runtime()?.block_on(keys.lookup_txt(&name));
    let mut report = Report::default();
    report.fact("name", name.clone());
    report.fact("private", private.algorithm().as_str());
    let published: Vec<PublicKey> = match answer {
        Lookup::Found(found) => found
            .records()
            .iter()
            .filter_map(|r| KeyRecord::parse(&r.joined(), &Limits::default()).ok())
            .filter_map(|k| k.public_key().cloned())
            .collect(),
        Lookup::NoRecord(_) => {
            report.find("no-record", "error", format!("No key record at {name}: publish the public key there first."));
            Vec::new()
        }
        other => {
            report.find(
                "temp-fail",
                "error",
                format!("The lookup of {name} failed for now: {}.", lookup_failure(&other)),
            );
            Vec::new()
        }
    };
    report.fact("public", private.public_key_base64());
    if report.findings.is_empty() {
        if published.contains(&ours) {
            report.fact("match", "yes");
        } else if published.is_empty() {
            report.find("record-invalid", "error", format!("The record at {name} holds no usable public key."));
        } else {
            report.find("key-mismatch", "error", format!("The private key does not match the key published at {name}: signatures made with it will fail. Publish this key's public half, or sign with the key that belongs to the record."));
        }
    }
    print_report(&report, a.json)
}

fn key_name(selector: &str, domain: &str) -> String {
    format!("{selector}._domainkey.{}", domain.trim_end_matches('.'))
}

/// Why a lookup that found no records and no "no record" failed.
fn lookup_failure(answer: &Lookup) -> String {
    match answer {
        Lookup::TempFail(t) => t.cause().to_string(),
        _ => "an answer of a kind this tool does not know".into(),
    }
}

/// What `check-record` shows of the record besides the findings.
fn record_facts(r: &TxtRecord, report: &mut Report) {
    let joined = r.joined();
    report.fact("record", String::from_utf8_lossy(&joined).to_string());
    report.fact("strings", r.strings().len().to_string());
    if let Ok(k) = KeyRecord::parse(&joined, &Limits::default()) {
        report.fact("key_type", format!("{:?}", k.key_type()).to_ascii_lowercase());
        if let Some(key) = k.public_key() {
            report.fact("bits", key.bits().to_string());
        }
    }
}

/// Prints the facts and findings; exit 1 when a finding is more than a note.
fn print_report(report: &Report, json: bool) -> Result<ExitCode, Fatal> {
    let problems = report.findings.iter().any(|f| f.severity != "note");
    let mut out = std::io::stdout().lock();
    if json {
        let mut fields: Vec<String> =
            report.facts.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
        let list: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                json_object(&[("code", Some(f.code)), ("severity", Some(f.severity)), ("message", Some(&f.message))])
            })
            .collect();
        fields.push(format!("\"ok\":{}", !problems));
        fields.push(format!("\"findings\":[{}]", list.join(",")));
        writeln!(out, "{{{}}}", fields.join(","))?;
    } else {
        for (k, v) in &report.facts {
            writeln!(out, "{}", wrap(&format!("{k:<9} {v}"), 78, "          "))?;
        }
        if report.findings.is_empty() {
            writeln!(out, "ok: no problems found")?;
        }
        for f in &report.findings {
            writeln!(out, "{}", wrap(&format!("{} [{}]: {}", f.severity, f.code, f.message), 78, "  "))?;
        }
    }
    out.flush()?;
    Ok(if problems { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
