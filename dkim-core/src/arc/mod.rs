//! ARC (RFC 8617): the fields of an ARC set, the chain validation result
//! and sealing.
//!
//! Validation runs inside the DKIM [`Verifier`](crate::Verifier), in the
//! same pass: the same header block, the same key requests (ARC keys live
//! at `selector._domainkey.domain` too) and the same body-hash set (an
//! `ARC-Message-Signature` whose canonicalization and hash match a
//! `DKIM-Signature`'s costs no second body hash). After
//! [`Step::Done`](crate::Step::Done), [`Verifier::arc_result`](crate::Verifier::arc_result)
//! gives the chain's [`ArcResult`].
//!
//! ```
//! use dkim_core::arc::ChainStatus;
//! use dkim_core::{KeyAnswer, Now, Policy, verify_with_arc};
//!
//! let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
//! let (dkim, arc) = verify_with_arc(message, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
//! assert!(dkim.is_empty());
//! assert_eq!(arc.status(), ChainStatus::None); // no ARC set at all
//! # Ok::<(), dkim_core::VerifyError>(())
//! ```

pub(crate) mod chain;
mod fields;
mod seal;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use fields::{ArcFieldError, ArcMessageSignature, ArcSeal, aar_instance};
pub use seal::{SealError, SealSession, Sealer};

use crate::result::Reason;

/// The most ARC sets a message may carry (RFC 8617 section 4.2.1).
pub const MAX_INSTANCES: u32 = 50;

/// A chain validation status, the `cv=` of an `ARC-Seal` (RFC 8617
/// section 4.1.3) and the `arc=` result (section 6).
///
/// ```
/// use dkim_core::arc::ChainStatus;
/// assert_eq!(ChainStatus::parse("Pass"), Some(ChainStatus::Pass));
/// assert_eq!(ChainStatus::Fail.as_str(), "fail");
/// assert_eq!(ChainStatus::parse("neutral"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChainStatus {
    /// No chain (`cv=none` is also what the first seal says).
    None,
    /// The chain validates.
    Pass,
    /// The chain is broken.
    Fail,
}

impl ChainStatus {
    /// The lowercase word.
    ///
    /// ```
    /// use dkim_core::arc::ChainStatus;
    /// assert_eq!(ChainStatus::None.as_str(), "none");
    /// assert_eq!(ChainStatus::Pass.to_string(), ChainStatus::Pass.as_str());
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pass => "pass",
            Self::Fail => "fail",
        }
    }

    /// Parses a `cv=` or `arc=` value (case-insensitive).
    ///
    /// ```
    /// use dkim_core::arc::ChainStatus;
    /// assert_eq!(ChainStatus::parse(" FAIL "), Some(ChainStatus::Fail));
    /// assert_eq!(ChainStatus::parse("permerror"), None);
    /// ```
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Pass, Self::Fail].into_iter().find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for ChainStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three fields of an ARC set.
///
/// ```
/// use dkim_core::arc::ArcField;
/// assert_eq!(ArcField::Seal.name(), "ARC-Seal");
/// assert_eq!(ArcField::from_name("arc-message-signature"), Some(ArcField::MessageSignature));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArcField {
    /// `ARC-Seal` (AS).
    Seal,
    /// `ARC-Message-Signature` (AMS).
    MessageSignature,
    /// `ARC-Authentication-Results` (AAR).
    AuthResults,
}

impl ArcField {
    /// The field name.
    ///
    /// ```
    /// use dkim_core::arc::ArcField;
    /// assert_eq!(ArcField::MessageSignature.name(), "ARC-Message-Signature");
    /// assert_eq!(ArcField::AuthResults.to_string(), "ARC-Authentication-Results");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Seal => "ARC-Seal",
            Self::MessageSignature => "ARC-Message-Signature",
            Self::AuthResults => "ARC-Authentication-Results",
        }
    }

    /// The field for a header field name (case-insensitive).
    ///
    /// ```
    /// use dkim_core::arc::ArcField;
    /// assert_eq!(ArcField::from_name("ARC-SEAL"), Some(ArcField::Seal));
    /// assert_eq!(ArcField::from_name("DKIM-Signature"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Seal, Self::MessageSignature, Self::AuthResults]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    fn index(self) -> usize {
        match self {
            Self::AuthResults => 0,
            Self::MessageSignature => 1,
            Self::Seal => 2,
        }
    }
}

impl fmt::Display for ArcField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a chain is `fail`: which instance, which field, what is wrong.
///
/// ```
/// use dkim_core::arc::{ArcField, ArcReason};
/// let r = ArcReason::Missing { instance: 2, field: ArcField::Seal };
/// assert_eq!(r.to_string(), "ARC set 2 has no ARC-Seal");
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArcReason {
    /// More than [`MAX_INSTANCES`] sets (or an `i=` above it).
    TooManyInstances {
        /// The highest instance found.
        found: u32,
    },
    /// A field that does not parse.
    Malformed {
        /// Its instance, when `i=` could be read.
        instance: Option<u32>,
        /// Which field.
        field: ArcField,
        /// What is wrong with it.
        error: ArcFieldError,
    },
    /// Two fields of the same kind with the same instance.
    Duplicate {
        /// The instance.
        instance: u32,
        /// Which field.
        field: ArcField,
    },
    /// An instance between 1 and the highest lacks a field (a gap when it
    /// lacks all three).
    Missing {
        /// The instance.
        instance: u32,
        /// Which field.
        field: ArcField,
    },
    /// A seal says the chain had already failed (`cv=fail`).
    SealedAsFailed {
        /// The seal's instance.
        instance: u32,
    },
    /// A seal's `cv=` breaks the rules: `none` at instance 1, `pass` after.
    WrongChainStatus {
        /// The seal's instance.
        instance: u32,
        /// Its `cv=`.
        found: ChainStatus,
    },
    /// The latest `ARC-Message-Signature` does not validate.
    MessageSignature {
        /// Its instance.
        instance: u32,
        /// Why, in the words of the DKIM results.
        reason: Reason,
    },
    /// An `ARC-Seal` does not validate.
    Seal {
        /// Its instance.
        instance: u32,
        /// Why.
        reason: Reason,
    },
}

impl ArcReason {
    /// Whether the failure may go away on a retry (a DNS temporary failure
    /// for a key).
    ///
    /// ```
    /// use dkim_core::arc::ArcReason;
    /// use dkim_core::{Reason, TempFailCause};
    /// let name = "arc._domainkey.lists.example".to_string();
    /// let timeout = ArcReason::Seal { instance: 1, reason: Reason::TempFail { name, cause: TempFailCause::Timeout } };
    /// assert!(timeout.is_temporary());
    /// assert!(!ArcReason::SealedAsFailed { instance: 1 }.is_temporary());
    /// ```
    #[must_use]
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            Self::MessageSignature { reason: Reason::TempFail { .. }, .. }
                | Self::Seal { reason: Reason::TempFail { .. }, .. }
        )
    }
}

impl fmt::Display for ArcReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyInstances { found } => {
                write!(f, "ARC instance {found} is over the limit of {MAX_INSTANCES} sets")
            }
            Self::Malformed { instance: Some(i), field, error } => {
                write!(f, "the {field} of ARC set {i} is malformed: {error}")
            }
            Self::Malformed { instance: None, field, error } => write!(f, "an {field} field is malformed: {error}"),
            Self::Duplicate { instance, field } => write!(f, "ARC set {instance} has more than one {field}"),
            Self::Missing { instance, field } => write!(f, "ARC set {instance} has no {field}"),
            Self::SealedAsFailed { instance } => {
                write!(f, "the ARC-Seal of set {instance} says the chain had failed (cv=fail)")
            }
            Self::WrongChainStatus { instance, found } => {
                let expected = if *instance == 1 { "none" } else { "pass" };
                write!(f, "the ARC-Seal of set {instance} has cv={found}, not cv={expected}")
            }
            Self::MessageSignature { instance, reason } => {
                write!(f, "the ARC-Message-Signature of set {instance} does not validate: {reason}")
            }
            Self::Seal { instance, reason } => write!(f, "the ARC-Seal of set {instance} does not validate: {reason}"),
        }
    }
}

/// One ARC set as found on the message, for explaining a chain.
///
/// ```
/// # use dkim_core::arc::ChainStatus;
/// # use dkim_core::{KeyAnswer, Now, Policy, verify_with_arc};
/// # let message = b"From: joe@example.com\r\n\r\n";
/// # let (_, arc) = verify_with_arc(message, &Policy::default(), Now::unix(0), |_| KeyAnswer::NoRecord)?;
/// for set in arc.sets() {
///     println!("{}: sealed by {} (cv={})", set.instance(), set.seal_domain(), set.chain_status());
/// }
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArcSetInfo {
    pub(crate) instance: u32,
    pub(crate) seal_domain: String,
    pub(crate) seal_selector: String,
    pub(crate) ams_domain: String,
    pub(crate) cv: ChainStatus,
    pub(crate) authserv_id: String,
    pub(crate) ams_valid: Option<bool>,
    pub(crate) seal_valid: Option<bool>,
}

impl ArcSetInfo {
    /// `i=`
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// # let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// let set = &arc.sets()[0]; // sealed once, by lists.example
    /// assert_eq!(set.instance(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn instance(&self) -> u32 {
        self.instance
    }
    /// The sealer: the `ARC-Seal`'s `d=`.
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// # let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// let set = &arc.sets()[0]; // sealed once, by lists.example
    /// assert_eq!(set.seal_domain(), "lists.example");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn seal_domain(&self) -> &str {
        &self.seal_domain
    }
    /// The `ARC-Seal`'s `s=`.
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// # let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// let set = &arc.sets()[0]; // sealed once, by lists.example
    /// assert_eq!(set.seal_selector(), "arc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn seal_selector(&self) -> &str {
        &self.seal_selector
    }
    /// The `ARC-Message-Signature`'s `d=`.
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// # let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// let set = &arc.sets()[0]; // sealed once, by lists.example
    /// assert_eq!(set.message_signature_domain(), "lists.example");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn message_signature_domain(&self) -> &str {
        &self.ams_domain
    }
    /// The seal's `cv=`.
    ///
    /// ```
    /// use dkim_core::arc::ChainStatus;
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// # let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// let set = &arc.sets()[0]; // sealed once, by lists.example
    /// assert_eq!(set.chain_status(), ChainStatus::None); // the first seal says cv=none
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn chain_status(&self) -> ChainStatus {
        self.cv
    }
    /// The authserv-id of the set's `ARC-Authentication-Results`.
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// # let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// let set = &arc.sets()[0]; // sealed once, by lists.example
    /// assert_eq!(set.authserv_id(), "lists.example");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn authserv_id(&self) -> &str {
        &self.authserv_id
    }
    /// Whether its `ARC-Message-Signature` validated (`None`: not checked).
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.sets()[0].message_signature_valid(), Some(true));
    /// let changed = [&sealed[..], b"P.S. changed after sealing\r\n"].concat();
    /// let (_, arc) = verify_with_arc(&changed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.sets()[0].message_signature_valid(), Some(false));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn message_signature_valid(&self) -> Option<bool> {
        self.ams_valid
    }
    /// Whether its `ARC-Seal` validated (`None`: not checked).
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.sets()[0].seal_valid(), Some(true));
    /// // The seal covers the ARC fields, not the body: a changed body leaves it valid.
    /// let changed = [&sealed[..], b"P.S. changed after sealing\r\n"].concat();
    /// let (_, arc) = verify_with_arc(&changed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.sets()[0].seal_valid(), Some(true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn seal_valid(&self) -> Option<bool> {
        self.seal_valid
    }
}

/// The result of ARC chain validation (RFC 8617 section 5.2).
///
/// ```
/// use dkim_core::arc::{ArcResult, ChainStatus};
/// let none = ArcResult::none();
/// assert_eq!((none.status(), none.instances(), none.oldest_pass()), (ChainStatus::None, 0, None));
/// assert!(none.reason().is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArcResult {
    pub(crate) status: ChainStatus,
    pub(crate) instances: u32,
    pub(crate) oldest_pass: Option<u32>,
    pub(crate) reason: Option<ArcReason>,
    pub(crate) sets: Vec<ArcSetInfo>,
}

impl ArcResult {
    /// The result for a message without ARC sets.
    ///
    /// ```
    /// use dkim_core::arc::{ArcResult, ChainStatus};
    /// let none = ArcResult::none();
    /// assert_eq!(none.status(), ChainStatus::None);
    /// assert!(none.sets().is_empty());
    /// ```
    #[must_use]
    pub fn none() -> Self {
        Self { status: ChainStatus::None, instances: 0, oldest_pass: None, reason: None, sets: Vec::new() }
    }

    /// `none`, `pass` or `fail`.
    ///
    /// ```
    /// use dkim_core::arc::ChainStatus;
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// assert_eq!(chain.status(), ChainStatus::None); // before sealing
    /// let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.status(), ChainStatus::Pass);
    /// let changed = [&sealed[..], b"P.S. changed after sealing\r\n"].concat();
    /// assert_eq!(verify_with_arc(&changed, &Policy::default(), now, lookup)?.1.status(), ChainStatus::Fail);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn status(&self) -> ChainStatus {
        self.status
    }

    /// The number of ARC sets found (the highest instance when the chain
    /// has that form; 0 when there is none).
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// assert_eq!(chain.instances(), 0); // before sealing
    /// let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.instances(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn instances(&self) -> u32 {
        self.instances
    }

    /// The lowest instance whose `ARC-Message-Signature` still validates,
    /// counting down from the latest (RFC 8617 section 5.2): on a passing
    /// chain, how far back the message is unchanged. `None` unless `pass`.
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.oldest_pass(), Some(1)); // unchanged since the first set
    /// let changed = [&sealed[..], b"P.S. changed after sealing\r\n"].concat();
    /// assert_eq!(verify_with_arc(&changed, &Policy::default(), now, lookup)?.1.oldest_pass(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn oldest_pass(&self) -> Option<u32> {
        self.oldest_pass
    }

    /// Why the chain failed.
    ///
    /// ```
    /// use dkim_core::Reason;
    /// use dkim_core::arc::ArcReason;
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.reason(), None); // it passes
    /// let changed = [&sealed[..], b"P.S. changed after sealing\r\n"].concat();
    /// let (_, arc) = verify_with_arc(&changed, &Policy::default(), now, lookup)?;
    /// assert_eq!(arc.reason(), Some(&ArcReason::MessageSignature { instance: 1, reason: Reason::BodyHashMismatch }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn reason(&self) -> Option<&ArcReason> {
        self.reason.as_ref()
    }

    /// The sets, instance 1 first (empty when the chain's form was broken
    /// before the sets could be told apart).
    ///
    /// ```
    /// # use dkim_core::arc::Sealer;
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, KeyRequest, Now, Policy, PrivateKey, verify_with_arc};
    /// # let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// # let record = PrivateKey::Ed25519(key.clone()).dns_record();
    /// # let lookup = |_: &KeyRequest| KeyAnswer::text(record.text());
    /// # let now = Now::unix(1_700_000_000);
    /// # let message = b"Authentication-Results: lists.example; dkim=none\r\nFrom: joe@example.com\r\n\r\nHello\r\n";
    /// # let (_, chain) = verify_with_arc(message, &Policy::default(), now, lookup)?;
    /// # let new_set = Sealer::new(key, "lists.example", "arc", "lists.example")?.seal(message, &chain)?;
    /// # let sealed = [new_set.as_bytes(), message].concat();
    /// let (_, arc) = verify_with_arc(&sealed, &Policy::default(), now, lookup)?;
    /// let sealers: Vec<&str> = arc.sets().iter().map(|s| s.seal_domain()).collect();
    /// assert_eq!(sealers, ["lists.example"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sets(&self) -> &[ArcSetInfo] {
        &self.sets
    }

    /// Whether a new ARC set may be added (RFC 8617 section 5.1): not on a
    /// chain a seal already declared failed, and not past 50 sets. A chain
    /// that fails validation here may be sealed, with `cv=fail`.
    ///
    /// # Errors
    ///
    /// [`SealError::TooManyInstances`] or [`SealError::ChainAlreadyFailed`].
    ///
    /// ```
    /// use dkim_core::arc::ArcResult;
    /// assert_eq!(ArcResult::none().may_seal(), Ok(()));
    /// ```
    pub fn may_seal(&self) -> Result<(), SealError> {
        if self.instances >= MAX_INSTANCES || matches!(self.reason, Some(ArcReason::TooManyInstances { .. })) {
            return Err(SealError::TooManyInstances);
        }
        if let Some(ArcReason::SealedAsFailed { instance }) = self.reason {
            return Err(SealError::ChainAlreadyFailed { instance });
        }
        Ok(())
    }

    pub(crate) fn fail(instances: u32, reason: ArcReason, sets: Vec<ArcSetInfo>) -> Self {
        Self { status: ChainStatus::Fail, instances, oldest_pass: None, reason: Some(reason), sets }
    }
}

/// Index of an ARC field kind in a set's field triple.
pub(crate) fn slot(field: ArcField) -> usize {
    field.index()
}
