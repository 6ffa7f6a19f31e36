//! The signer (RFC 6376 section 5, RFC 8463).
//!
//! A [`Signer`] holds one signature's settings; a [`SignSession`] streams a
//! message through any number of signers in one pass over the body and
//! returns one `DKIM-Signature` field per signer, to be prepended to the
//! message in the order returned.
//!
//! ```
//! use dkim_core::{Signer, SignSession, Ed25519SigningKey, HeaderStatus};
//!
//! let key = Ed25519SigningKey::from_seed(&[42; 32]);
//! let signer = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build().unwrap();
//! let msg = b"From: joe@example.com\r\nTo: ann@example.net\r\nSubject: hi\r\n\r\nHello!\r\n";
//! let mut session = SignSession::new(vec![signer]);
//! let HeaderStatus::Complete(body) = session.headers(msg).unwrap() else { unreachable!() };
//! session.body(&msg[body..]);
//! let fields = session.finish().unwrap();
//! assert!(fields[0].starts_with("DKIM-Signature: a=ed25519-sha256; bh="));
//! assert!(fields[0].contains("h=From:Subject:To:"));
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};

use crate::canon::Canonicalization;
use crate::canon::header::header_hash;
use crate::crypto::{Algorithm, SignError, SigningKey};
use crate::hash::{BodyHashId, BodyHashKey, BodyHashes};
use crate::header::{Collected, HeaderBlock, HeaderCollector, HeaderError, LfNormalizer};
use crate::policy::{Limits, LineEndings};
use crate::signature::{is_domain_name, is_same_or_subdomain};
use crate::verify::HeaderStatus;

/// The header fields signed by default (RFC 6376 section 5.4.1), each
/// instance present in the message.
pub const DEFAULT_SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Resent-Date",
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Cc",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Help",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Subscribe",
    "List-Post",
    "List-Owner",
    "List-Archive",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-ID",
    "Content-Description",
    "Sender",
];

/// Fields signed once more than they occur by default, so that a copy added
/// in transit (a second From or Subject shown to the reader) breaks the
/// signature.
pub const DEFAULT_OVERSIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Sender",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

/// Folding width of the generated field.
const LINE_WIDTH: usize = 75;

/// Settings for one signature.
#[derive(Clone)]
pub struct Signer<K> {
    key: K,
    domain: String,
    selector: String,
    canonicalization: Canonicalization,
    headers: Option<Vec<String>>,
    oversign: Vec<String>,
    identity: Option<String>,
    body_length: bool,
    timestamp: Option<u64>,
    expiration: Option<Expiration>,
    line_endings: LineEndings,
}

#[derive(Clone, Copy, Debug)]
enum Expiration {
    At(u64),
    After(u64),
}

impl<K: SigningKey> fmt::Debug for Signer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.key.algorithm())
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Signer`]: required values in [`Signer::builder`], the rest by
/// setters.
#[derive(Clone)]
pub struct SignerBuilder<K> {
    inner: Signer<K>,
}

impl<K: SigningKey> Signer<K> {
    /// Starts a signer for `key`, signing as `domain` (`d=`) with the key
    /// published at `selector` (`s=`).
    pub fn builder(key: K, domain: &str, selector: &str) -> SignerBuilder<K> {
        SignerBuilder {
            inner: Signer {
                key,
                domain: domain.into(),
                selector: selector.into(),
                canonicalization: Canonicalization::RELAXED,
                headers: None,
                oversign: DEFAULT_OVERSIGNED_HEADERS.iter().map(|s| String::from(*s)).collect(),
                identity: None,
                body_length: false,
                timestamp: None,
                expiration: None,
                line_endings: LineEndings::Crlf,
            },
        }
    }

    /// The signing algorithm (from the key).
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }

    /// The key.
    pub fn key(&self) -> &K {
        &self.key
    }

    fn h_list(&self, block: &HeaderBlock) -> Vec<String> {
        let mut names: Vec<String> = match &self.headers {
            Some(list) => list.clone(),
            None => {
                let mut v = Vec::new();
                for name in DEFAULT_SIGNED_HEADERS {
                    for f in block.fields() {
                        if f.is(name) {
                            v.push(String::from(*name));
                        }
                    }
                }
                v
            }
        };
        if !names.iter().any(|n| n.eq_ignore_ascii_case("from")) {
            names.insert(0, "From".into());
        }
        names.extend(self.oversign.iter().cloned());
        names
    }
}

impl<K: SigningKey> SignerBuilder<K> {
    /// `c=` (default `relaxed/relaxed`).
    pub fn canonicalization(mut self, c: Canonicalization) -> Self {
        self.inner.canonicalization = c;
        self
    }

    /// Signs exactly these header fields, in this order, one instance per
    /// entry (From is added when missing). Replaces the default set and
    /// turns off oversigning unless [`SignerBuilder::oversign`] follows.
    pub fn headers<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.inner.headers = Some(names.into_iter().map(|s| String::from(s.as_ref())).collect());
        self.inner.oversign.clear();
        self
    }

    /// Fields to sign once more than they occur, so that one added later
    /// breaks the signature.
    pub fn oversign<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.inner.oversign = names.into_iter().map(|s| String::from(s.as_ref())).collect();
        self
    }

    /// `i=`, the agent or user identity; must be in `d=` or a subdomain.
    pub fn identity(mut self, identity: &str) -> Self {
        self.inner.identity = Some(identity.into());
        self
    }

    /// Adds `l=` with the length of the canonical body. Anyone can then
    /// append content below the signed part; use only when a mailing list in
    /// the path is known to add footers.
    pub fn body_length(mut self, sign_length: bool) -> Self {
        self.inner.body_length = sign_length;
        self
    }

    /// `t=`, the signing time (Unix seconds). The core has no clock.
    pub fn timestamp(mut self, unix_seconds: u64) -> Self {
        self.inner.timestamp = Some(unix_seconds);
        self
    }

    /// `x=`, the absolute expiration time.
    pub fn expiration(mut self, unix_seconds: u64) -> Self {
        self.inner.expiration = Some(Expiration::At(unix_seconds));
        self
    }

    /// `x=` as `t=` plus `seconds` (needs [`SignerBuilder::timestamp`]).
    pub fn expire_after(mut self, seconds: u64) -> Self {
        self.inner.expiration = Some(Expiration::After(seconds));
        self
    }

    /// How line ends in the input are treated (default CRLF). With
    /// [`LineEndings::NormalizeLf`], bare LF is read as CRLF.
    pub fn line_endings(mut self, le: LineEndings) -> Self {
        self.inner.line_endings = le;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`SigningError`] for an invalid domain, selector or identity, an
    /// expiration without or before a timestamp, or an `rsa-sha1` key.
    pub fn build(self) -> Result<Signer<K>, SigningError> {
        let s = &self.inner;
        if !is_domain_name(&s.domain) {
            return Err(SigningError::InvalidDomain(s.domain.clone()));
        }
        if !is_domain_name(&s.selector) {
            return Err(SigningError::InvalidSelector(s.selector.clone()));
        }
        if let Some(i) = &s.identity {
            let ok = i.rsplit_once('@').is_some_and(|(local, d)| {
                is_same_or_subdomain(d, &s.domain) && local.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b';')
            });
            if !ok {
                return Err(SigningError::InvalidIdentity(i.clone()));
            }
        }
        match (s.timestamp, s.expiration) {
            (None, Some(Expiration::After(_))) => return Err(SigningError::ExpirationWithoutTimestamp),
            (Some(t), Some(Expiration::At(x))) if x < t => return Err(SigningError::ExpirationBeforeTimestamp),
            _ => {}
        }
        if s.key.algorithm() == Algorithm::RsaSha1 {
            return Err(SigningError::Sha1);
        }
        if let Some(h) = &s.headers
            && h.iter().any(|n| n.is_empty() || n.bytes().any(|b| !(0x21..0x7f).contains(&b) || b == b':'))
        {
            return Err(SigningError::InvalidHeaderName);
        }
        Ok(self.inner)
    }
}

/// Signs a message with several signers in one pass.
pub struct SignSession<K> {
    signers: Vec<(Signer<K>, BodyHashId)>,
    hashes: BodyHashes,
    collector: HeaderCollector,
    header: Option<HeaderBlock>,
    lf: Option<(LfNormalizer, Vec<u8>)>,
    limits: Limits,
}

impl<K: SigningKey> fmt::Debug for SignSession<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignSession").field("signers", &self.signers.len()).finish_non_exhaustive()
    }
}

impl<K: SigningKey> SignSession<K> {
    /// A session for `signers`. They must agree on line endings (the
    /// first one's setting is used).
    pub fn new(signers: Vec<Signer<K>>) -> Self {
        let limits = Limits::default();
        let line_endings = signers.first().map_or(LineEndings::Crlf, |s| s.line_endings);
        let mut hashes = BodyHashes::new();
        let signers = signers
            .into_iter()
            .map(|s| {
                let id = hashes.add(BodyHashKey {
                    canonicalization: s.canonicalization.body,
                    hash: s.key.algorithm().hash(),
                    length: None,
                });
                (s, id)
            })
            .collect();
        Self {
            signers,
            hashes,
            collector: HeaderCollector::new(&limits, line_endings),
            header: None,
            lf: (line_endings == LineEndings::NormalizeLf).then(|| (LfNormalizer::default(), Vec::new())),
            limits,
        }
    }

    /// Feeds header bytes.
    ///
    /// # Errors
    ///
    /// [`SigningError::Header`] for a malformed or oversized header.
    pub fn headers(&mut self, chunk: &[u8]) -> Result<HeaderStatus, SigningError> {
        if self.header.is_some() {
            return Err(SigningError::Misuse);
        }
        match self.collector.feed(chunk).map_err(SigningError::Header)? {
            Collected::Partial => Ok(HeaderStatus::Partial),
            Collected::Complete(n) => {
                let block = HeaderBlock::parse(self.collector.take(), self.limits.max_header_fields)
                    .map_err(SigningError::Header)?;
                self.header = Some(block);
                Ok(HeaderStatus::Complete(n))
            }
        }
    }

    /// Feeds a body chunk.
    pub fn body(&mut self, chunk: &[u8]) {
        if self.header.is_none() {
            return;
        }
        match &mut self.lf {
            Some((norm, buf)) => {
                norm.normalize(chunk, buf);
                self.hashes.update(buf);
            }
            None => self.hashes.update(chunk),
        }
    }

    /// Ends the message and signs: one complete `DKIM-Signature` field per
    /// signer (name, folded value, final CRLF), in the signers' order.
    ///
    /// # Errors
    ///
    /// [`SigningError`] when the header is incomplete, has no From field,
    /// or a key fails to sign.
    pub fn finish(self) -> Result<Vec<String>, SigningError> {
        let (unsigned, keys) = self.finish_unsigned_with_keys()?;
        let mut out = Vec::with_capacity(unsigned.len());
        for (u, key) in unsigned.into_iter().zip(keys) {
            let sig = key.sign_digest(u.digest()).map_err(SigningError::Key)?;
            out.push(u.into_field(&sig));
        }
        Ok(out)
    }

    /// Ends the message without signing: for each signer, in order, the
    /// digest to sign and everything needed to finish the field once the
    /// signature is known. This is the way to sign with a key held
    /// elsewhere (a KMS, an HSM, an async service): build the signers with
    /// [`ExternalKey`], send each [`UnsignedSignature::digest`] to the key,
    /// and pass the returned signature to [`UnsignedSignature::into_field`].
    ///
    /// ```
    /// use dkim_core::{Algorithm, Ed25519SigningKey, ExternalKey, SignSession, Signer, SigningKey};
    /// let remote = Ed25519SigningKey::from_seed(&[9; 32]); // stands in for a KMS
    /// let signer = Signer::builder(ExternalKey::new(Algorithm::Ed25519Sha256), "example.com", "kms").build()?;
    /// let mut session = SignSession::new(vec![signer]);
    /// session.headers(b"From: a@example.com\r\n\r\n")?;
    /// session.body(b"Hello\r\n");
    /// let unsigned = session.finish_unsigned()?;
    /// let signature = remote.sign_digest(unsigned[0].digest())?; // the remote call
    /// let field = unsigned.into_iter().next().unwrap().into_field(&signature);
    /// assert!(field.starts_with("DKIM-Signature: a=ed25519-sha256;"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SigningError`] when the header is incomplete or has no From field.
    pub fn finish_unsigned(self) -> Result<Vec<UnsignedSignature>, SigningError> {
        Ok(self.finish_unsigned_with_keys()?.0)
    }

    fn finish_unsigned_with_keys(mut self) -> Result<(Vec<UnsignedSignature>, Vec<K>), SigningError> {
        if self.header.is_none() {
            self.collector.finish_without_body().map_err(SigningError::Header)?;
            let block = HeaderBlock::parse(self.collector.take(), self.limits.max_header_fields)
                .map_err(SigningError::Header)?;
            self.header = Some(block);
        }
        let block = self.header.take().ok_or(SigningError::Misuse)?;
        if !block.fields().any(|f| f.is("From")) {
            return Err(SigningError::NoFrom);
        }
        let body_hashes = self.hashes.finish();
        let mut out = Vec::with_capacity(self.signers.len());
        let mut keys = Vec::with_capacity(self.signers.len());
        for (signer, id) in self.signers {
            let bh = body_hashes.get(id.index()).ok_or(SigningError::Misuse)?;
            let names = signer.h_list(&block);
            let selected = block.select(&names, None);
            let tags = signer.tags(&names, &Base64::encode_string(&bh.digest), bh.canonical_length);
            let unsigned = format_field(&tags, None);
            let value = &unsigned.as_bytes()["DKIM-Signature:".len()..];
            let algorithm = signer.key.algorithm();
            let digest = header_hash(
                &block,
                &selected,
                signer.canonicalization.header,
                algorithm.hash(),
                b"DKIM-Signature",
                value,
                0..0,
            );
            out.push(UnsignedSignature { algorithm, digest, tags });
            keys.push(signer.key);
        }
        Ok((out, keys))
    }
}

/// A signature computed up to the signing step (see
/// [`SignSession::finish_unsigned`]).
#[derive(Clone, Debug)]
pub struct UnsignedSignature {
    algorithm: Algorithm,
    digest: Vec<u8>,
    tags: Vec<(&'static str, String)>,
}

impl UnsignedSignature {
    /// The algorithm the signature must be made with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The SHA-256 digest of the canonical header block, to be signed as
    /// [`SigningKey::sign_digest`] describes.
    pub fn digest(&self) -> &[u8] {
        &self.digest
    }

    /// The complete `DKIM-Signature` field (name, folded value, final CRLF)
    /// with `signature` as `b=`.
    pub fn into_field(self, signature: &[u8]) -> String {
        format_field(&self.tags, Some(&Base64::encode_string(signature)))
    }
}

/// A signing key held elsewhere: it knows its algorithm but cannot sign
/// here. Build [`Signer`]s with it and sign through
/// [`SignSession::finish_unsigned`]; [`SignSession::finish`] with it fails
/// with a [`SignError`] that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternalKey(Algorithm);

impl ExternalKey {
    /// A key that signs with `algorithm`.
    pub fn new(algorithm: Algorithm) -> Self {
        Self(algorithm)
    }
}

impl SigningKey for ExternalKey {
    fn algorithm(&self) -> Algorithm {
        self.0
    }

    fn sign_digest(&self, _digest: &[u8]) -> Result<Vec<u8>, SignError> {
        Err(SignError(String::from("an ExternalKey signs outside this process: use SignSession::finish_unsigned")))
    }
}

impl<K: SigningKey> Signer<K> {
    /// The tags in output order (alphabetical; `b=` is added last).
    fn tags(&self, names: &[String], bh: &str, body_len: u64) -> Vec<(&'static str, String)> {
        let mut t: Vec<(&'static str, String)> = Vec::new();
        t.push(("a", self.key.algorithm().as_str().into()));
        t.push(("bh", bh.into()));
        t.push(("c", alloc::format!("{}", self.canonicalization)));
        t.push(("d", self.domain.clone()));
        t.push(("h", names.join(":")));
        if let Some(i) = &self.identity {
            t.push(("i", encode_qp(i)));
        }
        if self.body_length {
            t.push(("l", alloc::format!("{body_len}")));
        }
        t.push(("s", self.selector.clone()));
        if let Some(ts) = self.timestamp {
            t.push(("t", alloc::format!("{ts}")));
        }
        t.push(("v", "1".into()));
        match (self.expiration, self.timestamp) {
            (Some(Expiration::At(x)), _) => t.push(("x", alloc::format!("{x}"))),
            (Some(Expiration::After(d)), Some(ts)) => t.push(("x", alloc::format!("{}", ts.saturating_add(d)))),
            _ => {}
        }
        t
    }
}

/// dkim-quoted-printable for `i=`: bytes outside `!`..`~`, `;` and `=`
/// become `=XX`.
fn encode_qp(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x21..0x7f).contains(&b) && b != b';' && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&alloc::format!("={b:02X}"));
        }
    }
    out
}

/// Formats the field deterministically: tags in the given order, packed
/// greedily into lines of at most 75 characters (a tag too long for one
/// line gets a line of its own; `h=` is folded after colons), then
/// `b=` on its own line(s), split every 75 characters. With `b` = `None`
/// the field ends with an empty `b=` (the form that is hashed).
fn format_field(tags: &[(&'static str, String)], b: Option<&str>) -> String {
    // Column counting follows go-msgauth, so its signing vectors reproduce
    // byte for byte: the field name is not counted, the first tag starts
    // the count without its leading space.
    let mut out = String::from("DKIM-Signature:");
    let mut line_len = 0;
    for (i, (name, value)) in tags.iter().enumerate() {
        let piece_len = 1 + name.len() + 1 + value.len() + 1;
        if i > 0 && line_len + piece_len > LINE_WIDTH {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(name);
        out.push('=');
        line_len += usize::from(i > 0) + name.len() + 1;
        if *name == "h" && line_len + value.len() + 1 > LINE_WIDTH {
            for (j, part) in value.split(':').enumerate() {
                if j > 0 {
                    out.push(':');
                    line_len += 1;
                    if line_len + part.len() + 1 > LINE_WIDTH {
                        out.push_str("\r\n ");
                        line_len = 1;
                    }
                }
                out.push_str(part);
                line_len += part.len();
            }
        } else {
            out.push_str(value);
            line_len += value.len();
        }
        out.push(';');
        line_len += 1;
    }
    out.push_str("\r\n");
    let b_line = alloc::format!(" b={}", b.unwrap_or(""));
    let bytes = b_line.as_bytes();
    for (i, chunk) in bytes.chunks(LINE_WIDTH).enumerate() {
        if i > 0 {
            out.push_str("\r\n ");
        }
        // Base64 and the prefix are ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
    }
    if b.is_some() {
        out.push_str("\r\n");
    }
    out
}

/// Why signing failed.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigningError {
    /// `d=` is not a domain name.
    InvalidDomain(String),
    /// `s=` is not a valid selector.
    InvalidSelector(String),
    /// `i=` is not an address in `d=` or a subdomain.
    InvalidIdentity(String),
    /// A header name to sign is not a valid field name.
    InvalidHeaderName,
    /// `expire_after` needs a timestamp.
    ExpirationWithoutTimestamp,
    /// `x=` is earlier than `t=`.
    ExpirationBeforeTimestamp,
    /// `rsa-sha1` is not used for new signatures (RFC 8301).
    Sha1,
    /// The message has no From field (RFC 6376 requires signing it).
    NoFrom,
    /// The header is malformed or incomplete.
    Header(HeaderError),
    /// The key failed to sign.
    Key(SignError),
    /// Calls out of order.
    Misuse,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDomain(d) => write!(f, "signing domain {d:?} is not a valid domain name"),
            Self::InvalidSelector(s) => write!(f, "selector {s:?} is not valid"),
            Self::InvalidIdentity(i) => write!(f, "identity {i:?} is not an address in the signing domain"),
            Self::InvalidHeaderName => f.write_str("a header name to sign is not a valid field name"),
            Self::ExpirationWithoutTimestamp => f.write_str("a relative expiration needs a timestamp"),
            Self::ExpirationBeforeTimestamp => f.write_str("the expiration is earlier than the timestamp"),
            Self::Sha1 => f.write_str("rsa-sha1 must not be used for signing (RFC 8301)"),
            Self::NoFrom => f.write_str("the message has no From field, which DKIM must sign"),
            Self::Header(e) => write!(f, "{e}"),
            Self::Key(e) => write!(f, "{e}"),
            Self::Misuse => f.write_str("signing session used out of order"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SigningError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Ed25519SigningKey;

    fn key() -> Ed25519SigningKey {
        Ed25519SigningKey::from_seed(&[1; 32])
    }

    #[test]
    fn builder_validates() {
        assert!(matches!(Signer::builder(key(), "bad domain", "s").build(), Err(SigningError::InvalidDomain(_))));
        assert!(matches!(Signer::builder(key(), "a.com", "s(").build(), Err(SigningError::InvalidSelector(_))));
        assert!(matches!(
            Signer::builder(key(), "a.com", "s").identity("x@b.com").build(),
            Err(SigningError::InvalidIdentity(_))
        ));
        assert!(Signer::builder(key(), "a.com", "s").identity("x@sub.a.com").build().is_ok());
        assert_eq!(
            Signer::builder(key(), "a.com", "s").expire_after(5).build().err(),
            Some(SigningError::ExpirationWithoutTimestamp)
        );
        assert_eq!(
            Signer::builder(key(), "a.com", "s").timestamp(10).expiration(5).build().err(),
            Some(SigningError::ExpirationBeforeTimestamp)
        );
    }

    #[test]
    fn default_headers_and_oversigning() {
        let s = Signer::builder(key(), "a.com", "s").build().unwrap();
        let block =
            HeaderBlock::parse(b"From: a\r\nX-Other: b\r\nSubject: c\r\nReceived: d\r\n".to_vec(), 100).unwrap();
        let h = s.h_list(&block);
        assert_eq!(h[..2], ["From", "Subject"]);
        assert_eq!(h.iter().filter(|n| *n == "From").count(), 2);
        assert_eq!(h.iter().filter(|n| *n == "Subject").count(), 2);
        assert!(!h.iter().any(|n| n == "X-Other" || n == "Received"));
    }

    #[test]
    fn explicit_headers_get_from() {
        let s = Signer::builder(key(), "a.com", "s").headers(&["to", "subject"]).build().unwrap();
        let block = HeaderBlock::parse(b"From: a\r\n".to_vec(), 100).unwrap();
        assert_eq!(s.h_list(&block), ["From", "to", "subject"]);
    }

    #[test]
    fn folding_is_bounded() {
        let tags = alloc::vec![("a", String::from("rsa-sha256")), ("h", ["From"; 40].join(":"))];
        let f = format_field(&tags, Some(&"A".repeat(344)));
        for line in f.split("\r\n") {
            assert!(line.len() <= 76, "{line}");
        }
        assert!(f.ends_with("\r\n"));
    }

    #[test]
    fn no_from_is_refused() {
        let s = Signer::builder(key(), "a.com", "s").build().unwrap();
        let mut session = SignSession::new(alloc::vec![s]);
        session.headers(b"Subject: x\r\n\r\n").unwrap();
        assert_eq!(session.finish().err(), Some(SigningError::NoFrom));
    }

    #[test]
    fn qp_identity() {
        assert_eq!(encode_qp("a;b=c@d.com"), "a=3Bb=3Dc@d.com");
    }
}
