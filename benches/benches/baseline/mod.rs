//! stalwartlabs/mail-auth's DKIM verification, the baseline of the `verify` and `corpus` benches: its TXT cache
//! prefilled with the same keys (so no DNS query is made; each bench checks the Pass verdicts before timing, as there
//! is no network).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mail_auth::dkim::DomainKey;
use mail_auth::dns::{DnsCache, NoCache, Parameters, ResolverCache, TxtRecord, TxtRecordParser};
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator};

pub struct TxtCache(Mutex<HashMap<Box<str>, TxtRecord>>);

impl ResolverCache<Box<str>, TxtRecord> for TxtCache {
    fn get<Q>(&self, name: &Q) -> Option<TxtRecord>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<TxtRecord>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.remove(name)
    }

    fn insert(&self, key: Box<str>, value: TxtRecord, _: Instant) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, value);
        }
    }
}

pub struct Caches {
    txt: TxtCache,
}

impl DnsCache for Caches {
    type Txt = TxtCache;
    type Mx = NoCache;
    type Ipv4 = NoCache;
    type Ipv6 = NoCache;
    type Ptr = NoCache;

    fn txt(&self) -> Option<&TxtCache> {
        Some(&self.txt)
    }
    fn mx(&self) -> Option<&NoCache> {
        None
    }
    fn ipv4(&self) -> Option<&NoCache> {
        None
    }
    fn ipv6(&self) -> Option<&NoCache> {
        None
    }
    fn ptr(&self) -> Option<&NoCache> {
        None
    }
}

pub struct Baseline {
    authenticator: MessageAuthenticator,
    caches: Caches,
    runtime: tokio::runtime::Runtime,
}

impl Baseline {
    /// `records`: (name without final dot, record text).
    pub fn new(records: &[(String, String)]) -> Self {
        let map = records
            .iter()
            .map(|(name, text)| {
                let key = DomainKey::parse(text.as_bytes()).expect("mail-auth parses the key record");
                (format!("{name}.").into_boxed_str(), TxtRecord::DomainKey(Arc::new(key)))
            })
            .collect();
        Self {
            authenticator: MessageAuthenticator::new_system_conf().expect("resolver config"),
            caches: Caches { txt: TxtCache(Mutex::new(map)) },
            runtime: tokio::runtime::Builder::new_current_thread().build().expect("runtime"),
        }
    }

    /// Parses and verifies `message`; true when every signature passes.
    pub fn verify(&self, message: &[u8]) -> bool {
        let parsed = AuthenticatedMessage::parse(message).expect("mail-auth parses the message");
        let outputs =
            self.runtime.block_on(self.authenticator.verify_dkim(Parameters::new(&parsed).with_cache(&self.caches)));
        !outputs.is_empty() && outputs.iter().all(|o| o.result() == &DkimResult::Pass)
    }
}
