//! `DnsClient`'s handling of whatever a DNS server sends back.
//!
//! The response check in `dkim-dns` is private, so the target runs the real
//! client (`DnsClient::query_txt`, one attempt) against a
//! loopback server (UDP and TCP on one port of 127.0.0.1) that answers every
//! query from the input.
//!
//! Input: byte 0 is the mode, the rest the payload. Mode % 4:
//!
//! - 0: the payload as is (it must guess the random query ID);
//! - 1: the payload with its first two bytes replaced by the query ID;
//! - 2: a header with the query ID, the payload's first two bytes as flags
//!   (QR forced on, opcode forced to QUERY), one question, the payload's
//!   next six bytes as answer/authority/additional counts, the question
//!   copied from the query, then the rest of the payload as the records;
//! - 3: the payload is a [`Response`] (read with `arbitrary`): rcode, flags
//!   and records that the server encodes with hickory-proto's `Message`
//!   encoder (the reference) for each query it gets.
//!
//! Properties. In modes 0 to 2 the lookup returns, without panicking, one
//! of `Found` (with at least one record), `NoRecord` or `TempFail`. In mode
//! 3 it returns exactly what [`Response::expected`] derives from the records
//! encoded: the TXT records at the name (or at the end of its CNAME chain)
//! with each string kept apart, the smallest TTL along the chain and the AD
//! bit; NXDOMAIN or NODATA with the SOA's negative TTL; a temporary failure
//! for an error rcode or a CNAME loop or overlong chain.
//!
//! In modes 0 to 2, after the fuzzed datagram the server sends a SERVFAIL
//! that matches the query, so a rejected answer ends the lookup at once
//! instead of at the client's timeout. A truncated (TC) answer makes the
//! client ask over TCP, where it gets the same answer.

mod model;
mod server;

use std::sync::Mutex;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use dkim_dns::{DnsClient, Lookup};

pub use model::Response;
use server::{Plan, server};

/// The name the client asks for.
pub const NAME: &str = "sel._domainkey.example.com";

/// The client's timeout for one exchange in modes 0 to 2, where a rejected
/// answer is followed by a SERVFAIL and a timeout is one outcome among
/// others.
const RAW_TIMEOUT: Duration = Duration::from_millis(50);

/// The client's timeout in mode 3, where every answer is valid and arrives
/// at once: long enough that a loaded machine (sanitizers, other jobs) never
/// turns a slow TCP retry into a false `Timeout`.
const BUILT_TIMEOUT: Duration = Duration::from_secs(2);

/// The property check of one input.
pub fn check(data: &[u8]) {
    let Some((&mode, payload)) = data.split_first() else { return };
    if mode % 4 == 3 {
        let Ok(response) = Response::arbitrary_take_rest(Unstructured::new(payload)) else { return };
        let Some(expected) = response.expected() else { return };
        let lookup = run(Plan::Built(response.clone()), BUILT_TIMEOUT);
        assert_eq!(lookup, expected, "{response:#?}");
    } else {
        if let Lookup::Found(answer) = run(Plan::Raw { mode: mode % 4, payload: payload.to_vec() }, RAW_TIMEOUT) {
            assert!(!answer.records().is_empty(), "Found without records");
        }
    }
}

/// One lookup of [`NAME`] against the server answering by `plan`.
fn run(plan: Plan, timeout: Duration) -> Lookup {
    // One lookup at a time: the server answers from one shared plan.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let server = server();
    server.set_plan(plan);
    let client = DnsClient::new([server.addr]).timeout(timeout).attempts(1);
    server.runtime.block_on(client.query_txt(NAME))
}
