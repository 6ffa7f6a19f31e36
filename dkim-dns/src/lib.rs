//! # dkim-dns
//!
//! Key lookup for DKIM: one async [`KeySource`] trait and three backends.
//!
//! - [`StaticKeys`]: an in-memory map, built from (name, record) pairs.
//! - [`ZoneFile`]: RFC 1035 master files as people write them for DKIM.
//! - `DnsClient` (feature `tokio`, default): a stub resolver on
//!   `hickory-proto` with UDP + EDNS(0), TCP fallback, retries across
//!   servers, CNAME chasing and TTLs.
//!
//! Every backend answers with a [`Lookup`]: the TXT records (each record's
//! strings kept apart, the TTL, the DNSSEC AD bit), "no record" (NXDOMAIN or
//! NODATA: the verifier's `permerror`) or a temporary failure with its cause
//! (`temperror`). A [`Lookup`] converts directly into the core verifier's
//! [`dkim_core::KeyAnswer`].
//!
//! ```
//! use dkim_dns::{KeySource, Lookup, StaticKeys};
//!
//! let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")]);
//! let answer = futures::executor::block_on(keys.lookup_txt("SEL._domainkey.example.com."));
//! let Lookup::Found(txt) = answer else { panic!("expected a record") };
//! assert_eq!(txt.records().len(), 1);
//! assert!(matches!(futures::executor::block_on(keys.lookup_txt("other.example.com")), Lookup::NoRecord(_)));
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::future::Future;

use dkim_core::KeyAnswer;
pub use dkim_core::{Dnssec, TempFailCause, TxtRecord};

mod static_keys;
pub use static_keys::StaticKeys;

mod zone;
pub use zone::{ZoneData, ZoneEntry, ZoneError, ZoneErrorKind, ZoneFile};

#[cfg(feature = "tokio")]
mod client;
#[cfg(feature = "tokio")]
pub use client::{ConfigError, DEFAULT_EDNS_PAYLOAD, DnsClient};

/// A source of TXT records for DKIM key lookups.
///
/// Implement it for anything that can answer "which TXT records are at this
/// name": DNS over HTTPS, a database, a DNSSEC-validating resolver, an
/// offline map for wasm or a zkVM. `name` is an absolute domain name with or
/// without the final dot; compare it without regard to ASCII case.
///
/// ```
/// use std::collections::HashMap;
/// use std::future::Future;
/// use dkim_dns::{Dnssec, KeySource, Lookup, NoRecord, NoRecordKind, TxtAnswer, TxtRecord};
///
/// /// Keys from a map (a database would do the same with an async query).
/// struct Table(HashMap<String, String>);
///
/// impl KeySource for Table {
///     fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
///         let name = name.trim_end_matches('.').to_ascii_lowercase();
///         let answer = match self.0.get(&name) {
///             Some(text) => Lookup::Found(TxtAnswer::new(vec![TxtRecord::from_text(text)], 300, Dnssec::Unknown)),
///             None => Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, None)),
///         };
///         std::future::ready(answer)
///     }
/// }
///
/// let table = Table(HashMap::from([("sel._domainkey.example.com".into(), "v=DKIM1; p=".into())]));
/// let found = futures::executor::block_on(table.lookup_txt("Sel._domainkey.example.com."));
/// assert!(matches!(found, Lookup::Found(answer) if answer.ttl() == 300));
/// ```
pub trait KeySource {
    /// Looks up the TXT RRset at `name`.
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send;
}

impl<K: KeySource + Sync + ?Sized> KeySource for &K {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        (**self).lookup_txt(name)
    }
}

impl<K: KeySource + Send + Sync + ?Sized> KeySource for std::sync::Arc<K> {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        (**self).lookup_txt(name)
    }
}

/// The outcome of a TXT lookup.
///
/// ```
/// use dkim_dns::{KeySource, Lookup, StaticKeys};
/// use dkim_core::KeyAnswer;
/// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]);
/// let found = futures::executor::block_on(keys.lookup_txt("sel._domainkey.example.com"));
/// assert!(matches!(&found, Lookup::Found(answer) if answer.records().len() == 1));
/// assert_eq!(KeyAnswer::from(found), KeyAnswer::text("v=DKIM1; p=")); // what the verifier takes
/// let missing = futures::executor::block_on(keys.lookup_txt("other._domainkey.example.com"));
/// assert_eq!(KeyAnswer::from(missing), KeyAnswer::NoRecord);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The name has TXT records.
    Found(TxtAnswer),
    /// NXDOMAIN or NODATA: there is no record (a permanent error for DKIM).
    NoRecord(NoRecord),
    /// The lookup failed for now: SERVFAIL, REFUSED, timeout, network.
    TempFail(TempFail),
}

impl From<Lookup> for KeyAnswer {
    /// The core's answer: the records with their DNSSEC status, no record,
    /// or the temporary failure with its cause.
    fn from(l: Lookup) -> Self {
        match l {
            Lookup::Found(a) if a.records.is_empty() => KeyAnswer::NoRecord,
            Lookup::Found(a) => KeyAnswer::Records { records: a.records, dnssec: a.dnssec },
            Lookup::NoRecord(_) => KeyAnswer::NoRecord,
            Lookup::TempFail(t) => KeyAnswer::TempFail(t.cause),
        }
    }
}

/// TXT records found at a name.
///
/// ```
/// use dkim_dns::{TxtAnswer, TxtRecord};
/// use dkim_dns::Dnssec;
/// let answer = TxtAnswer::new(vec![TxtRecord::from_text("v=DKIM1; p=")], 300, Dnssec::Authenticated);
/// assert_eq!((answer.records().len(), answer.ttl(), answer.dnssec()), (1, 300, Dnssec::Authenticated));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxtAnswer {
    records: Vec<TxtRecord>,
    ttl: u32,
    dnssec: Dnssec,
}

impl TxtAnswer {
    /// An answer with `records`, their (smallest) `ttl` in seconds, and
    /// whether the resolver authenticated it with DNSSEC (from the AD bit;
    /// [`Dnssec::Unknown`] for a source that cannot tell, like a zone file).
    ///
    /// ```
    /// use dkim_dns::{Dnssec, TxtAnswer, TxtRecord};
    /// let answer = TxtAnswer::new(vec![TxtRecord::from_text("v=DKIM1; p=")], 600, Dnssec::NotAuthenticated);
    /// assert_eq!(answer.ttl(), 600);
    /// assert_eq!(answer.dnssec(), Dnssec::NotAuthenticated);
    /// ```
    #[must_use]
    pub fn new(records: Vec<TxtRecord>, ttl: u32, dnssec: Dnssec) -> Self {
        Self { records, ttl, dnssec }
    }

    /// The records, each with its strings kept apart.
    ///
    /// ```
    /// use dkim_dns::{Dnssec, TxtAnswer, TxtRecord};
    /// let records = vec![TxtRecord::new(vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()])];
    /// let answer = TxtAnswer::new(records.clone(), 300, Dnssec::Unknown);
    /// assert_eq!(answer.records(), records);
    /// assert_eq!(answer.records()[0].joined(), b"v=DKIM1; p=");
    /// ```
    #[must_use]
    pub fn records(&self) -> &[TxtRecord] {
        &self.records
    }

    /// Consumes the answer, returning the records.
    ///
    /// ```
    /// use dkim_dns::{Dnssec, TxtAnswer, TxtRecord};
    /// let answer = TxtAnswer::new(vec![TxtRecord::from_text("v=DKIM1; p=")], 300, Dnssec::Unknown);
    /// assert_eq!(answer.into_records(), [TxtRecord::from_text("v=DKIM1; p=")]);
    /// ```
    #[must_use]
    pub fn into_records(self) -> Vec<TxtRecord> {
        self.records
    }

    /// Time to live, seconds.
    ///
    /// ```
    /// use dkim_dns::{KeySource, Lookup, StaticKeys};
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]).ttl(60);
    /// let Lookup::Found(answer) = futures::executor::block_on(keys.lookup_txt("sel._domainkey.example.com")) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(answer.ttl(), 60);
    /// ```
    #[must_use]
    pub fn ttl(&self) -> u32 {
        self.ttl
    }

    /// Whether DNSSEC authenticated the answer.
    ///
    /// ```
    /// use dkim_dns::{Dnssec, KeySource, Lookup, StaticKeys};
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]);
    /// let Lookup::Found(answer) = futures::executor::block_on(keys.lookup_txt("sel._domainkey.example.com")) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(answer.dnssec(), Dnssec::Unknown); // a static map cannot tell
    /// ```
    #[must_use]
    pub fn dnssec(&self) -> Dnssec {
        self.dnssec
    }
}

/// Why there is no record.
///
/// ```
/// use dkim_dns::{NoRecord, NoRecordKind};
/// let none = NoRecord::new(NoRecordKind::NxDomain, Some(300));
/// assert_eq!((none.kind(), none.negative_ttl()), (NoRecordKind::NxDomain, Some(300)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoRecord {
    kind: NoRecordKind,
    negative_ttl: Option<u32>,
}

/// NXDOMAIN or NODATA.
///
/// ```
/// use dkim_dns::{KeySource, Lookup, NoRecordKind, ZoneFile};
/// let zone = ZoneFile::parse("$ORIGIN example.com.\nsel._domainkey 300 IN A 192.0.2.1\n")?;
/// // The name exists, with no TXT record: NODATA.
/// let Lookup::NoRecord(none) = futures::executor::block_on(zone.lookup_txt("sel._domainkey.example.com")) else {
///     unreachable!()
/// };
/// assert_eq!(none.kind(), NoRecordKind::NoData);
/// let Lookup::NoRecord(none) = futures::executor::block_on(zone.lookup_txt("other.example.com")) else {
///     unreachable!()
/// };
/// assert_eq!(none.kind(), NoRecordKind::NxDomain);
/// # Ok::<(), dkim_dns::ZoneError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoRecordKind {
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no TXT record.
    NoData,
}

impl NoRecord {
    /// A "no record" answer, with the negative-caching TTL (from the SOA)
    /// when known.
    ///
    /// ```
    /// use dkim_dns::{NoRecord, NoRecordKind};
    /// let none = NoRecord::new(NoRecordKind::NoData, None);
    /// assert_eq!((none.kind(), none.negative_ttl()), (NoRecordKind::NoData, None));
    /// ```
    #[must_use]
    pub fn new(kind: NoRecordKind, negative_ttl: Option<u32>) -> Self {
        Self { kind, negative_ttl }
    }

    /// NXDOMAIN or NODATA.
    ///
    /// ```
    /// use dkim_dns::{KeySource, Lookup, NoRecordKind, StaticKeys};
    /// let keys = StaticKeys::default();
    /// let Lookup::NoRecord(none) = futures::executor::block_on(keys.lookup_txt("sel._domainkey.example.com")) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(none.kind(), NoRecordKind::NxDomain);
    /// ```
    #[must_use]
    pub fn kind(&self) -> NoRecordKind {
        self.kind
    }

    /// How long the absence may be cached, seconds.
    ///
    /// ```
    /// use dkim_dns::{KeySource, Lookup, StaticKeys};
    /// let keys = StaticKeys::default().ttl(120);
    /// let Lookup::NoRecord(none) = futures::executor::block_on(keys.lookup_txt("sel._domainkey.example.com")) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(none.negative_ttl(), Some(120));
    /// ```
    #[must_use]
    pub fn negative_ttl(&self) -> Option<u32> {
        self.negative_ttl
    }
}

/// A temporary failure and its cause.
///
/// ```
/// use dkim_dns::{TempFail, TempFailCause};
/// let fail = TempFail::new(TempFailCause::ServFail);
/// assert_eq!(fail.cause(), &TempFailCause::ServFail);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TempFail {
    cause: TempFailCause,
}

impl TempFail {
    /// A temporary failure.
    ///
    /// ```
    /// use dkim_core::KeyAnswer;
    /// use dkim_dns::{Lookup, TempFail, TempFailCause};
    /// let fail = TempFail::new(TempFailCause::Timeout);
    /// assert_eq!(KeyAnswer::from(Lookup::TempFail(fail)), KeyAnswer::TempFail(TempFailCause::Timeout));
    /// ```
    #[must_use]
    pub fn new(cause: TempFailCause) -> Self {
        Self { cause }
    }

    /// Why.
    ///
    /// ```
    /// use dkim_dns::{TempFail, TempFailCause};
    /// let fail = TempFail::new(TempFailCause::Network("connection refused".into()));
    /// assert_eq!(fail.cause().to_string(), "network error: connection refused");
    /// ```
    #[must_use]
    pub fn cause(&self) -> &TempFailCause {
        &self.cause
    }
}

/// Normalizes a name for comparison: ASCII lower case, no final dot.
pub(crate) fn normalize_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}
