//! A TTL-aware key cache that wraps any [`KeySource`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use dkim_dns::{KeySource, Lookup, NoRecord, TxtAnswer};

use crate::clock::Clock;

/// Default number of names with records kept.
const DEFAULT_CAPACITY: usize = 10_000;
/// Default number of "no record" answers kept.
const DEFAULT_NEGATIVE_CAPACITY: usize = 1_000;
/// Default longest time a record is kept: one day.
const DEFAULT_MAX_TTL: u32 = 86_400;
/// Default longest time, and the time when the answer does not say, that a
/// "no record" answer is kept.
const DEFAULT_MAX_NEGATIVE_TTL: u32 = 300;

/// A key cache in front of another [`KeySource`], and a [`KeySource`] itself.
///
/// - Records are kept for their TTL, bounded by
///   [`ttl_bounds`](KeyCache::ttl_bounds) (default 0 s to one day);
///   a hit reports the TTL that remains.
/// - "No record" answers (NXDOMAIN, NODATA) are kept for their negative TTL,
///   at most [`max_negative_ttl`](KeyCache::max_negative_ttl)
///   (default 300 s, also used when the answer has none), in a table of
///   their own so that lookups of made-up names cannot push out real keys.
/// - Temporary failures are never kept.
/// - Each table holds a bounded number of names (default 10 000 records and
///   1 000 absences); when one is full the entry that expires first goes.
/// - Concurrent lookups of the same name share one upstream lookup.
///
/// Time comes from the [`Clock`] passed in. Share one cache among many
/// verifications by reference or in an [`Arc`]; it locks a [`Mutex`] only
/// briefly and never across an upstream lookup.
///
/// ```
/// use dkim_async::{Clock, KeyCache, ManualClock};
/// use dkim_dns::{KeySource, Lookup, StaticKeys};
///
/// let upstream = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]).ttl(600);
/// let clock = ManualClock::new(1_000);
/// let cache = KeyCache::new(upstream, &clock).capacity(100);
///
/// futures::executor::block_on(async {
///     cache.lookup_txt("sel._domainkey.example.com").await; // miss: asks upstream
///     clock.advance(100);
///     let Lookup::Found(hit) = cache.lookup_txt("SEL._domainkey.example.com.").await else { panic!() };
///     assert_eq!(hit.ttl(), 500); // what remains of the TTL
///     assert_eq!(cache.len(), 1);
/// });
/// ```
pub struct KeyCache<K, C> {
    source: K,
    clock: C,
    settings: Settings,
    state: Mutex<State>,
}

#[derive(Clone, Copy, Debug)]
struct Settings {
    capacity: usize,
    negative_capacity: usize,
    min_ttl: u32,
    max_ttl: u32,
    max_negative_ttl: u32,
}

#[derive(Default)]
struct State {
    positive: Table,
    negative: Table,
    flights: HashMap<String, Arc<Flight>>,
}

impl<K, C> fmt::Debug for KeyCache<K, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("KeyCache")
            .field("settings", &self.settings)
            .field("records", &state.positive.entries.len())
            .field("absences", &state.negative.entries.len())
            .finish_non_exhaustive()
    }
}

impl<K, C> KeyCache<K, C> {
    /// A cache in front of `source`, reading the time from `clock`.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, Lookup, StaticKeys};
    /// let clock = ManualClock::new(1_000);
    /// let cache = KeyCache::new(StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]), &clock);
    /// assert!(cache.is_empty());
    /// let found = futures::executor::block_on(cache.lookup_txt("sel._domainkey.example.com"));
    /// assert!(matches!(found, Lookup::Found(_)));
    /// assert_eq!(cache.len(), 1);
    /// ```
    pub fn new(source: K, clock: C) -> Self {
        Self {
            source,
            clock,
            settings: Settings {
                capacity: DEFAULT_CAPACITY,
                negative_capacity: DEFAULT_NEGATIVE_CAPACITY,
                min_ttl: 0,
                max_ttl: DEFAULT_MAX_TTL,
                max_negative_ttl: DEFAULT_MAX_NEGATIVE_TTL,
            },
            state: Mutex::new(State::default()),
        }
    }

    /// How many names with records are kept (default 10 000). Zero turns
    /// caching of records off.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let keys = StaticKeys::new([
    ///     ("a._domainkey.example.com", "v=DKIM1; p="),
    ///     ("b._domainkey.example.com", "v=DKIM1; p="),
    /// ]);
    /// let cache = KeyCache::new(keys, ManualClock::new(1_000)).capacity(1);
    /// futures::executor::block_on(async {
    ///     cache.lookup_txt("a._domainkey.example.com").await;
    ///     cache.lookup_txt("b._domainkey.example.com").await;
    /// });
    /// assert_eq!(cache.len(), 1); // one pushed the other out
    /// ```
    #[must_use]
    pub fn capacity(mut self, names: usize) -> Self {
        self.settings.capacity = names;
        self
    }

    /// How many "no record" answers are kept (default 1 000). Zero turns
    /// negative caching off.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let cache = KeyCache::new(StaticKeys::default(), ManualClock::new(1_000)).negative_capacity(0);
    /// futures::executor::block_on(cache.lookup_txt("missing._domainkey.example.com"));
    /// assert_eq!(cache.negative_len(), 0); // absences are not kept
    /// ```
    #[must_use]
    pub fn negative_capacity(mut self, names: usize) -> Self {
        self.settings.negative_capacity = names;
        self
    }

    /// Bounds on how long records are kept, in seconds (default 0 and
    /// 86 400): a TTL below `min` counts as `min`, above `max` as `max`. A
    /// TTL of zero is not kept.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, Lookup, StaticKeys};
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]).ttl(30);
    /// let clock = ManualClock::new(1_000);
    /// let cache = KeyCache::new(keys, &clock).ttl_bounds(300, 3_600); // keep for at least 5 minutes
    /// futures::executor::block_on(async {
    ///     cache.lookup_txt("sel._domainkey.example.com").await;
    ///     clock.advance(100);
    ///     let Lookup::Found(hit) = cache.lookup_txt("sel._domainkey.example.com").await else { unreachable!() };
    ///     assert_eq!(hit.ttl(), 200); // 300 - 100, not expired after 30 s
    /// });
    /// ```
    #[must_use]
    pub fn ttl_bounds(mut self, min: u32, max: u32) -> Self {
        self.settings.min_ttl = min.min(max);
        self.settings.max_ttl = max;
        self
    }

    /// The longest time a "no record" answer is kept, in seconds (default
    /// 300); also the time used when the answer carries no negative TTL.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let clock = ManualClock::new(1_000);
    /// let cache = KeyCache::new(StaticKeys::default().ttl(3_600), &clock).max_negative_ttl(60);
    /// futures::executor::block_on(async {
    ///     cache.lookup_txt("missing._domainkey.example.com").await;
    ///     assert_eq!(cache.negative_len(), 1);
    ///     clock.advance(61);
    ///     cache.lookup_txt("missing._domainkey.example.com").await; // expired after 60 s, asked again
    /// });
    /// assert_eq!(cache.negative_len(), 1);
    /// ```
    #[must_use]
    pub fn max_negative_ttl(mut self, seconds: u32) -> Self {
        self.settings.max_negative_ttl = seconds;
        self
    }

    /// The wrapped key source.
    ///
    /// ```
    /// use dkim_async::{KeyCache, SystemClock};
    /// use dkim_dns::StaticKeys;
    /// let cache = KeyCache::new(StaticKeys::default().ttl(60), SystemClock);
    /// let upstream: &StaticKeys = cache.source();
    /// # let _ = upstream;
    /// ```
    pub fn source(&self) -> &K {
        &self.source
    }

    /// Number of names with records in the cache (expired ones included
    /// until they are looked up or pushed out).
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]);
    /// let cache = KeyCache::new(keys, ManualClock::new(0));
    /// futures::executor::block_on(async {
    ///     cache.lookup_txt("sel._domainkey.example.com").await;
    ///     cache.lookup_txt("missing._domainkey.example.com").await;
    /// });
    /// assert_eq!((cache.len(), cache.negative_len()), (1, 1));
    /// ```
    pub fn len(&self) -> usize {
        self.lock().positive.entries.len()
    }

    /// Number of "no record" answers in the cache.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let cache = KeyCache::new(StaticKeys::default(), ManualClock::new(0));
    /// futures::executor::block_on(cache.lookup_txt("missing._domainkey.example.com"));
    /// assert_eq!(cache.negative_len(), 1);
    /// assert_eq!(cache.len(), 0);
    /// ```
    pub fn negative_len(&self) -> usize {
        self.lock().negative.entries.len()
    }

    /// True when neither table holds anything.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let cache = KeyCache::new(StaticKeys::default(), ManualClock::new(0));
    /// assert!(cache.is_empty());
    /// futures::executor::block_on(cache.lookup_txt("missing._domainkey.example.com"));
    /// assert!(!cache.is_empty()); // an absence counts
    /// ```
    pub fn is_empty(&self) -> bool {
        let state = self.lock();
        state.positive.entries.is_empty() && state.negative.entries.is_empty()
    }

    /// Forgets everything (lookups in flight still finish and are kept).
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]);
    /// let cache = KeyCache::new(keys, ManualClock::new(0));
    /// futures::executor::block_on(cache.lookup_txt("sel._domainkey.example.com"));
    /// cache.clear();
    /// assert!(cache.is_empty());
    /// ```
    pub fn clear(&self) {
        let mut state = self.lock();
        state.positive = Table::default();
        state.negative = Table::default();
    }

    /// Forgets what is known about `name`.
    ///
    /// ```
    /// use dkim_async::{KeyCache, ManualClock};
    /// use dkim_dns::{KeySource, StaticKeys};
    /// let keys = StaticKeys::new([("sel._domainkey.example.com", "v=DKIM1; p=")]);
    /// let cache = KeyCache::new(keys, ManualClock::new(0));
    /// futures::executor::block_on(cache.lookup_txt("sel._domainkey.example.com"));
    /// cache.remove("SEL._domainkey.example.com."); // after a key rotation, say
    /// assert_eq!(cache.len(), 0);
    /// ```
    pub fn remove(&self, name: &str) {
        let key = normalize(name);
        let mut state = self.lock();
        state.positive.remove(&key);
        state.negative.remove(&key);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held leaves the tables consistent
        // (every change is a whole insert or remove), so poisoning is ignored.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: KeySource + Sync, C: Clock + Sync> KeyCache<K, C> {
    async fn lookup(&self, name: &str) -> Lookup {
        let key = normalize(name);
        loop {
            let role = {
                let mut state = self.lock();
                if let Some(hit) = state.cached(&key, self.clock.now()) {
                    return hit;
                }
                match state.flights.get(&key) {
                    Some(flight) => Role::Follow(Arc::clone(flight)),
                    None => {
                        let flight = Arc::new(Flight::default());
                        state.flights.insert(key.clone(), Arc::clone(&flight));
                        Role::Lead(flight)
                    }
                }
            };
            match role {
                // Someone else is asking: take their answer, or ask anew if
                // they gave up.
                Role::Follow(flight) => {
                    if let Some(answer) = (Wait { flight: &flight, slot: None }).await {
                        return answer;
                    }
                }
                Role::Lead(flight) => {
                    let mut guard = Leader { cache: self, key: &key, flight, answer: None };
                    let answer = self.source.lookup_txt(name).await;
                    guard.answer = Some(answer.clone());
                    return answer;
                }
            }
        }
    }

    /// Keeps `answer` for `key` as its TTL and the settings allow.
    fn store(&self, state: &mut State, key: &str, answer: &Lookup) {
        let now = self.clock.now();
        let s = &self.settings;
        match answer {
            Lookup::Found(a) => {
                let ttl = a.ttl().clamp(s.min_ttl, s.max_ttl);
                state.negative.remove(key);
                if ttl > 0 {
                    state.positive.insert(key, answer.clone(), now.saturating_add(ttl.into()), s.capacity);
                }
            }
            Lookup::NoRecord(n) => {
                let ttl = n.negative_ttl().unwrap_or(s.max_negative_ttl).min(s.max_negative_ttl);
                state.positive.remove(key);
                if ttl > 0 {
                    state.negative.insert(key, answer.clone(), now.saturating_add(ttl.into()), s.negative_capacity);
                }
            }
            // Temporary failures, and kinds of answer added later, are not
            // kept.
            _ => {}
        }
    }
}

impl<K: KeySource + Sync, C: Clock + Sync> KeySource for KeyCache<K, C> {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        self.lookup(name)
    }
}

impl State {
    /// A live entry for `key`, with the TTL that remains.
    fn cached(&mut self, key: &str, now: u64) -> Option<Lookup> {
        let (lookup, expires) = match self.positive.live(key, now) {
            Some(e) => e,
            None => self.negative.live(key, now)?,
        };
        let remaining = u32::try_from(expires.saturating_sub(now)).unwrap_or(u32::MAX);
        Some(match lookup {
            Lookup::Found(a) => Lookup::Found(TxtAnswer::new(a.records().to_vec(), remaining, a.dnssec())),
            Lookup::NoRecord(n) => Lookup::NoRecord(NoRecord::new(n.kind(), Some(remaining))),
            other => other.clone(),
        })
    }
}

/// One table: entries by name, and their order of expiry for eviction.
#[derive(Default)]
struct Table {
    entries: HashMap<String, Entry>,
    /// (expiry, insertion number) → name: the first entry goes first.
    order: BTreeMap<(u64, u64), String>,
    inserted: u64,
}

struct Entry {
    lookup: Lookup,
    expires: u64,
    seq: u64,
}

impl Table {
    /// The entry for `key` if it has not expired; an expired one is dropped.
    fn live(&mut self, key: &str, now: u64) -> Option<(&Lookup, u64)> {
        let expires = self.entries.get(key)?.expires;
        if now >= expires {
            self.remove(key);
            return None;
        }
        self.entries.get(key).map(|e| (&e.lookup, e.expires))
    }

    fn insert(&mut self, key: &str, lookup: Lookup, expires: u64, capacity: usize) {
        self.remove(key);
        if capacity == 0 {
            return;
        }
        while self.entries.len() >= capacity {
            let Some((_, victim)) = self.order.pop_first() else { break };
            self.entries.remove(&victim);
        }
        self.inserted += 1;
        let seq = self.inserted;
        self.order.insert((expires, seq), key.to_owned());
        self.entries.insert(key.to_owned(), Entry { lookup, expires, seq });
    }

    fn remove(&mut self, key: &str) {
        if let Some(e) = self.entries.remove(key) {
            self.order.remove(&(e.expires, e.seq));
        }
    }
}

/// What a caller does on a miss.
enum Role {
    /// Ask upstream; others wait for this flight.
    Lead(Arc<Flight>),
    /// Wait for the flight already under way.
    Follow(Arc<Flight>),
}

/// An upstream lookup that other callers wait for.
#[derive(Default)]
struct Flight {
    state: Mutex<FlightState>,
}

#[derive(Default)]
struct FlightState {
    /// `Some` once the lookup ended: `Some(None)` when its caller gave up.
    outcome: Option<Option<Lookup>>,
    wakers: Vec<Option<Waker>>,
}

impl Flight {
    fn lock(&self) -> MutexGuard<'_, FlightState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The caller that asks upstream. Dropped with or without an answer (a
/// caller may give up at a deadline): it then stores the answer, ends the
/// flight and wakes the callers waiting for it.
struct Leader<'a, K: KeySource + Sync, C: Clock + Sync> {
    cache: &'a KeyCache<K, C>,
    key: &'a str,
    flight: Arc<Flight>,
    answer: Option<Lookup>,
}

impl<K: KeySource + Sync, C: Clock + Sync> Drop for Leader<'_, K, C> {
    fn drop(&mut self) {
        {
            let mut state = self.cache.lock();
            if let Some(answer) = &self.answer {
                self.cache.store(&mut state, self.key, answer);
            }
            if state.flights.get(self.key).is_some_and(|f| Arc::ptr_eq(f, &self.flight)) {
                state.flights.remove(self.key);
            }
        }
        let wakers = {
            let mut flight = self.flight.lock();
            flight.outcome = Some(self.answer.take());
            std::mem::take(&mut flight.wakers)
        };
        wakers.into_iter().flatten().for_each(Waker::wake);
    }
}

/// Waits for a flight to end.
struct Wait<'a> {
    flight: &'a Flight,
    slot: Option<usize>,
}

impl Future for Wait<'_> {
    type Output = Option<Lookup>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut flight = this.flight.lock();
        if let Some(outcome) = &flight.outcome {
            return Poll::Ready(outcome.clone());
        }
        let waker = Some(cx.waker().clone());
        match this.slot {
            Some(i) if i < flight.wakers.len() => flight.wakers[i] = waker,
            _ => {
                this.slot = Some(flight.wakers.len());
                flight.wakers.push(waker);
            }
        }
        Poll::Pending
    }
}

/// The cache key: ASCII lower case, no final dot.
fn normalize(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dkim_dns::{NoRecordKind, TxtRecord};

    fn found(ttl: u32) -> Lookup {
        Lookup::Found(TxtAnswer::new(
            vec![TxtRecord::from_text("v=DKIM1; p=")],
            ttl,
            dkim_dns::Dnssec::NotAuthenticated,
        ))
    }

    #[test]
    fn table_evicts_first_to_expire() {
        let mut t = Table::default();
        t.insert("a", found(1), 50, 2);
        t.insert("b", found(1), 10, 2);
        t.insert("c", found(1), 30, 2);
        assert!(t.entries.contains_key("a") && t.entries.contains_key("c"));
        assert_eq!(t.entries.len(), t.order.len());
        // Replacing a name does not grow the table.
        t.insert("a", found(1), 60, 2);
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.order.len(), 2);
    }

    #[test]
    fn expired_entries_are_dropped_on_lookup() {
        let mut t = Table::default();
        t.insert("a", found(1), 10, 5);
        assert!(t.live("a", 9).is_some());
        assert!(t.live("a", 10).is_none());
        assert!(t.entries.is_empty() && t.order.is_empty());
    }

    #[test]
    fn remaining_ttl_is_reported() {
        let mut s = State::default();
        s.negative.insert("x", Lookup::NoRecord(NoRecord::new(NoRecordKind::NoData, Some(60))), 160, 5);
        let Some(Lookup::NoRecord(n)) = s.cached("x", 100) else { panic!("a negative hit") };
        assert_eq!((n.kind(), n.negative_ttl()), (NoRecordKind::NoData, Some(60)));
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(normalize("Sel._DomainKey.Example.COM."), "sel._domainkey.example.com");
    }
}
