//! The loopback DNS server of the `dns_response` target: UDP and TCP on one
//! port of 127.0.0.1, answering every query by the current [`Plan`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::runtime::Runtime;

use super::model::Response;

/// How the server answers.
#[derive(Clone, Debug)]
pub(super) enum Plan {
    /// Modes 0 to 2: bytes from the payload (see the module docs), then a
    /// SERVFAIL that matches the query (over UDP).
    Raw { mode: u8, payload: Vec<u8> },
    /// Mode 3: the response encoded for the query.
    Built(Response),
}

pub(super) struct Server {
    pub(super) runtime: Runtime,
    pub(super) addr: SocketAddr,
    plan: Arc<Mutex<Plan>>,
}

impl Server {
    pub(super) fn set_plan(&self, plan: Plan) {
        *self.plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = plan;
    }
}

/// The server, started on first use.
pub(super) fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let plan = Arc::new(Mutex::new(Plan::Raw { mode: 0, payload: Vec::new() }));
        let addr = runtime.block_on(async {
            // UDP and TCP on the same port: retry until a port is free for both.
            for _ in 0..100 {
                let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind UDP");
                let addr = udp.local_addr().expect("UDP address");
                let Ok(tcp) = TcpListener::bind(addr).await else { continue };
                tokio::spawn(serve_udp(udp, plan.clone()));
                tokio::spawn(serve_tcp(tcp, plan.clone()));
                return addr;
            }
            panic!("no free port for UDP and TCP on 127.0.0.1");
        });
        Server { runtime, addr, plan }
    })
}

fn current(plan: &Mutex<Plan>) -> Plan {
    plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

async fn serve_udp(socket: UdpSocket, plan: Arc<Mutex<Plan>>) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf).await else { continue };
        let query = &buf[..n];
        for datagram in respond(&current(&plan), query, true) {
            let _ = socket.send_to(&datagram, peer).await;
        }
    }
}

async fn serve_tcp(listener: TcpListener, plan: Arc<Mutex<Plan>>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let plan = current(&plan);
        tokio::spawn(async move {
            let mut len = [0u8; 2];
            if stream.read_exact(&mut len).await.is_err() {
                return;
            }
            let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if stream.read_exact(&mut query).await.is_err() {
                return;
            }
            let Some(answer) = respond(&plan, &query, false).into_iter().next() else { return };
            let len = answer.len().min(65_535);
            let mut framed = Vec::with_capacity(len + 2);
            framed.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
            framed.extend_from_slice(&answer[..len]);
            let _ = stream.write_all(&framed).await;
        });
    }
}

/// The messages that answer `query`, in order (`udp`: with the follow-up
/// SERVFAIL of the raw modes).
fn respond(plan: &Plan, query: &[u8], udp: bool) -> Vec<Vec<u8>> {
    match plan {
        Plan::Built(response) => response.encode(query).into_iter().collect(),
        Plan::Raw { mode, payload } => {
            let mut out = vec![raw(*mode, payload, query)];
            if udp {
                out.push(servfail(query));
            }
            out
        }
    }
}

/// Modes 0 to 2 (see the module docs).
fn raw(mode: u8, payload: &[u8], query: &[u8]) -> Vec<u8> {
    let id = [query.first().copied().unwrap_or(0), query.get(1).copied().unwrap_or(0)];
    match mode {
        0 => payload.to_vec(),
        1 => {
            let mut answer = payload.to_vec();
            for (a, b) in answer.iter_mut().zip(id) {
                *a = b;
            }
            answer
        }
        _ => {
            let mut fixed = [0u8; 8];
            let n = payload.len().min(8);
            fixed[..n].copy_from_slice(&payload[..n]);
            let mut answer = Vec::with_capacity(payload.len() + 64);
            answer.extend_from_slice(&id);
            answer.push((fixed[0] | 0x80) & !0x78);
            answer.push(fixed[1]);
            answer.extend_from_slice(&[0, 1]);
            answer.extend_from_slice(&fixed[2..8]);
            answer.extend_from_slice(question(query));
            answer.extend_from_slice(&payload[n..]);
            answer
        }
    }
}

/// The query's question section (up to the end of its one question), or
/// what follows the header if the query is shorter.
fn question(query: &[u8]) -> &[u8] {
    let mut i = 12;
    while let Some(&len) = query.get(i) {
        if len == 0 {
            return &query[12..(i + 5).min(query.len())];
        }
        i += 1 + usize::from(len);
    }
    &query[query.len().min(12)..]
}

/// A SERVFAIL answering `query`.
fn servfail(query: &[u8]) -> Vec<u8> {
    let mut answer = Vec::with_capacity(query.len());
    answer.extend_from_slice(&query[..query.len().min(2)]);
    answer.extend_from_slice(&[0x81, 0x82, 0, 1, 0, 0, 0, 0, 0, 0]);
    answer.extend_from_slice(question(query));
    answer
}
