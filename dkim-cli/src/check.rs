//! `dkim check-record` and `dkim check-key`: lint the published key record,
//! and check a private key against it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use dkim::dns::{KeySource, Lookup};
use dkim::key_record::looks_like_key_record;
use dkim::{KeyRecord, KeyType, Limits, PublicKey, SigningKey, TxtRecord};

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
    match answer {
        Lookup::Found(found) => {
            let records = found.records();
            let dkim: Vec<&TxtRecord> = records.iter().filter(|r| looks_like_key_record(&r.joined())).collect();
            if records.len() > 1 {
                let severity = if dkim.len() > 1 { "error" } else { "note" };
                report.find("record-several", severity, format!("{} TXT records at {name}; {} of them look like DKIM key records. Only one DKIM record may be published at a selector.", records.len(), dkim.len()));
            }
            match dkim.first() {
                None => report.find(
                    "record-not-dkim",
                    "error",
                    format!("The TXT record at {name} is not a DKIM key record (no v=DKIM1 and no p=)."),
                ),
                Some(r) => lint_record(r, &mut report),
            }
        }
        Lookup::NoRecord(_) => report.find("key-not-found", "error", format!("No TXT record at {name}. Publish the key there (selector {}, domain {}); a record at {} or _domainkey.{} is at the wrong name.", a.selector, a.domain, a.domain, a.domain)),
        other => report.find(
            "key-lookup-failed",
            "error",
            format!("The lookup of {name} failed for now: {}. Try again.", lookup_failure(&other)),
        ),
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
            report.find(
                "key-not-found",
                "error",
                format!("No key record at {name}: publish the public key there first."),
            );
            Vec::new()
        }
        other => {
            report.find(
                "key-lookup-failed",
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

fn lint_record(r: &TxtRecord, report: &mut Report) {
    let joined = r.joined();
    let text = String::from_utf8_lossy(&joined).to_string();
    report.fact("record", text.clone());
    report.fact("strings", r.strings().len().to_string());
    if let Some(p) = text.split(';').map(str::trim).find_map(|t| t.strip_prefix("p=")) {
        if p.contains('"') {
            report.find("record-quotes-in-p", "error", "The p= value contains quote characters: the record's strings were pasted with their quotes. Publish the key as separate strings, or as one value without quotes inside.");
        } else if p.trim().contains([' ', '\t']) {
            report.find("record-joined-with-spaces", "error", "The p= value contains spaces: the record was split into strings that were joined with spaces. DNS strings are joined with nothing; remove the spaces.");
        }
    }
    if !text.trim_start().starts_with("v=DKIM1") {
        report.find(
            "record-no-version",
            "note",
            "The record has no v=DKIM1 at its start; it is accepted, but adding it is recommended.",
        );
    }
    match KeyRecord::parse(&joined, &Limits::default()) {
        Err(e) => report.find("record-invalid", "error", format!("The record does not parse: {e}.")),
        Ok(k) => lint_parsed(&k, joined.len(), report),
    }
}

/// The checks on a record that parses (`len`: its size in bytes).
fn lint_parsed(k: &KeyRecord, len: usize, report: &mut Report) {
    report.fact("key_type", format!("{:?}", k.key_type()).to_ascii_lowercase());
    if k.is_revoked() {
        report.find(
            "key-revoked",
            "error",
            "The record has an empty p=: the key is revoked, every signature with it fails.",
        );
    }
    if let Some(key) = k.public_key() {
        report.fact("bits", key.bits().to_string());
        if key.key_type() == KeyType::Rsa {
            lint_rsa_bits(key.bits(), len, report);
        }
    }
    if k.is_testing() {
        report.find(
            "testing-mode",
            "warning",
            "The key is in testing mode (t=y): receivers may ignore failures. Remove t=y once signing works.",
        );
    }
    if k.hash_algorithms().is_some_and(|h| !h.iter().any(|a| a == "sha256")) {
        report.find(
            "record-hash-no-sha256",
            "error",
            "The record's h= does not list sha256: rsa-sha256 and ed25519-sha256 signatures are refused.",
        );
    }
    if !k.allows_email() {
        report.find(
            "record-service-not-email",
            "error",
            "The record's s= does not include email or *: it cannot be used for mail.",
        );
    }
}

fn lint_rsa_bits(bits: u32, len: usize, report: &mut Report) {
    if bits < 1024 {
        report.find(
            "key-too-short",
            "error",
            format!("A {bits}-bit RSA key is refused by verifiers (RFC 8301). Publish a 2048-bit key."),
        );
    } else if bits < 2048 {
        report.find("key-weak", "warning", format!("A {bits}-bit RSA key is weak; 2048 bits is the norm."));
    } else if bits > 2048 {
        report.find(
            "key-large-record",
            "note",
            format!("A {bits}-bit key makes a {len}-byte record, more than some DNS providers accept."),
        );
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
