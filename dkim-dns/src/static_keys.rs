//! An in-memory key source.

use std::collections::HashMap;
use std::future::Future;

use crate::{Dnssec, KeySource, Lookup, NoRecord, NoRecordKind, TxtAnswer, TxtRecord, normalize_name};

/// An in-memory map from names to TXT records; every other name is
/// NXDOMAIN. Several records at one name form an RRset.
///
/// ```
/// use dkim_dns::{KeySource, Lookup, StaticKeys, TxtRecord};
/// let mut keys = StaticKeys::default();
/// keys.insert("a._domainkey.example.com", TxtRecord::new(vec![b"v=DKIM1; p=".to_vec()]));
/// keys.insert("a._domainkey.example.com", TxtRecord::from_text("v=spf1 -all"));
/// let Lookup::Found(answer) = futures::executor::block_on(keys.lookup_txt("a._domainkey.example.com")) else { panic!() };
/// assert_eq!(answer.records().len(), 2);
/// assert_eq!(answer.ttl(), 3600);
/// ```
#[derive(Clone, Debug)]
pub struct StaticKeys {
    map: HashMap<String, Vec<TxtRecord>>,
    ttl: u32,
}

impl Default for StaticKeys {
    /// An empty map answering with a TTL of 3600 s, like [`StaticKeys::new`].
    fn default() -> Self {
        Self { map: HashMap::new(), ttl: 3600 }
    }
}

impl StaticKeys {
    /// From (name, record text) pairs; each text is one record of one string.
    ///
    /// ```
    /// use dkim_dns::{KeySource, Lookup, StaticKeys};
    /// let keys = StaticKeys::new([
    ///     ("a._domainkey.example.com", "v=DKIM1; p="),
    ///     ("b._domainkey.example.com.", "v=DKIM1; k=ed25519; p="),
    /// ]);
    /// let found = |name| matches!(futures::executor::block_on(keys.lookup_txt(name)), Lookup::Found(_));
    /// assert!(found("A._DOMAINKEY.example.com") && found("b._domainkey.example.com"));
    /// assert!(!found("c._domainkey.example.com"));
    /// ```
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut keys = Self::default();
        for (name, text) in pairs {
            keys.insert(name, TxtRecord::from_text(text));
        }
        keys
    }

    /// Adds a record at `name`.
    ///
    /// ```
    /// use dkim_dns::{KeySource, Lookup, StaticKeys, TxtRecord};
    /// let mut keys = StaticKeys::default();
    /// keys.insert("sel._domainkey.example.com", TxtRecord::new(vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()]));
    /// let Lookup::Found(answer) = futures::executor::block_on(keys.lookup_txt("sel._domainkey.example.com")) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(answer.records()[0].strings().len(), 2); // strings kept apart
    /// ```
    pub fn insert(&mut self, name: &str, record: TxtRecord) {
        self.map.entry(normalize_name(name)).or_default().push(record);
    }

    /// The TTL reported with every answer (default 3600).
    ///
    /// ```
    /// use dkim_dns::{KeySource, Lookup, StaticKeys};
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]).ttl(86_400);
    /// let Lookup::Found(answer) = futures::executor::block_on(keys.lookup_txt("sel._domainkey.example.com")) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(answer.ttl(), 86_400);
    /// ```
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl;
        self
    }

    fn answer(&self, name: &str) -> Lookup {
        match self.map.get(&normalize_name(name)) {
            Some(records) => Lookup::Found(TxtAnswer::new(records.clone(), self.ttl, Dnssec::Unknown)),
            None => Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, Some(self.ttl))),
        }
    }
}

impl KeySource for StaticKeys {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        std::future::ready(self.answer(name))
    }
}
