//! The memory bound: a 100 MiB message, generated on the fly, is signed and
//! then verified from a stream; the verification's peak heap use stays under
//! 1 MiB beyond the header block, measured by a counting allocator. This
//! file holds one test, so nothing else allocates in its process meanwhile.

#![allow(clippy::unwrap_used)]

mod support;

use std::pin::Pin;
use std::task::{Context, Poll};

use dkim_async::{AsyncVerifier, sign_reader};
use dkim_core::{Policy, Verdict};
use futures::executor::block_on;
use peak_alloc::PeakAlloc;
use support::{SIGNED_AT, ed_signer, keys_for};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const HEADER: &[u8] =
    b"From: Joe <joe@football.example.com>\r\nTo: list@example.net\r\nSubject: a very long message\r\n\
Date: Sun, 05 Nov 2023 22:13:20 +0000\r\nMessage-ID: <big@football.example.com>\r\n\r\n";
const BODY_BYTES: u64 = 100 * 1024 * 1024;

/// An `AsyncRead` producing `prefix`, then `HEADER`, then a 100 MiB body of
/// text lines (with runs of spaces and tabs for relaxed canonicalization),
/// without ever holding more than one line.
struct Generated {
    prefix: Vec<u8>,
    pos: usize,
    body_left: u64,
    line: Vec<u8>,
    line_pos: usize,
    n: u64,
}

impl Generated {
    fn new(prefix: Vec<u8>) -> Self {
        let mut p = prefix;
        p.extend_from_slice(HEADER);
        Self { prefix: p, pos: 0, body_left: BODY_BYTES, line: Vec::new(), line_pos: 0, n: 0 }
    }
}

impl futures::io::AsyncRead for Generated {
    fn poll_read(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        if this.pos < this.prefix.len() {
            let n = buf.len().min(this.prefix.len() - this.pos);
            buf[..n].copy_from_slice(&this.prefix[this.pos..this.pos + n]);
            this.pos += n;
            return Poll::Ready(Ok(n));
        }
        let mut written = 0;
        while written < buf.len() && (this.line_pos < this.line.len() || this.body_left > 0) {
            if this.line_pos == this.line.len() {
                this.n += 1;
                this.line.clear();
                this.line_pos = 0;
                let text = format!("Line {}:  some  words\there, and trailing space \r\n", this.n);
                let take = (text.len() as u64).min(this.body_left) as usize;
                this.line.extend_from_slice(&text.as_bytes()[..take]);
                this.body_left -= take as u64;
            }
            let n = (buf.len() - written).min(this.line.len() - this.line_pos);
            buf[written..written + n].copy_from_slice(&this.line[this.line_pos..this.line_pos + n]);
            this.line_pos += n;
            written += n;
        }
        Poll::Ready(Ok(written))
    }
}

#[test]
fn a_100_mib_message_verifies_from_a_stream_in_bounded_memory() {
    let fields = block_on(sign_reader(vec![ed_signer(1)], Generated::new(Vec::new()))).unwrap();
    let field = fields.concat().into_bytes();
    let header_block = field.len() + HEADER.len();
    let verifier = AsyncVerifier::new(keys_for(1), Policy::default().now(SIGNED_AT));

    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let results = block_on(verifier.verify_reader(Generated::new(field))).unwrap();
    let peak = HEAP.peak_usage().saturating_sub(before);

    assert_eq!(results.len(), 1);
    assert_eq!(results[0].verdict(), Verdict::Pass, "{:?}", results[0].reason());
    println!("100 MiB body: peak heap during verification {peak} bytes (header block {header_block} bytes)");
    assert!(peak < header_block + 1024 * 1024, "peak heap {peak} bytes");
}
