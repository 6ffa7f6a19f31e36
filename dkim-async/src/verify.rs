//! [`AsyncVerifier`]: the core's sans-IO verifier driven by a key source.

use std::fmt;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use dkim_core::arc::{ArcResult, SealError, SealSession, Sealer};
use dkim_core::hash::BodyHashId;
use dkim_core::{
    Ed25519SigningKey, HeaderStatus, KeyAnswer, KeyRequest, KeyRequestId, Now, Policy, SignatureResult, SigningKey,
    Step, TempFailCause, Verifier,
};
use dkim_dns::KeySource;
use futures_io::AsyncRead;
use futures_util::future::{Either, FutureExt as _, select};
use futures_util::stream::{FuturesUnordered, StreamExt as _};

use crate::StreamError;
use crate::clock::{Clock, SystemClock};
use crate::parsed::{self, ParsedKeys};
use crate::read_chunk;
use crate::timer::{NoTimer, Timer};

/// Default read size: 16 KiB.
pub(crate) const DEFAULT_CHUNK_SIZE: usize = 16 * 1024;

/// Verifies messages with keys from a [`KeySource`], on any executor.
///
/// For each message it feeds the header to the core [`Verifier`], starts
/// every key lookup the signatures need at once, hashes the body while they
/// run, and answers each lookup as it completes. A lookup that misses its
/// deadline ([`lookup_timeout`](Self::lookup_timeout)), or is still
/// running when the deadline for all lookups of the message passes
/// ([`overall_timeout`](Self::overall_timeout)), counts as a
/// temporary failure: `temperror` for the signatures that need that key.
///
/// One verifier serves any number of messages, concurrently too (`&self`).
/// Put a [`KeyCache`](crate::KeyCache) in front of the key source to share
/// keys between them. The verifier itself keeps the key records it parsed,
/// by their exact text, so a key that signs many messages is parsed once
/// ([`parsed_key_capacity`](Self::parsed_key_capacity)).
///
/// ```
/// use dkim_async::AsyncVerifier;
/// use dkim_core::{Ed25519SigningKey, HeaderStatus, Policy, SignSession, Signer, Verdict};
/// use dkim_dns::StaticKeys;
///
/// // A message signed with an Ed25519 key, and the key's DNS record.
/// let key = Ed25519SigningKey::from_seed(&[7; 32]);
/// let record = format!("v=DKIM1; k=ed25519; p={}", base64(&key.public_key_bytes()));
/// let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
/// let mut session = SignSession::new(vec![Signer::builder(key, "example.com", "sel").build()?]);
/// let HeaderStatus::Complete(body) = session.headers(message)? else { unreachable!() };
/// session.body(&message[body..]);
/// let mut signed = session.finish()?.concat().into_bytes();
/// signed.extend_from_slice(message);
///
/// let keys = StaticKeys::new([("sel._domainkey.example.com", record.as_str())]);
/// let verifier = AsyncVerifier::new(keys, Policy::default());
/// let results = futures::executor::block_on(verifier.verify_bytes(&signed))?;
/// assert_eq!(results[0].verdict(), Verdict::Pass);
/// # fn base64(b: &[u8]) -> String { use base64ct::Encoding; base64ct::Base64::encode_string(b) }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AsyncVerifier<K, T = NoTimer> {
    keys: K,
    timer: T,
    policy: Policy,
    /// `None` only after [`AsyncVerifier::danger_no_clock`].
    clock: Option<Arc<dyn Clock + Send + Sync>>,
    lookup_timeout: Option<Duration>,
    overall_timeout: Option<Duration>,
    chunk_size: usize,
    /// Parsed key records, shared by clones (parsed with `limits`).
    parsed: Arc<ParsedKeys>,
}

impl<K, T> fmt::Debug for AsyncVerifier<K, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncVerifier")
            .field("policy", &self.policy)
            .field("clock", &self.clock.is_some())
            .field("lookup_timeout", &self.lookup_timeout)
            .field("overall_timeout", &self.overall_timeout)
            .field("chunk_size", &self.chunk_size)
            .field("parsed_keys", &self.parsed.len())
            .finish_non_exhaustive()
    }
}

impl<K: KeySource> AsyncVerifier<K> {
    /// A verifier taking keys from `keys` and judging by `policy` (with its
    /// [`Limits`](dkim_core::Limits)) at the time of the system clock, read for every message
    /// ([`clock`](Self::clock) sets another), with 16 KiB reads and no
    /// deadlines (set a timer with [`timer`](Self::timer) to have them).
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::{Policy, Verdict};
    /// use dkim_dns::StaticKeys;
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default()); // no key published
    /// let results = futures::executor::block_on(verifier.verify_bytes(message))?;
    /// assert_eq!(results[0].verdict(), Verdict::PermError);
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    pub fn new(keys: K, policy: Policy) -> Self {
        Self {
            keys,
            timer: NoTimer,
            policy,
            clock: Some(Arc::new(SystemClock)),
            lookup_timeout: None,
            overall_timeout: None,
            chunk_size: DEFAULT_CHUNK_SIZE,
            parsed: Arc::new(ParsedKeys::new(parsed::DEFAULT_CAPACITY)),
        }
    }
}

impl<K, T> AsyncVerifier<K, T> {
    /// The timer that enforces the deadlines, e.g. `FuturesTimer` (feature
    /// `futures-timer`) or one on the runtime's own timer.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::time::Duration;
    /// use dkim_async::{AsyncVerifier, FuturesTimer};
    /// use dkim_core::{Policy, Verdict};
    /// use dkim_dns::{KeySource, Lookup};
    ///
    /// /// A key source that never answers.
    /// struct Silent;
    /// impl KeySource for Silent {
    ///     fn lookup_txt(&self, _name: &str) -> impl Future<Output = Lookup> + Send {
    ///         std::future::pending()
    ///     }
    /// }
    ///
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let verifier = AsyncVerifier::new(Silent, Policy::default())
    ///     .timer(FuturesTimer)
    ///     .lookup_timeout(Duration::from_millis(20));
    /// let results = futures::executor::block_on(verifier.verify_bytes(message))?;
    /// assert_eq!(results[0].verdict(), Verdict::TempError);
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    #[must_use]
    pub fn timer<U: Timer>(self, timer: U) -> AsyncVerifier<K, U> {
        AsyncVerifier {
            keys: self.keys,
            timer,
            policy: self.policy,
            clock: self.clock,
            lookup_timeout: self.lookup_timeout,
            overall_timeout: self.overall_timeout,
            chunk_size: self.chunk_size,
            parsed: self.parsed,
        }
    }

    /// How long one key lookup may take; a later answer counts as a
    /// temporary failure. Needs a timer ([`timer`](Self::timer)).
    ///
    /// ```
    /// use std::future::Future;
    /// use std::time::Duration;
    /// use dkim_async::{AsyncVerifier, FuturesTimer};
    /// use dkim_core::{Policy, Reason, TempFailCause};
    /// use dkim_dns::{KeySource, Lookup};
    ///
    /// /// A key source that never answers.
    /// struct Silent;
    /// impl KeySource for Silent {
    ///     fn lookup_txt(&self, _name: &str) -> impl Future<Output = Lookup> + Send {
    ///         std::future::pending()
    ///     }
    /// }
    ///
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let verifier = AsyncVerifier::new(Silent, Policy::default()).timer(FuturesTimer);
    /// let verifier = verifier.lookup_timeout(Duration::from_millis(20));
    /// let results = futures::executor::block_on(verifier.verify_bytes(message))?;
    /// assert!(matches!(results[0].reason(), Some(Reason::TempFail { cause: TempFailCause::Timeout, .. })));
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    #[must_use]
    pub fn lookup_timeout(mut self, timeout: Duration) -> Self {
        self.lookup_timeout = Some(timeout);
        self
    }

    /// How long all key lookups of one message may take together, from the
    /// end of the header; lookups still running then count as temporary
    /// failures, those that finished keep their answers. Needs a timer
    /// ([`timer`](Self::timer)).
    ///
    /// ```
    /// use std::future::Future;
    /// use std::time::Duration;
    /// use dkim_async::{AsyncVerifier, FuturesTimer};
    /// use dkim_core::{Policy, Verdict};
    /// use dkim_dns::{KeySource, Lookup};
    ///
    /// /// A key source that never answers.
    /// struct Silent;
    /// impl KeySource for Silent {
    ///     fn lookup_txt(&self, _name: &str) -> impl Future<Output = Lookup> + Send {
    ///         std::future::pending()
    ///     }
    /// }
    ///
    /// // Two signatures, two lookups: both given up together after 20 ms.
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=one; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=two; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let verifier = AsyncVerifier::new(Silent, Policy::default()).timer(FuturesTimer);
    /// let verifier = verifier.overall_timeout(Duration::from_millis(20));
    /// let results = futures::executor::block_on(verifier.verify_bytes(message))?;
    /// assert!(results.iter().all(|r| r.verdict() == Verdict::TempError));
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    #[must_use]
    pub fn overall_timeout(mut self, timeout: Duration) -> Self {
        self.overall_timeout = Some(timeout);
        self
    }

    /// How many parsed key records are kept (default 1 024; 0 parses every
    /// key anew). Parsing is a large share of verifying a short message
    /// (bringing an RSA modulus into Montgomery form, decompressing an
    /// Ed25519 point), and a domain signs many messages with one key.
    ///
    /// Records are kept by their exact text, never by name, so a changed
    /// record is parsed afresh whatever was kept; how long the text itself
    /// is trusted stays with the key source (e.g. a
    /// [`KeyCache`](crate::KeyCache) and the record's TTL). Only answers of
    /// exactly one record that parses, of at most 2 KiB (real key records
    /// are far shorter), are kept: an entry is that text and a parsed key of
    /// a few KiB.
    /// When full, one record makes room for the next. The set is shared with clones of this verifier
    /// and starts empty here.
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::Policy;
    /// use dkim_dns::StaticKeys;
    ///
    /// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default()).parsed_key_capacity(100);
    /// assert_eq!(verifier.parsed_key_count(), 0);
    /// ```
    #[must_use]
    pub fn parsed_key_capacity(mut self, records: usize) -> Self {
        self.parsed = Arc::new(ParsedKeys::new(records));
        self
    }

    /// How many parsed key records are kept now.
    ///
    /// ```
    /// use dkim_async::{AsyncVerifier, ManualClock};
    /// use dkim_core::{Policy, Verdict};
    /// use dkim_dns::StaticKeys;
    /// # use dkim_core::{Ed25519SigningKey, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 with the key published as `record`.
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", record.text())]);
    /// let verifier = AsyncVerifier::new(keys, Policy::default()).clock(ManualClock::new(1_700_000_100));
    /// assert_eq!(verifier.parsed_key_count(), 0);
    /// let results = futures::executor::block_on(verifier.verify_bytes(&signed))?;
    /// assert_eq!(results[0].verdict(), Verdict::Pass);
    /// assert_eq!(verifier.parsed_key_count(), 1); // the next message with this key skips the parse
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parsed_key_count(&self) -> usize {
        self.parsed.len()
    }

    /// The clock read for every message, against which `x=` and `t=` are
    /// checked (default [`SystemClock`]; a [`ManualClock`](crate::ManualClock)
    /// in tests).
    ///
    /// ```
    /// use dkim_async::{AsyncVerifier, ManualClock};
    /// use dkim_core::{Policy, Reason, Verdict};
    /// use dkim_dns::StaticKeys;
    /// # use dkim_core::{Ed25519SigningKey, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 with the key published as `record`.
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", record.text())]);
    /// let verifier = AsyncVerifier::new(keys.clone(), Policy::default()).clock(ManualClock::new(1_700_000_100));
    /// assert_eq!(futures::executor::block_on(verifier.verify_bytes(&signed))?[0].verdict(), Verdict::Pass);
    /// let early = AsyncVerifier::new(keys, Policy::default()).clock(ManualClock::new(1_600_000_000));
    /// let results = futures::executor::block_on(early.verify_bytes(&signed))?;
    /// assert!(matches!(results[0].reason(), Some(Reason::TimestampInFuture { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// No clock at all: `x=` and future `t=` are not checked, so expired
    /// signatures pass ([`Now::danger_no_clock`]). For archives only.
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::{Ed25519SigningKey, Policy, PrivateKey, Signer, Verdict};
    /// use dkim_dns::StaticKeys;
    /// let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// let record = key.dns_record();
    /// // Signed in 1970, expired long ago.
    /// let message = b"From: joe@example.com\r\n\r\nHello!\r\n";
    /// let signer = Signer::builder(key, "example.com", "sel").timestamp(1_000).expiration(2_000).build()?;
    /// let field = signer.sign(message)?;
    /// let signed = [field.as_bytes(), message].concat();
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", record.text())]);
    /// let archive = AsyncVerifier::new(keys, Policy::default()).danger_no_clock();
    /// assert_eq!(futures::executor::block_on(archive.verify_bytes(&signed))?[0].verdict(), Verdict::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn danger_no_clock(mut self) -> Self {
        self.clock = None;
        self
    }

    /// How many bytes [`verify_reader`](Self::verify_reader) asks for at a
    /// time (default 16 KiB, at least 1).
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::Policy;
    /// use dkim_dns::StaticKeys;
    /// // Reads of 7 bytes: the header arrives in pieces, the result is the same.
    /// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default()).chunk_size(7);
    /// let unsigned = &b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n"[..];
    /// assert!(futures::executor::block_on(verifier.verify_reader(unsigned))?.is_empty());
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    #[must_use]
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// The key source.
    ///
    /// ```
    /// use dkim_async::{AsyncVerifier, KeyCache, SystemClock};
    /// use dkim_core::Policy;
    /// use dkim_dns::StaticKeys;
    /// let verifier = AsyncVerifier::new(KeyCache::new(StaticKeys::default(), SystemClock), Policy::default());
    /// assert!(verifier.key_source().is_empty()); // the cache, for statistics or `clear`
    /// ```
    pub fn key_source(&self) -> &K {
        &self.keys
    }
}

impl<K: KeySource, T: Timer> AsyncVerifier<K, T> {
    /// Verifies a message held in memory.
    ///
    /// Returns one result per `DKIM-Signature` field, topmost first; none
    /// for an unsigned message.
    ///
    /// # Errors
    ///
    /// [`StreamError::Verify`] when the header is malformed or exceeds a
    /// limit (report `permerror`).
    ///
    /// ```
    /// use dkim_async::{AsyncVerifier, StreamError};
    /// use dkim_core::{HeaderError, Policy, VerifyError};
    /// use dkim_dns::StaticKeys;
    /// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default());
    /// let results = futures::executor::block_on(verifier.verify_bytes(b"From: joe@example.com\r\n\r\nHi\r\n"))?;
    /// assert!(results.is_empty()); // unsigned: dkim=none
    /// let broken = futures::executor::block_on(verifier.verify_bytes(b"no colon\r\n\r\n"));
    /// assert!(matches!(broken, Err(StreamError::Verify(VerifyError::Header(HeaderError::MissingColon { .. })))));
    /// # Ok::<(), StreamError>(())
    /// ```
    pub async fn verify_bytes(&self, message: &[u8]) -> Result<Vec<SignatureResult>, StreamError> {
        self.verify_reader(message).await
    }

    /// Verifies a message read from `reader`, in bounded memory: the header
    /// block is kept (up to [`Limits::max_header_bytes`](dkim_core::Limits::max_header_bytes)), the body only
    /// passes through one buffer of [`chunk_size`](Self::chunk_size)
    /// bytes.
    ///
    /// Key lookups start as soon as the header is complete and run while
    /// the body is read. When every result is decided without the body (no
    /// signatures, or no usable key), the rest of the stream is left unread.
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::Policy;
    /// use dkim_dns::StaticKeys;
    ///
    /// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default());
    /// let unsigned = &b"From: joe@example.com\r\n\r\nHello\r\n"[..];
    /// let results = futures::executor::block_on(verifier.verify_reader(unsigned))?;
    /// assert!(results.is_empty());
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StreamError::Io`] when reading fails, [`StreamError::Verify`] when
    /// the header is malformed or exceeds a limit.
    pub async fn verify_reader<R: AsyncRead>(&self, reader: R) -> Result<Vec<SignatureResult>, StreamError> {
        Ok(self.run(reader, false, None::<&mut SealSession<Ed25519SigningKey>>).await?.0.into_results())
    }

    /// [`verify_bytes`](Self::verify_bytes) with the message's ARC chain
    /// (RFC 8617) validated in the same pass: the DKIM results and the
    /// chain's result. One lookup per key name serves both.
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::Policy;
    /// use dkim_core::arc::ChainStatus;
    /// use dkim_dns::StaticKeys;
    /// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default());
    /// let (dkim, arc) = futures::executor::block_on(verifier.verify_bytes_with_arc(b"From: joe@example.com\r\n\r\nHi\r\n"))?;
    /// assert!(dkim.is_empty());
    /// assert_eq!(arc.status(), ChainStatus::None);
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`verify_bytes`](Self::verify_bytes).
    pub async fn verify_bytes_with_arc(
        &self,
        message: &[u8],
    ) -> Result<(Vec<SignatureResult>, ArcResult), StreamError> {
        self.verify_reader_with_arc(message).await
    }

    /// [`verify_reader`](Self::verify_reader) with the ARC chain validated
    /// in the same pass, in the same bounded memory.
    ///
    /// # Errors
    ///
    /// As [`verify_reader`](Self::verify_reader).
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::Policy;
    /// use dkim_core::arc::{ArcReason, ArcField, ChainStatus};
    /// use dkim_dns::StaticKeys;
    /// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default());
    /// let half = &b"ARC-Authentication-Results: i=1; mx.example; spf=pass\r\nFrom: joe@example.com\r\n\r\nHi\r\n"[..];
    /// let (_, arc) = futures::executor::block_on(verifier.verify_reader_with_arc(half))?;
    /// assert_eq!(arc.reason(), Some(&ArcReason::Missing { instance: 1, field: ArcField::Seal }));
    /// # Ok::<(), dkim_async::StreamError>(())
    /// ```
    pub async fn verify_reader_with_arc<R: AsyncRead>(
        &self,
        reader: R,
    ) -> Result<(Vec<SignatureResult>, ArcResult), StreamError> {
        let (v, _) = self.run(reader, true, None::<&mut SealSession<Ed25519SigningKey>>).await?;
        let arc = v.arc_result().cloned().unwrap_or_else(ArcResult::none);
        Ok((v.into_results(), arc))
    }

    /// Verifies a message read from `reader` (DKIM and its ARC chain) and
    /// seals it with `sealer` in the same pass: the results, the chain's
    /// result, and the new ARC set to put on top (or why not: a chain
    /// already sealed as failed, 50 sets, ...). `authentication_results`,
    /// when given, is the field the caller adds with these results (its
    /// `Authentication-Results` of the sealer's authserv-id, CRLF); the new
    /// ARC-Authentication-Results carries it.
    ///
    /// ```
    /// use dkim_async::AsyncVerifier;
    /// use dkim_core::arc::{ChainStatus, Sealer};
    /// use dkim_core::{Ed25519SigningKey, Policy, PrivateKey};
    /// use dkim_dns::StaticKeys;
    ///
    /// let key = Ed25519SigningKey::from_seed(&[5; 32]);
    /// let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// let keys = StaticKeys::new([("arc._domainkey.lists.example", record.text())]);
    /// let verifier = AsyncVerifier::new(keys, Policy::default());
    /// let sealer = Sealer::new(key, "lists.example", "arc", "lists.example")?.timestamp(1_700_000_000);
    /// let message = &b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n"[..];
    /// let (_, chain, set) = futures::executor::block_on(verifier.seal_reader(&sealer, message, None))?;
    /// assert_eq!(chain.status(), ChainStatus::None);
    /// let sealed = [set?.as_bytes(), message].concat();
    /// let (_, chain) = futures::executor::block_on(verifier.verify_bytes_with_arc(&sealed))?;
    /// assert_eq!(chain.status(), ChainStatus::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`verify_reader`](Self::verify_reader).
    pub async fn seal_reader<R: AsyncRead, S: SigningKey + Clone>(
        &self,
        sealer: &Sealer<S>,
        reader: R,
        authentication_results: Option<&str>,
    ) -> Result<(Vec<SignatureResult>, ArcResult, Result<String, SealError>), StreamError> {
        let mut session = sealer.session();
        let (v, shared) = self.run(reader, true, Some(&mut session)).await?;
        let arc = v.arc_result().cloned().unwrap_or_else(ArcResult::none);
        if let Some(field) = authentication_results {
            session.prepend(field);
        }
        // The AMS's body hash from the verifier's pass when it was added
        // there (one hash for both); else the session hashed the body.
        let set = match shared.and_then(|id| v.body_hash(id)).cloned() {
            Some(bh) => session.finish_with_body_hash(&arc, &bh),
            None => session.finish(&arc),
        };
        Ok((v.into_results(), arc, set))
    }

    /// The pass over the stream: header, lookups while the body is read,
    /// the finished verifier. A seal session, when given, sees the header,
    /// and the stream is read to its end; the body hash its AMS needs is
    /// added to the verifier's (the id returned), or, should that fail, the
    /// session sees the body too.
    async fn run<R: AsyncRead, S: SigningKey>(
        &self,
        reader: R,
        arc: bool,
        mut seal: Option<&mut SealSession<S>>,
    ) -> Result<(Verifier, Option<BodyHashId>), StreamError> {
        let mut reader = pin!(reader);
        let now = match &self.clock {
            Some(clock) => Now::unix(clock.now()),
            None => Now::danger_no_clock(),
        };
        let mut v =
            if arc { Verifier::with_arc(self.policy.clone(), now) } else { Verifier::new(self.policy.clone(), now) };
        let mut buf = vec![0; self.chunk_size];
        let mut in_body = false;
        // A header the sealer refuses (it reads it as the verifier does)
        // shows in the seal's own result; sealing stops there.
        let mut seal_ok = true;
        // The seal's body hash in the verifier's set.
        let mut shared = None;
        loop {
            let n = read_chunk(&mut reader, &mut buf).await?;
            if n == 0 {
                break;
            }
            if let Some(s) = seal.as_deref_mut()
                && seal_ok
            {
                seal_ok = s.headers(&buf[..n]).is_ok();
            }
            if let HeaderStatus::Complete(start) = v.headers(&buf[..n])? {
                if let Some(s) = seal.as_deref_mut() {
                    shared = v.add_body_hash(s.body_hash_key()).ok();
                }
                v.body(&buf[start..n]);
                if let Some(s) = seal.as_deref_mut().filter(|_| shared.is_none()) {
                    s.body(&buf[start..n]);
                }
                in_body = true;
                break;
            }
        }
        if !in_body {
            // The message ended in the header: no body.
            v.finish()?;
        }
        let requests = match v.step() {
            Step::NeedKeys(requests) => requests,
            _ => Vec::new(),
        };
        let mut lookups = pin!(self.lookups(&requests).fuse());
        let mut answered = requests.is_empty();
        let read_all = seal.is_some();
        if in_body {
            loop {
                if answered && !read_all && matches!(v.step(), Step::Done) {
                    return Ok((v, shared));
                }
                let read = read_chunk(&mut reader, &mut buf);
                let n = if answered {
                    read.await?
                } else {
                    match select(lookups.as_mut(), pin!(read)).await {
                        Either::Left((answers, read)) => {
                            answer(&mut v, answers);
                            answered = true;
                            if !read_all && matches!(v.step(), Step::Done) {
                                return Ok((v, shared));
                            }
                            read.await?
                        }
                        Either::Right((n, _)) => n?,
                    }
                };
                if n == 0 {
                    break;
                }
                v.body(&buf[..n]);
                if let Some(s) = seal.as_deref_mut().filter(|_| shared.is_none()) {
                    s.body(&buf[..n]);
                }
            }
            v.finish()?;
        }
        if !answered {
            answer(&mut v, lookups.await);
        }
        Ok((v, shared))
    }

    /// Looks up every requested key concurrently, each within the lookup
    /// deadline and all within the overall one.
    async fn lookups(&self, requests: &[KeyRequest]) -> Vec<(KeyRequestId, KeyAnswer)> {
        let mut answers = Vec::with_capacity(requests.len());
        {
            let mut pending: FuturesUnordered<_> = requests.iter().map(|r| self.lookup(r)).collect();
            let all = async {
                while let Some(a) = pending.next().await {
                    answers.push(a);
                }
            };
            match self.overall_timeout {
                None => all.await,
                Some(d) => {
                    select(pin!(all), pin!(self.timer.sleep(d))).await;
                }
            }
        }
        for r in requests {
            if !answers.iter().any(|(id, _)| *id == r.id()) {
                answers.push((r.id(), KeyAnswer::TempFail(TempFailCause::Timeout)));
            }
        }
        answers
    }

    async fn lookup(&self, request: &KeyRequest) -> (KeyRequestId, KeyAnswer) {
        let lookup = self.keys.lookup_txt(request.name());
        let answer = match self.lookup_timeout {
            None => lookup.await.into(),
            Some(d) => match select(pin!(lookup), pin!(self.timer.sleep(d))).await {
                Either::Left((found, _)) => found.into(),
                Either::Right(_) => KeyAnswer::TempFail(TempFailCause::Timeout),
            },
        };
        (request.id(), self.parsed.resolve(answer, self.policy.resource_limits()))
    }
}

fn answer(v: &mut Verifier, answers: Vec<(KeyRequestId, KeyAnswer)>) {
    for (id, a) in answers {
        v.answer_key(id, a);
    }
}
