//! `DnsClient`'s handling of whatever a DNS server sends back.
//!
//! The response check in `dkim-dns` is private, so the target runs the real
//! client against a loopback server (UDP and TCP on one port of 127.0.0.1)
//! that answers every query with bytes made from the input. Property: the
//! lookup returns, without panicking, one of `Found` (with at least one
//! record), `NotFound` or `TempFail`.
//!
//! Input: byte 0 is the mode, the rest the payload. Mode % 3:
//!
//! - 0: the payload as is (it must guess the random query ID);
//! - 1: the payload with its first two bytes replaced by the query ID;
//! - 2: a header with the query ID, the payload's first two bytes as flags
//!   (QR forced on, opcode forced to QUERY), one question, the payload's
//!   next six bytes as answer/authority/additional counts, the question
//!   copied from the query, then the rest of the payload as the records.
//!
//! After the fuzzed datagram the server sends a SERVFAIL that matches the
//! query, so a rejected answer ends the lookup at once instead of at the
//! client's timeout. A truncated (TC) answer makes the client ask over TCP,
//! where it gets the same bytes.

#![no_main]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dkim_dns::{DnsClient, Lookup};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::runtime::Runtime;

const NAME: &str = "sel._domainkey.example.com";

struct Server {
    runtime: Runtime,
    addr: SocketAddr,
    input: Arc<Mutex<Vec<u8>>>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let input = Arc::new(Mutex::new(Vec::new()));
        let addr = runtime.block_on(async {
            // UDP and TCP on the same port: retry until a port is free for both.
            for _ in 0..100 {
                let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind UDP");
                let addr = udp.local_addr().expect("UDP address");
                let Ok(tcp) = TcpListener::bind(addr).await else { continue };
                tokio::spawn(serve_udp(udp, input.clone()));
                tokio::spawn(serve_tcp(tcp, input.clone()));
                return addr;
            }
            panic!("no free port for UDP and TCP on 127.0.0.1");
        });
        Server { runtime, addr, input }
    })
}

async fn serve_udp(socket: UdpSocket, input: Arc<Mutex<Vec<u8>>>) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf).await else { continue };
        let query = &buf[..n];
        let answer = respond(&input.lock().expect("input lock"), query);
        let _ = socket.send_to(&answer, peer).await;
        let _ = socket.send_to(&servfail(query), peer).await;
    }
}

async fn serve_tcp(listener: TcpListener, input: Arc<Mutex<Vec<u8>>>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let input = input.clone();
        tokio::spawn(async move {
            let mut len = [0u8; 2];
            if stream.read_exact(&mut len).await.is_err() {
                return;
            }
            let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if stream.read_exact(&mut query).await.is_err() {
                return;
            }
            let answer = respond(&input.lock().expect("input lock"), &query);
            let mut framed = Vec::with_capacity(answer.len() + 2);
            framed.extend_from_slice(&(answer.len().min(65_535) as u16).to_be_bytes());
            framed.extend_from_slice(&answer[..answer.len().min(65_535)]);
            let _ = stream.write_all(&framed).await;
        });
    }
}

/// The query's header and question section (up to the end of its one
/// question), or the whole query if it is shorter.
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

fn respond(input: &[u8], query: &[u8]) -> Vec<u8> {
    let id = [query.first().copied().unwrap_or(0), query.get(1).copied().unwrap_or(0)];
    let Some((&mode, payload)) = input.split_first() else { return Vec::new() };
    match mode % 3 {
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

/// A SERVFAIL answering `query`.
fn servfail(query: &[u8]) -> Vec<u8> {
    let mut answer = Vec::with_capacity(query.len());
    answer.extend_from_slice(&query[..query.len().min(2)]);
    answer.extend_from_slice(&[0x81, 0x82, 0, 1, 0, 0, 0, 0, 0, 0]);
    answer.extend_from_slice(question(query));
    answer
}

fuzz_target!(|data: &[u8]| {
    let server = server();
    *server.input.lock().expect("input lock") = data.to_vec();
    let client = DnsClient::new([server.addr]).with_timeout(Duration::from_millis(50)).with_attempts(1);
    let lookup = server.runtime.block_on(client.query_txt(NAME));
    match lookup {
        Lookup::Found(answer) => assert!(!answer.records().is_empty(), "Found without records"),
        Lookup::NotFound(_) | Lookup::TempFail(_) => {}
    }
});
