//! The signer (RFC 6376 section 5, RFC 8463).
//!
//! A [`Signer`] holds one signature's settings. [`Signer::sign`] signs a
//! whole message in memory; [`sign_message`] signs it with several signers
//! in one pass over the body; a [`SignSession`] streams a message through
//! any number of signers and returns one `DKIM-Signature` field per signer,
//! to be prepended to the message in the order returned.
//!
//! ```
//! use dkim_core::{Ed25519SigningKey, Signer};
//!
//! let key = Ed25519SigningKey::from_seed(&[42; 32]);
//! let signer = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?;
//! let msg = b"From: joe@example.com\r\nTo: ann@example.net\r\nSubject: hi\r\n\r\nHello!\r\n";
//! let field = signer.sign(msg)?;
//! assert!(field.starts_with("DKIM-Signature: a=ed25519-sha256; bh="));
//! assert!(field.contains("h=From:Subject:To:From:Subject:To;"));
//! # Ok::<(), dkim_core::SignError>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::canon::Canonicalization;
use crate::crypto::{Algorithm, CryptoError, KeyType, SigningKey};
use crate::header::{HeaderBlock, HeaderError};
use crate::policy::LineEndings;
use crate::signature::{is_domain_name, is_same_or_subdomain};
use crate::verify::HeaderStatus;

pub(crate) mod field;
mod session;

pub use session::{SignSession, UnsignedSignature};

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

/// Settings for one signature.
///
/// Several signers can share one key: [`SigningKey`] is implemented for
/// `&K` and `Arc<K>`, so build them with `Arc::clone(&key)` instead of
/// loading the key again.
///
/// ```
/// use std::sync::Arc;
/// use dkim_core::{Ed25519SigningKey, Signer};
/// let key = Arc::new(Ed25519SigningKey::from_seed(&[3; 32]));
/// let a = Signer::builder(Arc::clone(&key), "example.com", "s1").build()?;
/// let b = Signer::builder(Arc::clone(&key), "example.org", "s1").build()?;
/// # let _ = (a, b);
/// # Ok::<(), dkim_core::SignError>(())
/// ```
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
    timestamp: Timestamp,
    expiration: Option<Expiration>,
    line_endings: LineEndings,
}

#[derive(Clone, Copy, Debug)]
enum Timestamp {
    /// Not set: the system clock with the `std` feature, else no `t=`.
    Unset,
    At(u64),
    Omitted,
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
///
/// ```
/// use dkim_core::{Canonicalization, Ed25519SigningKey, Limits, Signature, Signer};
/// let signer = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel")
///     .canonicalization(Canonicalization::SIMPLE)
///     .timestamp(1_700_000_000)
///     .expire_after(7 * 86_400)
///     .build()?;
/// let field = signer.sign(b"From: joe@example.com\r\n\r\nHello!\r\n")?;
/// // Read the field back.
/// let value = field.trim_end().strip_prefix("DKIM-Signature:").ok_or("not a DKIM-Signature")?;
/// let sig = Signature::parse(value.as_bytes(), &Limits::default())?;
/// assert_eq!(sig.canonicalization(), Canonicalization::SIMPLE);
/// assert_eq!(sig.expiration(), Some(1_700_000_000 + 7 * 86_400));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SignerBuilder<K> {
    inner: Signer<K>,
}

impl<K: SigningKey> Signer<K> {
    /// Starts a signer for `key`, signing as `domain` (`d=`) with the key
    /// published at `selector` (`s=`).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, SignError, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(key.clone(), "example.com", "2026").build()?;
    /// assert!(signer.sign(b"From: joe@example.com\r\n\r\nHi\r\n")?.contains(" d=example.com;"));
    /// let bad = Signer::builder(key, "not a domain", "2026").build();
    /// assert_eq!(bad.err(), Some(SignError::InvalidDomain("not a domain".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
                timestamp: Timestamp::Unset,
                expiration: None,
                line_endings: LineEndings::Crlf,
            },
        }
    }

    /// The signing algorithm (from the key).
    ///
    /// ```
    /// use dkim_core::{Algorithm, Ed25519SigningKey, Signer};
    /// let signer = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel").build()?;
    /// assert_eq!(signer.algorithm(), Algorithm::Ed25519Sha256);
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }

    /// The key.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let public = key.public_key_bytes();
    /// let signer = Signer::builder(key, "example.com", "sel").build()?;
    /// assert_eq!(signer.key().public_key_bytes(), public);
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The key's size in bits, when the key tells ([`SigningKey::bits`]).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, PrivateKey, Signer};
    /// let ed25519 = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel").build()?;
    /// assert_eq!(ed25519.key_bits(), Some(256));
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let rsa = Signer::builder(PrivateKey::from_pem(&pem)?, "example.com", "rsa").build()?;
    /// assert_eq!(rsa.key_bits(), Some(2048));
    /// assert!(!rsa.is_weak_key());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_bits(&self) -> Option<u32> {
        self.key.bits()
    }

    /// Whether the key is weak: RSA under 2048 bits (RFC 8301 allows 1024,
    /// but such keys are factorable with modest resources; use 2048 or more,
    /// or Ed25519 beside RSA). Signing still works; a program should warn.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, Signer};
    /// let s = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "s").build()?;
    /// assert!(!s.is_weak_key());
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    pub fn is_weak_key(&self) -> bool {
        self.key.algorithm().key_type() == KeyType::Rsa && self.key.bits().is_some_and(|b| b < 2048)
    }

    /// Signs a whole message: the `DKIM-Signature` field to prepend (name,
    /// folded value, final line end). With [`LineEndings::NormalizeLf`] and
    /// input whose lines end in LF, the field's lines end in LF too, so it
    /// can be prepended to the input as it is; otherwise they end in CRLF.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, LineEndings, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[42; 32]);
    /// let signer = Signer::builder(key, "example.com", "sel").line_endings(LineEndings::NormalizeLf).build()?;
    /// let field = signer.sign(b"From: joe@example.com\nSubject: hi\n\nHello!\n")?;
    /// assert!(field.ends_with("\n") && !field.contains('\r'));
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SignError`] when the message has no From field, its header is
    /// malformed, or the key fails to sign.
    pub fn sign(&self, message: &[u8]) -> Result<String, SignError> {
        let mut fields = sign_message(core::slice::from_ref(self), message)?;
        fields.pop().ok_or(SignError::Misuse)
    }

    /// This signer with its key borrowed, for a session that must not take
    /// the signer (the settings are copied, the key is not).
    pub(crate) fn by_ref(&self) -> Signer<&K> {
        Signer {
            key: &self.key,
            domain: self.domain.clone(),
            selector: self.selector.clone(),
            canonicalization: self.canonicalization,
            headers: self.headers.clone(),
            oversign: self.oversign.clone(),
            identity: self.identity.clone(),
            body_length: self.body_length,
            timestamp: self.timestamp,
            expiration: self.expiration,
            line_endings: self.line_endings,
        }
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
        // Oversign only what is there (an absent Sender or List-* signed as
        // "null" breaks at every mailing list that adds one), and From always.
        for name in &self.oversign {
            if name.eq_ignore_ascii_case("from") || block.fields().any(|f| f.is(name)) {
                names.push(name.clone());
            }
        }
        if !self.oversign.is_empty() && !self.oversign.iter().any(|n| n.eq_ignore_ascii_case("from")) {
            names.push("From".into());
        }
        names
    }
}

impl<K: SigningKey> SignerBuilder<K> {
    /// `c=` (default `relaxed/relaxed`).
    ///
    /// ```
    /// use dkim_core::{Canonicalization, CanonicalizationAlgorithm::*, Ed25519SigningKey, Signer};
    /// let signer = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel")
    ///     .canonicalization(Canonicalization::new(Relaxed, Simple))
    ///     .build()?;
    /// assert!(signer.sign(b"From: joe@example.com\r\n\r\nHi\r\n")?.contains(" c=relaxed/simple;"));
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn canonicalization(mut self, c: Canonicalization) -> Self {
        self.inner.canonicalization = c;
        self
    }

    /// Signs exactly these header fields, in this order, one instance per
    /// entry (From is added when missing). Replaces the default set and
    /// turns off oversigning unless [`SignerBuilder::oversign`] follows.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, Limits, Signature, Signer};
    /// let signer = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel")
    ///     .headers(["Subject", "To"])
    ///     .build()?;
    /// let field = signer.sign(b"From: joe@example.com\r\nTo: ann@example.net\r\nSubject: hi\r\n\r\nHi\r\n")?;
    /// let value = field.trim_end().strip_prefix("DKIM-Signature:").ok_or("not a DKIM-Signature")?;
    /// let sig = Signature::parse(value.as_bytes(), &Limits::default())?;
    /// assert_eq!(sig.signed_headers().as_str(), "From:Subject:To"); // From added, nothing oversigned
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// breaks the signature. A name is oversigned only when the message has
    /// the field; From always is (default [`DEFAULT_OVERSIGNED_HEADERS`]; an
    /// empty list turns oversigning off).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, Limits, Signature, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHi\r\n";
    /// let h = |signer: Signer<&Ed25519SigningKey>| -> Result<String, Box<dyn std::error::Error>> {
    ///     let field = signer.sign(message)?;
    ///     let value = field.trim_end().strip_prefix("DKIM-Signature:").ok_or("not a DKIM-Signature")?;
    ///     Ok(Signature::parse(value.as_bytes(), &Limits::default())?.signed_headers().as_str().into())
    /// };
    /// let builder = Signer::builder(&key, "example.com", "sel");
    /// assert_eq!(h(builder.clone().oversign(["Subject"]).build()?)?, "From:Subject:Subject:From");
    /// assert_eq!(h(builder.oversign::<[&str; 0]>([]).build()?)?, "From:Subject");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn oversign<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.inner.oversign = names.into_iter().map(|s| String::from(s.as_ref())).collect();
        self
    }

    /// `i=`, the agent or user identity; must be in `d=` or a subdomain.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, SignError, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(&key, "example.com", "sel").identity("news@mail.example.com").build()?;
    /// assert!(signer.sign(b"From: news@mail.example.com\r\n\r\nHi\r\n")?.contains(" i=news@mail.example.com;"));
    /// let outside = Signer::builder(&key, "example.com", "sel").identity("joe@example.org").build();
    /// assert_eq!(outside.err(), Some(SignError::InvalidIdentity("joe@example.org".into())));
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn identity(mut self, identity: &str) -> Self {
        self.inner.identity = Some(identity.into());
        self
    }

    /// Adds `l=` with the length of the canonical body. Anyone can then
    /// append content below the signed part; use only when a mailing list in
    /// the path is known to add footers.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(key, "example.com", "sel").body_length(true).build()?;
    /// assert!(signer.sign(b"From: joe@example.com\r\n\r\nHello!\r\n")?.contains(" l=8;")); // "Hello!\r\n"
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn body_length(mut self, sign_length: bool) -> Self {
        self.inner.body_length = sign_length;
        self
    }

    /// `t=`, the signing time (Unix seconds). Without it, the signer reads
    /// the system clock at [`build`](Self::build) when the `std` feature is
    /// on (the default), and writes no `t=` without `std` (no clock).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?;
    /// assert!(signer.sign(b"From: joe@example.com\r\n\r\nHi\r\n")?.contains(" t=1700000000;"));
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn timestamp(mut self, unix_seconds: u64) -> Self {
        self.inner.timestamp = Timestamp::At(unix_seconds);
        self
    }

    /// Writes no `t=` at all (reproducible output, test vectors).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(key, "example.com", "sel").no_timestamp().build()?;
    /// let message = b"From: joe@example.com\r\n\r\nHi\r\n";
    /// assert!(!signer.sign(message)?.contains(" t="));
    /// assert_eq!(signer.sign(message)?, signer.sign(message)?); // reproducible
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn no_timestamp(mut self) -> Self {
        self.inner.timestamp = Timestamp::Omitted;
        self
    }

    /// `x=`, the absolute expiration time.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, SignError, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(&key, "example.com", "sel").timestamp(1_700_000_000).expiration(1_800_000_000);
    /// let signer = signer.build()?;
    /// assert!(signer.sign(b"From: joe@example.com\r\n\r\nHi\r\n")?.contains(" x=1800000000;"));
    /// let backwards = Signer::builder(&key, "example.com", "sel").timestamp(1_700_000_000).expiration(1).build();
    /// assert_eq!(backwards.err(), Some(SignError::ExpirationBeforeTimestamp));
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn expiration(mut self, unix_seconds: u64) -> Self {
        self.inner.expiration = Some(Expiration::At(unix_seconds));
        self
    }

    /// `x=` as `t=` plus `seconds` (needs [`SignerBuilder::timestamp`]).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, SignError, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(&key, "example.com", "sel").timestamp(1_700_000_000).expire_after(3600).build()?;
    /// assert!(signer.sign(b"From: joe@example.com\r\n\r\nHi\r\n")?.contains(" x=1700003600;"));
    /// let without = Signer::builder(&key, "example.com", "sel").no_timestamp().expire_after(3600).build();
    /// assert_eq!(without.err(), Some(SignError::ExpirationWithoutTimestamp));
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn expire_after(mut self, seconds: u64) -> Self {
        self.inner.expiration = Some(Expiration::After(seconds));
        self
    }

    /// How line ends in the input are treated (default CRLF). With
    /// [`LineEndings::NormalizeLf`], bare LF is read as CRLF.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, LineEndings, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let unix = b"From: joe@example.com\nSubject: hi\n\nHello!\n";
    /// let crlf = Signer::builder(&key, "example.com", "sel").build()?;
    /// assert!(crlf.sign(unix).is_err()); // the header never ends: no CRLF CRLF
    /// let lf = Signer::builder(&key, "example.com", "sel").line_endings(LineEndings::NormalizeLf).build()?;
    /// assert!(lf.sign(unix)?.ends_with("\n"));
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    #[must_use]
    pub fn line_endings(mut self, le: LineEndings) -> Self {
        self.inner.line_endings = le;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`SignError`] for an invalid domain, selector or identity, an
    /// expiration without or before a timestamp, an `rsa-sha1` key, or an
    /// RSA key under 1024 bits (RFC 8301).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, SignError, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// assert!(Signer::builder(&key, "example.com", "sel").build().is_ok());
    /// let bad_selector = Signer::builder(&key, "example.com", "sel;x").build();
    /// assert_eq!(bad_selector.err(), Some(SignError::InvalidSelector("sel;x".into())));
    /// let bad_header = Signer::builder(&key, "example.com", "sel").headers(["Sub ject"]).build();
    /// assert_eq!(bad_header.err(), Some(SignError::InvalidHeaderName));
    /// ```
    pub fn build(mut self) -> Result<Signer<K>, SignError> {
        if matches!(self.inner.timestamp, Timestamp::Unset) {
            self.inner.timestamp = system_time().map_or(Timestamp::Omitted, Timestamp::At);
        }
        let s = &self.inner;
        if !is_domain_name(&s.domain) {
            return Err(SignError::InvalidDomain(s.domain.clone()));
        }
        if !is_domain_name(&s.selector) {
            return Err(SignError::InvalidSelector(s.selector.clone()));
        }
        if let Some(i) = &s.identity {
            let ok = i.rsplit_once('@').is_some_and(|(local, d)| {
                is_same_or_subdomain(d, &s.domain) && local.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b';')
            });
            if !ok {
                return Err(SignError::InvalidIdentity(i.clone()));
            }
        }
        match (s.timestamp, s.expiration) {
            (Timestamp::Omitted | Timestamp::Unset, Some(Expiration::After(_))) => {
                return Err(SignError::ExpirationWithoutTimestamp);
            }
            (Timestamp::At(t), Some(Expiration::At(x))) if x < t => return Err(SignError::ExpirationBeforeTimestamp),
            _ => {}
        }
        if s.key.algorithm() == Algorithm::RsaSha1 {
            return Err(SignError::Sha1);
        }
        if s.key.algorithm().key_type() == KeyType::Rsa
            && let Some(bits) = s.key.bits()
            && bits < 1024
        {
            return Err(SignError::KeyTooShort { bits });
        }
        if let Some(h) = &s.headers
            && h.iter().any(|n| n.is_empty() || n.bytes().any(|b| !(0x21..0x7f).contains(&b) || b == b':'))
        {
            return Err(SignError::InvalidHeaderName);
        }
        Ok(self.inner)
    }
}

/// Signs a whole message with several signers in one pass over the body
/// (an RSA and an Ed25519 key side by side, for instance, as
/// [`PrivateKey`](crate::PrivateKey)s): one `DKIM-Signature` field per
/// signer, in the signers' order; prepend them all (see [`Signer::sign`]
/// for their line ends).
///
/// ```
/// use dkim_core::{Ed25519SigningKey, PrivateKey, Signer, sign_message};
/// let a = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[1; 32]));
/// let b = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[2; 32]));
/// let signers = [Signer::builder(a, "example.com", "a").build()?, Signer::builder(b, "example.net", "b").build()?];
/// let fields = sign_message(&signers, b"From: joe@example.com\r\n\r\nHi\r\n")?;
/// assert_eq!(fields.len(), 2);
/// # Ok::<(), dkim_core::SignError>(())
/// ```
///
/// # Errors
///
/// [`SignError`] when the message has no From field, its header is
/// malformed, or a key fails to sign.
pub fn sign_message<K: SigningKey>(signers: &[Signer<K>], message: &[u8]) -> Result<Vec<String>, SignError> {
    let mut session = SignSession::new(signers.iter().map(Signer::by_ref).collect());
    let body = match session.headers(message)? {
        HeaderStatus::Complete(n) => n,
        HeaderStatus::Partial => message.len(),
    };
    session.body(&message[body..]);
    session.finish()
}

/// The system clock, when there is one (`std`).
fn system_time() -> Option<u64> {
    #[cfg(feature = "std")]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
    }
    #[cfg(not(feature = "std"))]
    {
        None
    }
}

/// A signing key held elsewhere: it knows its algorithm but cannot sign
/// here. Build [`Signer`]s with it and sign through
/// [`SignSession::finish_unsigned`]; [`SignSession::finish`] with it fails
/// with [`CryptoError::ExternalKey`].
///
/// ```
/// use dkim_core::{Algorithm, CryptoError, ExternalKey, SignError, Signer};
/// let signer = Signer::builder(ExternalKey::new(Algorithm::Ed25519Sha256), "example.com", "hsm").build()?;
/// // It cannot sign here: use `SignSession::finish_unsigned` instead.
/// assert_eq!(signer.sign(b"From: a@example.com\r\n\r\nHi\r\n"), Err(SignError::Key(CryptoError::ExternalKey)));
/// # Ok::<(), SignError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternalKey(Algorithm);

impl ExternalKey {
    /// A key that signs with `algorithm`.
    ///
    /// ```
    /// use dkim_core::{Algorithm, ExternalKey, SigningKey};
    /// let key = ExternalKey::new(Algorithm::RsaSha256);
    /// assert_eq!(key.algorithm(), Algorithm::RsaSha256);
    /// assert_eq!(key.bits(), None);
    /// ```
    pub fn new(algorithm: Algorithm) -> Self {
        Self(algorithm)
    }
}

impl SigningKey for ExternalKey {
    fn algorithm(&self) -> Algorithm {
        self.0
    }

    fn sign_digest(&self, _digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Err(CryptoError::ExternalKey)
    }
}

/// Why signing failed.
///
/// ```
/// use dkim_core::{Ed25519SigningKey, SignError, Signer};
/// let signer = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel").build()?;
/// assert_eq!(signer.sign(b"Subject: no From\r\n\r\nHi\r\n"), Err(SignError::NoFrom));
/// assert!(matches!(signer.sign(b"no colon\r\n\r\n"), Err(SignError::Header(_))));
/// # Ok::<(), SignError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignError {
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
    /// RSA keys under 1024 bits do not sign (RFC 8301).
    KeyTooShort {
        /// The key's size.
        bits: u32,
    },
    /// The message has no From field (RFC 6376 requires signing it).
    NoFrom,
    /// The header is malformed or incomplete.
    Header(HeaderError),
    /// The key failed to sign.
    Key(CryptoError),
    /// Calls out of order.
    Misuse,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDomain(d) => write!(f, "signing domain {d:?} is not a valid domain name"),
            Self::InvalidSelector(s) => write!(f, "selector {s:?} is not valid"),
            Self::InvalidIdentity(i) => write!(f, "identity {i:?} is not an address in the signing domain"),
            Self::InvalidHeaderName => f.write_str("a header name to sign is not a valid field name"),
            Self::ExpirationWithoutTimestamp => f.write_str("a relative expiration needs a timestamp"),
            Self::ExpirationBeforeTimestamp => f.write_str("the expiration is earlier than the timestamp"),
            Self::Sha1 => f.write_str("rsa-sha1 must not be used for signing (RFC 8301)"),
            Self::KeyTooShort { bits } => {
                write!(f, "an RSA key of {bits} bits is too short to sign (RFC 8301: 1024 at least, 2048 advised)")
            }
            Self::NoFrom => f.write_str("the message has no From field, which DKIM must sign"),
            Self::Header(e) => write!(f, "{e}"),
            Self::Key(e) => write!(f, "{e}"),
            Self::Misuse => f.write_str("signing session used out of order"),
        }
    }
}

impl core::error::Error for SignError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Header(e) => Some(e),
            Self::Key(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Ed25519SigningKey;

    fn key() -> Ed25519SigningKey {
        Ed25519SigningKey::from_seed(&[1; 32])
    }

    #[test]
    fn builder_validates() {
        assert!(matches!(Signer::builder(key(), "bad domain", "s").build(), Err(SignError::InvalidDomain(_))));
        assert!(matches!(Signer::builder(key(), "a.com", "s(").build(), Err(SignError::InvalidSelector(_))));
        assert!(matches!(
            Signer::builder(key(), "a.com", "s").identity("x@b.com").build(),
            Err(SignError::InvalidIdentity(_))
        ));
        assert!(Signer::builder(key(), "a.com", "s").identity("x@sub.a.com").build().is_ok());
        assert_eq!(
            Signer::builder(key(), "a.com", "s").no_timestamp().expire_after(5).build().err(),
            Some(SignError::ExpirationWithoutTimestamp)
        );
        assert_eq!(
            Signer::builder(key(), "a.com", "s").timestamp(10).expiration(5).build().err(),
            Some(SignError::ExpirationBeforeTimestamp)
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
        // Absent fields of the oversigned set are not oversigned.
        for absent in ["Sender", "Reply-To", "Cc", "To", "Date", "Message-ID", "Content-Type"] {
            assert!(!h.iter().any(|n| n == absent), "{absent} oversigned though absent: {h:?}");
        }
    }

    #[test]
    fn from_is_oversigned_even_with_a_list_without_it() {
        let s = Signer::builder(key(), "a.com", "s").oversign(["Subject", "List-Id"]).build().unwrap();
        let block = HeaderBlock::parse(b"From: a\r\nSubject: c\r\n".to_vec(), 100).unwrap();
        let h = s.h_list(&block);
        assert_eq!(h.iter().filter(|n| *n == "From").count(), 2, "{h:?}");
        assert_eq!(h.iter().filter(|n| *n == "Subject").count(), 2, "{h:?}");
        assert!(!h.iter().any(|n| n == "List-Id"), "{h:?}");
        let none = Signer::builder(key(), "a.com", "s").oversign::<[&str; 0]>([]).build().unwrap();
        assert_eq!(none.h_list(&block).iter().filter(|n| *n == "From").count(), 1);
    }

    #[test]
    fn timestamp_defaults_to_the_clock_with_std() {
        let s = Signer::builder(key(), "a.com", "s").build().unwrap();
        assert!(matches!(s.timestamp, Timestamp::At(t) if t > 1_700_000_000));
        let s = Signer::builder(key(), "a.com", "s").no_timestamp().build().unwrap();
        assert!(matches!(s.timestamp, Timestamp::Omitted));
        assert_eq!(
            Signer::builder(key(), "a.com", "s").no_timestamp().expire_after(5).build().err(),
            Some(SignError::ExpirationWithoutTimestamp)
        );
    }

    /// A key that reports a size, standing in for a short RSA key (the RSA
    /// key types refuse to load one).
    struct Short(u32);

    impl SigningKey for Short {
        fn algorithm(&self) -> Algorithm {
            Algorithm::RsaSha256
        }

        fn bits(&self) -> Option<u32> {
            Some(self.0)
        }

        fn sign_digest(&self, _: &[u8]) -> Result<Vec<u8>, CryptoError> {
            Ok(alloc::vec![0; 64])
        }
    }

    #[test]
    fn short_rsa_keys_do_not_sign() {
        assert_eq!(Signer::builder(Short(512), "a.com", "s").build().err(), Some(SignError::KeyTooShort { bits: 512 }));
        let weak = Signer::builder(Short(1024), "a.com", "s").build().unwrap();
        assert!(weak.is_weak_key());
        assert!(!Signer::builder(Short(2048), "a.com", "s").build().unwrap().is_weak_key());
    }

    #[test]
    fn explicit_headers_get_from() {
        let s = Signer::builder(key(), "a.com", "s").headers(&["to", "subject"]).build().unwrap();
        let block = HeaderBlock::parse(b"From: a\r\n".to_vec(), 100).unwrap();
        assert_eq!(s.h_list(&block), ["From", "to", "subject"]);
    }

    #[test]
    fn no_from_is_refused() {
        let s = Signer::builder(key(), "a.com", "s").build().unwrap();
        assert_eq!(s.sign(b"Subject: x\r\n\r\n").err(), Some(SignError::NoFrom));
    }
}
