//! Test helpers: messages signed in the test, readers that split their
//! input, key sources that count, wait or hang, and fake timers. The
//! message made up while it is read is `dkim_testkit::Generated`.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::HashSet;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use base64ct::Encoding;
use dkim_async::Timer;
use dkim_core::{Ed25519SigningKey, HeaderStatus, SignSession, Signer, SigningKey};
use dkim_dns::{KeySource, Lookup, StaticKeys};
use futures::io::AsyncRead;

/// Signing time of every test signature.
pub const SIGNED_AT: u64 = 1_700_000_000;

pub const MESSAGE: &[u8] = b"From: Joe SixPack <joe@football.example.com>\r\n\
To: Suzie Q <suzie@shopping.example.net>\r\n\
Subject: Is dinner ready?\r\n\
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n\
Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n\
\r\n\
Hi.\r\n\
\r\n\
We lost the game.  Are you hungry yet?\r\n\
\r\n\
Joe.\r\n";

/// The Ed25519 key of test signer `i`.
pub fn ed_key(i: u8) -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[i; 32])
}

/// Its DNS record.
pub fn ed_record(i: u8) -> String {
    format!("v=DKIM1; k=ed25519; p={}", base64ct::Base64::encode_string(&ed_key(i).public_key_bytes()))
}

/// The selector of test signer `i`: `s<i>`.
pub fn selector(i: u8) -> String {
    format!("s{i}")
}

/// The key name of test signer `i`.
pub fn key_name(i: u8) -> String {
    format!("s{i}._domainkey.example.com")
}

/// Signer `i`: Ed25519, `d=example.com`, `s=s<i>`.
pub fn ed_signer(i: u8) -> Signer<Ed25519SigningKey> {
    Signer::builder(ed_key(i), "example.com", &selector(i)).timestamp(SIGNED_AT).build().unwrap()
}

/// Signs `message` with the core's synchronous session and prepends the fields.
pub fn sign<K: SigningKey>(message: &[u8], signers: Vec<Signer<K>>) -> Vec<u8> {
    let mut session = SignSession::new(signers);
    if let HeaderStatus::Complete(body) = session.headers(message).unwrap() {
        session.body(&message[body..]);
    }
    let mut out = session.finish().unwrap().concat().into_bytes();
    out.extend_from_slice(message);
    out
}

/// `MESSAGE` signed by signers `1..=n`.
pub fn signed_by(n: u8) -> Vec<u8> {
    sign(MESSAGE, (1..=n).map(ed_signer).collect())
}

/// The records of signers `1..=n`, with a TTL of one hour.
pub fn keys_for(n: u8) -> StaticKeys {
    // (`StaticKeys::default()` reports a TTL of 0.)
    let mut keys = StaticKeys::new([]).ttl(3600);
    for i in 1..=n {
        keys.insert(&key_name(i), dkim_core::TxtRecord::from_text(&ed_record(i)));
    }
    keys
}

/// Hands out its data at most `max` bytes per read; with `stall`, every
/// read is first refused once with `Pending` (and an immediate wake-up).
pub struct Chunked<'a> {
    data: &'a [u8],
    max: usize,
    stall: bool,
    stalled: bool,
    pub reads: usize,
}

impl<'a> Chunked<'a> {
    pub fn new(data: &'a [u8], max: usize) -> Self {
        Self { data, max, stall: false, stalled: false, reads: 0 }
    }

    pub fn stalling(mut self) -> Self {
        self.stall = true;
        self
    }
}

impl AsyncRead for Chunked<'_> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.stall && !this.stalled {
            this.stalled = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        this.stalled = false;
        let n = this.max.min(buf.len()).min(this.data.len());
        buf[..n].copy_from_slice(&this.data[..n]);
        this.data = &this.data[n..];
        this.reads += 1;
        Poll::Ready(Ok(n))
    }
}

/// Counts the lookups that reach it, per name and in flight.
pub struct Counting<K> {
    inner: K,
    pub names: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

impl<K> Counting<K> {
    pub fn new(inner: K) -> Self {
        Self {
            inner,
            names: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    pub fn count(&self) -> usize {
        self.names.lock().unwrap().len()
    }

    pub fn count_of(&self, name: &str) -> usize {
        self.names.lock().unwrap().iter().filter(|n| n.as_str() == name).count()
    }
}

impl<K: KeySource + Sync> KeySource for Counting<K> {
    async fn lookup_txt(&self, name: &str) -> Lookup {
        self.names.lock().unwrap().push(name.to_owned());
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let answer = self.inner.lookup_txt(name).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        answer
    }
}

/// Answers no lookup until `expected` lookups have started: a test of
/// concurrency that, run sequentially, waits forever (so give the verifier
/// a lookup deadline).
pub struct Barrier {
    keys: StaticKeys,
    expected: usize,
    state: Mutex<(usize, Vec<Waker>)>,
}

impl Barrier {
    pub fn new(keys: StaticKeys, expected: usize) -> Self {
        Self { keys, expected, state: Mutex::new((0, Vec::new())) }
    }

    pub fn started(&self) -> usize {
        self.state.lock().unwrap().0
    }
}

struct AllStarted<'a>(&'a Barrier);

impl Future for AllStarted<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.state.lock().unwrap();
        if state.0 >= self.0.expected {
            return Poll::Ready(());
        }
        state.1.push(cx.waker().clone());
        Poll::Pending
    }
}

impl KeySource for Barrier {
    async fn lookup_txt(&self, name: &str) -> Lookup {
        let wakers = {
            let mut state = self.state.lock().unwrap();
            state.0 += 1;
            std::mem::take(&mut state.1)
        };
        wakers.into_iter().for_each(Waker::wake);
        AllStarted(self).await;
        self.keys.lookup_txt(name).await
    }
}

/// Never answers for the names in `hang`; asks `inner` for the rest.
pub struct Hanging<K> {
    inner: K,
    hang: HashSet<String>,
}

impl<K> Hanging<K> {
    pub fn new(inner: K, hang: &[&str]) -> Self {
        Self { inner, hang: hang.iter().map(|s| s.to_string()).collect() }
    }
}

impl<K: KeySource + Sync> KeySource for Hanging<K> {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        let hang = self.hang.contains(name);
        async move {
            if hang {
                std::future::pending::<()>().await;
            }
            self.inner.lookup_txt(name).await
        }
    }
}

/// Answers for `inner` after a real delay (futures-timer).
pub struct Slow<K> {
    inner: K,
    delay: Duration,
}

impl<K> Slow<K> {
    pub fn new(inner: K, delay: Duration) -> Self {
        Self { inner, delay }
    }
}

impl<K: KeySource + Sync> KeySource for Slow<K> {
    async fn lookup_txt(&self, name: &str) -> Lookup {
        futures_timer::Delay::new(self.delay).await;
        self.inner.lookup_txt(name).await
    }
}

/// A fake timer: sleeps of at most `fires` end at once, longer ones never.
/// Records every duration asked for.
#[derive(Clone, Default)]
pub struct Threshold {
    fires: Duration,
    pub asked: Arc<Mutex<Vec<Duration>>>,
}

impl Threshold {
    pub fn new(fires: Duration) -> Self {
        Self { fires, asked: Arc::default() }
    }
}

impl Timer for Threshold {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        self.asked.lock().unwrap().push(duration);
        let fire = duration <= self.fires;
        async move {
            if !fire {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Deadlines on tokio's timer, as a user of tokio would write them.
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}
