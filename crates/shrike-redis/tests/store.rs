//! `SharedStore` against the local Redis (127.0.0.1:6379, `SHRIKE_TEST_REDIS` for another):
//! it reads exactly like the embedded `MemoryStore` on the same calls, two nodes writing the
//! same keys concurrently lose no update, and claims make an event id count once.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

use std::time::Duration;

use shrike_features::{
    AggKind, AggValue, FeatureSpec, FeatureStore, GroupSpec, Input, KeyHash, MemoryStore, StoreLayout, Update,
    ValueKind,
};
use shrike_redis::{Claim, Conn, SharedStore, StateOptions};
use shrike_types::{Duration as Span, Money, Outcome, Timestamp};

const T0: i64 = 1_700_000_000_000;

fn url() -> String {
    std::env::var("SHRIKE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn layout() -> StoreLayout {
    let f = |agg, value_kind, w: i64, r: i64| FeatureSpec {
        agg,
        value_kind,
        window: Span(w * 1_000),
        resolution: Span(r * 1_000),
    };
    let features = vec![
        f(AggKind::Count, ValueKind::None, 600, 10),
        f(AggKind::Sum, ValueKind::Money, 3_600, 60),
        f(AggKind::Distinct, ValueKind::None, 600, 10),
        f(AggKind::FirstSeen, ValueKind::None, 86_400, 1_440),
        f(AggKind::Max, ValueKind::Number, 600, 10),
    ];
    StoreLayout {
        groups: vec![GroupSpec { features: features.clone() }, GroupSpec { features }],
        allowed_lateness: Span(30_000),
    }
}

fn options(prefix: &str) -> StateOptions {
    StateOptions {
        prefix: prefix.to_string(),
        timeout: Duration::from_secs(2),
        retry_after: Duration::from_millis(200),
        ttl_margin: Duration::from_secs(60),
        claim_ttl: Duration::from_secs(60),
        pending_ttl: Duration::from_secs(10),
    }
}

fn unique_prefix(name: &str) -> String {
    format!("test-{name}-{}-{}", std::process::id(), shrike_types::clock::Stopwatch::start().elapsed_nanos())
}

/// Deletes a test's keys (tests share the Redis; the keys' TTLs are up to a day).
fn clean(prefix: &str) {
    let client = shrike_redis::redis::Client::open(url()).unwrap();
    let mut c = client.get_connection().unwrap();
    let keys: Vec<String> = shrike_redis::redis::cmd("KEYS").arg(format!("{prefix}:*")).query(&mut c).unwrap();
    if !keys.is_empty() {
        let _: () = shrike_redis::redis::cmd("DEL").arg(&keys).query(&mut c).unwrap();
    }
}

struct Node {
    store: SharedStore,
}

fn node(rt: &tokio::runtime::Runtime, prefix: &str) -> Node {
    let conn = rt.block_on(Conn::connect(&[url()], Duration::from_secs(2))).expect(
        "Redis is required: run ./scripts/test.sh (it starts Redis) or `redis-server --daemonize yes --port 6379`",
    );
    let ids = vec!["g0".to_string(), "g1".to_string()];
    Node { store: SharedStore::new(layout(), &ids, conn, rt.handle().clone(), options(prefix)).unwrap() }
}

/// Event `i`'s call: key, time (out of order within lateness), updates.
fn call(i: i64) -> (usize, KeyHash, i64, Vec<Update>) {
    let group = (i % 2) as usize;
    let key = KeyHash::of(format!("k{}", i % 5).as_bytes());
    let at = T0 + i * 2_500 - (i % 4) * 7_000;
    let updates = vec![
        Update { feature: 0, input: Input::None },
        Update { feature: 1, input: Input::Money(Money(i * 1_000_003)) },
        Update { feature: 2, input: Input::Hash((i * 7 % 90) as u64) },
        Update { feature: 3, input: Input::None },
        Update { feature: 4, input: Input::Num((i % 17) as f64 * 1.5) },
    ];
    (group, key, at, updates)
}

const READS: [u16; 5] = [0, 1, 2, 3, 4];

fn run(store: &mut impl FeatureStore, c: &(usize, KeyHash, i64, Vec<Update>)) -> Vec<AggValue> {
    let mut out = vec![AggValue::Missing; READS.len()];
    store.apply_and_read(c.0, c.1, Timestamp(c.2), &c.3, &READS, &mut out);
    out
}

#[test]
fn reads_exactly_like_the_embedded_store() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prefix = unique_prefix("same");
    let mut shared = node(&rt, &prefix);
    let mut memory = MemoryStore::new(layout()).unwrap();
    for batch in 0..20 {
        let calls: Vec<_> = (batch * 37..batch * 37 + 37).map(call).collect();
        let keys: Vec<(usize, KeyHash)> = calls.iter().map(|c| (c.0, c.1)).collect();
        shared.store.begin(&keys, &[]).unwrap();
        for c in &calls {
            assert_eq!(run(&mut shared.store, c), run(&mut memory, c), "batch {batch}");
        }
        let stats = shared.store.commit(&[]).unwrap();
        assert_eq!((stats.conflicts, stats.rounds), (0, 1));
    }
    clean(&prefix);
}

#[test]
fn two_nodes_writing_the_same_keys_lose_no_update() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prefix = unique_prefix("race");
    let (mut a, mut b) = (node(&rt, &prefix), node(&rt, &prefix));
    let key = KeyHash::of(b"hot");
    let count = Update { feature: 0, input: Input::None };
    let at = |i: i64| Timestamp(T0 + i * 100);
    for round in 0..10i64 {
        // Both load the same state, both add, A commits first: B's write conflicts and is
        // applied again on top of A's.
        a.store.begin(&[(0, key)], &[]).unwrap();
        b.store.begin(&[(0, key)], &[]).unwrap();
        a.store.apply_and_read(0, key, at(round), &[count], &[], &mut []);
        b.store.apply_and_read(0, key, at(round), &[count, count], &[], &mut []);
        a.store.commit(&[]).unwrap();
        let stats = b.store.commit(&[]).unwrap();
        assert_eq!((stats.conflicts, stats.rounds, stats.written), (1, 2, 1));
    }
    a.store.begin(&[(0, key)], &[]).unwrap();
    let mut out = [AggValue::Missing];
    a.store.apply_and_read(0, key, at(10), &[], &[0], &mut out);
    assert_eq!(out, [AggValue::Count(30)]);
    clean(&prefix);
}

#[test]
fn an_event_id_is_claimed_once_across_nodes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prefix = unique_prefix("claims");
    let (mut a, mut b) = (node(&rt, &prefix), node(&rt, &prefix));
    let (x, y) = (11u128, 12u128);
    assert_eq!(a.store.begin(&[], &[x, y, x]).unwrap(), [Claim::Ours, Claim::Ours, Claim::Ours]);
    // While A decides, B sees the ids as pending.
    assert_eq!(b.store.begin(&[], &[x]).unwrap(), [Claim::Pending]);
    a.store.commit(&[(x, Some((Outcome::Block, 80))), (y, None)]).unwrap();
    let seen = b.store.begin(&[], &[x, y]).unwrap();
    assert_eq!(seen, [Claim::Decided { outcome: Outcome::Block, score: 80 }, Claim::Ours], "y was released");
    clean(&prefix);
}

/// A node that dies between claiming and committing leaves nothing applied; once its
/// pending claims expire another node claims and applies the events; and the dead batch's
/// commit, should it still come, is refused whole (fenced), writing nothing.
#[test]
fn a_batch_is_committed_whole_or_not_at_all_and_its_claims_expire() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prefix = unique_prefix("fence");
    let short = |prefix: &str| {
        let conn = rt.block_on(Conn::connect(&[url()], Duration::from_secs(2))).unwrap();
        let options = StateOptions { pending_ttl: Duration::from_millis(300), ..options(prefix) };
        let ids = vec!["g0".to_string(), "g1".to_string()];
        SharedStore::new(layout(), &ids, conn, rt.handle().clone(), options).unwrap()
    };
    let (mut a, mut b) = (short(&prefix), short(&prefix));
    let key = KeyHash::of(b"k");
    let count = Update { feature: 0, input: Input::None };
    let (x, y) = (21u128, 22u128);
    assert_eq!(a.begin(&[(0, key)], &[x, y]).unwrap(), [Claim::Ours, Claim::Ours]);
    a.apply_and_read(0, key, Timestamp(T0), &[count], &[], &mut []);
    a.apply_and_read(0, key, Timestamp(T0), &[count], &[], &mut []);
    assert_eq!(b.begin(&[], &[x]).unwrap(), [Claim::Pending], "A is deciding x");
    std::thread::sleep(Duration::from_millis(400));
    // A "died": its claims expired. B claims x and applies it.
    assert_eq!(b.begin(&[(0, key)], &[x]).unwrap(), [Claim::Ours]);
    b.apply_and_read(0, key, Timestamp(T0), &[count], &[], &mut []);
    b.commit(&[(x, Some((Outcome::Allow, 0)))]).unwrap();
    // A's late commit is fenced: nothing written, its still-pending claims released.
    let fenced = a.commit(&[(x, Some((Outcome::Allow, 0))), (y, Some((Outcome::Allow, 0)))]);
    assert!(matches!(fenced, Err(shrike_redis::StateError::Fenced(_))), "{fenced:?}");
    assert!(!a.is_degraded(), "a fence is not an outage");
    let mut out = [AggValue::Missing];
    assert_eq!(
        b.begin(&[(0, key)], &[x, y]).unwrap(),
        [Claim::Decided { outcome: Outcome::Allow, score: 0 }, Claim::Ours]
    );
    b.apply_and_read(0, key, Timestamp(T0), &[], &[0], &mut out);
    assert_eq!(out, [AggValue::Count(1)], "x counted once, A's two calls not at all");
    clean(&prefix);
}

#[test]
fn an_unreadable_stored_key_is_counted_and_starts_afresh() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prefix = unique_prefix("damaged");
    let mut n = node(&rt, &prefix);
    let key = KeyHash::of(b"k");
    let count = Update { feature: 0, input: Input::None };
    n.store.begin(&[(0, key)], &[]).unwrap();
    n.store.apply_and_read(0, key, Timestamp(T0), &[count], &[], &mut []);
    n.store.commit(&[]).unwrap();
    let client = shrike_redis::redis::Client::open(url()).unwrap();
    let mut c = client.get_connection().unwrap();
    let names: Vec<String> = shrike_redis::redis::cmd("KEYS").arg(format!("{prefix}:f:*")).query(&mut c).unwrap();
    assert_eq!(names.len(), 1);
    let _: () = shrike_redis::redis::cmd("SET").arg(&names[0]).arg("0123456789 not a state").query(&mut c).unwrap();
    n.store.begin(&[(0, key)], &[]).unwrap();
    assert_eq!(n.store.unreadable, 1);
    let mut out = [AggValue::Missing];
    n.store.apply_and_read(0, key, Timestamp(T0 + 1), &[count], &[0], &mut out);
    assert_eq!(out, [AggValue::Count(1)], "the key started afresh");
    // The write replaces the damaged value (its token still guards the compare-and-set).
    assert_eq!(n.store.commit(&[]).unwrap().written, 1);
    n.store.begin(&[(0, key)], &[]).unwrap();
    assert_eq!(n.store.unreadable, 1);
    clean(&prefix);
}

#[test]
fn an_unreachable_redis_is_an_error_not_a_hang() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(Conn::connect(&["redis://127.0.0.1:1".into()], Duration::from_millis(200))).err();
    assert!(matches!(err, Some(shrike_redis::StateError::Unavailable(_))), "{err:?}");
}
