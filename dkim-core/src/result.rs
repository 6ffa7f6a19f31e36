//! Verification results: an RFC 8601 verdict per signature with a typed
//! reason.

use alloc::string::String;
use core::fmt;

use crate::crypto::{Algorithm, KeyType};
use crate::key_record::KeyRecordError;
use crate::lookup::{Dnssec, TempFailCause};
use crate::signature::{Signature, SignatureError};

/// The RFC 8601 `dkim=` result words.
///
/// ```
/// use dkim_core::{Policy, Verdict, verify};
/// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
/// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
/// # let record = key.dns_record();
/// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
/// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
/// # let signed = [field.as_bytes(), message].concat();
/// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
/// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(record.text()))?;
/// assert_eq!(results[0].verdict(), Verdict::Pass);
/// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::NoRecord)?;
/// assert_eq!(results[0].verdict(), Verdict::PermError);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The message carries no signature.
    None,
    /// The signature verifies.
    Pass,
    /// The signature was evaluated and does not verify.
    Fail,
    /// Evaluated, but the result means nothing (not used by the core).
    Neutral,
    /// The signature is valid syntax but refused by local policy.
    Policy,
    /// A temporary error, usually a DNS failure: try again later.
    TempError,
    /// A permanent error: the signature cannot be evaluated.
    PermError,
}

impl Verdict {
    /// The RFC 8601 word.
    ///
    /// ```
    /// use dkim_core::Verdict;
    /// assert_eq!(Verdict::TempError.as_str(), "temperror");
    /// assert_eq!(Verdict::Pass.to_string(), "pass");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Neutral => "neutral",
            Self::Policy => "policy",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a signature did not pass.
///
/// A key in testing mode (`t=y`) is not a reason: it never changes the
/// verdict and is reported by [`SignatureResult::testing`].
///
/// ```
/// use dkim_core::{KeyAnswer, Policy, Reason, TempFailCause, Verdict, verify};
/// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
///                 From: a@example.com\r\n\r\n";
/// let timeout = |_: &dkim_core::KeyRequest| KeyAnswer::TempFail(TempFailCause::Timeout);
/// let results = verify(message, &Policy::default(), 1_700_000_000, timeout)?;
/// assert_eq!(results[0].verdict(), Verdict::TempError);
/// let Some(Reason::TempFail { name, cause }) = results[0].reason() else { unreachable!() };
/// assert_eq!((name.as_str(), cause), ("sel._domainkey.example.com", &TempFailCause::Timeout));
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The body hash differs from `bh=`: the body changed in transit.
    BodyHashMismatch,
    /// The body hash matches but the signature does not verify: the key is
    /// not the signer's, or a signed header field changed.
    SignatureMismatch,
    /// `l=` is larger than the body.
    BodyLengthExceedsBody {
        /// `l=`
        length: u64,
        /// Canonical body length.
        body: u64,
    },
    /// The `DKIM-Signature` field is malformed or violates RFC 6376.
    Signature(SignatureError),
    /// No key record at the name (NXDOMAIN or no TXT record).
    NoRecord {
        /// The DNS name queried (`selector._domainkey.domain`).
        name: String,
    },
    /// The key lookup failed temporarily.
    TempFail {
        /// The DNS name queried.
        name: String,
        /// What failed.
        cause: TempFailCause,
    },
    /// The key record is malformed.
    KeyRecord(KeyRecordError),
    /// Several TXT records at the name look like DKIM keys and they differ.
    AmbiguousKeyRecords {
        /// How many.
        count: usize,
    },
    /// `p=` is empty.
    KeyRevoked,
    /// RSA key shorter than the policy allows.
    KeyTooShort {
        /// Its size.
        bits: u32,
        /// The policy minimum.
        min: u32,
    },
    /// The key type (`k=`) does not match `a=`.
    KeyTypeMismatch {
        /// The key's type.
        key: KeyType,
        /// The signature's algorithm.
        algorithm: Algorithm,
    },
    /// The key's `h=` does not allow the signature's hash.
    KeyHashMismatch,
    /// The key's `s=` does not include email.
    KeyServiceMismatch,
    /// The key has `t=s` but `i=` is in a subdomain of `d=`.
    KeyStrictSubdomain,
    /// `x=` has passed.
    Expired {
        /// `x=`
        expiration: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `t=` is in the future.
    TimestampInFuture {
        /// `t=`
        timestamp: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `rsa-sha1` is refused (RFC 8301).
    Sha1Refused,
    /// A header field the policy requires is not signed.
    RequiredHeaderNotSigned(String),
    /// The policy does not accept `l=`.
    BodyLengthRefused,
    /// More signatures than the policy evaluates.
    TooManySignatures {
        /// The limit.
        limit: usize,
    },
    /// The message needs more distinct key lookups (DKIM and ARC together)
    /// than the policy allows; this key was not asked for.
    TooManyKeyLookups {
        /// The limit ([`Policy::max_key_lookups`](crate::Policy::max_key_lookups)).
        limit: usize,
    },
    /// The signature has `l=` and the body goes on past it: content anyone
    /// may have added (see [`Policy::danger_allow_unsigned_body`](crate::Policy::danger_allow_unsigned_body)).
    UnsignedBodyContent {
        /// Canonical body bytes after the signed length.
        bytes: u64,
    },
    /// The signature has `l=` but does not sign Content-Type, so the
    /// unsigned rest of the body could be given another MIME structure.
    BodyLengthWithoutContentType,
    /// The message has more instances of a single-instance field than the
    /// signature signs (see [`Policy::single_instance_fields`](crate::Policy::single_instance_fields)):
    /// a reader may be shown the unsigned one.
    UnsignedHeaderInstance {
        /// The field name, as the policy lists it.
        field: String,
        /// Instances in the message.
        present: usize,
        /// Instances `h=` covers.
        signed: usize,
    },
}

impl Reason {
    /// A short stable code (snake case) for logs and JSON.
    ///
    /// ```
    /// use dkim_core::Reason;
    /// assert_eq!(Reason::BodyHashMismatch.code(), "body_hash_mismatch");
    /// assert_eq!(Reason::NoRecord { name: "sel._domainkey.example.com".into() }.code(), "no_record");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyHashMismatch => "body_hash_mismatch",
            Self::SignatureMismatch => "signature_mismatch",
            Self::BodyLengthExceedsBody { .. } => "body_length_exceeds_body",
            Self::Signature(_) => "signature_syntax",
            Self::NoRecord { .. } => "no_record",
            Self::TempFail { .. } => "temp_fail",
            Self::KeyRecord(_) => "key_record_syntax",
            Self::AmbiguousKeyRecords { .. } => "ambiguous_key_records",
            Self::KeyRevoked => "key_revoked",
            Self::KeyTooShort { .. } => "key_too_short",
            Self::KeyTypeMismatch { .. } => "key_type_mismatch",
            Self::KeyHashMismatch => "key_hash_mismatch",
            Self::KeyServiceMismatch => "key_service_mismatch",
            Self::KeyStrictSubdomain => "key_strict_subdomain",
            Self::Expired { .. } => "expired",
            Self::TimestampInFuture { .. } => "timestamp_in_future",
            Self::Sha1Refused => "rsa_sha1_refused",
            Self::RequiredHeaderNotSigned(_) => "required_header_not_signed",
            Self::BodyLengthRefused => "body_length_refused",
            Self::TooManySignatures { .. } => "too_many_signatures",
            Self::TooManyKeyLookups { .. } => "too_many_key_lookups",
            Self::UnsignedBodyContent { .. } => "unsigned_body_content",
            Self::BodyLengthWithoutContentType => "body_length_without_content_type",
            Self::UnsignedHeaderInstance { .. } => "unsigned_header_instance",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BodyHashMismatch => f.write_str("body hash did not verify: the body was changed after signing"),
            Self::SignatureMismatch => f.write_str(
                "signature did not verify: the published key does not match the signing key, or a signed header changed",
            ),
            Self::BodyLengthExceedsBody { length, body } => {
                write!(f, "l={length} is longer than the {body}-byte body")
            }
            Self::Signature(e) => write!(f, "{e}"),
            Self::NoRecord { name } => write!(f, "no key record at {name} (the name or its TXT record does not exist)"),
            Self::TempFail { name, cause } => write!(f, "the key lookup of {name} failed temporarily: {cause}"),
            Self::KeyRecord(e) => write!(f, "{e}"),
            Self::AmbiguousKeyRecords { count } => write!(f, "{count} different DKIM key records at the same name"),
            Self::KeyRevoked => f.write_str("the key has been revoked (empty p=)"),
            Self::KeyTooShort { bits, min } => write!(f, "RSA key of {bits} bits is shorter than the minimum of {min}"),
            Self::KeyTypeMismatch { key, algorithm } => write!(f, "key type {key} cannot verify {algorithm}"),
            Self::KeyHashMismatch => f.write_str("the key's h= does not allow the signature's hash algorithm"),
            Self::KeyServiceMismatch => f.write_str("the key's s= does not allow email"),
            Self::KeyStrictSubdomain => f.write_str("the key has t=s but i= is in a subdomain of d="),
            Self::Expired { expiration, now } => write!(f, "signature expired at {expiration} (now {now})"),
            Self::TimestampInFuture { timestamp, now } => {
                write!(f, "signature timestamp {timestamp} is in the future (now {now})")
            }
            Self::Sha1Refused => f.write_str("rsa-sha1 is no longer accepted (RFC 8301)"),
            Self::RequiredHeaderNotSigned(h) => write!(f, "required header field {h} is not signed"),
            Self::BodyLengthRefused => f.write_str("signatures with l= are not accepted by policy"),
            Self::TooManySignatures { limit } => write!(f, "more than {limit} signatures; this one was not evaluated"),
            Self::TooManyKeyLookups { limit } => {
                write!(f, "the message needs more than {limit} key lookups; this key was not looked up")
            }
            Self::UnsignedBodyContent { bytes } => {
                write!(f, "l= leaves {bytes} bytes of the body unsigned: content anyone could have appended")
            }
            Self::BodyLengthWithoutContentType => {
                f.write_str("the signature has l= but does not sign Content-Type, so the unsigned rest could be retyped")
            }
            Self::UnsignedHeaderInstance { field, present, signed } => write!(
                f,
                "the message has {present} {field} fields but the signature signs {signed}: an unsigned {field} may be shown"
            ),
        }
    }
}

/// The result for one `DKIM-Signature` field.
///
/// ```
/// use dkim_core::{Algorithm, Policy, Verdict, verify};
/// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
/// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
/// # let record = key.dns_record();
/// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
/// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
/// # let signed = [field.as_bytes(), message].concat();
/// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
/// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(record.text()))?;
/// let r = &results[0];
/// assert_eq!(r.verdict(), Verdict::Pass);
/// assert_eq!(r.reason(), None);
/// assert_eq!((r.domain(), r.selector()), (Some("example.com"), Some("sel")));
/// assert_eq!(r.algorithm(), Some(Algorithm::Ed25519Sha256));
/// assert_eq!(r.key_bits(), Some(256));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureResult {
    pub(crate) index: usize,
    pub(crate) field_index: usize,
    pub(crate) verdict: Verdict,
    pub(crate) reason: Option<Reason>,
    pub(crate) signature: Option<Signature>,
    pub(crate) domain: Option<String>,
    pub(crate) selector: Option<String>,
    pub(crate) testing: bool,
    pub(crate) key_bits: Option<u32>,
    pub(crate) unsigned_body_bytes: Option<u64>,
    pub(crate) body_hash_matched: Option<bool>,
    pub(crate) dnssec: Dnssec,
}

impl SignatureResult {
    /// 0-based position among the message's `DKIM-Signature` fields, topmost
    /// first.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, verify};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=one; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=two; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let results = verify(message, &Policy::default(), 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!((results[1].index(), results[1].domain()), (1, Some("example.org")));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Index of the field in the header block.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, verify};
    /// let message = b"Received: from mx.example.net\r\n\
    ///                 DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let results = verify(message, &Policy::default(), 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!((results[0].index(), results[0].field_index()), (0, 1)); // below the Received field
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn field_index(&self) -> usize {
        self.field_index
    }

    /// The verdict.
    ///
    /// ```
    /// use dkim_core::{Policy, Verdict, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(record.text()))?;
    /// assert_eq!(results[0].verdict(), Verdict::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Why it is not `pass` (`None` for a pass).
    ///
    /// ```
    /// use dkim_core::{Policy, Reason, Verdict, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let mut tampered = signed.clone();
    /// *tampered.last_mut().ok_or("empty")? = b' '; // "Hello!\r " instead of "Hello!\r\n"
    /// let results = verify(&tampered, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(record.text()))?;
    /// assert_eq!(results[0].verdict(), Verdict::Fail);
    /// assert_eq!(results[0].reason(), Some(&Reason::BodyHashMismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reason(&self) -> Option<&Reason> {
        self.reason.as_ref()
    }

    /// The parsed signature, when it parsed.
    ///
    /// ```
    /// use dkim_core::{Policy, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(record.text()))?;
    /// let signature = results[0].signature().ok_or("did not parse")?;
    /// assert_eq!(signature.timestamp(), Some(1_700_000_000));
    /// assert_eq!(signature.key_name(), "sel._domainkey.example.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signature(&self) -> Option<&Signature> {
        self.signature.as_ref()
    }

    /// `d=` as written (also for a field that did not parse, when found).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, verify};
    /// // An unknown algorithm: the field does not parse, but d= and s= are still read.
    /// let message = b"DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let results = verify(message, &Policy::default(), 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert!(results[0].signature().is_none());
    /// assert_eq!(results[0].domain(), Some("example.com"));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn domain(&self) -> Option<&str> {
        self.signature.as_ref().map(Signature::domain).or(self.domain.as_deref())
    }

    /// `s=` as written (also for a field that did not parse, when found).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, verify};
    /// let message = b"DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let results = verify(message, &Policy::default(), 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!(results[0].selector(), Some("sel")); // read even though a= is unknown
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn selector(&self) -> Option<&str> {
        self.signature.as_ref().map(Signature::selector).or(self.selector.as_deref())
    }

    /// `a=`, when the signature parsed.
    ///
    /// ```
    /// use dkim_core::{Algorithm, KeyAnswer, Policy, verify};
    /// let message = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let results = verify(message, &Policy::default(), 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!(results[0].algorithm(), Some(Algorithm::RsaSha256));
    /// assert_eq!(results[1].algorithm(), None); // did not parse
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.signature.as_ref().map(Signature::algorithm)
    }

    /// The key record has `t=y`: the domain is testing DKIM. Reported
    /// without changing the verdict; receivers should not treat a failure
    /// of such a signature differently from an unsigned message.
    ///
    /// ```
    /// use dkim_core::{Policy, Verdict, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let testing = record.text().replace("v=DKIM1;", "v=DKIM1; t=y;");
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(&testing))?;
    /// assert!(results[0].testing());
    /// assert_eq!(results[0].verdict(), Verdict::Pass); // unchanged
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn testing(&self) -> bool {
        self.testing
    }

    /// Size of the key used, when it was fetched and parsed.
    ///
    /// ```
    /// use dkim_core::{Policy, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(record.text()))?;
    /// assert_eq!(results[0].key_bits(), Some(256)); // Ed25519
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!(results[0].key_bits(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_bits(&self) -> Option<u32> {
        self.key_bits
    }

    /// With `l=`: how many canonical body bytes follow the signed part and
    /// are not covered by the signature (content anyone may have appended).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, KeyAnswer, Policy, Signer, verify};
    /// let key = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let record = dkim_core::PrivateKey::Ed25519(key.clone()).dns_record();
    /// let message = b"From: joe@example.com\r\nContent-Type: text/plain\r\n\r\nHello!\r\n";
    /// let signer = Signer::builder(key, "example.com", "sel").body_length(true).timestamp(1_700_000_000).build()?;
    /// let signed = [signer.sign(message)?.as_bytes(), message, b"Appended\r\n"].concat();
    /// let results = verify(&signed, &Policy::default(), 1_700_000_000, |_| KeyAnswer::text(record.text()))?;
    /// assert_eq!(results[0].unsigned_body_bytes(), Some(10));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unsigned_body_bytes(&self) -> Option<u64> {
        self.unsigned_body_bytes
    }

    /// Whether the body hash matched, when it was computed.
    ///
    /// ```
    /// use dkim_core::{Policy, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::text(record.text()))?;
    /// assert_eq!(results[0].body_hash_matched(), Some(true));
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!(results[0].body_hash_matched(), None); // no key, so the body was not checked
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body_hash_matched(&self) -> Option<bool> {
        self.body_hash_matched
    }

    /// Whether DNSSEC authenticated the key record this signature was
    /// checked with ([`Dnssec::Unknown`] when no key was fetched).
    ///
    /// ```
    /// use dkim_core::{Dnssec, Policy, TxtRecord, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let validated = |_: &dkim_core::KeyRequest| KeyAnswer::Records {
    ///     records: vec![TxtRecord::from_text(record.text())],
    ///     dnssec: Dnssec::Authenticated,
    /// };
    /// let results = verify(&signed, &Policy::default(), 1_700_000_100, validated)?;
    /// assert_eq!(results[0].dnssec(), Dnssec::Authenticated);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dnssec(&self) -> Dnssec {
        self.dnssec
    }
}
