//! No-std proof for dkim-core: a `#![no_std]` `#![no_main]` binary that links
//! dkim-core (without its `std` feature) and uses it.
//!
//! If anything in dkim-core's dependency graph links `std`, this crate fails to
//! build with a duplicate `panic_impl` lang item (std's panic handler and ours).
//!
//! The C library's start files call [`main`] below. It exits 0 only when every
//! check gives the expected result, and otherwise prints which check failed to
//! stderr and exits with that check's number.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicUsize, Ordering};

use dkim_core::hash::body_hash;
use dkim_core::{
    CanonicalizationAlgorithm, HashAlgorithm, HeaderStatus, KeyAnswer, KeyRecord, KeyType, Limits, Now, Policy, Step,
    Verdict, Verifier,
};

// ---------------------------------------------------------------------------
// The C library: only what this proof needs. Without std nothing links libc,
// so name it here.

#[link(name = "c")]
unsafe extern "C" {
    fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    fn abort() -> !;
}

fn eprint(msg: &str) {
    // SAFETY: `msg` is valid for `msg.len()` bytes; fd 2 is stderr (a bad fd
    // only makes `write` return -1, which is ignored).
    unsafe {
        write(2, msg.as_ptr(), msg.len());
    }
}

#[panic_handler]
fn panic(_info: &PanicInfo<'_>) -> ! {
    eprint("dkim-nostd-proof: panicked\n");
    // SAFETY: `abort` has no preconditions.
    unsafe { abort() }
}

// The prebuilt `alloc` of the stable toolchain is compiled with `panic=unwind`,
// so its landing pads name `rust_eh_personality` and `_Unwind_Resume` (std
// would supply them). With `panic = "abort"` and the handler above nothing
// ever unwinds, so neither can be reached: stubs that abort satisfy the linker.

#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {
    // SAFETY: `abort` has no preconditions.
    unsafe { abort() }
}

#[allow(non_snake_case)]
#[unsafe(no_mangle)]
extern "C" fn _Unwind_Resume() -> ! {
    // SAFETY: `abort` has no preconditions.
    unsafe { abort() }
}

// ---------------------------------------------------------------------------
// A bump allocator over a static arena: never frees, which is fine for one
// short run.

const ARENA_SIZE: usize = 4 * 1024 * 1024;

#[repr(C, align(4096))]
struct Arena(UnsafeCell<[u8; ARENA_SIZE]>);

struct BumpAllocator {
    arena: Arena,
    next: AtomicUsize,
}

// SAFETY: the arena is handed out in disjoint pieces; `next` is advanced
// atomically, so no two allocations overlap, even across threads.
unsafe impl Sync for BumpAllocator {}

unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.arena.0.get() as usize;
        let mut current = self.next.load(Ordering::Relaxed);
        loop {
            // `align` is a power of two no larger than isize::MAX.
            let Some(start) = (base + current).checked_add(layout.align() - 1) else {
                return core::ptr::null_mut();
            };
            let offset = (start & !(layout.align() - 1)) - base;
            let Some(end) = offset.checked_add(layout.size()) else { return core::ptr::null_mut() };
            if end > ARENA_SIZE {
                return core::ptr::null_mut();
            }
            match self.next.compare_exchange_weak(current, end, Ordering::Relaxed, Ordering::Relaxed) {
                // SAFETY: `offset..end` lies inside the arena.
                Ok(_) => return unsafe { (self.arena.0.get() as *mut u8).add(offset) },
                Err(seen) => current = seen,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: BumpAllocator =
    BumpAllocator { arena: Arena(UnsafeCell::new([0; ARENA_SIZE])), next: AtomicUsize::new(0) };

// ---------------------------------------------------------------------------
// The checks. RFC 8463 Appendix A: the Ed25519 key and signed message.

const KEY_RECORD: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

const HEADER: &[u8] = b"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n \
d=football.example.com; i=@football.example.com;\r\n \
q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n \
subject : date : message-id : from : subject : date;\r\n \
bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n \
b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n \
Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n\
From: Joe SixPack <joe@football.example.com>\r\n\
To: Suzie Q <suzie@shopping.example.net>\r\n\
Subject: Is dinner ready?\r\n\
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n\
Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n\
\r\n";

const BODY: &[u8] = b"Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";

/// SHA-256 of `Hi.\r\n` (already relaxed-canonical).
const HI_SHA256: [u8; 32] = [
    0x52, 0xb0, 0x3c, 0xae, 0x68, 0x18, 0xdd, 0xe3, 0x41, 0xa2, 0xd9, 0x83, 0x5a, 0xdc, 0xc0, 0x98, 0x7c, 0xa7, 0xe5,
    0x1c, 0x99, 0xbf, 0xc1, 0x9e, 0x6b, 0x8e, 0x6c, 0x34, 0x6b, 0x0f, 0xd3, 0x3c,
];

/// Runs the checks; `Err((code, what))` names the first that failed.
fn run() -> Result<(), (i32, &'static str)> {
    // 1. Key record parsing (tag lists, base64, Ed25519 public key).
    let record = KeyRecord::parse(KEY_RECORD.as_bytes(), &Limits::default())
        .map_err(|_| (10, "KeyRecord::parse rejected the RFC 8463 key record"))?;
    if record.key_type() != KeyType::Ed25519 || record.public_key().is_none() || record.is_revoked() {
        return Err((11, "KeyRecord::parse: wrong key type, missing key or revoked"));
    }

    // 2. Body canonicalization and hashing.
    let bh = body_hash(CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256, b"Hi.\r\n");
    if bh.digest != HI_SHA256 || bh.canonical_length != 5 {
        return Err((20, "body_hash(relaxed, sha256, \"Hi.\\r\\n\") gave the wrong digest or length"));
    }

    // 3. A whole verification: the header in two chunks, the key, the body.
    // The time is required; RFC 8463 A.3 was signed in 2018 (t=1528637909, no x=).
    let mut verifier = Verifier::new(Policy::default(), Now::unix(1_600_000_000));
    let split = 100;
    match verifier.headers(&HEADER[..split]) {
        Ok(HeaderStatus::Partial) => {}
        _ => return Err((30, "Verifier::headers: first chunk was not Partial")),
    }
    match verifier.headers(&HEADER[split..]) {
        Ok(HeaderStatus::Complete(n)) if n == HEADER.len() - split => {}
        Ok(_) => return Err((31, "Verifier::headers: header not Complete at its end")),
        Err(_) => return Err((32, "Verifier::headers: error on the RFC 8463 header")),
    }
    let request = match verifier.step() {
        Step::NeedKeys(mut requests) if requests.len() == 1 => requests.remove(0),
        _ => return Err((33, "Verifier::step: expected one key request")),
    };
    if request.name() != "brisbane._domainkey.football.example.com" {
        return Err((34, "Verifier::step: key request for the wrong name"));
    }
    verifier.answer_key(request.id(), KeyAnswer::text(KEY_RECORD));
    verifier.body(BODY);
    verifier.finish().map_err(|_| (35, "Verifier::finish failed"))?;
    if !matches!(verifier.step(), Step::Done) {
        return Err((36, "Verifier::step: not Done after finish"));
    }
    let results: Vec<_> = verifier.into_results();
    if results.len() != 1 {
        return Err((37, "Verifier: expected exactly one result"));
    }
    if results[0].verdict() != Verdict::Pass {
        return Err((38, "Verifier: the RFC 8463 Ed25519 signature did not pass"));
    }
    Ok(())
}

#[unsafe(no_mangle)]
extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    match run() {
        Ok(()) => {
            eprint("dkim-nostd-proof: ok (key record, body hash, Ed25519 verify)\n");
            0
        }
        Err((code, what)) => {
            eprint("dkim-nostd-proof: FAILED: ");
            eprint(what);
            eprint("\n");
            code
        }
    }
}
