//! `DnsClient` against real servers on 127.0.0.1: an authoritative server
//! (in-process hickory-server, or Knot DNS with `DKIM_DNS_SERVER=knot`) and
//! misbehaving ones. Every classification of the issue has a test here.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::Ipv4Addr;
use std::time::Duration;

use dkim_core::{KeyAnswer, Policy, Verdict, Verifier};
use dkim_dns::{DnsClient, KeySource, Lookup, NoRecordKind, TempFailCause};
use hickory_server::proto::op::ResponseCode;
use support::{Entry, Misbehaviour, NEGATIVE_TTL, Rr};

const ED25519_RECORD: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fn txt(strings: &[&str]) -> Rr {
    Rr::Txt(strings.iter().map(|s| s.as_bytes().to_vec()).collect())
}

fn rsa4096_record() -> String {
    let p = include_str!("data/rsa4096.spki.b64").trim();
    format!("v=DKIM1; k=rsa; p={p}")
}

/// The record split into 255-byte strings, as a zone file holds it.
fn split255(s: &str) -> Rr {
    Rr::Txt(s.as_bytes().chunks(255).map(<[u8]>::to_vec).collect())
}

fn zone() -> Vec<Entry> {
    let e = |n: &str, ttl: u32, rr: Rr| (n.to_string(), ttl, rr);
    let mut z = vec![
        e("ed._domainkey.example.com", 3600, txt(&[ED25519_RECORD])),
        e(
            "split._domainkey.example.com",
            600,
            txt(&["v=DKIM1; k=ed25519; ", "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]),
        ),
        e("multi._domainkey.example.com", 900, txt(&[ED25519_RECORD])),
        e("multi._domainkey.example.com", 900, txt(&["v=spf1 -all"])),
        e("big._domainkey.example.com", 3600, split255(&rsa4096_record())),
        e("host.example.com", 3600, Rr::A(Ipv4Addr::new(192, 0, 2, 1))),
        e("alias._domainkey.example.com", 120, Rr::Cname("ed._domainkey.example.com".into())),
        e("alias2._domainkey.example.com", 60, Rr::Cname("alias._domainkey.example.com".into())),
        e("dangling._domainkey.example.com", 60, Rr::Cname("nothing.example.com".into())),
        e("loop1.example.com", 60, Rr::Cname("loop2.example.com".into())),
        e("loop2.example.com", 60, Rr::Cname("loop1.example.com".into())),
    ];
    for i in 0..12 {
        z.push(e(&format!("c{i}.example.com"), 60, Rr::Cname(format!("c{}.example.com", i + 1))));
    }
    z.push(e("c12.example.com", 60, txt(&[ED25519_RECORD])));
    z
}

fn client(addr: std::net::SocketAddr) -> DnsClient {
    DnsClient::new([addr]).timeout(Duration::from_millis(1500)).attempts(1)
}

fn found(l: Lookup) -> dkim_dns::TxtAnswer {
    match l {
        Lookup::Found(a) => a,
        other => panic!("expected records, got {other:?}"),
    }
}

fn temp_cause(l: Lookup) -> TempFailCause {
    match l {
        Lookup::TempFail(t) => t.cause().clone(),
        other => panic!("expected a temporary failure, got {other:?}"),
    }
}

#[tokio::test]
async fn records_ttl_and_separate_strings() {
    let server = support::authoritative(&zone()).await;
    let c = client(server.addr());
    let a = found(c.lookup_txt("ed._domainkey.example.com").await);
    assert_eq!(a.records().len(), 1);
    assert_eq!(a.records()[0].joined(), ED25519_RECORD.as_bytes());
    assert_eq!(a.ttl(), 3600);
    assert_eq!(a.dnssec(), dkim_dns::Dnssec::NotAuthenticated, "a test zone is not DNSSEC-signed");
    // Case and the final dot do not matter.
    let a = found(c.lookup_txt("ED._DomainKey.Example.COM.").await);
    assert_eq!(a.records().len(), 1);
    let a = found(c.lookup_txt("split._domainkey.example.com").await);
    assert_eq!(a.records()[0].strings().len(), 2, "strings are kept apart");
    assert_eq!(a.records()[0].strings()[0], b"v=DKIM1; k=ed25519; ");
    assert_eq!(a.ttl(), 600);
    println!("backend: {}", support::backend());
}

#[tokio::test]
async fn several_records_are_all_returned() {
    let server = support::authoritative(&zone()).await;
    let a = found(client(server.addr()).lookup_txt("multi._domainkey.example.com").await);
    let mut texts: Vec<Vec<u8>> = a.records().iter().map(|r| r.joined()).collect();
    texts.sort();
    assert_eq!(texts, [ED25519_RECORD.as_bytes().to_vec(), b"v=spf1 -all".to_vec()]);
}

#[tokio::test]
async fn nxdomain_and_nodata_are_no_record() {
    let server = support::authoritative(&zone()).await;
    let c = client(server.addr());
    let Lookup::NoRecord(nx) = c.lookup_txt("missing._domainkey.example.com").await else { panic!("NXDOMAIN") };
    assert_eq!(nx.kind(), NoRecordKind::NxDomain);
    assert_eq!(nx.negative_ttl(), Some(NEGATIVE_TTL));
    let Lookup::NoRecord(nodata) = c.lookup_txt("host.example.com").await else { panic!("NODATA") };
    assert_eq!(nodata.kind(), NoRecordKind::NoData);
    assert_eq!(KeyAnswer::from(Lookup::NoRecord(nodata)), KeyAnswer::NoRecord);
}

#[tokio::test]
async fn cnames_are_followed_and_bounded() {
    let server = support::authoritative(&zone()).await;
    let c = client(server.addr());
    let a = found(c.lookup_txt("alias2._domainkey.example.com").await);
    assert_eq!(a.records()[0].joined(), ED25519_RECORD.as_bytes());
    assert_eq!(a.ttl(), 60, "the smallest TTL along the chain");
    let Lookup::NoRecord(nx) = c.lookup_txt("dangling._domainkey.example.com").await else { panic!("dangling") };
    assert_eq!(nx.kind(), NoRecordKind::NxDomain);
    assert_eq!(temp_cause(c.lookup_txt("loop1.example.com").await), TempFailCause::CnameChain);
    // 12 CNAMEs: over the default bound of 8, within a bound of 16.
    assert_eq!(temp_cause(c.lookup_txt("c0.example.com").await), TempFailCause::CnameChain);
    let a = found(client(server.addr()).max_cnames(16).lookup_txt("c0.example.com").await);
    assert_eq!(a.records().len(), 1);
}

#[tokio::test]
async fn a_4096_bit_key_arrives_through_edns_and_through_tcp() {
    let record = rsa4096_record();
    assert!(record.len() > 512);
    // UDP only: the answer must fit the EDNS payload.
    let udp_only = support::hickory(&zone(), true, false).await;
    let a = found(client(udp_only.addr()).lookup_txt("big._domainkey.example.com").await);
    assert_eq!(a.records()[0].joined(), record.as_bytes());
    assert_eq!(a.records()[0].strings().len(), 3);
    // Without EDNS the UDP answer is truncated: with no TCP there is no answer...
    let no_edns = |addr| client(addr).edns_payload(None);
    let cause = temp_cause(no_edns(udp_only.addr()).lookup_txt("big._domainkey.example.com").await);
    assert!(matches!(cause, TempFailCause::Network(_)), "{cause:?}");
    // ...and with TCP the whole record arrives.
    let server = support::authoritative(&zone()).await;
    let a = found(no_edns(server.addr()).lookup_txt("big._domainkey.example.com").await);
    assert_eq!(a.records()[0].joined(), record.as_bytes());
    // The key parses as a 4096-bit RSA key.
    let key = dkim_core::KeyRecord::parse(&a.records()[0].joined(), &dkim_core::Limits::default()).unwrap();
    assert_eq!(key.public_key().map(|k| k.bits()), Some(4096));
}

#[tokio::test]
async fn servfail_refused_timeout_and_refused_connections_are_temporary() {
    let servfail = support::misbehaving(Misbehaviour::Rcode(ResponseCode::ServFail)).await;
    let refused = support::misbehaving(Misbehaviour::Rcode(ResponseCode::Refused)).await;
    let silent = support::misbehaving(Misbehaviour::Silent).await;
    let name = "ed._domainkey.example.com";
    assert_eq!(temp_cause(client(servfail.addr).lookup_txt(name).await), TempFailCause::ServFail);
    assert_eq!(temp_cause(client(refused.addr).lookup_txt(name).await), TempFailCause::Refused);
    let quick = |addr| DnsClient::new([addr]).timeout(Duration::from_millis(200)).attempts(2);
    let started = std::time::Instant::now();
    assert_eq!(temp_cause(quick(silent.addr).lookup_txt(name).await), TempFailCause::Timeout);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400) && waited < Duration::from_secs(3), "two 200 ms tries: {waited:?}");
    let cause = temp_cause(quick(support::closed_port()).lookup_txt(name).await);
    assert!(matches!(cause, TempFailCause::Network(_)), "{cause:?}");
    assert_eq!(
        KeyAnswer::from(client(servfail.addr).lookup_txt(name).await),
        KeyAnswer::TempFail(TempFailCause::ServFail)
    );
}

#[tokio::test]
async fn forged_answers_are_not_believed() {
    let wrong_id = support::misbehaving(Misbehaviour::WrongId).await;
    let wrong_name = support::misbehaving(Misbehaviour::WrongName).await;
    let quick = |addr| DnsClient::new([addr]).timeout(Duration::from_millis(300)).attempts(1);
    let cause = temp_cause(quick(wrong_id.addr).lookup_txt("ed._domainkey.example.com").await);
    assert!(matches!(&cause, TempFailCause::BadResponse(why) if why.contains("ID")), "{cause:?}");
    let cause = temp_cause(quick(wrong_name.addr).lookup_txt("ed._domainkey.example.com").await);
    assert!(matches!(&cause, TempFailCause::BadResponse(why) if why.contains("forged.example")), "{cause:?}");
}

#[tokio::test]
async fn later_servers_answer_when_earlier_ones_fail() {
    let server = support::authoritative(&zone()).await;
    let silent = support::misbehaving(Misbehaviour::Silent).await;
    let servfail = support::misbehaving(Misbehaviour::Rcode(ResponseCode::ServFail)).await;
    let c = DnsClient::new([silent.addr, servfail.addr, server.addr()]).timeout(Duration::from_millis(200));
    let a = found(c.lookup_txt("ed._domainkey.example.com").await);
    assert_eq!(a.records().len(), 1);
}

/// The RFC 8463 Appendix A message (kept in `dkim-testkit`) verifies with
/// its keys fetched over DNS.
#[tokio::test]
async fn a_signature_verifies_with_a_key_from_dns() {
    use dkim_testkit::rfc8463;
    let message = rfc8463::MESSAGE;
    let mut entries = zone();
    for (name, ttl, record) in rfc8463::zone().txt_records() {
        entries.push((name.to_owned(), ttl, Rr::Txt(record.strings().to_vec())));
    }
    assert_eq!(entries.len(), zone().len() + 2, "the two A.2 records");
    let server = support::authoritative(&entries).await;
    let c2 = client(server.addr());
    let mut v = Verifier::new(Policy::default(), rfc8463::SIGNED_AT + 60);
    let dkim_core::HeaderStatus::Complete(body_at) = v.headers(message).unwrap() else { panic!("header") };
    while let dkim_core::Step::NeedKeys(requests) = v.step() {
        let requests: Vec<_> = requests.to_vec();
        for r in requests {
            let answer = c2.lookup_txt(r.name()).await;
            v.answer_key(r.id(), answer.into());
        }
    }
    v.body(&message[body_at..]);
    v.finish().unwrap();
    let results = v.into_results();
    assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass; 2], "{results:?}");
}
