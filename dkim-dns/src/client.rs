//! A stub DNS client for TXT lookups, on `hickory-proto` messages and tokio
//! sockets.
//!
//! What it does, in order: a query for `name TXT IN` with a random ID, the
//! RD bit, the AD bit (RFC 6840 5.7: "tell me whether you validated") and an
//! EDNS(0) OPT record offering a 1232-byte UDP payload; sent over UDP from a
//! fresh socket on an OS-chosen ephemeral port, connected to the server so
//! that datagrams from anyone else are dropped by the kernel. A reply is
//! believed only if its ID, QR bit, opcode and question (name, type, class)
//! match; anything else is ignored and the client keeps waiting until its
//! timeout. A truncated reply (TC) is asked again over TCP. CNAMEs in the
//! answer are followed; a CNAME whose target is not in the same answer is
//! queried again, at most [`DnsClient::max_cnames`] times in all.
//!
//! Failures: SERVFAIL, REFUSED and other error codes move on to the next
//! server; timeouts and network errors are retried on every server for
//! [`DnsClient::attempts`] rounds. When nothing answers, the result is
//! a [`Lookup::TempFail`] naming the last cause.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout_at};

use crate::{Dnssec, KeySource, Lookup, NoRecord, NoRecordKind, TempFail, TempFailCause, TxtAnswer, TxtRecord};

/// The EDNS(0) UDP payload size offered by default (the DNS flag day 2020
/// value: no IP fragmentation on common paths).
pub const DEFAULT_EDNS_PAYLOAD: u16 = 1232;

/// Largest DNS message the client reads (TCP messages carry a 16-bit length).
const MAX_MESSAGE: usize = 65_535;

/// A DNS stub client for TXT lookups.
///
/// ```no_run
/// use dkim_dns::{DnsClient, KeySource, Lookup};
/// # async fn f() -> std::io::Result<()> {
/// let client = DnsClient::new(["127.0.0.1:5353".parse().unwrap()])
///     .timeout(std::time::Duration::from_secs(2));
/// match client.lookup_txt("sel._domainkey.example.com").await {
///     Lookup::Found(answer) => println!("{} records, ttl {}", answer.records().len(), answer.ttl()),
///     Lookup::NoRecord(_) => println!("no key published"),
///     Lookup::TempFail(e) => println!("try again later: {}", e.cause()),
///     _ => {}
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct DnsClient {
    servers: Vec<SocketAddr>,
    timeout: Duration,
    attempts: u32,
    edns_payload: Option<u16>,
    max_cnames: usize,
}

/// An error reading a resolver configuration or a server address.
///
/// ```
/// use dkim_dns::DnsClient;
/// let err = DnsClient::from_resolv_conf("nameserver dns.example\n").err().ok_or("accepted a host name")?;
/// assert_eq!(err.to_string(), "resolv.conf line 1: \"dns.example\" is not an IP address");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ConfigError {
    message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

impl DnsClient {
    /// A client asking `servers` in order, with a 2 s timeout per query and 2
    /// rounds over the servers.
    ///
    /// ```
    /// use std::time::Duration;
    /// use dkim_dns::DnsClient;
    /// let servers = [DnsClient::parse_server("192.0.2.1")?, DnsClient::parse_server("[2001:db8::1]:5353")?];
    /// let client = DnsClient::new(servers);
    /// assert_eq!(client.servers().len(), 2);
    /// assert_eq!(client.query_timeout(), Duration::from_secs(2));
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    pub fn new(servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        Self {
            servers: servers.into_iter().collect(),
            timeout: Duration::from_secs(2),
            attempts: 2,
            edns_payload: Some(DEFAULT_EDNS_PAYLOAD),
            max_cnames: 8,
        }
    }

    /// The servers of `/etc/resolv.conf`.
    ///
    /// ```no_run
    /// use dkim_dns::DnsClient;
    /// let client = DnsClient::from_system()?; // reads /etc/resolv.conf
    /// assert!(!client.servers().is_empty()); // 127.0.0.1:53 when it names no server
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    pub fn from_system() -> Result<Self, ConfigError> {
        Self::from_resolv_conf_file("/etc/resolv.conf")
    }

    /// The servers of a resolv.conf file (see [`DnsClient::from_resolv_conf`]).
    ///
    /// ```
    /// use dkim_dns::DnsClient;
    /// let path = std::env::temp_dir().join(format!("dkim-dns-doc-{}.conf", std::process::id()));
    /// std::fs::write(&path, "nameserver 192.0.2.53\noptions attempts:3\n")?;
    /// let client = DnsClient::from_resolv_conf_file(&path)?;
    /// assert_eq!(client.servers(), [DnsClient::parse_server("192.0.2.53:53")?]);
    /// std::fs::remove_file(&path)?;
    /// assert!(DnsClient::from_resolv_conf_file(&path).is_err()); // cannot read it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_resolv_conf_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(format!("cannot read {}: {e}", path.display())))?;
        Self::from_resolv_conf(&text)
    }

    /// From the text of a resolv.conf: `nameserver` lines (port 53, an IPv6
    /// zone suffix such as `%eth0` ignored), and `options timeout:N
    /// attempts:N`. With no `nameserver` line the server is 127.0.0.1:53, as
    /// for the C library.
    ///
    /// ```
    /// let c = dkim_dns::DnsClient::from_resolv_conf("nameserver 192.0.2.1\nnameserver ::1\noptions timeout:3 attempts:1\n").unwrap();
    /// assert_eq!(c.servers().len(), 2);
    /// assert_eq!(c.query_timeout(), std::time::Duration::from_secs(3));
    /// ```
    pub fn from_resolv_conf(text: &str) -> Result<Self, ConfigError> {
        let mut servers = Vec::new();
        let mut client = Self::new([]);
        for (n, line) in text.lines().enumerate() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => {
                    let Some(addr) = words.next() else {
                        return Err(ConfigError::new(format!(
                            "resolv.conf line {}: nameserver without address",
                            n + 1
                        )));
                    };
                    let addr = addr.split('%').next().unwrap_or(addr);
                    let ip: IpAddr = addr.parse().map_err(|_| {
                        ConfigError::new(format!("resolv.conf line {}: {addr:?} is not an IP address", n + 1))
                    })?;
                    servers.push(SocketAddr::new(ip, 53));
                }
                Some("options") => {
                    for opt in words {
                        if let Some(v) = opt.strip_prefix("timeout:") {
                            if let Ok(secs) = v.parse::<u64>() {
                                client.timeout = Duration::from_secs(secs.clamp(1, 30));
                            }
                        } else if let Some(v) = opt.strip_prefix("attempts:")
                            && let Ok(a) = v.parse::<u32>()
                        {
                            client.attempts = a.clamp(1, 5);
                        }
                    }
                }
                _ => {}
            }
        }
        if servers.is_empty() {
            servers.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 53));
        }
        client.servers = servers;
        Ok(client)
    }

    /// Parses a server address: `IP`, `IP:PORT`, `[IPv6]:PORT` (port 53 when
    /// absent).
    ///
    /// ```
    /// assert_eq!(dkim_dns::DnsClient::parse_server("127.0.0.1:5353").unwrap().port(), 5353);
    /// assert_eq!(dkim_dns::DnsClient::parse_server("::1").unwrap().port(), 53);
    /// assert!(dkim_dns::DnsClient::parse_server("dns.example").is_err());
    /// ```
    pub fn parse_server(s: &str) -> Result<SocketAddr, ConfigError> {
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return Ok(addr);
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(SocketAddr::new(ip, 53));
        }
        Err(ConfigError::new(format!("{s:?} is not a DNS server address (IP, IP:PORT or [IPv6]:PORT)")))
    }

    /// Time to wait for each answer (default 2 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use dkim_dns::DnsClient;
    /// let client = DnsClient::new([DnsClient::parse_server("192.0.2.1")?]).timeout(Duration::from_millis(500));
    /// assert_eq!(client.query_timeout(), Duration::from_millis(500));
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Rounds over the server list for timeouts and network errors (default
    /// 2, at least 1).
    ///
    /// ```
    /// use dkim_dns::DnsClient;
    /// // Three rounds over the servers for timeouts; 0 counts as 1.
    /// let client = DnsClient::new([DnsClient::parse_server("192.0.2.1")?]).attempts(3);
    /// let once = DnsClient::new([DnsClient::parse_server("192.0.2.1")?]).attempts(0);
    /// # let _ = (client, once);
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    #[must_use]
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// EDNS(0) UDP payload to offer, or `None` for plain 512-byte DNS
    /// (answers that do not fit then come over TCP).
    ///
    /// ```
    /// use dkim_dns::{DEFAULT_EDNS_PAYLOAD, DnsClient};
    /// let server = DnsClient::parse_server("192.0.2.1")?;
    /// let plain = DnsClient::new([server]).edns_payload(None); // 512-byte DNS, larger answers over TCP
    /// let larger = DnsClient::new([server]).edns_payload(Some(4096));
    /// assert_eq!(DEFAULT_EDNS_PAYLOAD, 1232);
    /// # let _ = (plain, larger);
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    #[must_use]
    pub fn edns_payload(mut self, payload: Option<u16>) -> Self {
        self.edns_payload = payload.map(|p| p.max(512));
        self
    }

    /// Most CNAMEs followed for one lookup (default 8).
    ///
    /// ```
    /// use dkim_dns::DnsClient;
    /// // No CNAME followed at all: a key published as a CNAME is a temporary failure.
    /// let client = DnsClient::new([DnsClient::parse_server("192.0.2.1")?]).max_cnames(0);
    /// # let _ = client;
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    #[must_use]
    pub fn max_cnames(mut self, max: usize) -> Self {
        self.max_cnames = max;
        self
    }

    /// The servers, in the order they are asked.
    ///
    /// ```
    /// use dkim_dns::DnsClient;
    /// let client = DnsClient::from_resolv_conf("nameserver 192.0.2.1\nnameserver fe80::1%eth0\n")?;
    /// let servers: Vec<String> = client.servers().iter().map(|s| s.to_string()).collect();
    /// assert_eq!(servers, ["192.0.2.1:53", "[fe80::1]:53"]); // the zone suffix is dropped
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    /// The per-query timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use dkim_dns::DnsClient;
    /// let client = DnsClient::from_resolv_conf("nameserver 192.0.2.1\noptions timeout:5\n")?;
    /// assert_eq!(client.query_timeout(), Duration::from_secs(5));
    /// # Ok::<(), dkim_dns::ConfigError>(())
    /// ```
    pub fn query_timeout(&self) -> Duration {
        self.timeout
    }

    /// Looks up the TXT records at `name`.
    ///
    /// ```no_run
    /// use dkim_dns::{DnsClient, Lookup};
    /// # async fn example() -> Result<(), dkim_dns::ConfigError> {
    /// let client = DnsClient::from_system()?;
    /// match client.query_txt("sel._domainkey.example.com").await {
    ///     Lookup::Found(answer) => assert!(!answer.records().is_empty()),
    ///     Lookup::NoRecord(none) => println!("no key published ({:?})", none.kind()),
    ///     Lookup::TempFail(fail) => println!("try again later: {}", fail.cause()),
    ///     _ => {}
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn query_txt(&self, name: &str) -> Lookup {
        let Some(mut current) = dns_name(name) else {
            // Not representable as a DNS name (an empty label, a label over
            // 63 bytes, a name over 255): nothing can be published there.
            return Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, None));
        };
        let mut seen: Vec<Name> = Vec::new();
        let mut ttl = u32::MAX;
        loop {
            let response = match self.exchange(&current).await {
                Ok(r) => r,
                Err(cause) => return Lookup::TempFail(TempFail::new(cause)),
            };
            // Follow the CNAME chain inside this answer.
            let mut target = current.clone();
            loop {
                let next = response.answers.iter().find_map(|r| match &r.data {
                    RData::CNAME(c) if r.name == target && r.dns_class == DNSClass::IN => Some((c.0.clone(), r.ttl)),
                    _ => None,
                });
                let Some((next, cname_ttl)) = next else { break };
                if seen.contains(&target) || seen.len() >= self.max_cnames {
                    return Lookup::TempFail(TempFail::new(TempFailCause::CnameChain));
                }
                seen.push(target);
                ttl = ttl.min(cname_ttl);
                target = next;
            }
            let negative_ttl = || {
                response.authorities.iter().find_map(|r| match &r.data {
                    RData::SOA(soa) => Some(r.ttl.min(soa.minimum)),
                    _ => None,
                })
            };
            match response.metadata.response_code {
                ResponseCode::NXDomain => {
                    return Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, negative_ttl()));
                }
                ResponseCode::NoError => {}
                other => return Lookup::TempFail(TempFail::new(rcode_cause(other))),
            }
            let records: Vec<TxtRecord> = response
                .answers
                .iter()
                .filter(|r| r.name == target && r.dns_class == DNSClass::IN)
                .filter_map(|r| match &r.data {
                    RData::TXT(txt) => {
                        ttl = ttl.min(r.ttl);
                        Some(TxtRecord::new(txt.txt_data.iter().map(|s| s.to_vec()).collect()))
                    }
                    _ => None,
                })
                .collect();
            if !records.is_empty() {
                return Lookup::Found(TxtAnswer::new(
                    records,
                    ttl,
                    Dnssec::from_ad_bit(response.metadata.authentic_data),
                ));
            }
            if target == current {
                return Lookup::NoRecord(NoRecord::new(NoRecordKind::NoData, negative_ttl()));
            }
            // The chain leaves the answer (another zone): ask for the target.
            current = target;
        }
    }

    /// One question, over every server as needed; the first answer that is
    /// not an error code, else the last failure.
    async fn exchange(&self, name: &Name) -> Result<Message, TempFailCause> {
        let mut last = TempFailCause::Network("no DNS server configured".into());
        let mut gave_error_code = vec![false; self.servers.len()];
        for _ in 0..self.attempts {
            for (i, server) in self.servers.iter().enumerate() {
                if gave_error_code[i] {
                    continue;
                }
                match self.exchange_with(*server, name).await {
                    Ok(m) => match m.metadata.response_code {
                        ResponseCode::NoError | ResponseCode::NXDomain => return Ok(m),
                        code => {
                            gave_error_code[i] = true;
                            last = rcode_cause(code);
                            // Keep the answer in case every server says so.
                            if self.servers.len() == 1 {
                                return Ok(m);
                            }
                        }
                    },
                    Err(e) => last = e,
                }
            }
        }
        Err(last)
    }

    async fn exchange_with(&self, server: SocketAddr, name: &Name) -> Result<Message, TempFailCause> {
        let id = random_id()?;
        let mut query = Message::new(id, MessageType::Query, OpCode::Query);
        query.metadata.recursion_desired = true;
        query.metadata.authentic_data = true;
        let mut q = Query::query(name.clone(), RecordType::TXT);
        q.query_class = DNSClass::IN;
        query.add_query(q);
        if let Some(payload) = self.edns_payload {
            let mut edns = Edns::new();
            edns.set_max_payload(payload);
            query.set_edns(edns);
        }
        let bytes = query.to_vec().map_err(|e| TempFailCause::Other(format!("cannot encode the query: {e}")))?;
        let deadline = Instant::now() + self.timeout;
        let answer = self.udp(server, &bytes, id, name, deadline).await?;
        if !answer.metadata.truncation {
            return Ok(answer);
        }
        let deadline = Instant::now() + self.timeout;
        self.tcp(server, &bytes, id, name, deadline).await
    }

    async fn udp(
        &self,
        server: SocketAddr,
        query: &[u8],
        id: u16,
        name: &Name,
        deadline: Instant,
    ) -> Result<Message, TempFailCause> {
        let local: SocketAddr = match server {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let net = |e: std::io::Error| TempFailCause::Network(format!("{server}: {e}"));
        let socket = UdpSocket::bind(local).await.map_err(net)?;
        socket.connect(server).await.map_err(net)?;
        socket.send(query).await.map_err(net)?;
        let mut buf = vec![0u8; MAX_MESSAGE];
        let mut rejected: Option<String> = None;
        loop {
            let n = match timeout_at(deadline, socket.recv(&mut buf)).await {
                Err(_) => {
                    return Err(match rejected {
                        Some(why) => TempFailCause::BadResponse(why),
                        None => TempFailCause::Timeout,
                    });
                }
                Ok(Err(e)) => return Err(net(e)),
                Ok(Ok(n)) => n,
            };
            match check_response(&buf[..n], id, name) {
                Ok(m) => return Ok(m),
                // Not the answer to this question: keep waiting for it.
                Err(why) => rejected = Some(why),
            }
        }
    }

    async fn tcp(
        &self,
        server: SocketAddr,
        query: &[u8],
        id: u16,
        name: &Name,
        deadline: Instant,
    ) -> Result<Message, TempFailCause> {
        let exchange = async {
            let net = |e: std::io::Error| TempFailCause::Network(format!("{server} (TCP): {e}"));
            let mut stream = TcpStream::connect(server).await.map_err(net)?;
            let len = u16::try_from(query.len()).map_err(|_| TempFailCause::Other("query too long".into()))?;
            let mut framed = Vec::with_capacity(query.len() + 2);
            framed.extend_from_slice(&len.to_be_bytes());
            framed.extend_from_slice(query);
            stream.write_all(&framed).await.map_err(net)?;
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).await.map_err(net)?;
            let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
            stream.read_exact(&mut buf).await.map_err(net)?;
            check_response(&buf, id, name).map_err(TempFailCause::BadResponse)
        };
        timeout_at(deadline, exchange).await.unwrap_or(Err(TempFailCause::Timeout))
    }
}

impl KeySource for DnsClient {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        self.query_txt(name)
    }
}

/// The absolute DNS name for `name` (final dot optional). Labels are taken
/// as raw bytes, as DNS allows: a selector or domain with unusual
/// characters is asked for exactly, not rejected or rewritten.
fn dns_name(name: &str) -> Option<Name> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return None;
    }
    let mut n = Name::from_labels(name.split('.').map(str::as_bytes)).ok()?;
    n.set_fqdn(true);
    Some(n)
}

fn random_id() -> Result<u16, TempFailCause> {
    let mut id = [0u8; 2];
    getrandom::fill(&mut id).map_err(|e| TempFailCause::Other(format!("no randomness for the query ID: {e}")))?;
    Ok(u16::from_ne_bytes(id))
}

fn rcode_cause(code: ResponseCode) -> TempFailCause {
    match code {
        ResponseCode::ServFail => TempFailCause::ServFail,
        ResponseCode::Refused => TempFailCause::Refused,
        other => TempFailCause::Rcode(u16::from(other)),
    }
}

/// Parses `bytes` and checks that it answers our question.
fn check_response(bytes: &[u8], id: u16, name: &Name) -> Result<Message, String> {
    let m = Message::from_vec(bytes).map_err(|e| format!("undecodable DNS message: {e}"))?;
    if m.metadata.id != id {
        return Err(format!("answer with ID {} to query {id}", m.metadata.id));
    }
    if m.metadata.message_type != MessageType::Response || m.metadata.op_code != OpCode::Query {
        return Err("not a response to a standard query".into());
    }
    match m.queries.as_slice() {
        [q] if q.name == *name && q.query_type == RecordType::TXT && q.query_class == DNSClass::IN => Ok(m),
        [q] => Err(format!("answer for {} {} {} to a question for {name} TXT IN", q.name, q.query_type, q.query_class)),
        qs => Err(format!("answer with {} questions", qs.len())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::from_ascii(s).unwrap()
    }

    fn response(id: u16, qname: &str, qtype: RecordType) -> Vec<u8> {
        let mut m = Message::new(id, MessageType::Response, OpCode::Query);
        m.add_query(Query::query(name(qname), qtype));
        m.to_vec().unwrap()
    }

    #[test]
    fn answers_are_checked_against_the_question() {
        let q = name("a._domainkey.example.com.");
        assert!(check_response(&response(7, "a._domainkey.example.com.", RecordType::TXT), 7, &q).is_ok());
        assert!(check_response(&response(7, "A._DomainKey.Example.COM.", RecordType::TXT), 7, &q).is_ok());
        let wrong_id = check_response(&response(8, "a._domainkey.example.com.", RecordType::TXT), 7, &q);
        assert!(wrong_id.unwrap_err().contains("ID 8"));
        assert!(check_response(&response(7, "b._domainkey.example.com.", RecordType::TXT), 7, &q).is_err());
        assert!(check_response(&response(7, "a._domainkey.example.com.", RecordType::A), 7, &q).is_err());
        assert!(check_response(b"\x00\x07", 7, &q).unwrap_err().contains("undecodable"));
        let mut query = Message::new(7, MessageType::Query, OpCode::Query);
        query.add_query(Query::query(q.clone(), RecordType::TXT));
        assert!(check_response(&query.to_vec().unwrap(), 7, &q).is_err());
    }

    #[test]
    fn names_keep_their_bytes() {
        let n = dns_name("test._domainkey.legitimate.com(.attacker.com.").unwrap();
        assert_eq!(n.num_labels(), 6);
        assert_eq!(n.iter().nth(3), Some(&b"com("[..]));
        assert!(dns_name("a..b").is_none());
        assert!(dns_name("").is_none());
        assert!(dns_name(&"x".repeat(64)).is_none());
    }

    #[test]
    fn resolv_conf() {
        let c = DnsClient::from_resolv_conf(
            "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\noptions ndots:2 timeout:5 attempts:3\n",
        )
        .unwrap();
        assert_eq!(c.servers(), ["192.0.2.53:53".parse().unwrap(), "[fe80::1]:53".parse().unwrap()]);
        assert_eq!(c.query_timeout(), Duration::from_secs(5));
        assert_eq!(c.attempts, 3);
        let none = DnsClient::from_resolv_conf("").unwrap();
        assert_eq!(none.servers(), ["127.0.0.1:53".parse().unwrap()]);
        let bad = DnsClient::from_resolv_conf("nameserver dns.example\n").unwrap_err();
        assert!(bad.to_string().contains("line 1"), "{bad}");
    }

    #[test]
    fn server_addresses() {
        assert_eq!(DnsClient::parse_server("[::1]:5300").unwrap(), "[::1]:5300".parse().unwrap());
        assert_eq!(DnsClient::parse_server("10.0.0.1").unwrap(), "10.0.0.1:53".parse().unwrap());
        assert!(DnsClient::parse_server("10.0.0.1:99999").is_err());
    }

    #[test]
    fn rcodes_map_to_causes() {
        assert_eq!(rcode_cause(ResponseCode::ServFail), TempFailCause::ServFail);
        assert_eq!(rcode_cause(ResponseCode::Refused), TempFailCause::Refused);
        assert_eq!(rcode_cause(ResponseCode::FormErr), TempFailCause::Rcode(1));
    }
}
