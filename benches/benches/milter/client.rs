//! Driving the milters: the `miltr-client` crate as the MTA side of the milter protocol (one milter connection
//! per message, as Postfix opens one per SMTP session), and a small SMTP client for the runs through Postfix.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use miltr_client::{Client, ResponseError};
use miltr_common::actions::Action;
use miltr_common::commands::{Connect, Family, Header};
use miltr_common::decoding::ServerCommand;
use miltr_common::modifications::ModificationAction;
use miltr_common::optneg::{OptNeg, Protocol};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncReadCompatExt as _;

/// Postfix's body chunk size (the milter protocol's limit).
const CHUNK: usize = 65_535;

/// A message split for the milter protocol: header fields (name, value without the leading space, folded lines
/// as LF, as Postfix hands them on) and the body.
pub struct Prepared {
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub body: Vec<u8>,
    /// The whole message (CRLF), for SMTP.
    pub raw: Vec<u8>,
}

impl Prepared {
    pub fn new(raw: Vec<u8>) -> Self {
        let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header end") + 2;
        let mut headers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for line in raw[..end].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if matches!(line.first(), Some(b' ' | b'\t')) {
                let last = headers.last_mut().expect("a continuation line after a field");
                last.1.push(b'\n');
                last.1.extend_from_slice(line);
            } else {
                let colon = line.iter().position(|&b| b == b':').expect("a colon");
                let value = line[colon + 1..].strip_prefix(b" ").unwrap_or(&line[colon + 1..]);
                headers.push((line[..colon].to_vec(), value.to_vec()));
            }
        }
        let body = raw[end + 2..].to_vec();
        Self { headers, body, raw }
    }
}

/// What the milter answered at the end of the body.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// The header fields it added or inserted, "Name: value".
    pub added: Vec<String>,
    pub accepted: bool,
}

/// The options the client offers: every protocol step and reply may be left out if the milter asks (as Postfix
/// offers with milter_protocol = 6), except that header values come without their leading space (the client
/// cannot see what was agreed, so it does not offer SMFIP_HDR_LEADSPC; both milters get the same form).
fn options() -> OptNeg {
    let protocol = Protocol::all() - Protocol::SMFIP_HDR_LEADSPC;
    OptNeg { protocol, ..OptNeg::default() }
}

fn is_skip(e: &ResponseError) -> bool {
    matches!(e, ResponseError::Unexpected(ServerCommand::Skip(_)))
}

/// One message through the milter at `addr` on a new connection, as from the internal client 127.0.0.1.
pub async fn milter_one(addr: SocketAddr, m: &Prepared, n: usize) -> Result<Outcome, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut stream = stream.compat();
    let client = Client::new(options());
    let mut c = client.connect_via(&mut stream).await.map_err(|e| format!("optneg: {e}"))?;
    let e = |what: &'static str| move |e: ResponseError| format!("{what}: {e} {e:?}");
    c.connect(Connect::new(b"localhost", Family::Inet, Some(40_000 + (n % 20_000) as u16), b"127.0.0.1"))
        .await
        .map_err(e("connect"))?;
    c.helo(&b"client.test"[..]).await.map_err(e("helo"))?;
    c.mail(format!("<sender{n}@example.com>").as_bytes()).await.map_err(e("mail"))?;
    c.recipient(&b"<bob@dest.example>"[..]).await.map_err(e("rcpt"))?;
    c.data().await.map_err(e("data"))?;
    for (name, value) in &m.headers {
        c.header(Header::new(name, value)).await.map_err(e("header"))?;
    }
    c.end_of_header().await.map_err(e("eoh"))?;
    for chunk in m.body.chunks(CHUNK) {
        match c.body(chunk).await {
            Ok(()) => {}
            Err(err) if is_skip(&err) => break,
            Err(err) => return Err(e("body")(err)),
        }
    }
    let resp = c.end_of_body().await.map_err(e("eob"))?;
    let mut out = Outcome { accepted: matches!(resp.final_action(), Action::Continue(_)), ..Outcome::default() };
    for m in resp.modifications() {
        match m {
            ModificationAction::AddHeader(h) => out.added.push(format!("{}: {}", h.name(), h.value())),
            ModificationAction::InsertHeader(h) => out.added.push(format!("{}: {}", h.name(), h.value())),
            _ => {}
        }
    }
    let _ = c.quit().await;
    Ok(out)
}

/// Pushes `batch` (indexes into `msgs`) through the milter on `conns` concurrent connections, each taking the
/// next message when it is done with one. Per message: the latency (milter connection to the end-of-body reply);
/// the wall time of the whole batch.
pub async fn milter_batch(
    addr: SocketAddr,
    msgs: Arc<Vec<Prepared>>,
    batch: Arc<Vec<usize>>,
    conns: usize,
    check: fn(&Outcome) -> bool,
) -> (Duration, Vec<Duration>) {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(conns);
    for _ in 0..conns {
        let (msgs, batch, next) = (Arc::clone(&msgs), Arc::clone(&batch), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&n) = batch.get(i) else { break };
                let t = Instant::now();
                let out = milter_one(addr, &msgs[n], n).await.unwrap_or_else(|e| panic!("message {n}: {e}"));
                lat.push(t.elapsed());
                assert!(check(&out), "message {n}: unexpected answer {out:?}");
            }
            lat
        }));
    }
    let mut lat = Vec::with_capacity(batch.len());
    for t in tasks {
        lat.extend(t.await.expect("client task"));
    }
    (start.elapsed(), lat)
}

// ------------------------------------------------------------------------------------------------------------
// SMTP, for the runs through Postfix
// ------------------------------------------------------------------------------------------------------------

struct Smtp {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Smtp {
    async fn open(server: SocketAddr) -> Self {
        let stream = TcpStream::connect(server).await.expect("SMTP connect");
        stream.set_nodelay(true).expect("nodelay");
        let (read, write) = stream.into_split();
        let mut s = Self { read: BufReader::new(read), write };
        s.expect(220).await;
        s.command(b"EHLO client.test\r\n", 250).await;
        s
    }

    async fn reply(&mut self) -> (u16, String) {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            if self.read.read_line(&mut line).await.unwrap_or(0) == 0 {
                return (0, format!("connection closed after {text:?}"));
            }
            text.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return (line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0), text);
            }
        }
    }

    async fn expect(&mut self, code: u16) {
        let (got, text) = self.reply().await;
        assert_eq!(got, code, "SMTP: {text}");
    }

    async fn command(&mut self, line: &[u8], code: u16) {
        self.write.write_all(line).await.expect("SMTP write");
        self.expect(code).await;
    }

    async fn send(&mut self, n: usize, data: &[u8]) {
        self.command(format!("MAIL FROM:<sender{n}@example.com>\r\n").as_bytes(), 250).await;
        self.command(b"RCPT TO:<bob@dest.example>\r\n", 250).await;
        self.command(b"DATA\r\n", 354).await;
        self.write.write_all(data).await.expect("SMTP write");
        self.command(b".\r\n", 250).await;
    }
}

/// The DATA form of a message (lines starting with a dot doubled; it ends with CRLF).
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut at_line_start = true;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    out
}

/// Sends `batch` (indexes into `data`, the dot-stuffed messages) to Postfix's SMTP port over `conns` sessions,
/// each sending one message after the other; returns when every message was accepted (250 after DATA).
pub async fn smtp_batch(server: SocketAddr, data: Arc<Vec<Vec<u8>>>, batch: Arc<Vec<usize>>, conns: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(conns);
    for _ in 0..conns {
        let (data, batch, next) = (Arc::clone(&data), Arc::clone(&batch), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut smtp: Option<Smtp> = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&n) = batch.get(i) else { break };
                if smtp.is_none() {
                    smtp = Some(Smtp::open(server).await);
                }
                smtp.as_mut().expect("open").send(n, &data[n]).await;
            }
            if let Some(mut s) = smtp {
                s.command(b"QUIT\r\n", 221).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("SMTP task");
    }
}
