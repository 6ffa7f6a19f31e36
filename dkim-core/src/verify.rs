//! The sans-IO verifier (RFC 6376 section 6).
//!
//! For a whole message in memory, [`verify`] is one call: it takes the
//! message, the policy, the time and a function that answers key lookups.
//!
//! ```
//! use dkim_core::{KeyAnswer, Now, Policy, verify};
//!
//! let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
//! let results = verify(message, &Policy::default(), Now::unix(1_700_000_000), |_request| KeyAnswer::NoRecord)?;
//! assert!(results.is_empty()); // unsigned: the message verdict is `none`
//! # Ok::<(), dkim_core::VerifyError>(())
//! ```
//!
//! An MTA that streams owns all I/O and drives the [`Verifier`] step
//! machine: it feeds header bytes until the header is complete, then loops
//! on [`Verifier::step`]: look up the key names it asks for and hand back
//! each answer, feed the body, and collect one [`SignatureResult`] per
//! `DKIM-Signature` field, topmost first.
//!
//! ```
//! use dkim_core::{HeaderStatus, KeyAnswer, Now, Policy, Step, Verifier};
//!
//! let msg = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
//! let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
//! let HeaderStatus::Complete(body_start) = v.headers(msg)? else { unreachable!() };
//! loop {
//!     match v.step() {
//!         Step::NeedHeaders => unreachable!("the header is complete"),
//!         Step::NeedKeys(requests) => {
//!             for request in requests {
//!                 v.answer_key(request.id(), KeyAnswer::NoRecord); // a real caller asks DNS
//!             }
//!         }
//!         Step::NeedBody => {
//!             v.body(&msg[body_start..]);
//!             v.finish()?;
//!         }
//!         Step::Done => break,
//!         _ => unreachable!("no other steps today"),
//!     }
//! }
//! assert!(v.into_results().is_empty());
//! # Ok::<(), dkim_core::VerifyError>(())
//! ```
//!
//! What counts as a message: the input must begin with a header field. A
//! header not followed by an empty line is a message without a body (RFC
//! 5322 allows that); input that ends inside a header line, has no header
//! field at all (empty input included), or has lines ending in a bare LF
//! (unless [`LineEndings::NormalizeLf`]) is a [`VerifyError`].

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::arc::{self, ArcField, ArcReason, ArcResult, ArcSetInfo, ChainStatus};
use crate::canon::CanonicalizationAlgorithm;
use crate::canon::header::header_hash;
use crate::crypto::{CryptoError, HashAlgorithm, PublicKey, VerifyingBackend};
use crate::hash::{BodyHash, BodyHashId, BodyHashKey, BodyHashes};
use crate::header::{Collected, HeaderBlock, HeaderCollector, HeaderError, HeaderField, LfNormalizer};
use crate::key_record::KeyRecord;
use crate::lookup::{Dnssec, KeyAnswer, KeyRequest, KeyRequestId};
use crate::policy::{Limits, LineEndings, Now, Policy};
use crate::result::{Reason, SignatureResult, Verdict};
use crate::signature::{self, Signature, SignatureError, is_same_or_subdomain};
use crate::tag_list::TagList;

/// Verifies a whole message in one call: every `DKIM-Signature`, with
/// `lookup` answering each key request (`selector._domainkey.domain`).
/// Results are in field order, topmost first; empty means the message is
/// unsigned (`dkim=none`).
///
/// ```
/// use dkim_core::{Ed25519SigningKey, KeyAnswer, Now, Policy, PrivateKey, Signer, Verdict, verify};
///
/// let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
/// let record = format!("v=DKIM1; k=ed25519; p={}", key.public_key_base64());
/// let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
/// let field = Signer::builder(key, "example.com", "2026").timestamp(1_700_000_000).build()?.sign(message)?;
/// let signed = [field.as_bytes(), message].concat();
///
/// let results = verify(&signed, &Policy::default(), Now::unix(1_700_000_100), |request| {
///     assert_eq!(request.name(), "2026._domainkey.example.com");
///     KeyAnswer::text(&record)
/// })?;
/// assert_eq!(results[0].verdict(), Verdict::Pass);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`VerifyError`] when the input is not a message (see the [module
/// docs](self)): report `permerror` for it.
pub fn verify<F>(
    message: &[u8],
    policy: &Policy,
    now: impl Into<Now>,
    mut lookup: F,
) -> Result<Vec<SignatureResult>, VerifyError>
where
    F: FnMut(&KeyRequest) -> KeyAnswer,
{
    let v = run_whole(Verifier::new(policy.clone(), now), message, &mut lookup)?;
    Ok(v.into_results())
}

/// Drives `v` over a whole message in memory, `lookup` answering each key
/// request; the finished verifier.
fn run_whole<F>(mut v: Verifier, message: &[u8], lookup: &mut F) -> Result<Verifier, VerifyError>
where
    F: FnMut(&KeyRequest) -> KeyAnswer,
{
    let body = match v.headers(message)? {
        HeaderStatus::Complete(n) => n,
        HeaderStatus::Partial => message.len(),
    };
    answer_all(&mut v, lookup);
    v.body(&message[body..]);
    v.finish()?;
    // A header that never ended (no empty line, no body) is only read by
    // `finish`: its key requests come now.
    answer_all(&mut v, lookup);
    Ok(v)
}

/// Answers every key request `v` has, with `lookup`.
fn answer_all<F>(v: &mut Verifier, lookup: &mut F)
where
    F: FnMut(&KeyRequest) -> KeyAnswer,
{
    while let Step::NeedKeys(requests) = v.step() {
        for request in &requests {
            let answer = lookup(request);
            v.answer_key(request.id(), answer);
        }
    }
}

/// Progress of the header. Exhaustive on purpose (like httparse's
/// `Status`): a header is either complete or not.
///
/// ```
/// use dkim_core::{HeaderStatus, Now, Policy, Verifier};
/// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
/// assert_eq!(v.headers(b"From: a@example.com\r\nSubj")?, HeaderStatus::Partial);
/// assert_eq!(v.headers(b"ect: hi\r\n\r\nBody")?, HeaderStatus::Complete(11)); // "Body" starts at 11
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderStatus {
    /// More header bytes are needed; the whole chunk was consumed.
    Partial,
    /// The header is complete. The body starts at this offset of the chunk
    /// just fed; pass the rest of the chunk to [`Verifier::body`].
    Complete(usize),
}

/// What the verifier needs next. It owns its data: answer the requests
/// while holding them.
///
/// ```
/// use dkim_core::{KeyAnswer, Now, Policy, Step, Verifier};
/// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
///                 From: a@example.com\r\n\r\n";
/// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
/// assert!(matches!(v.step(), Step::NeedHeaders));
/// v.headers(message)?;
/// let Step::NeedKeys(requests) = v.step() else { unreachable!() };
/// v.answer_key(requests[0].id(), KeyAnswer::NoRecord);
/// assert!(matches!(v.step(), Step::Done)); // no key: decided without the body
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
#[must_use]
#[non_exhaustive]
#[derive(Debug)]
pub enum Step {
    /// Feed more header bytes with [`Verifier::headers`].
    NeedHeaders,
    /// Look up these keys (TXT records) and answer each with
    /// [`Verifier::answer_key`]. The body may be fed meanwhile. The same
    /// requests come back until they are answered.
    NeedKeys(Vec<KeyRequest>),
    /// Feed the body with [`Verifier::body`], then call [`Verifier::finish`].
    NeedBody,
    /// All results are decided: [`Verifier::results`].
    Done,
}

/// A framing error: the message as a whole cannot be verified.
///
/// ```
/// use dkim_core::{HeaderError, KeyAnswer, Now, Policy, Verifier, VerifyError, verify};
/// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::NoRecord;
/// let empty = verify(b"", &Policy::default(), 1_700_000_000, lookup);
/// assert_eq!(empty, Err(VerifyError::Header(HeaderError::Empty)));
/// let truncated = verify(b"From: a@exa", &Policy::default(), 1_700_000_000, lookup);
/// assert_eq!(truncated, Err(VerifyError::Header(HeaderError::Incomplete)));
/// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
/// v.headers(b"From: a@example.com\r\n\r\n")?;
/// assert!(matches!(v.headers(b"To: b@example.net\r\n"), Err(VerifyError::Misuse(_)))); // header already complete
/// # Ok::<(), VerifyError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The header block is malformed or too large, or the input is not a
    /// message.
    Header(HeaderError),
    /// A call out of order (for example body bytes before the header is
    /// complete).
    Misuse(&'static str),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header(e) => write!(f, "{e}"),
            Self::Misuse(m) => write!(f, "verifier used out of order: {m}"),
        }
    }
}

impl core::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Header(e) => Some(e),
            Self::Misuse(_) => None,
        }
    }
}

impl From<HeaderError> for VerifyError {
    fn from(e: HeaderError) -> Self {
        Self::Header(e)
    }
}

struct Pending {
    digest: Vec<u8>,
    request: usize,
    body: BodyHashId,
    key: Option<PublicKey>,
}

struct SigState {
    result: SignatureResult,
    decided: bool,
    pending: Option<Pending>,
}

impl SigState {
    fn new(index: usize, field_index: usize) -> Self {
        Self {
            result: SignatureResult {
                index,
                field_index,
                verdict: Verdict::PermError,
                reason: None,
                signature: None,
                domain: None,
                selector: None,
                testing: false,
                key_bits: None,
                unsigned_body_bytes: None,
                body_hash_matched: None,
                dnssec: Dnssec::Unknown,
            },
            decided: false,
            pending: None,
        }
    }

    fn decide(&mut self, verdict: Verdict, reason: Reason) {
        self.result.verdict = verdict;
        self.result.reason = Some(reason);
        self.decided = true;
    }
}

enum Phase {
    Headers,
    Body,
    Finished,
}

/// The verifier state machine. See the [module documentation](self).
///
/// ```
/// use dkim_core::{HeaderStatus, Now, Policy, Step, Verdict, Verifier};
/// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
/// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
/// # let record = key.dns_record();
/// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
/// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
/// # let signed = [field.as_bytes(), message].concat();
/// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
/// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_100));
/// let mut body_start = None;
/// for chunk in signed.chunks(16) {
///     // Header bytes until the header is complete, then body bytes.
///     match body_start {
///         None => match v.headers(chunk)? {
///             HeaderStatus::Partial => {}
///             HeaderStatus::Complete(n) => {
///                 body_start = Some(n);
///                 v.body(&chunk[n..]);
///             }
///         },
///         Some(_) => v.body(chunk),
///     }
///     if let Step::NeedKeys(requests) = v.step() {
///         for request in requests {
///             v.answer_key(request.id(), KeyAnswer::text(record.text()));
///         }
///     }
/// }
/// v.finish()?;
/// assert!(matches!(v.step(), Step::Done));
/// assert_eq!(v.results()[0].verdict(), Verdict::Pass);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Verifier {
    policy: Policy,
    now: Now,
    phase: Phase,
    collector: HeaderCollector,
    sigs: Vec<SigState>,
    requests: Vec<KeyRequest>,
    unanswered: Vec<KeyRequest>,
    body: Option<BodyHashes>,
    body_hashes: Vec<BodyHash>,
    /// A body byte has been fed: no body hash can be added any more.
    body_started: bool,
    lf: Option<(LfNormalizer, Vec<u8>)>,
    /// ARC validation, when asked for ([`Verifier::with_arc`]).
    arc: Option<ArcState>,
}

/// One signature of an ARC chain to check: an AMS (with its body hash) or
/// an AS.
struct ArcCheck {
    instance: u32,
    /// The AMS as a DKIM signature; `None` for a seal.
    ams: Option<Signature>,
    algorithm: crate::crypto::Algorithm,
    signature: Vec<u8>,
    digest: Vec<u8>,
    request: usize,
    body: Option<BodyHashId>,
    key: Option<PublicKey>,
    outcome: Option<Result<(), Reason>>,
}

/// The chain being validated: decided early (no chain, a broken form) or
/// waiting for its checks.
struct ArcState {
    result: Option<ArcResult>,
    instances: u32,
    sets: Vec<ArcSetInfo>,
    checks: Vec<ArcCheck>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier").field("signatures", &self.sigs.len()).finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier judging by `policy` (its [`Limits`] included) at time
    /// `now`. The time is required: `x=` and future `t=` are checked
    /// against it ([`Now::danger_no_clock`] for a caller without a clock).
    ///
    /// ```
    /// use dkim_core::{Now, Policy, Verifier};
    /// let v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// let v2 = Verifier::new(Policy::default(), 1_700_000_000); // a u64 is a Now too
    /// # let _ = (v, v2);
    /// ```
    ///
    /// Forgetting the time does not compile:
    ///
    /// ```compile_fail
    /// let v = dkim_core::Verifier::new(dkim_core::Policy::default());
    /// ```
    pub fn new(policy: Policy, now: impl Into<Now>) -> Self {
        let lf = (policy.line_endings == LineEndings::NormalizeLf).then(|| (LfNormalizer::default(), Vec::new()));
        Self {
            collector: HeaderCollector::new(&policy.limits, policy.line_endings),
            policy,
            now: now.into(),
            phase: Phase::Headers,
            sigs: Vec::new(),
            requests: Vec::new(),
            unanswered: Vec::new(),
            body: None,
            body_hashes: Vec::new(),
            body_started: false,
            lf,
            arc: None,
        }
    }

    /// A verifier that also validates the message's ARC chain (RFC 8617
    /// section 5.2) in the same pass: [`Verifier::arc_result`] once
    /// [`Step::Done`]. ARC keys are requested with the DKIM keys (one
    /// request per name serves both).
    ///
    /// ```
    /// use dkim_core::arc::ChainStatus;
    /// use dkim_core::{Now, Policy, Step, Verifier};
    /// let mut v = Verifier::with_arc(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(b"From: a@example.com\r\n\r\n")?;
    /// v.finish()?;
    /// assert!(matches!(v.step(), Step::Done));
    /// assert_eq!(v.arc_result().map(|r| r.status()), Some(ChainStatus::None));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn with_arc(policy: Policy, now: impl Into<Now>) -> Self {
        let mut v = Self::new(policy, now);
        v.arc = Some(ArcState { result: None, instances: 0, sets: Vec::new(), checks: Vec::new() });
        v
    }

    /// The ARC chain's result: `Some` once decided, for a verifier made
    /// with [`Verifier::with_arc`].
    ///
    /// ```
    /// use dkim_core::arc::ChainStatus;
    /// use dkim_core::{Now, Policy, Step, Verifier};
    /// let mut v = Verifier::with_arc(Policy::default(), Now::unix(1_700_000_000));
    /// assert!(v.arc_result().is_none()); // not decided yet
    /// v.headers(b"From: a@example.com\r\n\r\n")?;
    /// v.finish()?;
    /// assert!(matches!(v.step(), Step::Done));
    /// assert_eq!(v.arc_result().map(|r| r.instances()), Some(0));
    /// assert_eq!(v.arc_result().map(|r| r.status()), Some(ChainStatus::None));
    /// let mut plain = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// plain.headers(b"From: a@example.com\r\n\r\n")?;
    /// plain.finish()?;
    /// assert!(matches!(plain.step(), Step::Done));
    /// assert!(plain.arc_result().is_none()); // made without ARC
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn arc_result(&self) -> Option<&ArcResult> {
        self.arc.as_ref().and_then(|a| a.result.as_ref())
    }

    /// Feeds header bytes (the start of the message).
    ///
    /// # Errors
    ///
    /// [`VerifyError::Header`] when the header is malformed or exceeds a
    /// limit; the message cannot be verified (report `permerror`).
    ///
    /// ```
    /// use dkim_core::{HeaderError, HeaderStatus, Now, Policy, Verifier, VerifyError};
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// assert_eq!(v.headers(b"From: a@example.com\r\n")?, HeaderStatus::Partial);
    /// assert_eq!(v.headers(b"\r\nHello\r\n")?, HeaderStatus::Complete(2));
    /// let mut broken = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// let err = broken.headers(b"no colon\r\n\r\n");
    /// assert_eq!(err, Err(VerifyError::Header(HeaderError::MissingColon { offset: 0 })));
    /// # Ok::<(), VerifyError>(())
    /// ```
    pub fn headers(&mut self, chunk: &[u8]) -> Result<HeaderStatus, VerifyError> {
        if !matches!(self.phase, Phase::Headers) {
            return Err(VerifyError::Misuse("header bytes after the header was complete"));
        }
        match self.collector.feed(chunk)? {
            Collected::Partial => Ok(HeaderStatus::Partial),
            Collected::Complete(n) => {
                if self.lf.is_some() {
                    // The normalizer must know whether the header ended in CR.
                    self.lf = Some((LfNormalizer::default(), Vec::new()));
                }
                self.evaluate_header()?;
                Ok(HeaderStatus::Complete(n))
            }
        }
    }

    /// What to do next.
    ///
    /// ```
    /// use dkim_core::{Now, Policy, Step, Verifier};
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// assert!(matches!(v.step(), Step::NeedHeaders));
    /// v.headers(b"From: a@example.com\r\n\r\n")?;
    /// assert!(matches!(v.step(), Step::Done)); // unsigned: nothing to look up or hash
    /// assert!(v.results().is_empty());
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn step(&self) -> Step {
        if matches!(self.phase, Phase::Headers) {
            return Step::NeedHeaders;
        }
        if !self.unanswered.is_empty() {
            return Step::NeedKeys(self.unanswered.clone());
        }
        let arc_pending = self.arc.as_ref().is_some_and(|a| a.result.is_none());
        if matches!(self.phase, Phase::Body) && (arc_pending || self.sigs.iter().any(|s| !s.decided)) {
            return Step::NeedBody;
        }
        Step::Done
    }

    /// All key requests made so far (answered or not).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Now, Policy, Verifier};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(message)?;
    /// v.answer_key_by_name("sel._domainkey.example.com", KeyAnswer::NoRecord);
    /// assert_eq!(v.key_requests()[0].name(), "sel._domainkey.example.com"); // still listed once answered
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn key_requests(&self) -> &[KeyRequest] {
        &self.requests
    }

    /// Answers a key request. Unknown or repeated ids are ignored.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Now, Policy, Reason, Step, TempFailCause, Verdict, Verifier};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(message)?;
    /// let Step::NeedKeys(requests) = v.step() else { unreachable!() };
    /// v.answer_key(requests[0].id(), KeyAnswer::TempFail(TempFailCause::ServFail));
    /// v.finish()?;
    /// let results = v.into_results();
    /// assert_eq!(results[0].verdict(), Verdict::TempError);
    /// assert!(matches!(results[0].reason(), Some(Reason::TempFail { cause: TempFailCause::ServFail, .. })));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn answer_key(&mut self, id: KeyRequestId, answer: KeyAnswer) {
        let Some(pos) = self.unanswered.iter().position(|r| r.id == id) else { return };
        let request = self.unanswered.remove(pos);
        let dnssec = answer.dnssec();
        let selected = select_key(answer, &request.name, &self.policy.limits);
        for s in &mut self.sigs {
            let Some(p) = s.pending.as_mut() else { continue };
            if p.request != id.0 || s.decided {
                continue;
            }
            let Some(sig) = s.result.signature.as_ref() else { continue };
            let outcome = match &selected {
                Err(reason) => Err(reason.clone()),
                Ok(record) => check_key(record, sig, &self.policy).map(|key| (record, key)),
            };
            match outcome {
                Err((verdict, reason)) => s.decide(verdict, reason),
                Ok((record, key)) => {
                    s.result.testing = record.is_testing();
                    s.result.key_bits = Some(key.bits());
                    s.result.dnssec = dnssec;
                    p.key = Some(key);
                }
            }
        }
        if let Some(arc) = self.arc.as_mut() {
            for c in arc.checks.iter_mut().filter(|c| c.request == id.0 && c.outcome.is_none()) {
                let outcome = match (&selected, &c.ams) {
                    (Err((_, reason)), _) => Err(reason.clone()),
                    (Ok(record), Some(sig)) => check_key(record, sig, &self.policy).map_err(|(_, r)| r),
                    (Ok(record), None) => check_seal_key(record, c.algorithm, &self.policy),
                };
                match outcome {
                    Ok(key) => c.key = Some(key),
                    Err(reason) => c.outcome = Some(Err(reason)),
                }
            }
        }
        self.settle();
    }

    /// Answers every request for `name` (case-insensitive, final dot
    /// optional).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Now, Policy, Step, Verifier};
    /// // Two signatures with the same key: one answer for both.
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=BBBB; b=BBBB\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(message)?;
    /// v.answer_key_by_name("SEL._domainkey.example.com.", KeyAnswer::NoRecord);
    /// assert!(!matches!(v.step(), Step::NeedKeys(_)));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn answer_key_by_name(&mut self, name: &str, answer: KeyAnswer) {
        let name = name.strip_suffix('.').unwrap_or(name);
        let ids: Vec<KeyRequestId> =
            self.unanswered.iter().filter(|r| r.name.eq_ignore_ascii_case(name)).map(|r| r.id).collect();
        for id in ids {
            self.answer_key(id, answer.clone());
        }
    }

    /// Feeds a chunk of the body.
    ///
    /// ```
    /// use dkim_core::{Now, Policy, Reason, Step, Verdict, Verifier};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let (header, _) = signed.split_at(signed.len() - b"Hello!\r\n".len());
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_100));
    /// v.headers(header)?;
    /// v.answer_key_by_name("sel._domainkey.example.com", KeyAnswer::text(record.text()));
    /// assert!(matches!(v.step(), Step::NeedBody));
    /// v.body(b"Hello?\r\n"); // not the body that was signed
    /// v.finish()?;
    /// assert_eq!(v.results()[0].verdict(), Verdict::Fail);
    /// assert_eq!(v.results()[0].reason(), Some(&Reason::BodyHashMismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body(&mut self, chunk: &[u8]) {
        if !matches!(self.phase, Phase::Body) {
            return;
        }
        self.body_started |= !chunk.is_empty();
        let Some(hashes) = self.body.as_mut() else { return };
        match &mut self.lf {
            Some((norm, buf)) => {
                norm.normalize(chunk, buf);
                hashes.update(buf);
            }
            None => hashes.update(chunk),
        }
    }

    /// Adds `key` to the body hashes this verifier computes in its pass over
    /// the body, for another user of the same body: an ARC sealer of the
    /// same pass ([`SealSession::body_hash_key`](crate::arc::SealSession::body_hash_key))
    /// then needs no second hash. A hash that a signature or an ARC set
    /// already needs is shared, not computed twice. The body is the one the
    /// verifier hashes (after [`LineEndings::NormalizeLf`] when the policy
    /// says so); read the hash with [`Verifier::body_hash`] once finished.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Misuse`] before the header is complete or once body
    /// bytes have been fed: the hash would miss part of the body.
    ///
    /// ```
    /// use dkim_core::hash::{body_hash, BodyHashKey};
    /// use dkim_core::{CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256, Now, Policy, Verifier, VerifyError};
    /// let key = BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None };
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// assert!(matches!(v.add_body_hash(key), Err(VerifyError::Misuse(_)))); // no header yet
    /// v.headers(b"From: a@example.com\r\n\r\n")?;
    /// let id = v.add_body_hash(key)?;
    /// v.body(b"Hello  there \r\n\r\n");
    /// assert!(matches!(v.add_body_hash(key), Err(VerifyError::Misuse(_)))); // the body has started
    /// v.finish()?;
    /// assert_eq!(v.body_hash(id), Some(&body_hash(Relaxed, Sha256, b"Hello  there \r\n\r\n")));
    /// # Ok::<(), VerifyError>(())
    /// ```
    pub fn add_body_hash(&mut self, key: BodyHashKey) -> Result<BodyHashId, VerifyError> {
        if self.body_started {
            return Err(VerifyError::Misuse("a body hash added after body bytes"));
        }
        match (&self.phase, self.body.as_mut()) {
            (Phase::Body, Some(hashes)) => Ok(hashes.add(key)),
            _ => Err(VerifyError::Misuse("a body hash added before the header was complete")),
        }
    }

    /// A body hash asked for with [`Verifier::add_body_hash`] (or one a
    /// signature asked for: the ids are those of the verifier's one
    /// [`BodyHashes`] set), once [`Verifier::finish`] has ended the body;
    /// `None` before, or for an id this verifier did not give.
    ///
    /// ```
    /// use dkim_core::hash::BodyHashKey;
    /// use dkim_core::{CanonicalizationAlgorithm::Simple, HashAlgorithm::Sha256, Now, Policy, Verifier};
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(b"From: a@example.com\r\n\r\n")?;
    /// let id = v.add_body_hash(BodyHashKey { canonicalization: Simple, hash: Sha256, length: None })?;
    /// v.body(b"Hi\r\n");
    /// assert_eq!(v.body_hash(id), None); // not finished
    /// v.finish()?;
    /// assert_eq!(v.body_hash(id).map(|h| h.canonical_length), Some(4));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn body_hash(&self, id: BodyHashId) -> Option<&BodyHash> {
        self.body_hashes.get(id.index())
    }

    /// Ends the message. If the header never ended, a header that ends with a
    /// complete line is taken as a message without a body.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Header`] when the message ends in the middle of the
    /// header, or has no header field.
    ///
    /// ```
    /// use dkim_core::{HeaderError, Now, Policy, Step, Verifier, VerifyError};
    /// // A header without the empty line: a message without a body.
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(b"From: a@example.com\r\n")?;
    /// v.finish()?;
    /// assert!(matches!(v.step(), Step::Done));
    /// // Ending inside a header line is an error.
    /// let mut cut = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// cut.headers(b"From: a@exam")?;
    /// assert_eq!(cut.finish(), Err(VerifyError::Header(HeaderError::Incomplete)));
    /// # Ok::<(), VerifyError>(())
    /// ```
    pub fn finish(&mut self) -> Result<(), VerifyError> {
        if matches!(self.phase, Phase::Headers) {
            self.collector.finish_without_body()?;
            self.evaluate_header()?;
        }
        if matches!(self.phase, Phase::Body) {
            self.phase = Phase::Finished;
            if let Some(h) = self.body.take() {
                self.body_hashes = h.finish();
            }
            self.settle();
        }
        Ok(())
    }

    /// The results so far (complete once [`Step::Done`]), one per
    /// `DKIM-Signature` field, topmost first. Empty means the message is
    /// unsigned (verdict `none`).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Now, Policy, Verdict, Verifier};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(message)?;
    /// v.answer_key_by_name("sel._domainkey.example.com", KeyAnswer::NoRecord);
    /// v.finish()?;
    /// assert_eq!(v.results().len(), 1);
    /// assert_eq!(v.results()[0].verdict(), Verdict::PermError);
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn results(&self) -> Vec<SignatureResult> {
        self.sigs.iter().map(|s| s.result.clone()).collect()
    }

    /// The results, consuming the verifier.
    ///
    /// ```
    /// use dkim_core::{Now, Policy, Verifier};
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(b"From: a@example.com\r\n\r\n")?;
    /// v.finish()?;
    /// let results = v.into_results();
    /// assert!(results.is_empty()); // unsigned: dkim=none
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn into_results(self) -> Vec<SignatureResult> {
        self.sigs.into_iter().map(|s| s.result).collect()
    }

    fn evaluate_header(&mut self) -> Result<(), VerifyError> {
        let block = HeaderBlock::parse(self.collector.take(), self.policy.limits.max_header_fields)?;
        if block.is_empty() {
            return Err(VerifyError::Header(HeaderError::Empty));
        }
        self.phase = Phase::Body;
        let mut hashes = BodyHashes::new();
        let fields = || block.fields().enumerate().filter(|(_, f)| f.is("DKIM-Signature")).map(|(i, _)| i);
        // Sized once: a signature's state is large, and the results reuse
        // this allocation.
        self.sigs.reserve_exact(fields().count());
        for (index, field_index) in fields().enumerate() {
            let Some(field) = block.field(field_index) else { continue };
            let state = self.evaluate_signature(&block, field, index, field_index, &mut hashes);
            self.sigs.push(state);
        }
        if self.arc.is_some() {
            self.evaluate_arc(&block, &mut hashes);
        }
        self.body = Some(hashes);
        Ok(())
    }

    /// The ARC chain: its form and `cv=` rules decide at once when broken;
    /// otherwise every AMS (the latest decides, the others give
    /// oldest-pass) and every AS is queued, with its key request and, for
    /// an AMS, its body hash in the shared set.
    fn evaluate_arc(&mut self, block: &HeaderBlock, hashes: &mut BodyHashes) {
        let limits = self.policy.limits.clone();
        let sets = match arc::chain::sets(block, &limits) {
            Ok(sets) if sets.is_empty() => {
                self.set_arc_result(ArcResult::none());
                return;
            }
            Ok(sets) => sets,
            Err((n, reason)) => {
                self.set_arc_result(ArcResult::fail(n, reason, Vec::new()));
                return;
            }
        };
        let n = u32::try_from(sets.len()).unwrap_or(u32::MAX);
        let infos: Vec<ArcSetInfo> = sets.iter().map(arc::chain::Set::info).collect();
        if let Some(reason) = arc::chain::chain_status_rules(&sets) {
            self.set_arc_result(ArcResult::fail(n, reason, infos));
            return;
        }
        let mut checks = Vec::with_capacity(2 * sets.len());
        for set in sets.iter().rev() {
            let instance = set.seal.instance();
            // The AMS, like a DKIM signature.
            let ams_index = set.field(ArcField::MessageSignature);
            if let Some(field) = block.field(ams_index) {
                let sig = set.ams.signature().clone();
                let full = field.value();
                let selected = block.select(sig.signed_headers(), Some(ams_index));
                let digest = header_hash(
                    block,
                    &selected,
                    sig.canonicalization().header,
                    sig.algorithm().hash(),
                    field.name_as_written(),
                    full,
                    sig.b_span(),
                );
                let body = hashes.add(BodyHashKey {
                    canonicalization: sig.canonicalization().body,
                    hash: sig.algorithm().hash(),
                    length: sig.body_length(),
                });
                let request = self.request_for(sig.key_name());
                let refused = self.arc_refusal(sig.algorithm(), request);
                let request = request.unwrap_or(usize::MAX);
                checks.push(ArcCheck {
                    instance,
                    algorithm: sig.algorithm(),
                    signature: sig.signature().to_vec(),
                    ams: Some(sig),
                    digest,
                    request,
                    body: Some(body),
                    key: None,
                    outcome: refused,
                });
            }
            // The AS, over the sets up to it.
            let seal_index = set.field(ArcField::Seal);
            if let Some(field) = block.field(seal_index) {
                let mut selected = arc::chain::seal_inputs(block, instance - 1).unwrap_or_default();
                selected.push(Some(set.field(ArcField::AuthResults)));
                selected.push(Some(ams_index));
                let digest = header_hash(
                    block,
                    &selected,
                    CanonicalizationAlgorithm::Relaxed,
                    set.seal.algorithm().hash(),
                    field.name_as_written(),
                    field.value(),
                    set.seal.b_span(),
                );
                let request = self.request_for(set.seal.key_name());
                let refused = self.arc_refusal(set.seal.algorithm(), request);
                let request = request.unwrap_or(usize::MAX);
                checks.push(ArcCheck {
                    instance,
                    ams: None,
                    algorithm: set.seal.algorithm(),
                    signature: set.seal.signature().to_vec(),
                    digest,
                    request,
                    body: None,
                    key: None,
                    outcome: refused,
                });
            }
        }
        if let Some(arc) = self.arc.as_mut() {
            arc.instances = n;
            arc.sets = infos;
            arc.checks = checks;
        }
    }

    /// An ARC check decided before any key: SHA-1 refused, or no request
    /// left in the lookup budget.
    fn arc_refusal(&self, algorithm: crate::crypto::Algorithm, request: Option<usize>) -> Option<Result<(), Reason>> {
        if algorithm.hash() == HashAlgorithm::Sha1 && !self.policy.allow_sha1 {
            return Some(Err(Reason::Sha1Refused));
        }
        request.is_none().then_some(Err(Reason::TooManyKeyLookups { limit: self.policy.max_key_lookups }))
    }

    fn set_arc_result(&mut self, result: ArcResult) {
        if let Some(arc) = self.arc.as_mut() {
            arc.result = Some(result);
        }
    }

    /// Runs the ARC checks that have their key and body hash; decides the
    /// chain once every check has its outcome.
    fn settle_arc(&mut self) {
        let backend = self.policy.backend.0;
        let Some(arc) = self.arc.as_mut() else { return };
        if arc.result.is_some() {
            return;
        }
        for c in arc.checks.iter_mut().filter(|c| c.outcome.is_none()) {
            let Some(key) = c.key.as_ref() else { continue };
            let outcome = match &c.ams {
                Some(sig) => {
                    let Some(bh) = c.body.and_then(|b| self.body_hashes.get(b.index())) else { continue };
                    finish_one(backend, sig, key, &c.digest, bh)
                }
                None => match backend.verify(key, c.algorithm, &c.digest, &c.signature) {
                    Ok(()) => Ok(()),
                    Err(CryptoError::KeyTypeMismatch) => {
                        Err(Reason::KeyTypeMismatch { key: key.key_type(), algorithm: c.algorithm })
                    }
                    Err(_) => Err(Reason::SignatureMismatch),
                },
            };
            c.outcome = Some(outcome);
        }
        if arc.checks.iter().any(|c| c.outcome.is_none()) {
            return;
        }
        let outcome = |instance: u32, seal: bool| {
            arc.checks
                .iter()
                .find(|c| c.instance == instance && c.ams.is_none() == seal)
                .and_then(|c| c.outcome.clone())
        };
        for info in &mut arc.sets {
            info.ams_valid = outcome(info.instance, false).map(|o| o.is_ok());
            info.seal_valid = outcome(info.instance, true).map(|o| o.is_ok());
        }
        let n = arc.instances;
        let failed_seal = (1..=n).rev().find_map(|i| match outcome(i, true) {
            Some(Err(reason)) => Some(ArcReason::Seal { instance: i, reason }),
            _ => None,
        });
        let result = match (outcome(n, false), failed_seal) {
            (Some(Err(reason)), _) => {
                ArcResult::fail(n, ArcReason::MessageSignature { instance: n, reason }, arc.sets.clone())
            }
            (_, Some(reason)) => ArcResult::fail(n, reason, arc.sets.clone()),
            _ => {
                let mut oldest = n;
                while oldest > 1 && matches!(outcome(oldest - 1, false), Some(Ok(()))) {
                    oldest -= 1;
                }
                ArcResult {
                    status: ChainStatus::Pass,
                    instances: n,
                    oldest_pass: Some(oldest),
                    reason: None,
                    sets: arc.sets.clone(),
                }
            }
        };
        arc.result = Some(result);
    }

    /// One `DKIM-Signature` field: parse it, run the checks that need no
    /// key, hash its header part, and queue its key request and body hash.
    fn evaluate_signature(
        &mut self,
        block: &HeaderBlock,
        field: HeaderField<'_>,
        index: usize,
        field_index: usize,
        hashes: &mut BodyHashes,
    ) -> SigState {
        let mut state = SigState::new(index, field_index);
        let full_value = field.value();
        let value = full_value.strip_suffix(b"\r\n").unwrap_or(full_value);
        if index >= self.policy.max_signatures {
            (state.result.domain, state.result.selector) = signature::loose_domain_selector(value);
            state.decide(Verdict::Policy, Reason::TooManySignatures { limit: self.policy.max_signatures });
            return state;
        }
        let sig = match self.parse_signature(value, &mut state) {
            Ok(sig) => sig,
            Err(e) => {
                state.decide(Verdict::PermError, Reason::Signature(e));
                return state;
            }
        };
        if let Some((verdict, reason)) = self.precheck(&sig, block) {
            state.result.signature = Some(sig);
            state.decide(verdict, reason);
            return state;
        }
        let selected = block.select(sig.signed_headers(), Some(field_index));
        let digest = header_hash(
            block,
            &selected,
            sig.canonicalization().header,
            sig.algorithm().hash(),
            field.name_as_written(),
            full_value,
            sig.b_span(),
        );
        let Some(request) = self.request_for(sig.key_name()) else {
            state.result.signature = Some(sig);
            state.decide(Verdict::PermError, Reason::TooManyKeyLookups { limit: self.policy.max_key_lookups });
            return state;
        };
        let body = hashes.add(BodyHashKey {
            canonicalization: sig.canonicalization().body,
            hash: sig.algorithm().hash(),
            length: sig.body_length(),
        });
        state.pending = Some(Pending { digest, request, body, key: None });
        state.result.signature = Some(sig);
        state
    }

    /// Parses the field value. The result reads d= and s= from the
    /// signature; for a field that does not parse they are kept from its tag
    /// list, or from a loose parse when the list itself fails.
    fn parse_signature(&self, value: &[u8], state: &mut SigState) -> Result<Signature, SignatureError> {
        let limits = &self.policy.limits;
        match TagList::parse_with_limit(value, limits.max_tag_value_bytes) {
            Ok(tags) => {
                let sig = Signature::from_tags(&tags, value, limits);
                if sig.is_err() {
                    (state.result.domain, state.result.selector) = signature::domain_selector(&tags);
                }
                sig
            }
            Err(e) => {
                (state.result.domain, state.result.selector) = signature::loose_domain_selector(value);
                Err(SignatureError::TagList(e))
            }
        }
    }

    /// The request index for `name`, made when it is new (one per name);
    /// `None` when a new name would exceed the lookup budget.
    fn request_for(&mut self, name: String) -> Option<usize> {
        if let Some(i) = self.requests.iter().position(|r| r.name == name) {
            return Some(i);
        }
        if self.requests.len() >= self.policy.max_key_lookups {
            return None;
        }
        let req = KeyRequest { id: KeyRequestId(self.requests.len()), name };
        self.unanswered.push(req.clone());
        self.requests.push(req);
        Some(self.requests.len() - 1)
    }

    /// Checks that need no key: policy, clock, unsigned header instances.
    fn precheck(&self, sig: &Signature, block: &HeaderBlock) -> Option<(Verdict, Reason)> {
        let p = &self.policy;
        if sig.algorithm().hash() == HashAlgorithm::Sha1 && !p.allow_sha1 {
            return Some((Verdict::PermError, Reason::Sha1Refused));
        }
        if let Some(now) = self.now.unix_seconds() {
            if let Some(x) = sig.expiration()
                && now > x.saturating_add(p.clock_skew)
            {
                return Some((Verdict::PermError, Reason::Expired { expiration: x, now }));
            }
            if let Some(t) = sig.timestamp()
                && p.reject_future_timestamps
                && t > now.saturating_add(p.clock_skew)
            {
                return Some((Verdict::PermError, Reason::TimestampInFuture { timestamp: t, now }));
            }
        }
        for required in &p.required_headers {
            if !sig.signed_headers().contains(required) {
                return Some((Verdict::Policy, Reason::RequiredHeaderNotSigned(required.clone())));
            }
        }
        if sig.body_length().is_some() {
            if !p.accept_body_length {
                return Some((Verdict::Policy, Reason::BodyLengthRefused));
            }
            if !sig.signed_headers().contains("content-type") {
                return Some((Verdict::Policy, Reason::BodyLengthWithoutContentType));
            }
        }
        unsigned_instance(p, sig, block).map(|reason| (Verdict::Policy, reason))
    }

    /// Decides every signature that has its key and its body hash.
    fn settle(&mut self) {
        if !matches!(self.phase, Phase::Finished) {
            return;
        }
        let backend = self.policy.backend.0;
        let allow_unsigned_body = self.policy.allow_unsigned_body;
        for s in &mut self.sigs {
            if s.decided {
                continue;
            }
            let Some(p) = s.pending.as_ref() else { continue };
            let Some(key) = p.key.as_ref() else { continue };
            let Some(sig) = s.result.signature.as_ref() else { continue };
            let Some(bh) = self.body_hashes.get(p.body.index()) else { continue };
            let outcome = finish_one(backend, sig, key, &p.digest, bh);
            let unsigned = sig.body_length().map(|l| bh.canonical_length.saturating_sub(l));
            s.result.unsigned_body_bytes = unsigned;
            s.result.body_hash_matched =
                Some(!matches!(outcome, Err(Reason::BodyHashMismatch) | Err(Reason::BodyLengthExceedsBody { .. })));
            match (outcome, unsigned) {
                (Ok(()), Some(bytes)) if bytes > 0 && !allow_unsigned_body => {
                    s.decide(Verdict::Policy, Reason::UnsignedBodyContent { bytes });
                }
                (Ok(()), _) => {
                    s.result.verdict = Verdict::Pass;
                    s.decided = true;
                }
                (Err(reason), _) => s.decide(Verdict::Fail, reason),
            }
        }
        self.settle_arc();
    }
}

/// Key checks for an `ARC-Seal`: the record's type and hashes allow the
/// seal's algorithm, the service is email, the RSA key is long enough.
fn check_seal_key(
    record: &KeyRecord,
    algorithm: crate::crypto::Algorithm,
    policy: &Policy,
) -> Result<PublicKey, Reason> {
    let Some(key) = record.public_key() else { return Err(Reason::KeyRevoked) };
    if record.key_type() != algorithm.key_type() {
        return Err(Reason::KeyTypeMismatch { key: record.key_type(), algorithm });
    }
    if !record.allows_hash(algorithm.hash()) {
        return Err(Reason::KeyHashMismatch);
    }
    if !record.allows_email() {
        return Err(Reason::KeyServiceMismatch);
    }
    if let PublicKey::Rsa(k) = key
        && k.bits() < policy.min_rsa_bits
    {
        return Err(Reason::KeyTooShort { bits: k.bits(), min: policy.min_rsa_bits });
    }
    Ok(key.clone())
}

/// Verifies a whole message's DKIM signatures and its ARC chain in one
/// pass ([`Verifier::with_arc`]); `lookup` answers each key request once,
/// whether DKIM, ARC or both need it.
///
/// ```
/// use dkim_core::arc::ChainStatus;
/// use dkim_core::{KeyAnswer, Now, Policy, verify_with_arc};
/// let message = b"ARC-Seal: i=1; cv=none; a=rsa-sha256; d=example.com; s=s; b=AAAA\r\n\
///                 From: joe@example.com\r\n\r\nHi\r\n";
/// let (_, arc) = verify_with_arc(message, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
/// assert_eq!(arc.status(), ChainStatus::Fail);
/// assert_eq!(arc.reason().unwrap().to_string(), "ARC set 1 has no ARC-Message-Signature");
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
///
/// # Errors
///
/// [`VerifyError`] when the input is not a message.
pub fn verify_with_arc<F>(
    message: &[u8],
    policy: &Policy,
    now: impl Into<Now>,
    mut lookup: F,
) -> Result<(Vec<SignatureResult>, ArcResult), VerifyError>
where
    F: FnMut(&KeyRequest) -> KeyAnswer,
{
    let v = run_whole(Verifier::with_arc(policy.clone(), now), message, &mut lookup)?;
    let arc = v.arc_result().cloned().unwrap_or_else(ArcResult::none);
    Ok((v.into_results(), arc))
}

/// A single-instance field that the signature signs, present more often
/// than `h=` lists it ("Composition Kills", USENIX Security 2020).
fn unsigned_instance(policy: &Policy, sig: &Signature, block: &HeaderBlock) -> Option<Reason> {
    for name in policy.single_instance_names() {
        let signed = sig.signed_headers().iter().filter(|h| h.eq_ignore_ascii_case(name)).count();
        if signed == 0 {
            continue;
        }
        let present = block.fields().filter(|f| f.is(name)).count();
        if present > signed {
            return Some(Reason::UnsignedHeaderInstance { field: name.into(), present, signed });
        }
    }
    None
}

fn finish_one(
    backend: &dyn VerifyingBackend,
    sig: &Signature,
    key: &PublicKey,
    digest: &[u8],
    bh: &BodyHash,
) -> Result<(), Reason> {
    if let Some(l) = sig.body_length()
        && l > bh.canonical_length
    {
        return Err(Reason::BodyLengthExceedsBody { length: l, body: bh.canonical_length });
    }
    if !constant_time_eq(&bh.digest, sig.body_hash()) {
        return Err(Reason::BodyHashMismatch);
    }
    match backend.verify(key, sig.algorithm(), digest, sig.signature()) {
        Ok(()) => Ok(()),
        Err(CryptoError::KeyTypeMismatch) => {
            Err(Reason::KeyTypeMismatch { key: key.key_type(), algorithm: sig.algorithm() })
        }
        Err(_) => Err(Reason::SignatureMismatch),
    }
}

/// Compares without an early exit on the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Picks the key record out of a DNS answer for `name` (shared, not
/// copied, when the caller handed over a parsed record).
fn select_key(answer: KeyAnswer, name: &str, limits: &Limits) -> Result<Arc<KeyRecord>, (Verdict, Reason)> {
    let no_record = || (Verdict::PermError, Reason::NoRecord { name: name.into() });
    let records = match answer {
        KeyAnswer::NoRecord => return Err(no_record()),
        KeyAnswer::TempFail(cause) => {
            return Err((Verdict::TempError, Reason::TempFail { name: name.into(), cause }));
        }
        KeyAnswer::Records { records, .. } if records.is_empty() => return Err(no_record()),
        KeyAnswer::Records { records, .. } => records,
        KeyAnswer::Parsed { record, .. } => return Ok(record),
    };
    let mut parsed: Vec<(Vec<u8>, Result<KeyRecord, _>)> = records
        .iter()
        .map(|r| {
            let text = r.joined();
            let rec = KeyRecord::parse(&text, limits);
            (text, rec)
        })
        .collect();
    if let Some(i) = parsed.iter().position(|(_, r)| r.is_ok()) {
        // The first usable record, moved out; any other must equal it.
        let good = || parsed.iter().filter_map(|(_, r)| r.as_ref().ok());
        if good().any(|r| Some(r) != parsed[i].1.as_ref().ok()) {
            return Err((Verdict::PermError, Reason::AmbiguousKeyRecords { count: good().count() }));
        }
        if let (_, Ok(record)) = parsed.swap_remove(i) {
            return Ok(Arc::new(record));
        }
    }
    let err = parsed
        .iter()
        .find(|(t, _)| crate::key_record::looks_like_key_record(t))
        .or_else(|| parsed.first())
        .and_then(|(_, r)| r.as_ref().err().cloned());
    match err {
        Some(e) => Err((Verdict::PermError, Reason::KeyRecord(e))),
        None => Err(no_record()),
    }
}

/// Key checks of RFC 6376 section 6.1.2 and RFC 8301.
fn check_key(record: &KeyRecord, sig: &Signature, policy: &Policy) -> Result<PublicKey, (Verdict, Reason)> {
    let perm = |r| Err((Verdict::PermError, r));
    let Some(key) = record.public_key() else { return perm(Reason::KeyRevoked) };
    if record.key_type() != sig.algorithm().key_type() {
        return perm(Reason::KeyTypeMismatch { key: record.key_type(), algorithm: sig.algorithm() });
    }
    if !record.allows_hash(sig.algorithm().hash()) {
        return perm(Reason::KeyHashMismatch);
    }
    if !record.allows_email() {
        return perm(Reason::KeyServiceMismatch);
    }
    if record.is_strict() && !sig.identity_domain().eq_ignore_ascii_case(sig.domain()) {
        debug_assert!(is_same_or_subdomain(sig.identity_domain(), sig.domain()));
        return perm(Reason::KeyStrictSubdomain);
    }
    if let PublicKey::Rsa(k) = key
        && k.bits() < policy.min_rsa_bits
    {
        return perm(Reason::KeyTooShort { bits: k.bits(), min: policy.min_rsa_bits });
    }
    Ok(key.clone())
}
