//! The memory bound: a 100 MiB message, generated on the fly
//! (`dkim_testkit::Generated`: lines with runs of spaces and tabs, for
//! relaxed canonicalization), is signed and then verified from a stream;
//! the verification's peak heap use stays under 1 MiB beyond the header
//! block, measured by a counting allocator. This file holds one test, so
//! nothing else allocates in its process meanwhile.

#![allow(clippy::unwrap_used)]

mod support;

use dkim_async::{AsyncVerifier, ManualClock, sign_reader};
use dkim_core::{Policy, Verdict};
use dkim_testkit::Generated;
use futures::executor::block_on;
use peak_alloc::PeakAlloc;
use support::{SIGNED_AT, ed_signer, keys_for};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const HEADER: &[u8] =
    b"From: Joe <joe@football.example.com>\r\nTo: list@example.net\r\nSubject: a very long message\r\n\
Date: Sun, 05 Nov 2023 22:13:20 +0000\r\nMessage-ID: <big@football.example.com>\r\n\r\n";
const BODY_BYTES: u64 = 100 * 1024 * 1024;

#[test]
fn a_100_mib_message_verifies_from_a_stream_in_bounded_memory() {
    let fields = block_on(sign_reader(vec![ed_signer(1)], Generated::new(HEADER.to_vec(), BODY_BYTES))).unwrap();
    let field = fields.concat().into_bytes();
    let header_block = field.len() + HEADER.len();
    let verifier = AsyncVerifier::new(keys_for(1), Policy::default()).clock(ManualClock::new(SIGNED_AT));

    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let results =
        block_on(verifier.verify_reader(Generated::new([field, HEADER.to_vec()].concat(), BODY_BYTES))).unwrap();
    let peak = HEAP.peak_usage().saturating_sub(before);

    assert_eq!(results.len(), 1);
    assert_eq!(results[0].verdict(), Verdict::Pass, "{:?}", results[0].reason());
    println!("100 MiB body: peak heap during verification {peak} bytes (header block {header_block} bytes)");
    assert!(peak < header_block + 1024 * 1024, "peak heap {peak} bytes");
}
