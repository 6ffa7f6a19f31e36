//! Driving the milters: the MTA side of the milter protocol on `miltr-common`'s commands and option negotiation
//! (one milter connection per message, as Postfix opens one per SMTP session), and a small SMTP client for the
//! runs through Postfix.
//!
//! Not `miltr-client`: its reply decoder (`miltr-common`'s `ServerCommand`) has no SMFIR_ACCEPT (`a`), which
//! OpenDKIM answers at the end of the body, so every OpenDKIM message ended in a protocol error; and it hides the
//! negotiated options, so a client cannot know whether header values must keep their leading space. The frames
//! here are written with `miltr-common`'s `Writable` commands; replies are decoded by `ServerCommand::parse`, with
//! `a` handled before it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::{BufMut as _, BytesMut};
use miltr_common::commands::{
    Body, Command, Connect, Data, EndOfBody, EndOfHeader, Family, Header, Helo, Mail, Recipient,
};
use miltr_common::decoding::ServerCommand;
use miltr_common::encoding::Writable;
use miltr_common::optneg::{Capability, OptNeg, Protocol};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

/// Postfix's body chunk size (the milter protocol's limit).
const CHUNK: usize = 65_535;

/// A message split for the milter protocol: header fields (name, value without the space after the colon, which
/// is put back when the milter asks for SMFIP_HDR_LEADSPC; folded lines as LF, as Postfix hands them on) and the
/// body.
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
    /// Continue or accept at the end (not reject, tempfail, discard).
    pub accepted: bool,
}

/// A server reply: SMFIR_ACCEPT, which `miltr-common` does not decode, or one it does (a reply lives for one
/// step, so its size does not matter).
#[allow(clippy::large_enum_variant)]
enum Reply {
    Accept,
    Other(ServerCommand),
}

/// One milter connection, the MTA side.
struct Conn {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
    out: BytesMut,
    /// What the milter asked for (steps left out, replies not sent, SMFIP_HDR_LEADSPC).
    protocol: Protocol,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (read, write) = stream.into_split();
        let mut c = Self {
            read: BufReader::with_capacity(1 << 16, read),
            write,
            out: BytesMut::new(),
            protocol: Protocol::empty(),
        };
        // As Postfix with milter_protocol = 6: every action allowed, every protocol option offered.
        let ours =
            OptNeg { version: 6, capabilities: Capability::all(), protocol: Protocol::all(), ..OptNeg::default() };
        c.frame(&ours).await?;
        match c.reply().await? {
            Reply::Other(ServerCommand::OptNeg(theirs)) => c.protocol = theirs.protocol & Protocol::all(),
            _ => return Err("no option negotiation reply".into()),
        }
        Ok(c)
    }

    async fn frame<W: Writable>(&mut self, w: &W) -> Result<(), String> {
        self.out.clear();
        self.out.put_u32(1 + w.len() as u32);
        self.out.put_u8(w.code());
        w.write(&mut self.out);
        self.write.write_all(&self.out).await.map_err(|e| format!("write: {e}"))?;
        // Acknowledge the reply at once. libmilter (OpenDKIM) writes a modification and the final reply in
        // separate segments without TCP_NODELAY: with delayed ACKs here, Nagle holds the final reply back for
        // the ACK timeout (about 40 ms a message on loopback). Quick ACKs time the milter, not that interplay;
        // the runs through Postfix keep whatever Postfix does.
        let _ = socket2::SockRef::from(self.write.as_ref()).set_tcp_quickack(true);
        Ok(())
    }

    async fn reply(&mut self) -> Result<Reply, String> {
        let len = self.read.read_u32().await.map_err(|e| format!("read: {e}"))? as usize;
        if len == 0 || len > 1 << 20 {
            return Err(format!("a reply of {len} bytes"));
        }
        let mut buf = BytesMut::zeroed(len);
        self.read.read_exact(&mut buf).await.map_err(|e| format!("read: {e}"))?;
        let _ = socket2::SockRef::from(self.write.as_ref()).set_tcp_quickack(true);
        if buf[0] == b'a' {
            return Ok(Reply::Accept);
        }
        ServerCommand::parse(buf).map(Reply::Other).map_err(|e| format!("reply: {e}"))
    }

    /// Sends a command unless the milter asked to leave it out; its reply unless it asked for none. `Ok(None)`:
    /// go on; `Ok(Some(reply))`: the milter decided (accept, skip, reject, ...).
    async fn command(&mut self, cmd: Command) -> Result<Option<Reply>, String> {
        if self.protocol.should_skip_send(&cmd) {
            return Ok(None);
        }
        let no_reply = self.protocol.should_skip_response(&cmd);
        self.frame(&cmd).await?;
        if no_reply {
            return Ok(None);
        }
        match self.reply().await? {
            Reply::Other(ServerCommand::Continue(_)) => Ok(None),
            r => Ok(Some(r)),
        }
    }
}

/// One message through the milter at `addr` on a new connection, as from the internal client 127.0.0.1.
pub async fn milter_one(addr: SocketAddr, m: &Prepared, n: usize) -> Result<Outcome, String> {
    let mut c = Conn::open(addr).await?;
    let early = |r: Reply| match r {
        Reply::Accept => Ok(Outcome { added: Vec::new(), accepted: true }),
        Reply::Other(cmd) => Err(format!("the milter answered {cmd:?} before the end of the body")),
    };
    let port = 40_000 + (n % 20_000) as u16;
    let steps: [Command; 5] = [
        Connect::new(b"localhost", Family::Inet, Some(port), b"127.0.0.1").into(),
        Helo::from(&b"client.test"[..]).into(),
        Mail::from(format!("<sender{n}@example.com>").as_bytes()).into(),
        Recipient::from(&b"<bob@dest.example>"[..]).into(),
        Data.into(),
    ];
    for cmd in steps {
        if let Some(r) = c.command(cmd).await? {
            return early(r);
        }
    }
    let lead = c.protocol.contains(Protocol::SMFIP_HDR_LEADSPC);
    let mut value = Vec::new();
    for (name, v) in &m.headers {
        value.clear();
        if lead {
            value.push(b' ');
        }
        value.extend_from_slice(v);
        if let Some(r) = c.command(Header::new(name, &value).into()).await? {
            return early(r);
        }
    }
    if let Some(r) = c.command(EndOfHeader.into()).await? {
        return early(r);
    }
    for chunk in m.body.chunks(CHUNK) {
        match c.command(Body::from(chunk).into()).await? {
            None => {}
            Some(Reply::Other(ServerCommand::Skip(_))) => break,
            Some(r) => return early(r),
        }
    }
    c.frame(&Command::from(EndOfBody)).await?;
    let mut out = Outcome::default();
    loop {
        match c.reply().await? {
            Reply::Accept | Reply::Other(ServerCommand::Continue(_)) => {
                out.accepted = true;
                break;
            }
            Reply::Other(ServerCommand::AddHeader(h)) => out.added.push(format!("{}: {}", h.name(), h.value())),
            Reply::Other(ServerCommand::InsertHeader(h)) => out.added.push(format!("{}: {}", h.name(), h.value())),
            Reply::Other(
                ServerCommand::Reject(_)
                | ServerCommand::Tempfail(_)
                | ServerCommand::Discard(_)
                | ServerCommand::Replycode(_)
                | ServerCommand::Abort(_),
            ) => break,
            Reply::Other(_) => {}
        }
    }
    // SMFIC_QUIT.
    let _ = c.write.write_all(&[0, 0, 0, 1, b'Q']).await;
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
