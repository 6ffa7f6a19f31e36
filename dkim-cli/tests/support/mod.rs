//! What the CLI tests share: a loopback DNS server.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, SocketAddr};

use hickory_server::proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_server::proto::rr::rdata::TXT;
use hickory_server::proto::rr::{RData, Record};

/// A loopback UDP DNS server answering each query with `reply(query)`; it
/// stops with the test's runtime.
pub(crate) async fn dns_server(reply: impl Fn(&Message) -> Message + Send + 'static) -> SocketAddr {
    let socket = tokio::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
            let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
            let _ = socket.send_to(&reply(&query).to_vec().unwrap(), peer).await;
        }
    });
    addr
}

/// The answer of an authoritative server holding `records` (owner, TTL,
/// strings): the TXT records at the queried name, or NXDOMAIN; with the AD
/// bit (DNSSEC-validated, as a validating resolver says) when `ad`.
pub(crate) fn zone_reply(query: &Message, records: &[(String, u32, Vec<Vec<u8>>)], ad: bool) -> Message {
    let qname = query.queries[0].name.clone();
    let wanted = qname.to_string();
    let found: Vec<Record> = records
        .iter()
        .filter(|(owner, _, _)| owner.trim_end_matches('.').eq_ignore_ascii_case(wanted.trim_end_matches('.')))
        .map(|(_, ttl, strings)| {
            Record::from_rdata(
                qname.clone(),
                *ttl,
                RData::TXT(TXT::from_bytes(strings.iter().map(Vec::as_slice).collect())),
            )
        })
        .collect();
    let mut reply = if found.is_empty() {
        Message::error_msg(query.metadata.id, OpCode::Query, ResponseCode::NXDomain)
    } else {
        Message::new(query.metadata.id, MessageType::Response, OpCode::Query)
    };
    reply.metadata.authoritative = true;
    reply.metadata.authentic_data = ad;
    reply.add_queries(query.queries.clone());
    reply.add_answers(found);
    reply
}

/// The TXT records of a zone file: (owner, TTL, strings).
pub(crate) fn zone_records(path: &std::path::Path) -> Vec<(String, u32, Vec<Vec<u8>>)> {
    let zone = dkim::dns::ZoneFile::from_path(path).unwrap();
    zone.txt_records().map(|(n, ttl, r)| (n.to_string(), ttl, r.strings().to_vec())).collect()
}
