//! The sans-IO verifier (RFC 6376 section 6).
//!
//! The caller owns all I/O. It feeds header bytes until the header is
//! complete, then loops on [`Verifier::step`]: look up the key names it asks
//! for and hand back each answer, feed the body, and collect one
//! [`SignatureResult`] per `DKIM-Signature` field, topmost first.
//!
//! ```
//! use dkim_core::{Verifier, Policy, Step, KeyAnswer, HeaderStatus, Verdict};
//!
//! let msg = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
//! let mut v = Verifier::new(Policy::default());
//! let HeaderStatus::Complete(body_start) = v.headers(msg).unwrap() else { unreachable!() };
//! loop {
//!     match v.step() {
//!         Step::NeedHeaders => unreachable!("the header is complete"),
//!         Step::NeedKeys(requests) => {
//!             let ids: Vec<_> = requests.iter().map(|r| r.id()).collect();
//!             for id in ids {
//!                 v.answer_key(id, KeyAnswer::NoRecord); // a real caller asks DNS
//!             }
//!         }
//!         Step::NeedBody => {
//!             v.body(&msg[body_start..]);
//!             v.finish();
//!         }
//!         Step::Done => break,
//!     }
//! }
//! let results = v.into_results();
//! assert!(results.is_empty()); // unsigned: the message verdict is `none`
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::canon::header::header_hash;
use crate::crypto::{HashAlgorithm, PublicKey, VerifyError as CryptoError, VerifyingBackend};
use crate::hash::{BodyHash, BodyHashId, BodyHashKey, BodyHashes};
use crate::header::{Collected, HeaderBlock, HeaderCollector, HeaderError, LfNormalizer};
use crate::key_record::KeyRecord;
use crate::policy::{Limits, LineEndings, Policy};
use crate::result::{Reason, SignatureResult, Verdict};
use crate::signature::{self, Signature, SignatureError, is_same_or_subdomain};
use crate::tag_list::TagList;

/// Progress of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderStatus {
    /// More header bytes are needed; the whole chunk was consumed.
    Partial,
    /// The header is complete. The body starts at this offset of the chunk
    /// just fed; pass the rest of the chunk to [`Verifier::body`].
    Complete(usize),
}

/// What the verifier needs next.
#[derive(Debug)]
pub enum Step<'a> {
    /// Feed more header bytes with [`Verifier::headers`].
    NeedHeaders,
    /// Look up these keys (TXT records) and answer each with
    /// [`Verifier::answer_key`]. The body may be fed meanwhile.
    NeedKeys(&'a [KeyRequest]),
    /// Feed the body with [`Verifier::body`], then call [`Verifier::finish`].
    NeedBody,
    /// All results are decided: [`Verifier::results`].
    Done,
}

/// Identifies one key request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyRequestId(usize);

/// A key to look up: the TXT records at `selector._domainkey.domain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRequest {
    id: KeyRequestId,
    name: String,
}

impl KeyRequest {
    /// The id to answer with.
    pub fn id(&self) -> KeyRequestId {
        self.id
    }

    /// The DNS name (lower case, no final dot), e.g.
    /// `brisbane._domainkey.example.com`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One TXT record: its character-strings, kept apart as DNS delivers them.
/// They are joined with nothing between them (RFC 6376 section 3.6.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TxtRecord {
    strings: Vec<Vec<u8>>,
}

impl TxtRecord {
    /// From the record's strings.
    pub fn new(strings: Vec<Vec<u8>>) -> Self {
        Self { strings }
    }

    /// A record of one string.
    pub fn from_text(text: &str) -> Self {
        Self { strings: alloc::vec![text.as_bytes().to_vec()] }
    }

    /// The strings.
    pub fn strings(&self) -> &[Vec<u8>] {
        &self.strings
    }

    /// The strings joined.
    pub fn joined(&self) -> Vec<u8> {
        self.strings.concat()
    }
}

/// The answer to a [`KeyRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAnswer {
    /// The TXT records found at the name.
    Records(Vec<TxtRecord>),
    /// NXDOMAIN, or the name has no TXT record (NODATA): `permerror`.
    NoRecord,
    /// SERVFAIL, timeout or another temporary failure: `temperror`.
    TempFail,
    /// A key record the caller parsed earlier, from its own cache of parsed
    /// records (the TXT text through [`KeyRecord::parse`] with the same
    /// [`Limits`]), shared. Every check of the signature against the key
    /// still runs; only the parsing (for Ed25519 the costly point
    /// decompression) is saved.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dkim_core::{KeyAnswer, KeyRecord, Limits};
    /// let text = b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    /// let cached = Arc::new(KeyRecord::parse(text, &Limits::default()).unwrap());
    /// let answer = KeyAnswer::Parsed(Arc::clone(&cached));
    /// # let _ = answer;
    /// ```
    Parsed(alloc::sync::Arc<KeyRecord>),
}

/// A framing error: the message as a whole cannot be verified.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The header block is malformed or too large.
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

#[cfg(feature = "std")]
impl std::error::Error for VerifyError {}

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

enum Phase {
    Headers,
    Body,
    Finished,
}

/// The verifier state machine. See the module documentation.
pub struct Verifier {
    policy: Policy,
    limits: Limits,
    phase: Phase,
    collector: HeaderCollector,
    sigs: Vec<SigState>,
    requests: Vec<KeyRequest>,
    unanswered: Vec<KeyRequest>,
    body: Option<BodyHashes>,
    body_hashes: Vec<BodyHash>,
    lf: Option<(LfNormalizer, Vec<u8>)>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier").field("signatures", &self.sigs.len()).finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier with `policy` and default [`Limits`].
    pub fn new(policy: Policy) -> Self {
        Self::with_limits(policy, Limits::default())
    }

    /// A verifier with `policy` and `limits`.
    pub fn with_limits(policy: Policy, limits: Limits) -> Self {
        let lf = (policy.line_endings == LineEndings::NormalizeLf).then(|| (LfNormalizer::default(), Vec::new()));
        Self {
            collector: HeaderCollector::new(&limits, policy.line_endings),
            policy,
            limits,
            phase: Phase::Headers,
            sigs: Vec::new(),
            requests: Vec::new(),
            unanswered: Vec::new(),
            body: None,
            body_hashes: Vec::new(),
            lf,
        }
    }

    /// Feeds header bytes (the start of the message).
    ///
    /// # Errors
    ///
    /// [`VerifyError::Header`] when the header is malformed or exceeds a
    /// limit; the message cannot be verified (report `permerror`).
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
    pub fn step(&self) -> Step<'_> {
        if matches!(self.phase, Phase::Headers) {
            return Step::NeedHeaders;
        }
        if !self.unanswered.is_empty() {
            return Step::NeedKeys(&self.unanswered);
        }
        if matches!(self.phase, Phase::Body) && self.sigs.iter().any(|s| !s.decided) {
            return Step::NeedBody;
        }
        Step::Done
    }

    /// All key requests made so far (answered or not).
    pub fn key_requests(&self) -> &[KeyRequest] {
        &self.requests
    }

    /// Answers a key request. Unknown or repeated ids are ignored.
    pub fn answer_key(&mut self, id: KeyRequestId, answer: KeyAnswer) {
        let Some(pos) = self.unanswered.iter().position(|r| r.id == id) else { return };
        self.unanswered.remove(pos);
        let selected = select_key(&answer, &self.limits);
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
                Err((verdict, reason)) => decide(s, verdict, reason),
                Ok((record, key)) => {
                    s.result.testing = record.is_testing();
                    s.result.key_bits = Some(key.bits());
                    p.key = Some(key);
                }
            }
        }
        self.settle();
    }

    /// Answers every request for `name` (case-insensitive, final dot
    /// optional).
    pub fn answer_key_by_name(&mut self, name: &str, answer: KeyAnswer) {
        let name = name.strip_suffix('.').unwrap_or(name);
        let ids: Vec<KeyRequestId> =
            self.unanswered.iter().filter(|r| r.name.eq_ignore_ascii_case(name)).map(|r| r.id).collect();
        for id in ids {
            self.answer_key(id, answer.clone());
        }
    }

    /// Feeds a chunk of the body.
    pub fn body(&mut self, chunk: &[u8]) {
        if !matches!(self.phase, Phase::Body) {
            return;
        }
        let Some(hashes) = self.body.as_mut() else { return };
        match &mut self.lf {
            Some((norm, buf)) => {
                norm.normalize(chunk, buf);
                hashes.update(buf);
            }
            None => hashes.update(chunk),
        }
    }

    /// Ends the message. If the header never ended, a header that ends with a
    /// complete line is taken as a message without a body.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Header`] when the message ends in the middle of the
    /// header.
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
    pub fn results(&self) -> Vec<SignatureResult> {
        self.sigs.iter().map(|s| s.result.clone()).collect()
    }

    /// The results, consuming the verifier.
    pub fn into_results(self) -> Vec<SignatureResult> {
        self.sigs.into_iter().map(|s| s.result).collect()
    }

    fn evaluate_header(&mut self) -> Result<(), VerifyError> {
        let block = HeaderBlock::parse(self.collector.take(), self.limits.max_header_fields)?;
        self.phase = Phase::Body;
        let mut hashes = BodyHashes::new();
        let fields = || block.fields().enumerate().filter(|(_, f)| f.is("DKIM-Signature")).map(|(i, _)| i);
        // Sized once: a signature's state is large, and the results reuse
        // this allocation.
        self.sigs.reserve_exact(fields().count());
        for (index, field_index) in fields().enumerate() {
            let mut state = SigState {
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
                },
                decided: false,
                pending: None,
            };
            let Some(field) = block.field(field_index) else { continue };
            let full_value = field.value();
            let value = full_value.strip_suffix(b"\r\n").unwrap_or(full_value);
            if index >= self.policy.max_signatures {
                (state.result.domain, state.result.selector) = signature::loose_domain_selector(value);
                decide(&mut state, Verdict::Policy, Reason::TooManySignatures { limit: self.policy.max_signatures });
                self.sigs.push(state);
                continue;
            }
            // The result reads d= and s= from the signature; for a field that
            // does not parse they are kept from its tag list, or from a loose
            // parse when the list itself fails.
            let parsed = match TagList::parse_with_limit(value, self.limits.max_tag_value_bytes) {
                Ok(tags) => {
                    let sig = Signature::from_tags(&tags, value, &self.limits);
                    if sig.is_err() {
                        (state.result.domain, state.result.selector) = signature::domain_selector(&tags);
                    }
                    sig
                }
                Err(e) => {
                    (state.result.domain, state.result.selector) = signature::loose_domain_selector(value);
                    Err(SignatureError::TagList(e))
                }
            };
            let sig = match parsed {
                Ok(sig) => sig,
                Err(e) => {
                    decide(&mut state, Verdict::PermError, Reason::Signature(e));
                    self.sigs.push(state);
                    continue;
                }
            };
            if let Some((verdict, reason)) = self.precheck(&sig) {
                state.result.signature = Some(sig);
                decide(&mut state, verdict, reason);
                self.sigs.push(state);
                continue;
            }
            let selected = block.select(sig.signed_headers(), Some(field_index));
            let digest = header_hash(
                &block,
                &selected,
                sig.canonicalization().header,
                sig.algorithm().hash(),
                field.name_as_written(),
                full_value,
                sig.b_span(),
            );
            let name = sig.key_name();
            let request = match self.requests.iter().position(|r| r.name == name) {
                Some(i) => i,
                None => {
                    let req = KeyRequest { id: KeyRequestId(self.requests.len()), name };
                    self.unanswered.push(req.clone());
                    self.requests.push(req);
                    self.requests.len() - 1
                }
            };
            let body = hashes.add(BodyHashKey {
                canonicalization: sig.canonicalization().body,
                hash: sig.algorithm().hash(),
                length: sig.body_length(),
            });
            state.pending = Some(Pending { digest, request, body, key: None });
            state.result.signature = Some(sig);
            self.sigs.push(state);
        }
        self.body = Some(hashes);
        Ok(())
    }

    /// Checks that need no key: policy, clock.
    fn precheck(&self, sig: &Signature) -> Option<(Verdict, Reason)> {
        let p = &self.policy;
        if sig.algorithm().hash() == HashAlgorithm::Sha1 && !p.allow_sha1 {
            return Some((Verdict::PermError, Reason::Sha1Refused));
        }
        if let Some(now) = p.now {
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
        if sig.body_length().is_some() && !p.accept_body_length {
            return Some((Verdict::Policy, Reason::BodyLengthRefused));
        }
        None
    }

    /// Decides every signature that has its key and its body hash.
    fn settle(&mut self) {
        if !matches!(self.phase, Phase::Finished) {
            return;
        }
        let backend = self.policy.backend.0;
        for s in &mut self.sigs {
            if s.decided {
                continue;
            }
            let Some(p) = s.pending.as_ref() else { continue };
            let Some(key) = p.key.as_ref() else { continue };
            let Some(sig) = s.result.signature.as_ref() else { continue };
            let Some(bh) = self.body_hashes.get(p.body.index()) else { continue };
            let outcome = finish_one(backend, sig, key, &p.digest, bh);
            if let Some(l) = sig.body_length() {
                s.result.unsigned_body_bytes = Some(bh.canonical_length.saturating_sub(l));
            }
            s.result.body_hash_matched =
                Some(!matches!(outcome, Err(Reason::BodyHashMismatch) | Err(Reason::BodyLengthExceedsBody { .. })));
            match outcome {
                Ok(()) => {
                    s.result.verdict = Verdict::Pass;
                    s.decided = true;
                }
                Err(reason) => decide(s, Verdict::Fail, reason),
            }
        }
    }
}

fn decide(s: &mut SigState, verdict: Verdict, reason: Reason) {
    s.result.verdict = verdict;
    s.result.reason = Some(reason);
    s.decided = true;
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

/// Picks the key record out of a DNS answer (shared, not copied, when the
/// caller handed over a parsed record).
fn select_key(answer: &KeyAnswer, limits: &Limits) -> Result<alloc::sync::Arc<KeyRecord>, (Verdict, Reason)> {
    let records = match answer {
        KeyAnswer::NoRecord => return Err((Verdict::PermError, Reason::NoKey)),
        KeyAnswer::TempFail => return Err((Verdict::TempError, Reason::KeyLookupTempFail)),
        KeyAnswer::Records(r) if r.is_empty() => return Err((Verdict::PermError, Reason::NoKey)),
        KeyAnswer::Records(r) => r,
        KeyAnswer::Parsed(record) => return Ok(alloc::sync::Arc::clone(record)),
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
            return Ok(alloc::sync::Arc::new(record));
        }
    }
    let looks_dkim = |t: &[u8]| t.starts_with(b"v=DKIM1") || t.windows(2).any(|w| w == b"p=");
    let err = parsed
        .iter()
        .find(|(t, _)| looks_dkim(t))
        .or_else(|| parsed.first())
        .and_then(|(_, r)| r.as_ref().err().cloned());
    match err {
        Some(e) => Err((Verdict::PermError, Reason::KeyRecord(e))),
        None => Err((Verdict::PermError, Reason::NoKey)),
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
