//! `AsyncVerifier`: bytes and streams, executors, concurrent lookups,
//! deadlines, bounded memory.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dkim_async::{AsyncVerifier, FuturesTimer, ManualClock, StreamError};
use dkim_core::{
    Algorithm, Limits, Policy, PublicKey, Reason, RustCrypto, SignatureResult, Signer, Verdict, VerifyingBackend,
};
use dkim_core::{CryptoError, TempFailCause};
use dkim_dns::StaticKeys;
use dkim_testkit::Generated;
use futures::executor::block_on;
use support::*;

fn policy() -> Policy {
    Policy::default()
}

/// The tests' clock: a minute after the messages were signed.
fn clock() -> ManualClock {
    ManualClock::new(SIGNED_AT + 60)
}

fn verdicts(results: &[SignatureResult]) -> Vec<Verdict> {
    results.iter().map(SignatureResult::verdict).collect()
}

#[test]
fn bytes_under_block_on() {
    let verifier = AsyncVerifier::new(keys_for(2), policy()).clock(clock());
    let results = block_on(verifier.verify_bytes(&signed_by(2))).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass, Verdict::Pass]);
    assert_eq!(results[0].selector(), Some("s1"));
}

#[test]
fn tampered_body_fails() {
    let mut message = signed_by(1);
    let last = message.len() - 3;
    message[last] ^= 1;
    let results = block_on(AsyncVerifier::new(keys_for(1), policy()).clock(clock()).verify_bytes(&message)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Fail]);
    assert_eq!(results[0].reason(), Some(&Reason::BodyHashMismatch));
}

#[test]
fn reader_with_small_reads() {
    let message = signed_by(3);
    let verifier = AsyncVerifier::new(keys_for(3), policy()).clock(clock());
    for max in [1, 7, 100, usize::MAX] {
        for stall in [false, true] {
            let mut reader = Chunked::new(&message, max);
            if stall {
                reader = reader.stalling();
            }
            let results = block_on(verifier.verify_reader(&mut reader)).unwrap();
            assert_eq!(verdicts(&results), [Verdict::Pass; 3], "reads of {max} bytes, stalling {stall}");
            if max == 1 {
                assert!(reader.reads >= message.len(), "one byte per read");
            }
        }
    }
}

#[test]
fn small_chunk_size_setting() {
    let message = signed_by(1);
    let verifier = AsyncVerifier::new(keys_for(1), policy()).clock(clock()).chunk_size(0);
    let mut reader = Chunked::new(&message, usize::MAX);
    let results = block_on(verifier.verify_reader(&mut reader)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass]);
    assert!(reader.reads >= message.len(), "a chunk size of 0 reads one byte at a time");
}

#[tokio::test]
async fn bytes_and_reader_under_tokio() {
    let message = signed_by(2);
    let verifier = AsyncVerifier::new(keys_for(2), policy()).clock(clock()).timer(TokioTimer);
    let verifier = verifier.lookup_timeout(Duration::from_secs(5));
    assert_eq!(verdicts(&verifier.verify_bytes(&message).await.unwrap()), [Verdict::Pass; 2]);
    for max in [1, 7] {
        let results = verifier.verify_reader(Chunked::new(&message, max)).await.unwrap();
        assert_eq!(verdicts(&results), [Verdict::Pass; 2]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_futures_are_send() {
    let verifier = std::sync::Arc::new(
        AsyncVerifier::new(keys_for(1), policy())
            .clock(clock())
            .timer(FuturesTimer)
            .lookup_timeout(Duration::from_secs(5)),
    );
    let message = signed_by(1);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (v, m) = (verifier.clone(), message.clone());
            tokio::spawn(async move { v.verify_reader(Chunked::new(&m, 7)).await.unwrap() })
        })
        .collect();
    for t in tasks {
        assert_eq!(verdicts(&t.await.unwrap()), [Verdict::Pass]);
    }
}

#[test]
fn unsigned_and_header_only_messages() {
    let verifier = AsyncVerifier::new(StaticKeys::default(), policy()).clock(clock());
    assert!(block_on(verifier.verify_bytes(MESSAGE)).unwrap().is_empty());
    assert!(block_on(verifier.verify_bytes(b"From: a@example.com\r\n")).unwrap().is_empty());
    // Empty input is not a message (the rule the core documents).
    let empty = block_on(verifier.verify_bytes(b"")).unwrap_err();
    assert!(
        matches!(empty, StreamError::Verify(dkim_core::VerifyError::Header(dkim_core::HeaderError::Empty))),
        "{empty}"
    );
    // A signed message that ends with its header: the key is still looked up.
    let header_only = sign(b"From: a@example.com\r\n", vec![ed_signer(1)]);
    let results =
        block_on(AsyncVerifier::new(keys_for(1), policy()).clock(clock()).verify_bytes(&header_only)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass]);
}

#[test]
fn missing_key_is_permerror_without_reading_the_body() {
    let message = signed_by(1);
    let verifier = AsyncVerifier::new(StaticKeys::default(), policy()).clock(clock()).chunk_size(16);
    let mut reader = Chunked::new(&message, usize::MAX);
    let results = block_on(verifier.verify_reader(&mut reader)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::PermError]);
    assert_eq!(results[0].reason(), Some(&Reason::NoRecord { name: key_name(1) }));
    assert!(reader.reads < message.len() / 16, "the body is not read once every result is decided");
}

#[test]
fn malformed_header_and_io_errors() {
    let verifier = AsyncVerifier::new(StaticKeys::default(), policy()).clock(clock());
    let err = block_on(verifier.verify_bytes(b" leading continuation\r\nFrom: a\r\n\r\n")).unwrap_err();
    assert!(matches!(err, StreamError::Verify(_)), "{err}");

    let small = AsyncVerifier::new(StaticKeys::default(), policy().limits(Limits::default().max_header_bytes(64)))
        .clock(clock());
    let err = block_on(small.verify_bytes(&signed_by(1))).unwrap_err();
    assert!(matches!(err, StreamError::Verify(_)), "{err}");

    struct Broken;
    impl futures::io::AsyncRead for Broken {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            _: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            std::task::Poll::Ready(Err(std::io::Error::other("disk on fire")))
        }
    }
    let err = block_on(verifier.verify_reader(Broken)).unwrap_err();
    assert!(matches!(err, StreamError::Io(_)));
    assert_eq!(err.to_string(), "reading the message failed: disk on fire");
}

#[test]
fn all_lookups_run_concurrently() {
    const N: u8 = 6;
    let message = signed_by(N);
    let keys = Barrier::new(keys_for(N), usize::from(N));
    // If the lookups ran one after another the first would wait for the
    // others forever; the deadline turns that into temperror instead.
    let verifier = AsyncVerifier::new(&keys, policy())
        .clock(clock())
        .timer(FuturesTimer)
        .lookup_timeout(Duration::from_secs(10))
        .chunk_size(7);
    let results = block_on(verifier.verify_reader(Chunked::new(&message, 7))).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass; N as usize]);
    assert_eq!(keys.started(), usize::from(N));
}

#[test]
fn one_lookup_per_distinct_key() {
    // Two signatures with the same key, and one with another.
    let signers = vec![ed_signer(1), ed_signer(1), ed_signer(2)];
    let message = sign(MESSAGE, signers);
    let keys = Counting::new(keys_for(2));
    let results = block_on(AsyncVerifier::new(&keys, policy()).clock(clock()).verify_bytes(&message)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass; 3]);
    assert_eq!(keys.count(), 2);
}

#[test]
fn lookup_deadline_gives_temperror() {
    let message = signed_by(2);
    let timer = Threshold::new(Duration::from_secs(1));
    let verifier = AsyncVerifier::new(Hanging::new(keys_for(2), &[&key_name(2)]), policy())
        .clock(clock())
        .timer(timer.clone())
        .lookup_timeout(Duration::from_secs(1))
        .overall_timeout(Duration::from_secs(3600));
    let results = block_on(verifier.verify_bytes(&message)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass, Verdict::TempError]);
    assert_eq!(results[1].reason(), Some(&Reason::TempFail { name: key_name(2), cause: TempFailCause::Timeout }));
    let mut asked = timer.asked.lock().unwrap().clone();
    asked.sort();
    assert_eq!(asked, [Duration::from_secs(1), Duration::from_secs(1), Duration::from_secs(3600)]);
}

#[test]
fn overall_deadline_keeps_finished_answers() {
    let message = signed_by(3);
    let verifier = AsyncVerifier::new(Hanging::new(keys_for(3), &[&key_name(1), &key_name(3)]), policy())
        .clock(clock())
        .timer(Threshold::new(Duration::from_secs(2)))
        .lookup_timeout(Duration::from_secs(3600))
        .overall_timeout(Duration::from_secs(2));
    let results = block_on(verifier.verify_reader(Chunked::new(&message, 7))).unwrap();
    assert_eq!(verdicts(&results), [Verdict::TempError, Verdict::Pass, Verdict::TempError]);
}

#[test]
fn real_deadlines_under_block_on() {
    let message = signed_by(1);
    let slow = Slow::new(keys_for(1), Duration::from_secs(30));
    let verifier = AsyncVerifier::new(&slow, policy()).clock(clock()).timer(FuturesTimer);
    let started = Instant::now();
    let lookup = verifier.clone().lookup_timeout(Duration::from_millis(50));
    assert_eq!(verdicts(&block_on(lookup.verify_bytes(&message)).unwrap()), [Verdict::TempError]);
    let overall = verifier.overall_timeout(Duration::from_millis(50));
    assert_eq!(verdicts(&block_on(overall.verify_bytes(&message)).unwrap()), [Verdict::TempError]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn real_deadlines_under_tokio() {
    let message = signed_by(1);
    let slow = Slow::new(keys_for(1), Duration::from_secs(30));
    let verifier = AsyncVerifier::new(&slow, policy()).clock(clock()).timer(TokioTimer);
    let started = Instant::now();
    let results = verifier.lookup_timeout(Duration::from_millis(50)).verify_bytes(&message).await.unwrap();
    assert_eq!(verdicts(&results), [Verdict::TempError]);
    assert!(started.elapsed() < Duration::from_secs(10));
    // A lookup that beats its deadline passes.
    let quick = Slow::new(keys_for(1), Duration::from_millis(10));
    let verifier = AsyncVerifier::new(&quick, policy()).clock(clock()).timer(TokioTimer);
    let results = verifier.lookup_timeout(Duration::from_secs(10)).verify_bytes(&message).await.unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass]);
}

#[test]
fn clock_sets_the_time_for_expiry() {
    let signer =
        Signer::builder(ed_key(1), "example.com", "s1").timestamp(SIGNED_AT).expire_after(3600).build().unwrap();
    let message = sign(MESSAGE, vec![signer]);
    let clock = std::sync::Arc::new(ManualClock::new(SIGNED_AT + 10));
    let verifier = AsyncVerifier::new(keys_for(1), Policy::default()).clock(clock.clone());
    assert_eq!(verdicts(&block_on(verifier.verify_bytes(&message)).unwrap()), [Verdict::Pass]);
    clock.advance(7200);
    let results = block_on(verifier.verify_bytes(&message)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::PermError]);
    assert!(matches!(results[0].reason(), Some(Reason::Expired { .. })));
}

/// Key records kept parsed (by their text) change no result: for keys that
/// pass, fail or cannot be used, the results equal those of a verifier that
/// parses every key anew, message after message; a changed record is
/// parsed afresh.
#[test]
fn parsed_keys_change_no_result() {
    let mut keys = keys_for(2);
    let txt = dkim_core::TxtRecord::from_text;
    // s3: a testing-mode key; s4: revoked; s5: does not parse; s6: another
    // signer's key (signature mismatch); s7: two records.
    keys.insert(&key_name(3), txt(&format!("{}; t=y", ed_record(3))));
    keys.insert(&key_name(4), txt("v=DKIM1; k=ed25519; p="));
    keys.insert(&key_name(5), txt("v=DKIM1; k=ed25519; p=!!"));
    keys.insert(&key_name(6), txt(&ed_record(1)));
    keys.insert(&key_name(7), txt(&ed_record(7)));
    keys.insert(&key_name(7), txt("v=spf1 -all"));
    let message = sign(MESSAGE, (1..=7).map(ed_signer).collect());
    let kept = AsyncVerifier::new(keys.clone(), policy()).clock(clock());
    let fresh = AsyncVerifier::new(keys.clone(), policy()).clock(clock()).parsed_key_capacity(0);
    let want = block_on(fresh.verify_bytes(&message)).unwrap();
    assert_eq!(
        verdicts(&want),
        [
            Verdict::Pass,
            Verdict::Pass,
            Verdict::Pass,
            Verdict::PermError,
            Verdict::PermError,
            Verdict::Fail,
            Verdict::Pass
        ]
    );
    assert!(want[2].testing(), "t=y is reported");
    for round in 0..3 {
        assert_eq!(block_on(kept.verify_bytes(&message)).unwrap(), want, "round {round}");
    }
    // s1 and s6 share one text; s4 (revoked) parses; s5 and s7 are not kept.
    assert_eq!(kept.parsed_key_count(), 4);
    assert_eq!(fresh.parsed_key_count(), 0);

    // The key of s2 changes, in the same verifier's key source: the record
    // kept for the old text is not used.
    let changing = Arc::new(Mutex::new(keys_for(2)));
    let kept = AsyncVerifier::new(Shared(Arc::clone(&changing)), policy()).clock(clock());
    let message = sign(MESSAGE, vec![ed_signer(2)]);
    assert_eq!(verdicts(&block_on(kept.verify_bytes(&message)).unwrap()), [Verdict::Pass]);
    let mut changed = keys_for(1);
    changed.insert(&key_name(2), txt(&ed_record(8)));
    *changing.lock().unwrap() = changed;
    let once = block_on(kept.verify_bytes(&message)).unwrap();
    assert_eq!(verdicts(&once), [Verdict::Fail]);
    assert_eq!(once[0].reason(), Some(&Reason::SignatureMismatch));
}

/// A key source whose records can be swapped between messages.
struct Shared(Arc<Mutex<StaticKeys>>);

impl dkim_dns::KeySource for Shared {
    fn lookup_txt(&self, name: &str) -> impl std::future::Future<Output = dkim_dns::Lookup> + Send {
        let keys = self.0.lock().unwrap().clone();
        let name = name.to_owned();
        async move { keys.lookup_txt(&name).await }
    }
}

/// The parsed-key set is the verifier's: a new verifier (other limits,
/// other parses) starts empty, clones share it.
#[test]
fn parsed_keys_belong_to_the_verifier_and_its_clones() {
    let verifier = AsyncVerifier::new(keys_for(2), policy()).clock(clock());
    assert_eq!(verdicts(&block_on(verifier.verify_bytes(&signed_by(2))).unwrap()), [Verdict::Pass; 2]);
    assert_eq!(verifier.parsed_key_count(), 2);
    let verifier =
        AsyncVerifier::new(keys_for(2), policy().limits(Limits::default().max_rsa_bits(4096))).clock(clock());
    assert_eq!(verifier.parsed_key_count(), 0);
    let clone = verifier.clone();
    assert_eq!(verdicts(&block_on(clone.verify_bytes(&signed_by(1))).unwrap()), [Verdict::Pass]);
    assert_eq!(verifier.parsed_key_count(), 1, "clones share the set");
}

/// 64 MiB of body, made up while it is read: the verifier never holds more
/// than its read buffer of it.
#[test]
fn large_body_streams_in_bounded_chunks() {
    const BODY: u64 = 64 << 20;
    let header = b"From: joe@example.com\r\nSubject: big\r\n\r\n".to_vec();
    let signers = vec![ed_signer(1), ed_signer(2)];
    let mut source = Generated::new(header.clone(), BODY);
    let fields = block_on(dkim_async::sign_reader(signers, &mut source)).unwrap();
    assert_eq!(source.consumed(), source.total_len());

    let mut signed_header = fields.concat().into_bytes();
    signed_header.extend_from_slice(&header);
    let mut reader = Generated::new(signed_header, BODY);
    let verifier = AsyncVerifier::new(keys_for(2), policy()).clock(clock());
    let results = block_on(verifier.verify_reader(&mut reader)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass; 2]);
    assert_eq!(reader.consumed(), reader.total_len(), "the whole stream was read");
    assert!(reader.largest_read() <= 16 * 1024, "reads of at most 16 KiB, not {}", reader.largest_read());
    assert!(reader.reads() as u64 >= BODY / (16 * 1024), "{} reads", reader.reads());
}

/// Set once; futures wait for it.
#[derive(Default)]
struct Signal(std::sync::Mutex<(bool, Vec<std::task::Waker>)>);

impl Signal {
    fn set(&self) {
        let wakers = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            std::mem::take(&mut s.1)
        };
        wakers.into_iter().for_each(std::task::Waker::wake);
    }

    async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut s = self.0.lock().unwrap();
            if s.0 {
                return std::task::Poll::Ready(());
            }
            s.1.push(cx.waker().clone());
            std::task::Poll::Pending
        })
        .await
    }
}

/// Answers only once the whole message has been read.
struct AfterBody<'a> {
    keys: StaticKeys,
    read: &'a Signal,
}

impl dkim_dns::KeySource for AfterBody<'_> {
    async fn lookup_txt(&self, name: &str) -> dkim_dns::Lookup {
        self.read.wait().await;
        self.keys.lookup_txt(name).await
    }
}

/// Signals at the end of its data.
struct SignalAtEnd<'a> {
    inner: Chunked<'a>,
    read: &'a Signal,
}

impl futures::io::AsyncRead for SignalAtEnd<'_> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_read(cx, buf);
        if let std::task::Poll::Ready(Ok(0)) = polled {
            this.read.set();
        }
        polled
    }
}

/// The body is read while the lookups are under way: a key source that
/// answers only after the last byte was read still gets its answers used.
#[test]
fn body_is_read_while_lookups_run() {
    let message = signed_by(2);
    let read = Signal::default();
    let keys = AfterBody { keys: keys_for(2), read: &read };
    let verifier =
        AsyncVerifier::new(keys, policy()).clock(clock()).timer(FuturesTimer).lookup_timeout(Duration::from_secs(10));
    let reader = SignalAtEnd { inner: Chunked::new(&message, 7).stalling(), read: &read };
    let results = block_on(verifier.verify_reader(reader)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass; 2]);
}

/// Executor-agnostic: the same verification under smol, with real deadlines
/// from `FuturesTimer` and a reader.
#[test]
fn under_smol() {
    let verifier = AsyncVerifier::new(keys_for(2), policy())
        .clock(clock())
        .timer(FuturesTimer)
        .lookup_timeout(Duration::from_secs(5));
    let message = signed_by(2);
    let results = smol::block_on(async {
        let task = smol::spawn(async move { verifier.verify_reader(Chunked::new(&message, 7)).await.unwrap() });
        task.await
    });
    assert_eq!(verdicts(&results), [Verdict::Pass, Verdict::Pass]);
}

/// Counts the signature checks it hands to `RustCrypto`.
#[derive(Debug)]
struct CountingBackend(AtomicUsize);

impl VerifyingBackend for CountingBackend {
    fn name(&self) -> &'static str {
        "counting"
    }

    fn verify(&self, key: &PublicKey, a: Algorithm, digest: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        RustCrypto.verify(key, a, digest, sig)
    }
}

/// The `Policy`'s crypto backend checks every signature `AsyncVerifier` verifies.
#[test]
fn policy_backend_reaches_the_async_verifier() {
    static BACKEND: CountingBackend = CountingBackend(AtomicUsize::new(0));
    let verifier = AsyncVerifier::new(keys_for(2), policy().backend(&BACKEND)).clock(clock());
    let results = block_on(verifier.verify_bytes(&signed_by(2))).unwrap();
    assert_eq!(verdicts(&results), [Verdict::Pass, Verdict::Pass]);
    assert_eq!(BACKEND.0.load(Ordering::Relaxed), 2);
}

/// Without `.clock(..)` the verifier reads the system clock: a signature
/// that expired an hour ago is refused, one good for another hour passes;
/// `danger_no_clock` checks no time at all.
#[test]
fn the_system_clock_is_the_default() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let signed_at = |t: u64, x: u64| {
        let signer =
            Signer::builder(ed_key(1), "example.com", &selector(1)).timestamp(t).expiration(x).build().unwrap();
        sign(MESSAGE, vec![signer])
    };
    let expired = signed_at(now - 7200, now - 3600);
    let fresh = signed_at(now - 60, now + 3600);
    let verifier = AsyncVerifier::new(keys_for(1), policy());
    let results = block_on(verifier.verify_bytes(&expired)).unwrap();
    assert_eq!(verdicts(&results), [Verdict::PermError]);
    assert!(matches!(results[0].reason(), Some(Reason::Expired { expiration, .. }) if *expiration == now - 3600));
    assert_eq!(verdicts(&block_on(verifier.verify_bytes(&fresh)).unwrap()), [Verdict::Pass]);
    let no_clock = AsyncVerifier::new(keys_for(1), policy()).danger_no_clock();
    assert_eq!(verdicts(&block_on(no_clock.verify_bytes(&expired)).unwrap()), [Verdict::Pass]);
}
