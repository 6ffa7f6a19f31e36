//! Key lookups between the verifier and the caller: what the verifier asks
//! for ([`KeyRequest`]) and what the caller answers ([`KeyAnswer`]).
//!
//! The verifier never does DNS itself. Each request names the TXT records
//! at `selector._domainkey.domain`; the answer keeps the DNS classes apart
//! (records, no record, temporary failure with its cause) and each record's
//! character-strings as DNS delivered them.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::key_record::KeyRecord;

/// Identifies one key request of a [`Verifier`](crate::Verifier).
///
/// ```
/// use dkim_core::{KeyAnswer, Now, Policy, Step, Verifier};
/// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=one; h=from; bh=AAAA; b=AAAA\r\n\
///                 DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=two; h=from; bh=AAAA; b=AAAA\r\n\
///                 From: a@example.com\r\n\r\n";
/// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
/// v.headers(message)?;
/// let Step::NeedKeys(requests) = v.step() else { unreachable!() };
/// assert_ne!(requests[0].id(), requests[1].id());
/// v.answer_key(requests[0].id(), KeyAnswer::NoRecord);
/// let Step::NeedKeys(left) = v.step() else { unreachable!() };
/// assert_eq!(left, [requests[1].clone()]); // only the other one is still open
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyRequestId(pub(crate) usize);

/// A key to look up: the TXT records at `selector._domainkey.domain`.
///
/// ```
/// use dkim_core::{Now, Policy, Step, Verifier};
/// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
///                 From: a@example.com\r\n\r\n";
/// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
/// v.headers(message)?;
/// let Step::NeedKeys(requests) = v.step() else { unreachable!() };
/// assert_eq!(requests[0].name(), "sel._domainkey.example.com");
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRequest {
    pub(crate) id: KeyRequestId,
    pub(crate) name: String,
}

impl KeyRequest {
    /// The id to answer with.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Now, Policy, Step, Verifier};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(message)?;
    /// let Step::NeedKeys(requests) = v.step() else { unreachable!() };
    /// v.answer_key(requests[0].id(), KeyAnswer::NoRecord);
    /// assert!(!matches!(v.step(), Step::NeedKeys(_))); // answered
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> KeyRequestId {
        self.id
    }

    /// The DNS name (lower case, no final dot), e.g.
    /// `brisbane._domainkey.example.com`.
    ///
    /// ```
    /// use dkim_core::{Now, Policy, Step, Verifier};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=Example.COM; s=Sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default(), Now::unix(1_700_000_000));
    /// v.headers(message)?;
    /// let Step::NeedKeys(requests) = v.step() else { unreachable!() };
    /// assert_eq!(requests[0].name(), "sel._domainkey.example.com"); // lower case
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One TXT record: its character-strings, kept apart as DNS delivers them.
/// They are joined with nothing between them (RFC 6376 section 3.6.2.2).
///
/// ```
/// use dkim_core::TxtRecord;
/// let record = TxtRecord::new(vec![b"v=DKIM1; k=ed25519; ".to_vec(), b"p=AAAA".to_vec()]);
/// assert_eq!(record.joined(), b"v=DKIM1; k=ed25519; p=AAAA");
/// assert_eq!(TxtRecord::from_text("v=DKIM1").strings().len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TxtRecord {
    strings: Vec<Vec<u8>>,
}

impl TxtRecord {
    /// From the record's strings.
    ///
    /// ```
    /// use dkim_core::TxtRecord;
    /// let record = TxtRecord::new(vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()]);
    /// assert_eq!(record.strings().len(), 2);
    /// ```
    #[must_use]
    pub fn new(strings: Vec<Vec<u8>>) -> Self {
        Self { strings }
    }

    /// A record of one string.
    ///
    /// ```
    /// use dkim_core::TxtRecord;
    /// let record = TxtRecord::from_text("v=DKIM1; p=");
    /// assert_eq!(record.strings(), [b"v=DKIM1; p=".to_vec()]);
    /// ```
    #[must_use]
    pub fn from_text(text: &str) -> Self {
        Self { strings: alloc::vec![text.as_bytes().to_vec()] }
    }

    /// The strings.
    ///
    /// ```
    /// use dkim_core::TxtRecord;
    /// let record = TxtRecord::new(vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()]);
    /// assert_eq!(record.strings(), [b"v=DKIM1; ".to_vec(), b"p=".to_vec()]);
    /// ```
    #[must_use]
    pub fn strings(&self) -> &[Vec<u8>] {
        &self.strings
    }

    /// The strings joined.
    ///
    /// ```
    /// use dkim_core::TxtRecord;
    /// let record = TxtRecord::new(vec![b"v=DKIM1; k=ed25519; ".to_vec(), b"p=11qYAYKxCrfVS/7Ty".to_vec()]);
    /// assert_eq!(record.joined(), b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7Ty"); // nothing added between
    /// ```
    #[must_use]
    pub fn joined(&self) -> Vec<u8> {
        self.strings.concat()
    }
}

/// Whether DNSSEC authenticated a key answer: the AD bit of the resolver's
/// answer (RFC 4035 section 3.2.3), as the key source reports it.
///
/// Only a validating resolver the verifier trusts (on the same host, or over
/// a secure channel) makes [`Dnssec::Authenticated`] mean something.
///
/// ```
/// use dkim_core::Dnssec;
/// assert_eq!(Dnssec::default(), Dnssec::Unknown);
/// assert_eq!(Dnssec::Authenticated.as_str(), "authenticated");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dnssec {
    /// The resolver set the AD bit: the records were validated.
    Authenticated,
    /// The resolver answered without the AD bit.
    NotAuthenticated,
    /// The key source cannot tell (a static map, a zone file, a cache that
    /// did not keep it), or no key was fetched.
    #[default]
    Unknown,
}

impl Dnssec {
    /// `authenticated`, `not authenticated` or `unknown`.
    ///
    /// ```
    /// use dkim_core::Dnssec;
    /// assert_eq!(Dnssec::NotAuthenticated.as_str(), "not authenticated");
    /// assert_eq!(Dnssec::Unknown.to_string(), "unknown");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authenticated => "authenticated",
            Self::NotAuthenticated => "not authenticated",
            Self::Unknown => "unknown",
        }
    }

    /// From the AD bit of a DNS answer.
    ///
    /// ```
    /// use dkim_core::Dnssec;
    /// assert_eq!(Dnssec::from_ad_bit(true), Dnssec::Authenticated);
    /// assert_eq!(Dnssec::from_ad_bit(false), Dnssec::NotAuthenticated);
    /// ```
    #[must_use]
    pub fn from_ad_bit(ad: bool) -> Self {
        if ad { Self::Authenticated } else { Self::NotAuthenticated }
    }
}

impl fmt::Display for Dnssec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What made a key lookup fail temporarily (the verdict is `temperror`).
///
/// ```
/// use dkim_core::TempFailCause;
/// assert_eq!(TempFailCause::Timeout.to_string(), "no DNS answer in time");
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TempFailCause {
    /// The server answered SERVFAIL.
    ServFail,
    /// The server answered REFUSED.
    Refused,
    /// Another error rcode.
    Rcode(u16),
    /// No answer in time.
    Timeout,
    /// A network error, in the operating system's words ("connection
    /// refused", "network unreachable").
    Network(String),
    /// The answer was malformed or did not match the question; what was
    /// wrong.
    BadResponse(String),
    /// Too many CNAMEs, or a CNAME loop.
    CnameChain,
    /// A key source of the caller's own failed; its words.
    Other(String),
}

impl fmt::Display for TempFailCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ServFail => f.write_str("the DNS server answered SERVFAIL"),
            Self::Refused => f.write_str("the DNS server refused the query"),
            Self::Rcode(r) => write!(f, "the DNS server answered with error code {r}"),
            Self::Timeout => f.write_str("no DNS answer in time"),
            Self::Network(e) => write!(f, "network error: {e}"),
            Self::BadResponse(e) => write!(f, "malformed or mismatched DNS answer: {e}"),
            Self::CnameChain => f.write_str("CNAME chain too long or looping"),
            Self::Other(e) => f.write_str(e),
        }
    }
}

/// The answer to a [`KeyRequest`].
///
/// ```
/// use dkim_core::{Dnssec, KeyAnswer, TempFailCause, TxtRecord};
/// let found = KeyAnswer::text("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
/// let validated = KeyAnswer::Records { records: vec![TxtRecord::from_text("v=DKIM1; p=")], dnssec: Dnssec::Authenticated };
/// let absent = KeyAnswer::NoRecord;
/// let failed = KeyAnswer::TempFail(TempFailCause::Timeout);
/// # let _ = (found, validated, absent, failed);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAnswer {
    /// The TXT records found at the name, and whether DNSSEC authenticated
    /// them.
    Records {
        /// The records, each with its strings kept apart.
        records: Vec<TxtRecord>,
        /// The AD bit of the answer, when the source knows it.
        dnssec: Dnssec,
    },
    /// A key record the caller parsed earlier, from its own cache of parsed
    /// records (the TXT text through [`KeyRecord::parse`] with the same
    /// [`Limits`](crate::Limits)), shared. Every check of the signature
    /// against the key still runs; only the parsing (for Ed25519 the costly
    /// point decompression) is saved.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dkim_core::{Dnssec, KeyAnswer, KeyRecord, Limits};
    /// let text = b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    /// let cached = Arc::new(KeyRecord::parse(text, &Limits::default())?);
    /// let answer = KeyAnswer::Parsed { record: Arc::clone(&cached), dnssec: Dnssec::Unknown };
    /// # let _ = answer;
    /// # Ok::<(), dkim_core::KeyRecordError>(())
    /// ```
    Parsed {
        /// The parsed record.
        record: Arc<KeyRecord>,
        /// The AD bit of the answer it was parsed from, when known.
        dnssec: Dnssec,
    },
    /// NXDOMAIN, or the name has no TXT record (NODATA): `permerror`.
    NoRecord,
    /// SERVFAIL, timeout or another temporary failure: `temperror`, with
    /// its cause in the result's reason.
    TempFail(TempFailCause),
}

impl KeyAnswer {
    /// Records found, DNSSEC status unknown.
    ///
    /// ```
    /// use dkim_core::{Dnssec, KeyAnswer, TxtRecord};
    /// let answer = KeyAnswer::records(vec![TxtRecord::from_text("v=DKIM1; p=")]);
    /// assert_eq!(answer.dnssec(), Dnssec::Unknown);
    /// assert!(matches!(answer, KeyAnswer::Records { records, .. } if records.len() == 1));
    /// ```
    #[must_use]
    pub fn records(records: Vec<TxtRecord>) -> Self {
        Self::Records { records, dnssec: Dnssec::Unknown }
    }

    /// One record of one string, DNSSEC status unknown.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, TxtRecord};
    /// assert_eq!(KeyAnswer::text("v=DKIM1; p="), KeyAnswer::records(vec![TxtRecord::from_text("v=DKIM1; p=")]));
    /// ```
    #[must_use]
    pub fn text(record: &str) -> Self {
        Self::records(alloc::vec![TxtRecord::from_text(record)])
    }

    /// The DNSSEC status the answer carries.
    ///
    /// ```
    /// use dkim_core::{Dnssec, KeyAnswer, TxtRecord};
    /// let records = vec![TxtRecord::from_text("v=DKIM1; p=")];
    /// let validated = KeyAnswer::Records { records, dnssec: Dnssec::Authenticated };
    /// assert_eq!(validated.dnssec(), Dnssec::Authenticated);
    /// assert_eq!(KeyAnswer::NoRecord.dnssec(), Dnssec::Unknown);
    /// ```
    #[must_use]
    pub fn dnssec(&self) -> Dnssec {
        match self {
            Self::Records { dnssec, .. } | Self::Parsed { dnssec, .. } => *dnssec,
            Self::NoRecord | Self::TempFail(_) => Dnssec::Unknown,
        }
    }
}
