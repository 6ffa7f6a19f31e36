//! `KeyCache`: hits, expiry on a manual clock, negative caching, temporary
//! failures, capacity, sharing between concurrent verifications.

#![allow(clippy::unwrap_used)]

mod support;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use dkim_async::{AsyncVerifier, FuturesTimer, KeyCache, ManualClock};
use dkim_core::{Policy, SignatureResult, Verdict};
use dkim_dns::{
    Dnssec, KeySource, Lookup, NoRecord, NoRecordKind, StaticKeys, TempFail, TempFailCause, TxtAnswer, TxtRecord,
};
use futures::executor::block_on;
use support::*;

const T0: u64 = 1_000_000;

fn found(l: Lookup) -> TxtAnswer {
    match l {
        Lookup::Found(a) => a,
        other => panic!("expected records, got {other:?}"),
    }
}

fn not_found(l: Lookup) -> NoRecord {
    match l {
        Lookup::NoRecord(n) => n,
        other => panic!("expected no record, got {other:?}"),
    }
}

/// A key source that answers from a script, name by name, and counts.
struct Scripted {
    answers: std::collections::HashMap<String, Lookup>,
}

impl Scripted {
    fn new(pairs: &[(&str, Lookup)]) -> Counting<Self> {
        Counting::new(Self { answers: pairs.iter().map(|(n, l)| (n.to_string(), l.clone())).collect() })
    }
}

impl KeySource for Scripted {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        let answer = self
            .answers
            .get(name)
            .cloned()
            .unwrap_or_else(|| Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, None)));
        std::future::ready(answer)
    }
}

fn txt(ttl: u32) -> Lookup {
    Lookup::Found(TxtAnswer::new(vec![TxtRecord::from_text("v=DKIM1; k=ed25519; p=")], ttl, Dnssec::Authenticated))
}

#[test]
fn hit_then_expiry_by_the_clock() {
    let clock = ManualClock::new(T0);
    let cache = KeyCache::new(Scripted::new(&[("a.example", txt(600))]), &clock);
    block_on(async {
        assert_eq!(found(cache.lookup_txt("a.example").await).ttl(), 600);
        clock.advance(599);
        let hit = found(cache.lookup_txt("A.Example.").await);
        assert_eq!(hit.ttl(), 1, "the TTL that remains");
        assert_eq!(hit.dnssec(), Dnssec::Authenticated, "the AD bit is kept");
        assert_eq!(cache.source().count(), 1, "served from the cache");
        clock.advance(1);
        assert_eq!(found(cache.lookup_txt("a.example").await).ttl(), 600);
        assert_eq!(cache.source().count(), 2, "expired: asked again");
    });
}

#[test]
fn ttl_is_clamped() {
    let clock = ManualClock::new(T0);
    let source =
        Scripted::new(&[("long.example", txt(30 * 86_400)), ("short.example", txt(5)), ("zero.example", txt(0))]);
    let cache = KeyCache::new(source, &clock);
    block_on(async {
        cache.lookup_txt("long.example").await;
        assert_eq!(found(cache.lookup_txt("long.example").await).ttl(), 86_400, "one day at most by default");
        cache.lookup_txt("zero.example").await;
        cache.lookup_txt("zero.example").await;
        assert_eq!(cache.source().count_of("zero.example"), 2, "a TTL of 0 is not kept");
    });

    let cache = KeyCache::new(Scripted::new(&[("long.example", txt(7200)), ("short.example", txt(5))]), &clock)
        .ttl_bounds(60, 3600);
    block_on(async {
        cache.lookup_txt("long.example").await;
        cache.lookup_txt("short.example").await;
        assert_eq!(found(cache.lookup_txt("long.example").await).ttl(), 3600);
        assert_eq!(found(cache.lookup_txt("short.example").await).ttl(), 60);
        assert_eq!(cache.source().count(), 2);
    });
}

#[test]
fn no_record_is_cached_for_its_negative_ttl() {
    let clock = ManualClock::new(T0);
    let source = Scripted::new(&[
        ("gone.example", Lookup::NoRecord(NoRecord::new(NoRecordKind::NoData, Some(60)))),
        ("long.example", Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, Some(86_400)))),
    ]);
    let cache = KeyCache::new(source, &clock);
    block_on(async {
        not_found(cache.lookup_txt("gone.example").await);
        clock.advance(30);
        let n = not_found(cache.lookup_txt("gone.example").await);
        assert_eq!((n.kind(), n.negative_ttl()), (NoRecordKind::NoData, Some(30)));
        assert_eq!(cache.source().count(), 1);
        clock.advance(30);
        not_found(cache.lookup_txt("gone.example").await);
        assert_eq!(cache.source().count(), 2);

        // Clamped to 300 s by default; no negative TTL at all means 300 s.
        not_found(cache.lookup_txt("long.example").await);
        assert_eq!(not_found(cache.lookup_txt("long.example").await).negative_ttl(), Some(300));
        not_found(cache.lookup_txt("unknown.example").await);
        assert_eq!(not_found(cache.lookup_txt("unknown.example").await).negative_ttl(), Some(300));
        assert_eq!((cache.len(), cache.negative_len()), (0, 3));
    });
}

#[test]
fn temporary_failures_are_never_cached() {
    let clock = ManualClock::new(T0);
    let fail = Lookup::TempFail(TempFail::new(TempFailCause::ServFail));
    let cache = KeyCache::new(Scripted::new(&[("flaky.example", fail)]), &clock);
    block_on(async {
        for _ in 0..3 {
            assert!(matches!(cache.lookup_txt("flaky.example").await, Lookup::TempFail(_)));
        }
    });
    assert_eq!(cache.source().count(), 3);
    assert!(cache.is_empty());
}

#[test]
fn capacity_is_respected() {
    let clock = ManualClock::new(T0);
    let mut pairs = Vec::new();
    let names: Vec<String> = (0..20).map(|i| format!("n{i}.example")).collect();
    for (i, n) in names.iter().enumerate() {
        // Later names live longer.
        pairs.push((n.as_str(), txt(100 + i as u32)));
    }
    let cache = KeyCache::new(Scripted::new(&pairs), &clock).capacity(5).negative_capacity(2);
    block_on(async {
        for n in &names {
            cache.lookup_txt(n).await;
            assert!(cache.len() <= 5);
        }
        assert_eq!(cache.len(), 5);
        // The five that expire last are the ones kept.
        for n in &names[15..] {
            cache.lookup_txt(n).await;
        }
        assert_eq!(cache.source().count(), 20);
        cache.lookup_txt(&names[0]).await;
        assert_eq!(cache.source().count(), 21);

        // The negative table has its own bound and leaves records alone.
        for i in 0..10 {
            cache.lookup_txt(&format!("missing{i}.example")).await;
        }
        assert_eq!((cache.len(), cache.negative_len()), (5, 2));
    });
    cache.clear();
    assert!(cache.is_empty());
}

#[test]
fn capacity_zero_turns_caching_off() {
    let clock = ManualClock::new(T0);
    let cache = KeyCache::new(Scripted::new(&[("a.example", txt(600))]), &clock).capacity(0).negative_capacity(0);
    block_on(async {
        for _ in 0..2 {
            cache.lookup_txt("a.example").await;
            cache.lookup_txt("missing.example").await;
        }
    });
    assert_eq!(cache.source().count(), 4);
    assert!(cache.is_empty());
}

#[test]
fn expired_entries_go_first() {
    let clock = ManualClock::new(T0);
    let source = Scripted::new(&[("old.example", txt(10)), ("b.example", txt(1000)), ("c.example", txt(1000))]);
    let cache = KeyCache::new(source, &clock).capacity(2);
    block_on(async {
        cache.lookup_txt("old.example").await;
        cache.lookup_txt("b.example").await;
        clock.advance(20);
        cache.lookup_txt("c.example").await;
        cache.lookup_txt("b.example").await;
        assert_eq!(cache.source().count_of("b.example"), 1, "the expired entry made room, not b");
    });
}

#[test]
fn remove_forgets_a_name() {
    let clock = ManualClock::new(T0);
    let cache = KeyCache::new(Scripted::new(&[("a.example", txt(600))]), &clock);
    block_on(cache.lookup_txt("a.example"));
    cache.remove("A.EXAMPLE.");
    block_on(cache.lookup_txt("a.example"));
    assert_eq!(cache.source().count(), 2);
}

/// A cancelled lookup (a deadline) does not leave others waiting.
#[test]
fn waiters_survive_a_cancelled_leader() {
    use futures::FutureExt as _;
    let clock = ManualClock::new(T0);
    let cache = KeyCache::new(Counting::new(Hanging::new(keys_for(1), &[&key_name(1)])), &clock);
    let name = key_name(1);
    let mut first = Box::pin(cache.lookup_txt(&name));
    assert!((&mut first).now_or_never().is_none());
    let mut second = Box::pin(cache.lookup_txt(&name));
    assert!((&mut second).now_or_never().is_none());
    assert_eq!(cache.source().count(), 1, "the second waits for the first");
    drop(first);
    // The second now asks upstream itself (and hangs there, as it should).
    assert!((&mut second).now_or_never().is_none());
    assert_eq!(cache.source().count(), 2);
    drop(second);
    assert!(cache.lookup_txt(&name).now_or_never().is_none());
    assert_eq!(cache.source().count(), 3, "no flight is left behind");
}

#[test]
fn concurrent_lookups_of_one_name_share_one_query() {
    let clock = ManualClock::new(T0);
    let slow = Counting::new(Slow::new(keys_for(1), Duration::from_millis(50)));
    let cache = KeyCache::new(&slow, &clock);
    let name = key_name(1);
    let answers = block_on(futures::future::join_all((0..10).map(|_| cache.lookup_txt(&name))));
    assert!(answers.iter().all(|a| matches!(a, Lookup::Found(_))));
    assert_eq!(slow.count(), 1);
}

fn verdicts(results: &[SignatureResult]) -> Vec<Verdict> {
    results.iter().map(SignatureResult::verdict).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_by_concurrent_verifications() {
    const N: u8 = 3;
    let clock = Arc::new(ManualClock::new(T0));
    let upstream = Arc::new(Counting::new(Slow::new(keys_for(N), Duration::from_millis(20))));
    let cache = Arc::new(KeyCache::new(Arc::clone(&upstream), Arc::clone(&clock)));
    let verifier = Arc::new(
        AsyncVerifier::new(Arc::clone(&cache), Policy::default())
            .clock(ManualClock::new(SIGNED_AT))
            .timer(FuturesTimer)
            .lookup_timeout(Duration::from_secs(10)),
    );
    let message = Arc::new(signed_by(N));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (v, m) = (Arc::clone(&verifier), Arc::clone(&message));
            tokio::spawn(async move { v.verify_reader(Chunked::new(&m, 1000)).await.unwrap() })
        })
        .collect();
    for t in tasks {
        assert_eq!(verdicts(&t.await.unwrap()), [Verdict::Pass; N as usize]);
    }
    assert_eq!(upstream.count(), usize::from(N), "one upstream query per key for 16 messages");
    assert_eq!(cache.len(), usize::from(N));

    // After the TTL (StaticKeys: 3600 s) the keys are fetched again.
    clock.advance(3600);
    assert_eq!(verdicts(&verifier.verify_bytes(&message).await.unwrap()), [Verdict::Pass; N as usize]);
    assert_eq!(upstream.count(), 2 * usize::from(N));
}

#[test]
fn cache_in_front_of_static_keys_verifies() {
    let clock = ManualClock::new(T0);
    let cache = KeyCache::new(StaticKeys::new([]).ttl(60), &clock);
    let results = block_on(AsyncVerifier::new(&cache, Policy::default()).verify_bytes(&signed_by(1))).unwrap();
    assert_eq!(verdicts(&results), [Verdict::PermError]);
    assert_eq!(cache.negative_len(), 1);
}
