//! Test DNS servers on 127.0.0.1, started by the tests and stopped when
//! dropped: an authoritative server for a given zone (in-process
//! `hickory-server` by default, Knot DNS when `DKIM_DNS_SERVER=knot`), and
//! misbehaving ones (silent, error codes, forged answers).

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_server::proto::rr::rdata::{A, CNAME, NS, SOA, TXT};
use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordSet, RrKey};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

/// Record data the test zones use.
#[derive(Clone, Debug)]
pub enum Rr {
    /// A TXT record; each inner vector is one character-string.
    Txt(Vec<Vec<u8>>),
    /// A CNAME to an absolute name (no final dot needed).
    Cname(String),
    /// An A record.
    A(Ipv4Addr),
}

/// One record of a test zone: absolute owner name (no final dot), TTL, data.
pub type Entry = (String, u32, Rr);

/// The SOA minimum (negative-caching TTL) of every test zone.
pub const NEGATIVE_TTL: u32 = 300;

/// Which authoritative server the tests run against.
pub fn backend() -> &'static str {
    match std::env::var("DKIM_DNS_SERVER").as_deref() {
        Ok("knot") => "knot",
        _ => "hickory",
    }
}

/// An authoritative server for the root zone holding `entries`.
pub enum Authoritative {
    Hickory { addr: SocketAddr, server: Server<Catalog> },
    Knot { addr: SocketAddr, child: Child, dir: PathBuf },
}

impl Authoritative {
    /// The server's address (UDP and TCP on the same port).
    pub fn addr(&self) -> SocketAddr {
        match self {
            Self::Hickory { addr, .. } | Self::Knot { addr, .. } => *addr,
        }
    }
}

impl Drop for Authoritative {
    fn drop(&mut self) {
        match self {
            Self::Hickory { server, .. } => server.shutdown_token().cancel(),
            Self::Knot { child, dir, .. } => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

fn name(s: &str) -> Name {
    let s = s.strip_suffix('.').unwrap_or(s);
    let mut n = Name::from_labels(s.split('.').map(str::as_bytes)).unwrap_or_else(|e| panic!("name {s:?}: {e}"));
    n.set_fqdn(true);
    n
}

fn rdata(rr: &Rr) -> RData {
    match rr {
        Rr::Txt(strings) => RData::TXT(TXT::from_bytes(strings.iter().map(|s| s.as_slice()).collect())),
        Rr::Cname(target) => RData::CNAME(CNAME(name(target))),
        Rr::A(ip) => RData::A(A(*ip)),
    }
}

/// Starts the configured authoritative server ([`backend`]) for `entries`,
/// answering over UDP and TCP.
pub async fn authoritative(entries: &[Entry]) -> Authoritative {
    match backend() {
        "knot" => knot(entries).await,
        _ => hickory(entries, true, true).await,
    }
}

/// An in-process hickory-server for `entries`, with UDP and/or TCP.
pub async fn hickory(entries: &[Entry], udp: bool, tcp: bool) -> Authoritative {
    let origin = Name::root();
    let mut records: BTreeMap<RrKey, RecordSet> = BTreeMap::new();
    let soa = SOA::new(name("ns.test"), name("hostmaster.test"), 1, 3600, 600, 86400, NEGATIVE_TTL);
    let mut add = |owner: Name, ttl: u32, data: RData| {
        let key = RrKey::new(LowerName::from(&owner), data.record_type());
        let set = records.entry(key).or_insert_with(|| RecordSet::with_ttl(owner.clone(), data.record_type(), ttl));
        set.insert(Record::from_rdata(owner, ttl, data), 1);
    };
    add(origin.clone(), 3600, RData::SOA(soa));
    add(origin.clone(), 3600, RData::NS(NS(name("ns.test"))));
    for (owner, ttl, rr) in entries {
        add(name(owner), *ttl, rdata(rr));
    }
    let handler: InMemoryZoneHandler =
        InMemoryZoneHandler::new(origin.clone(), records, ZoneType::Primary, AxfrPolicy::Deny).expect("zone");
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::from(&origin), vec![Arc::new(handler)]);
    let mut server = Server::new(catalog);
    // UDP and TCP on one port: bind UDP on a random port, then TCP on it.
    for _ in 0..20 {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = socket.local_addr().unwrap();
        let listener = if tcp {
            match TcpListener::bind(addr).await {
                Ok(l) => Some(l),
                Err(_) => continue,
            }
        } else {
            None
        };
        if udp {
            server.register_socket(socket);
        }
        if let Some(l) = listener {
            server.register_listener(l, Duration::from_secs(5), 65_535);
        }
        return Authoritative::Hickory { addr, server };
    }
    panic!("no free port for the test DNS server");
}

/// The zone as an RFC 1035 master file (for Knot), names escaped.
pub fn master_file(entries: &[Entry]) -> String {
    fn owner(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                out.push(b as char);
            } else {
                out.push_str(&format!("\\{b:03}"));
            }
        }
        out.push('.');
        out
    }
    let mut z = format!(
        "$TTL 3600\n. 3600 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 {NEGATIVE_TTL}\n. 3600 IN NS ns.test.\nns.test. 3600 IN A 127.0.0.1\n"
    );
    for (name, ttl, rr) in entries {
        let data = match rr {
            Rr::Txt(strings) => {
                let mut d = String::from("TXT");
                for s in strings {
                    d.push_str(" \"");
                    for &b in s {
                        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
                            d.push_str(&format!("\\{b:03}"));
                        } else {
                            d.push(b as char);
                        }
                    }
                    d.push('"');
                }
                d
            }
            Rr::Cname(t) => format!("CNAME {}", owner(t)),
            Rr::A(ip) => format!("A {ip}"),
        };
        z.push_str(&format!("{} {ttl} IN {data}\n", owner(name)));
    }
    z
}

fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

/// Knot DNS (`knotd`, Debian package `knot`) serving `entries` on a random
/// loopback port, from a temporary directory removed when dropped.
pub async fn knot(entries: &[Entry]) -> Authoritative {
    let knotd = ["/usr/sbin/knotd", "/usr/bin/knotd"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("DKIM_DNS_SERVER=knot but knotd is not installed (apt-get install knot)");
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("dkim-dns-knot-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("root.zone"), master_file(entries)).unwrap();
    let conf = format!(
        "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n    udp-max-payload: 1232\n\
         log:\n  - target: stderr\n    any: warning\n\
         database:\n    storage: \"{d}\"\n\
         template:\n  - id: default\n    storage: \"{d}\"\n    zonefile-load: whole\n    journal-content: none\n    semantic-checks: off\n\
         zone:\n  - domain: .\n    file: root.zone\n",
        d = dir.display()
    );
    std::fs::write(dir.join("knot.conf"), conf).unwrap();
    let child = Command::new(knotd)
        .arg("-c")
        .arg(dir.join("knot.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start knotd");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let server = Authoritative::Knot { addr, child, dir };
    // Wait until the zone is served.
    let probe = dkim_dns::DnsClient::new([addr]).timeout(Duration::from_millis(200)).attempts(1);
    for _ in 0..100 {
        if matches!(probe.query_txt("probe.invalid").await, dkim_dns::Lookup::NoRecord(_)) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("knotd did not start serving on {addr}");
}

/// How a misbehaving server answers.
#[derive(Clone, Copy, Debug)]
pub enum Misbehaviour {
    /// Never answers.
    Silent,
    /// Answers with this response code.
    Rcode(ResponseCode),
    /// Answers with another query ID.
    WrongId,
    /// Answers with the right ID for another name.
    WrongName,
}

/// A misbehaving UDP server; stops when dropped.
pub struct Misbehaving {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Misbehaving {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a misbehaving UDP server on 127.0.0.1.
pub async fn misbehaving(how: Misbehaviour) -> Misbehaving {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = socket.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buf).await else { return };
            let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
            let reply = match how {
                Misbehaviour::Silent => continue,
                Misbehaviour::Rcode(code) => {
                    let mut m = Message::error_msg(query.metadata.id, OpCode::Query, code);
                    m.add_queries(query.queries.clone());
                    m
                }
                Misbehaviour::WrongId => {
                    let mut m = Message::new(query.metadata.id ^ 0x5a5a, MessageType::Response, OpCode::Query);
                    m.add_queries(query.queries.clone());
                    m.add_answer(Record::from_rdata(
                        query.queries[0].name.clone(),
                        60,
                        RData::TXT(TXT::new(vec!["v=DKIM1; p=forged".into()])),
                    ));
                    m
                }
                Misbehaviour::WrongName => {
                    let mut m = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
                    let mut q = query.queries[0].clone();
                    q.name = name("forged.example");
                    m.add_query(q);
                    m
                }
            };
            let _ = socket.send_to(&reply.to_vec().unwrap(), peer).await;
        }
    });
    Misbehaving { addr, task }
}

/// A loopback UDP port with nothing listening (connection refused).
pub fn closed_port() -> SocketAddr {
    let s = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    s.local_addr().unwrap()
}
