//! Sealing (RFC 8617 section 5.1): a new ARC set on top of a message whose
//! chain the caller validated.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};

use super::{ArcField, ArcResult, ChainStatus, MAX_INSTANCES, aar_instance};
use crate::auth_results::authserv_id;
use crate::canon::CanonicalizationAlgorithm;
use crate::canon::header::header_hash;
use crate::crypto::{CryptoError, SigningKey};
use crate::hash::{BodyHash, BodyHashKey, BodyHashes};
use crate::header::{Collected, HeaderBlock, HeaderCollector, HeaderError};
use crate::policy::{Limits, LineEndings};
use crate::sign::DEFAULT_SIGNED_HEADERS;
use crate::sign::field::format_named;

/// Why no ARC set was added.
///
/// ```
/// use dkim_core::arc::SealError;
/// assert_eq!(SealError::TooManyInstances.to_string(), "the message already carries 50 ARC sets");
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealError {
    /// A seal of the chain already says `cv=fail`: nothing may be added.
    ChainAlreadyFailed {
        /// That seal's instance.
        instance: u32,
    },
    /// 50 sets are there already.
    TooManyInstances,
    /// The message's header is malformed.
    Header(HeaderError),
    /// The message has no From field (the AMS must sign it).
    NoFrom,
    /// The authserv-id is not one (RFC 8601 section 2.5).
    InvalidAuthservId(String),
    /// `d=` or `s=` is not a domain name or selector.
    InvalidDomain(String),
    /// The key failed to sign.
    Crypto(CryptoError),
    /// The body hash handed to [`SealSession::finish_with_body_hash`] is not
    /// a digest of the key's hash algorithm.
    BodyHashLength {
        /// Bytes of a digest of the key's hash.
        expected: usize,
        /// Bytes of the digest given.
        found: usize,
    },
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ChainAlreadyFailed { instance } => {
                write!(f, "the ARC chain already failed (the seal of set {instance} says cv=fail); no new set")
            }
            Self::TooManyInstances => write!(f, "the message already carries {MAX_INSTANCES} ARC sets"),
            Self::Header(e) => write!(f, "{e}"),
            Self::NoFrom => f.write_str("the message has no From field"),
            Self::InvalidAuthservId(id) => write!(f, "{id:?} is not an authserv-id"),
            Self::InvalidDomain(d) => write!(f, "{d:?} is not a domain name or selector"),
            Self::Crypto(e) => write!(f, "signing failed: {e}"),
            Self::BodyHashLength { expected, found } => {
                write!(f, "the body hash given has {found} bytes; the key's hash has {expected}")
            }
        }
    }
}

impl core::error::Error for SealError {}

impl From<HeaderError> for SealError {
    fn from(e: HeaderError) -> Self {
        Self::Header(e)
    }
}

/// Adds ARC sets: the `ARC-Authentication-Results` from the message's
/// `Authentication-Results` fields of our authserv-id, the
/// `ARC-Message-Signature` (relaxed/relaxed over the signed-header
/// selection) and the `ARC-Seal` over every set.
///
/// ```
/// use dkim_core::arc::{ChainStatus, Sealer};
/// use dkim_core::{Ed25519SigningKey, KeyAnswer, Now, Policy, verify_with_arc};
///
/// let key = Ed25519SigningKey::from_seed(&[9; 32]);
/// let record = dkim_core::PrivateKey::Ed25519(key.clone()).dns_record();
/// let message = b"Authentication-Results: lists.example; dkim=pass header.d=example.com\r\n\
///                 From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
/// let now = Now::unix(1_700_000_000);
/// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::text(record.text());
/// let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
/// let sealer = Sealer::new(key, "lists.example", "arc", "lists.example")?.timestamp(1_700_000_000);
/// let set = sealer.seal(message, &chain)?;
/// assert!(set.starts_with("ARC-Seal: i=1; cv=none;"));
/// let sealed = [set.as_bytes(), message].concat();
/// let (_, chain) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
/// assert_eq!((chain.status(), chain.instances(), chain.oldest_pass()), (ChainStatus::Pass, 1, Some(1)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Sealer<K> {
    key: K,
    domain: String,
    selector: String,
    authserv_id: String,
    headers: Option<Vec<String>>,
    timestamp: Option<u64>,
    limits: Limits,
}

impl<K: SigningKey> fmt::Debug for Sealer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("algorithm", &self.key.algorithm())
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .field("authserv_id", &self.authserv_id)
            .finish_non_exhaustive()
    }
}

impl<K: SigningKey> Sealer<K> {
    /// A sealer for `d=domain`, `s=selector`, gathering the results of
    /// `authserv_id`.
    ///
    /// # Errors
    ///
    /// [`SealError::InvalidDomain`] or [`SealError::InvalidAuthservId`].
    ///
    /// ```
    /// use dkim_core::arc::{SealError, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// assert!(Sealer::new(key.clone(), "lists.example", "arc", "lists.example").is_ok());
    /// let bad = Sealer::new(key.clone(), "lists example", "arc", "lists.example");
    /// assert_eq!(bad.err(), Some(SealError::InvalidDomain("lists example".into())));
    /// let bad = Sealer::new(key, "lists.example", "arc", "lists.example; dkim=pass");
    /// assert!(matches!(bad, Err(SealError::InvalidAuthservId(_))));
    /// ```
    pub fn new(key: K, domain: &str, selector: &str, authserv_id: &str) -> Result<Self, SealError> {
        for name in [domain, selector] {
            if !crate::signature::is_domain_name(name) {
                return Err(SealError::InvalidDomain(name.into()));
            }
        }
        let id = authserv_id.trim();
        if id.is_empty() || id.bytes().any(|b| b.is_ascii_whitespace() || b == b';' || b.is_ascii_control()) {
            return Err(SealError::InvalidAuthservId(authserv_id.into()));
        }
        Ok(Self {
            key,
            domain: domain.to_ascii_lowercase(),
            selector: selector.into(),
            authserv_id: id.into(),
            headers: None,
            timestamp: None,
            limits: Limits::default(),
        })
    }

    /// The fields the `ARC-Message-Signature` signs (default: those of
    /// [`DEFAULT_SIGNED_HEADERS`] that the message has; From always).
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?
    ///     .headers(["Subject", "To"]);
    /// let message = b"From: joe@example.com\r\nSubject: hi\r\nTo: list@lists.example\r\n\r\nHello\r\n";
    /// let set = sealer.seal(message, &ArcResult::none())?;
    /// assert!(set.contains("h=From:Subject:To;")); // From is added
    /// # Ok::<(), dkim_core::arc::SealError>(())
    /// ```
    #[must_use]
    pub fn headers<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, names: I) -> Self {
        self.headers = Some(names.into_iter().map(|n| n.as_ref().to_string()).collect());
        self
    }

    /// `t=` of the new seal and message signature (default: none).
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let message = b"From: joe@example.com\r\n\r\nHello\r\n";
    /// assert!(!sealer.seal(message, &ArcResult::none())?.contains(" t="));
    /// let set = sealer.timestamp(1_700_000_000).seal(message, &ArcResult::none())?;
    /// assert_eq!(set.matches(" t=1700000000;").count(), 2); // ARC-Seal and ARC-Message-Signature
    /// # Ok::<(), dkim_core::arc::SealError>(())
    /// ```
    #[must_use]
    pub fn timestamp(mut self, unix_seconds: u64) -> Self {
        self.timestamp = Some(unix_seconds);
        self
    }

    /// The new set for `message` (CRLF line ends), whose chain validated as
    /// `chain`: `ARC-Seal`, `ARC-Message-Signature` and
    /// `ARC-Authentication-Results`, CRLF-terminated, to put on top.
    ///
    /// # Errors
    ///
    /// [`SealError`]: a chain that must not grow ([`ArcResult::may_seal`]),
    /// a malformed header, no From, or the key fails.
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, SealError, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let set = sealer.seal(b"From: joe@example.com\r\n\r\nHello\r\n", &ArcResult::none())?;
    /// let starts = set.lines().filter(|l| !l.starts_with([' ', '\t'])); // not the folded continuations
    /// let names: Vec<&str> = starts.filter_map(|l| l.split(':').next()).collect();
    /// assert_eq!(names, ["ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"]);
    /// assert_eq!(sealer.seal(b"Subject: hi\r\n\r\nHello\r\n", &ArcResult::none()), Err(SealError::NoFrom));
    /// # Ok::<(), SealError>(())
    /// ```
    pub fn seal(&self, message: &[u8], chain: &ArcResult) -> Result<String, SealError> {
        let mut collector = HeaderCollector::new(&self.limits, LineEndings::Crlf);
        let (header, body) = match collector.feed(message)? {
            Collected::Complete(n) => (collector.take(), &message[n..]),
            Collected::Partial => {
                collector.finish_without_body()?;
                (collector.take(), &[][..])
            }
        };
        let mut hashes = self.body_hashes();
        hashes.update(body);
        let bh = hashes.finish().pop().map(|h| h.digest).unwrap_or_default();
        self.finish(&header, &bh, chain)
    }

    /// A streaming seal: the header, then the body chunk by chunk, then the
    /// chain's result (known only once the message was verified).
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let mut session = sealer.session();
    /// assert_eq!(session.headers(b"From: joe@example.com\r\n")?, None);
    /// assert_eq!(session.headers(b"Subject: hi\r\n\r\nHel")?, Some(15)); // the body starts at 15 of this chunk
    /// session.body(b"Hel");
    /// session.body(b"lo\r\n");
    /// let set = session.finish(&ArcResult::none())?;
    /// assert!(set.starts_with("ARC-Seal: i=1; cv=none;"));
    /// # Ok::<(), dkim_core::arc::SealError>(())
    /// ```
    #[must_use]
    pub fn session(&self) -> SealSession<K>
    where
        K: Clone,
    {
        self.clone().into_session()
    }

    /// [`Sealer::session`], taking the sealer (for a key that is not
    /// `Clone`, or a session that must own everything).
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let message = b"From: joe@example.com\r\n\r\nHello\r\n";
    /// let one_shot = sealer.seal(message, &ArcResult::none())?;
    /// let mut session = sealer.into_session();
    /// let Some(body_start) = session.headers(message)? else { unreachable!("the header is complete") };
    /// session.body(&message[body_start..]);
    /// assert_eq!(session.finish(&ArcResult::none())?, one_shot);
    /// # Ok::<(), dkim_core::arc::SealError>(())
    /// ```
    #[must_use]
    pub fn into_session(self) -> SealSession<K> {
        let hashes = self.body_hashes();
        SealSession {
            collector: HeaderCollector::new(&self.limits, LineEndings::Crlf),
            sealer: self,
            header: None,
            extra: Vec::new(),
            hashes,
        }
    }

    fn finish(&self, header: &[u8], bh: &[u8], chain: &ArcResult) -> Result<String, SealError> {
        chain.may_seal()?;
        let block = HeaderBlock::parse(header.to_vec(), self.limits.max_header_fields)?;
        if !block.fields().any(|f| f.is("From")) {
            return Err(SealError::NoFrom);
        }
        let instance = chain.instances() + 1;
        let cv = match chain.status() {
            ChainStatus::None if instance == 1 => ChainStatus::None,
            ChainStatus::Pass => ChainStatus::Pass,
            _ => ChainStatus::Fail,
        };
        let algorithm = self.key.algorithm();
        let timestamp = self.timestamp.map(|t| alloc::format!("{t}"));

        // ARC-Authentication-Results.
        let aar = self.aar(&block, instance, cv);

        // ARC-Message-Signature.
        let names = self.h_list(&block);
        let mut tags: Vec<(&'static str, String)> = alloc::vec![
            ("i", alloc::format!("{instance}")),
            ("a", algorithm.as_str().into()),
            ("c", "relaxed/relaxed".into()),
            ("d", self.domain.clone()),
            ("s", self.selector.clone()),
        ];
        if let Some(t) = &timestamp {
            tags.push(("t", t.clone()));
        }
        tags.push(("h", names.join(":")));
        tags.push(("bh", Base64::encode_string(bh)));
        let ams = self.signed_field(ArcField::MessageSignature, &tags, &block, &block.select(&names, None))?;

        // ARC-Seal, over every set: the earlier ones from the message, then
        // the new AAR and AMS, then itself without b=.
        let mut with_new = Vec::with_capacity(aar.len() + ams.len() + header.len());
        with_new.extend_from_slice(aar.as_bytes());
        with_new.extend_from_slice(ams.as_bytes());
        with_new.extend_from_slice(header);
        let block = HeaderBlock::parse(with_new, self.limits.max_header_fields.saturating_add(2))?;
        let mut selected = super::chain::seal_inputs(&block, instance - 1).unwrap_or_default();
        selected.extend([Some(0), Some(1)]);
        let mut tags: Vec<(&'static str, String)> = alloc::vec![
            ("i", alloc::format!("{instance}")),
            ("cv", cv.as_str().into()),
            ("a", algorithm.as_str().into()),
            ("d", self.domain.clone()),
            ("s", self.selector.clone()),
        ];
        if let Some(t) = timestamp {
            tags.push(("t", t));
        }
        let seal = self.signed_field(ArcField::Seal, &tags, &block, &selected)?;
        Ok([seal, ams, aar].concat())
    }

    /// The body hash of the AMS: the whole body, relaxed, the key's hash.
    fn body_hash_key(&self) -> BodyHashKey {
        BodyHashKey {
            canonicalization: CanonicalizationAlgorithm::Relaxed,
            hash: self.key.algorithm().hash(),
            length: None,
        }
    }

    /// The body-hash set of the AMS ([`Sealer::body_hash_key`]).
    fn body_hashes(&self) -> BodyHashes {
        let mut hashes = BodyHashes::new();
        hashes.add(self.body_hash_key());
        hashes
    }

    /// Field `field` with `tags`, signed over the `selected` fields of
    /// `block` and itself with an empty `b=` (relaxed header
    /// canonicalization, as RFC 8617 requires for the AS and we use for the
    /// AMS).
    fn signed_field(
        &self,
        field: ArcField,
        tags: &[(&'static str, String)],
        block: &HeaderBlock,
        selected: &[Option<usize>],
    ) -> Result<String, SealError> {
        let name = field.name();
        let unsigned = format_named(name, tags, None);
        let digest = header_hash(
            block,
            selected,
            CanonicalizationAlgorithm::Relaxed,
            self.key.algorithm().hash(),
            name.as_bytes(),
            &unsigned.as_bytes()[name.len() + 1..],
            0..0,
        );
        let b = self.key.sign_digest(&digest).map_err(SealError::Crypto)?;
        Ok(format_named(name, tags, Some(&Base64::encode_string(&b))))
    }

    /// The AAR field: `i=N; authserv-id;` then the results of our
    /// Authentication-Results fields in order, `arc=` added when none says it.
    fn aar(&self, block: &HeaderBlock, instance: u32, cv: ChainStatus) -> String {
        let mut results: Vec<String> = Vec::new();
        for f in block.fields().filter(|f| f.is("Authentication-Results")) {
            let value = f.value();
            if !authserv_id(value).is_ok_and(|id| id.eq_ignore_ascii_case(&self.authserv_id)) {
                continue;
            }
            // What follows the authserv-id (and its version) is the results.
            let text = String::from_utf8_lossy(value);
            let Some((_, rest)) = text.split_once(';') else { continue };
            for part in rest.split(';') {
                let unfolded: String = part.split(['\r', '\n']).collect::<Vec<_>>().join(" ");
                let r = unfolded.split_whitespace().collect::<Vec<_>>().join(" ");
                if !r.is_empty() && !r.eq_ignore_ascii_case("none") {
                    results.push(r);
                }
            }
        }
        if !results.iter().any(|r| r.get(..4).is_some_and(|m| m.eq_ignore_ascii_case("arc="))) {
            results.push(alloc::format!("arc={cv}"));
        }
        let mut out = alloc::format!("{}: i={instance}; {}", ArcField::AuthResults.name(), self.authserv_id);
        for r in results {
            out.push_str(";\r\n ");
            out.push_str(&r);
        }
        out.push_str("\r\n");
        debug_assert!(aar_instance(&out.as_bytes()[ArcField::AuthResults.name().len() + 1..]).is_ok());
        out
    }

    fn h_list(&self, block: &HeaderBlock) -> Vec<String> {
        let mut names: Vec<String> = match &self.headers {
            Some(list) => list.iter().filter(|n| !n.eq_ignore_ascii_case("ARC-Seal")).cloned().collect(),
            None => DEFAULT_SIGNED_HEADERS
                .iter()
                .flat_map(|name| block.fields().filter(|f| f.is(name)).map(|_| String::from(*name)).collect::<Vec<_>>())
                .collect(),
        };
        if !names.iter().any(|n| n.eq_ignore_ascii_case("from")) {
            names.insert(0, "From".into());
        }
        names
    }
}

/// A seal in progress ([`Sealer::session`]): the body is hashed as it
/// comes, never kept.
///
/// ```
/// use dkim_core::arc::{ChainStatus, Sealer};
/// use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
/// let key = Ed25519SigningKey::from_seed(&[9; 32]);
/// let record = PrivateKey::Ed25519(key.clone()).dns_record();
/// let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
/// let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
/// let (_, chain) = verify_with_arc(message, &Policy::default(), Now::unix(1_700_000_000), lookup)?;
/// let mut session = Sealer::new(key, "lists.example", "arc", "lists.example")?.into_session();
/// for chunk in message.chunks(7) {
///     match session.headers(chunk)? {
///         None => {}
///         Some(n) => session.body(&chunk[n..]), // every later chunk too: `headers` then says Some(0)
///     }
/// }
/// let set = session.finish(&chain)?;
/// let sealed = [set.as_bytes(), message].concat();
/// let (_, chain) = verify_with_arc(&sealed, &Policy::default(), Now::unix(1_700_000_000), lookup)?;
/// assert_eq!(chain.status(), ChainStatus::Pass);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SealSession<K> {
    sealer: Sealer<K>,
    collector: HeaderCollector,
    header: Option<Vec<u8>>,
    /// Fields put on top of the header before sealing ([`SealSession::prepend`]).
    extra: Vec<u8>,
    hashes: BodyHashes,
}

impl<K> fmt::Debug for SealSession<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealSession").field("header_complete", &self.header.is_some()).finish_non_exhaustive()
    }
}

impl<K: SigningKey> SealSession<K> {
    /// Feeds header bytes (CRLF). `Some(n)` once the header is complete:
    /// the body starts at `n` of this chunk (feed the rest to
    /// [`SealSession::body`]).
    ///
    /// # Errors
    ///
    /// [`SealError::Header`] for a header over the size limits (a field
    /// without a colon shows at [`SealSession::finish`], which parses the
    /// header).
    ///
    /// ```
    /// use dkim_core::arc::{SealError, Sealer};
    /// use dkim_core::{Ed25519SigningKey, HeaderError};
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let mut session = sealer.session();
    /// assert_eq!(session.headers(b"From: joe@example.com\r\nSubj")?, None);
    /// assert_eq!(session.headers(b"ect: hi\r\n\r\nHello")?, Some(11)); // "Hello" starts at 11
    /// let mut huge = sealer.session();
    /// let field = [&b"X-Big: "[..], &vec![b'a'; 1 << 20]].concat(); // over the 1 MiB header limit
    /// assert!(matches!(huge.headers(&field), Err(SealError::Header(HeaderError::TooLarge { .. }))));
    /// # Ok::<(), SealError>(())
    /// ```
    pub fn headers(&mut self, chunk: &[u8]) -> Result<Option<usize>, SealError> {
        if self.header.is_some() {
            return Ok(Some(0));
        }
        match self.collector.feed(chunk)? {
            Collected::Partial => Ok(None),
            Collected::Complete(n) => {
                self.header = Some(self.collector.take());
                Ok(Some(n))
            }
        }
    }

    /// A header field to put on top of the message before sealing (CRLF
    /// line ends, e.g. the `Authentication-Results` field the caller adds
    /// with its own results: the AAR gathers it).
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "mx.example", "arc", "mx.example")?;
    /// let mut session = sealer.session();
    /// session.headers(b"From: joe@example.com\r\n\r\n")?;
    /// session.prepend("Authentication-Results: mx.example; dkim=pass header.d=example.com\r\n");
    /// let set = session.finish(&ArcResult::none())?;
    /// assert!(set.contains("ARC-Authentication-Results: i=1; mx.example;\r\n dkim=pass header.d=example.com;\r\n arc=none"));
    /// # Ok::<(), dkim_core::arc::SealError>(())
    /// ```
    pub fn prepend(&mut self, field: &str) {
        self.extra.extend_from_slice(field.as_bytes());
        if !field.ends_with("\r\n") {
            self.extra.extend_from_slice(b"\r\n");
        }
    }

    /// Feeds a body chunk.
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, Sealer};
    /// use dkim_core::Ed25519SigningKey;
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let one_shot = sealer.seal(b"From: joe@example.com\r\n\r\nHello,\r\nworld\r\n", &ArcResult::none())?;
    /// let mut session = sealer.session();
    /// session.headers(b"From: joe@example.com\r\n\r\n")?;
    /// for chunk in [&b"Hel"[..], b"lo,\r\nwor", b"ld\r\n"] {
    ///     session.body(chunk);
    /// }
    /// assert_eq!(session.finish(&ArcResult::none())?, one_shot); // the same body hash
    /// # Ok::<(), dkim_core::arc::SealError>(())
    /// ```
    pub fn body(&mut self, chunk: &[u8]) {
        if self.header.is_some() {
            self.hashes.update(chunk);
        }
    }

    /// The new ARC set for the message, whose chain validated as `chain`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`]; a header that never ended without an empty line
    /// is taken as a message without a body.
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, SealError, Sealer};
    /// use dkim_core::{Ed25519SigningKey, HeaderError};
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let mut session = sealer.session();
    /// assert_eq!(session.headers(b"From: joe@example.com\r\n")?, None); // no empty line, no body
    /// assert!(session.finish(&ArcResult::none())?.starts_with("ARC-Seal: i=1; cv=none;"));
    /// let mut no_from = sealer.session();
    /// no_from.headers(b"Subject: hi\r\n\r\n")?;
    /// assert_eq!(no_from.finish(&ArcResult::none()), Err(SealError::NoFrom));
    /// let mut broken = sealer.session();
    /// broken.headers(b"no colon\r\n\r\n")?; // the fields are parsed here, in `finish`
    /// assert_eq!(broken.finish(&ArcResult::none()), Err(SealError::Header(HeaderError::MissingColon { offset: 0 })));
    /// # Ok::<(), SealError>(())
    /// ```
    pub fn finish(mut self, chain: &ArcResult) -> Result<String, SealError> {
        let header = self.sealed_header()?;
        let bh = core::mem::take(&mut self.hashes).finish().pop().map(|h| h.digest).unwrap_or_default();
        self.sealer.finish(&header, &bh, chain)
    }

    /// The body hash the new set's ARC-Message-Signature signs: the whole
    /// body, relaxed, with the key's hash. Handed to the verifier of the
    /// same pass ([`Verifier::add_body_hash`](crate::Verifier::add_body_hash))
    /// and given back to [`SealSession::finish_with_body_hash`], it makes
    /// one body hash serve both (none at all when a signature or an ARC set
    /// of the message already needs it).
    ///
    /// ```
    /// use dkim_core::arc::Sealer;
    /// use dkim_core::{CanonicalizationAlgorithm, Ed25519SigningKey, HashAlgorithm};
    /// let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// let key = sealer.session().body_hash_key();
    /// assert_eq!((key.canonicalization, key.hash, key.length), (CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256, None));
    /// # Ok::<(), dkim_core::arc::SealError>(())
    /// ```
    #[must_use]
    pub fn body_hash_key(&self) -> BodyHashKey {
        self.sealer.body_hash_key()
    }

    /// [`SealSession::finish`] with the body hash computed elsewhere over the
    /// same body for [`SealSession::body_hash_key`] (for example by the
    /// verifier of the same pass, [`Verifier::add_body_hash`](crate::Verifier::add_body_hash)).
    /// Body bytes fed to the session, if any, are not used.
    ///
    /// # Errors
    ///
    /// As [`SealSession::finish`]; [`SealError::BodyHashLength`] when the
    /// digest is not one of the key's hash.
    ///
    /// ```
    /// use dkim_core::arc::{ChainStatus, SealError, Sealer};
    /// use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, Verifier, verify_with_arc};
    /// let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello  there\r\n";
    /// let (header, body) = message.split_at(message.len() - 14);
    /// // One pass: the verifier validates the chain and hashes the body for the seal too.
    /// let mut v = Verifier::with_arc(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(header)?;
    /// let mut session = Sealer::new(key, "lists.example", "arc", "lists.example")?.into_session();
    /// session.headers(header)?;
    /// let id = v.add_body_hash(session.body_hash_key())?;
    /// v.body(body);
    /// v.finish()?;
    /// let (chain, bh) = (v.arc_result().cloned().expect("with_arc"), v.body_hash(id).cloned().expect("finished"));
    /// let mut short = bh.clone();
    /// short.digest.truncate(20);
    /// let set = session.finish_with_body_hash(&chain, &bh)?;
    /// let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// let sealed = [set.as_bytes(), message].concat();
    /// let (_, chain) = verify_with_arc(&sealed, &Policy::default(), Now::unix(1_700_000_000), lookup)?;
    /// assert_eq!(chain.status(), ChainStatus::Pass);
    /// # let sealer = Sealer::new(Ed25519SigningKey::from_seed(&[9; 32]), "lists.example", "arc", "lists.example")?;
    /// # let mut session = sealer.session();
    /// # session.headers(header)?;
    /// assert_eq!(session.finish_with_body_hash(&chain, &short), Err(SealError::BodyHashLength { expected: 32, found: 20 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish_with_body_hash(mut self, chain: &ArcResult, body_hash: &BodyHash) -> Result<String, SealError> {
        let header = self.sealed_header()?;
        let expected = self.sealer.key.algorithm().hash().digest_len();
        if body_hash.digest.len() != expected {
            return Err(SealError::BodyHashLength { expected, found: body_hash.digest.len() });
        }
        self.sealer.finish(&header, &body_hash.digest, chain)
    }

    /// The header to seal: the fields put on top, then the message's (a
    /// header that never ended is taken as a message without a body).
    fn sealed_header(&mut self) -> Result<Vec<u8>, SealError> {
        let header = match self.header.take() {
            Some(h) => h,
            None => {
                self.collector.finish_without_body()?;
                self.collector.take()
            }
        };
        let mut full = core::mem::take(&mut self.extra);
        full.extend_from_slice(&header);
        Ok(full)
    }
}
