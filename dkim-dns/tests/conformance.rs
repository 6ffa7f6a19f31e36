//! The core's table test over `../shared/testdata/*/expected.tsv`, with keys
//! from real backends: once through `ZoneFile` on the testdata zones, once
//! through `DnsClient` against an authoritative server on 127.0.0.1 serving
//! the same zones (hickory-server, or Knot DNS with `DKIM_DNS_SERVER=knot`).
//! Names the zones mark `SERVFAIL` are asked of a server that answers
//! SERVFAIL, names marked `TIMEOUT` of one that never answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../dkim-core/tests/common/mod.rs"]
mod common;
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use dkim_core::{HeaderStatus, Policy, SignatureResult, Step, Verifier};
use dkim_dns::{DnsClient, KeySource, Lookup, ZoneData, ZoneFile};
use hickory_server::proto::op::ResponseCode;
use support::{Misbehaviour, Rr};

const ANY_NOW: u64 = 1_795_000_000;
const FOLDERS: &[&str] = &["rfc8463", "rfc6376", "mail-dkim", "go-msgauth", "dkimpy", "mail-auth"];
const EXPECTED_ROWS: usize = 120;

struct Row {
    message: Vec<u8>,
    sig: String,
    expected: String,
    legacy: String,
    zone: String,
    now: u64,
    label: String,
}

fn rows() -> Vec<Row> {
    let root = support::testdata();
    let mut rows = Vec::new();
    for folder in FOLDERS {
        let dir = root.join(folder);
        for row in common::tsv(&dir.join("expected.tsv")) {
            let [message, sig, _d, _s, expected, legacy, _up, _reason, dns, eol, now] = &row[..] else {
                panic!("{folder}: malformed row {row:?}");
            };
            let raw = std::fs::read(dir.join(message)).unwrap_or_else(|e| panic!("{folder}/{message}: {e}"));
            let message_bytes = if eol == "lf" {
                raw.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect()
            } else {
                raw
            };
            rows.push(Row {
                message: message_bytes,
                sig: sig.clone(),
                expected: expected.clone(),
                legacy: legacy.clone(),
                zone: format!("{folder}/{dns}"),
                now: if now == "-" { ANY_NOW } else { now.parse().expect("now column") },
                label: format!("{folder}/{message} sig {sig}"),
            });
        }
    }
    assert_eq!(rows.len(), EXPECTED_ROWS, "every expected.tsv row must be read");
    rows
}

async fn verify<K: KeySource>(message: &[u8], keys: &K, policy: Policy) -> Result<Vec<SignatureResult>, String> {
    let mut v = Verifier::new(policy);
    let body_at = match v.headers(message).map_err(|e| e.to_string())? {
        HeaderStatus::Complete(n) => n,
        HeaderStatus::Partial => message.len(),
    };
    while let Step::NeedKeys(requests) = v.step() {
        let requests = requests.to_vec();
        for r in requests {
            let answer = keys.lookup_txt(r.name()).await;
            v.answer_key(r.id(), answer.into());
        }
    }
    v.body(&message[body_at..]);
    v.finish().map_err(|e| e.to_string())?;
    match v.step() {
        Step::Done => Ok(v.into_results()),
        other => Err(format!("verifier not done: {other:?}")),
    }
}

fn verdict_word(results: &[SignatureResult], sig: &str) -> String {
    if sig == "-" {
        return if results.is_empty() { "none".into() } else { format!("{} signature(s)", results.len()) };
    }
    let n: usize = sig.parse().expect("sig column");
    results.get(n - 1).map_or_else(|| format!("no result for signature {n}"), |r| r.verdict().as_str().into())
}

/// Runs every row under both policies with `keys_for(zone)`; returns the
/// number of verifications and the failures.
async fn run_table<K: KeySource>(rows: &[Row], keys: &BTreeMap<String, K>) -> (usize, Vec<String>) {
    let mut checks = 0;
    let mut failures = Vec::new();
    for row in rows {
        let keys = &keys[&row.zone];
        for (want, policy, name) in
            [(&row.expected, Policy::default(), "default"), (&row.legacy, Policy::legacy(), "legacy")]
        {
            checks += 1;
            let got = match verify(&row.message, keys, policy.now(row.now)).await {
                Ok(results) => verdict_word(&results, &row.sig),
                Err(e) => format!("error: {e}"),
            };
            if got != *want {
                failures.push(format!("{} ({name}): want {want}, got {got}", row.label));
            }
        }
    }
    (checks, failures)
}

fn zone_files(rows: &[Row]) -> BTreeMap<String, ZoneFile> {
    let root = support::testdata();
    rows.iter()
        .map(|r| r.zone.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|z| {
            let zone = ZoneFile::from_path(root.join(&z)).unwrap_or_else(|e| panic!("{z}: {e}"));
            (z, zone)
        })
        .collect()
}

#[tokio::test]
async fn table_through_zone_file() {
    let rows = rows();
    let zones = zone_files(&rows);
    let (checks, failures) = run_table(&rows, &zones).await;
    println!("conformance through ZoneFile: {} rows, {checks} verifications, {} failures", rows.len(), failures.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checks, 2 * EXPECTED_ROWS);
}

/// Keys over DNS: the zone's names from its authoritative server, the
/// names it marks SERVFAIL or TIMEOUT from the misbehaving servers.
struct OverDns {
    marks: BTreeMap<String, &'static str>,
    authoritative: DnsClient,
    servfail: DnsClient,
    silent: DnsClient,
}

impl KeySource for OverDns {
    async fn lookup_txt(&self, name: &str) -> Lookup {
        let key = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        match self.marks.get(&key) {
            Some(&"servfail") => self.servfail.query_txt(name).await,
            Some(&"timeout") => self.silent.query_txt(name).await,
            _ => self.authoritative.query_txt(name).await,
        }
    }
}

#[tokio::test]
async fn table_through_dns_client() {
    let rows = rows();
    let zones = zone_files(&rows);
    let servfail = support::misbehaving(Misbehaviour::Rcode(ResponseCode::ServFail)).await;
    let silent = support::misbehaving(Misbehaviour::Silent).await;
    let mut servers = Vec::new();
    let mut sources = BTreeMap::new();
    let (mut marked_servfail, mut marked_timeout) = (0, 0);
    for (path, zone) in &zones {
        let mut entries = Vec::new();
        let mut marks = BTreeMap::new();
        for e in zone.entries() {
            match &e.data {
                ZoneData::Txt(record) => entries.push((e.name.clone(), e.ttl, Rr::Txt(record.strings().to_vec()))),
                ZoneData::Cname(target) => entries.push((e.name.clone(), e.ttl, Rr::Cname(target.clone()))),
                ZoneData::ServFail => {
                    marks.insert(e.name.clone(), "servfail");
                    marked_servfail += 1;
                }
                ZoneData::Timeout => {
                    marks.insert(e.name.clone(), "timeout");
                    marked_timeout += 1;
                }
                // Absent names are NXDOMAIN on the server anyway.
                _ => {}
            }
        }
        let server = support::authoritative(&entries).await;
        let client = |addr| DnsClient::new([addr]).with_timeout(Duration::from_millis(1500)).with_attempts(1);
        sources.insert(
            path.clone(),
            OverDns {
                marks,
                authoritative: client(server.addr()),
                servfail: client(servfail.addr),
                silent: DnsClient::new([silent.addr]).with_timeout(Duration::from_millis(100)).with_attempts(1),
            },
        );
        servers.push(server);
    }
    assert!(marked_servfail > 0 && marked_timeout > 0, "the testdata marks SERVFAIL and TIMEOUT names");
    let (checks, failures) = run_table(&rows, &sources).await;
    println!(
        "conformance through DnsClient ({}): {} rows, {checks} verifications, {} failures",
        support::backend(),
        rows.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checks, 2 * EXPECTED_ROWS);
}
