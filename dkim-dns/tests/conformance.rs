//! The core's table test over the corpus' `*/expected.tsv` (found by
//! `dkim_testkit::Corpus`; skipped without it), with keys from real
//! backends: once through `ZoneFile` on the corpus zones, once
//! through `DnsClient` against an authoritative server on 127.0.0.1 serving
//! the same zones (hickory-server, or Knot DNS with `DKIM_DNS_SERVER=knot`).
//! Names the zones mark `SERVFAIL` are asked of a server that answers
//! SERVFAIL, names marked `TIMEOUT` of one that never answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use dkim_core::{HeaderStatus, Policy, SignatureResult, Step, Verifier};
use dkim_dns::{DnsClient, KeySource, Lookup, ZoneData, ZoneFile};
use dkim_testkit::{Corpus, ExpectedRow};
use hickory_server::proto::op::ResponseCode;
use support::{Misbehaviour, Rr};

/// A corpus row with its message read (CRLF) once.
struct Row {
    row: ExpectedRow,
    message: Vec<u8>,
}

fn rows(corpus: &Corpus) -> Vec<Row> {
    corpus.expected_rows().into_iter().map(|row| Row { message: row.crlf(), row }).collect()
}

async fn verify<K: KeySource>(
    message: &[u8],
    keys: &K,
    policy: Policy,
    now: u64,
) -> Result<Vec<SignatureResult>, String> {
    let mut v = Verifier::new(policy, now);
    let body_at = match v.headers(message).map_err(|e| e.to_string())? {
        HeaderStatus::Complete(n) => n,
        HeaderStatus::Partial => message.len(),
    };
    while let Step::NeedKeys(requests) = v.step() {
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

/// Runs every row under both policies with `keys_for(zone)`; returns the
/// number of verifications and the failures.
async fn run_table<K: KeySource>(rows: &[Row], keys: &BTreeMap<String, K>) -> (usize, Vec<String>) {
    let mut checks = 0;
    let mut failures = Vec::new();
    for Row { row, message } in rows {
        let keys = &keys[&row.zone_name()];
        for (want, policy, name) in
            [(&row.expected, Policy::default(), "default"), (&row.legacy, Policy::legacy(), "legacy")]
        {
            checks += 1;
            let got = match verify(message, keys, policy, row.now_or_any()).await {
                Ok(results) => row.verdict_in(&results),
                Err(e) => format!("error: {e}"),
            };
            if got != *want {
                failures.push(format!("{row} ({name}): want {want}, got {got}"));
            }
        }
    }
    (checks, failures)
}

/// Every row's zone, read once, by [`ExpectedRow::zone_name`].
fn zone_files(rows: &[Row]) -> BTreeMap<String, ZoneFile> {
    rows.iter()
        .map(|r| (r.row.zone_name(), &r.row))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .map(|(name, row)| (name, row.zone()))
        .collect()
}

#[tokio::test]
async fn table_through_zone_file() {
    let Some(corpus) = Corpus::open("dkim-dns conformance through ZoneFile") else { return };
    let rows = rows(&corpus);
    let zones = zone_files(&rows);
    let (checks, failures) = run_table(&rows, &zones).await;
    corpus.report(checks, "verifications", rows.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checks, 2 * rows.len());
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
    let Some(corpus) = Corpus::open("dkim-dns conformance through DnsClient") else { return };
    let rows = rows(&corpus);
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
        let client = |addr| DnsClient::new([addr]).timeout(Duration::from_millis(1500)).attempts(1);
        sources.insert(
            path.clone(),
            OverDns {
                marks,
                authoritative: client(server.addr()),
                servfail: client(servfail.addr),
                silent: DnsClient::new([silent.addr]).timeout(Duration::from_millis(100)).attempts(1),
            },
        );
        servers.push(server);
    }
    assert!(marked_servfail > 0 && marked_timeout > 0, "the corpus marks SERVFAIL and TIMEOUT names");
    let (checks, failures) = run_table(&rows, &sources).await;
    corpus.report(checks, &format!("verifications (server: {})", support::backend()), rows.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checks, 2 * rows.len());
}
