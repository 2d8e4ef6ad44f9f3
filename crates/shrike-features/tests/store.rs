//! Behaviour of `MemoryStore` through the public API: each aggregate, window edges, lateness,
//! distinct counting across the exact cap and expiry.

use shrike_features::{
    AggKind, AggValue, DISTINCT_EXACT_CAP, FeatureSpec, FeatureStore, GroupSpec, HLL_REGISTERS, Input, KeyHash,
    MemoryStore, StoreLayout, Update, ValueKind,
};
use shrike_types::{Duration, Money, Timestamp};

const T0: i64 = 1_700_000_000_000; // a multiple of 10 s: bucket-aligned for r = 10 s
const SEC: i64 = 1_000;

fn spec(agg: AggKind, value_kind: ValueKind, window_s: i64, res_s: i64) -> FeatureSpec {
    FeatureSpec { agg, value_kind, window: Duration(window_s * SEC), resolution: Duration(res_s * SEC) }
}

fn store(features: Vec<FeatureSpec>, lateness_s: i64) -> MemoryStore {
    let layout = StoreLayout { groups: vec![GroupSpec { features }], allowed_lateness: Duration(lateness_s * SEC) };
    MemoryStore::new(layout).expect("valid layout")
}

/// Applies one update to feature 0 and reads feature 0.
fn put(s: &mut MemoryStore, key: &str, at: i64, input: Input) -> AggValue {
    call(s, key, at, &[Update { feature: 0, input }], &[0])[0]
}

/// Reads feature 0 without updating.
fn get(s: &mut MemoryStore, key: &str, at: i64) -> AggValue {
    call(s, key, at, &[], &[0])[0]
}

fn call(s: &mut MemoryStore, key: &str, at: i64, updates: &[Update], reads: &[u16]) -> Vec<AggValue> {
    let mut out = vec![AggValue::Missing; reads.len()];
    s.apply_and_read(0, KeyHash::of(key.as_bytes()), Timestamp(at), updates, reads, &mut out);
    out
}

fn count_store(lateness_s: i64) -> MemoryStore {
    store(vec![spec(AggKind::Count, ValueKind::None, 60, 10)], lateness_s) // n = 6
}

#[test]
fn window_edges_are_bucket_exact() {
    let mut s = count_store(0);
    assert_eq!(put(&mut s, "k", T0 + 9_999, Input::None), AggValue::Count(1));
    // Same bucket, earlier and later ms: in.
    assert_eq!(put(&mut s, "k", T0 + 9_999, Input::None), AggValue::Count(2));
    // b(t) - n + 1 = b(e): still in; b(t) - n = b(e): out.
    assert_eq!(get(&mut s, "k", T0 + 59_999), AggValue::Count(2));
    assert_eq!(get(&mut s, "k", T0 + 60_000), AggValue::Count(0));
    assert_eq!(put(&mut s, "k", T0 + 60_000, Input::None), AggValue::Count(1));
}

#[test]
fn absent_keys_read_empty_and_are_not_created() {
    let mut s = store(
        vec![
            spec(AggKind::Count, ValueKind::None, 60, 10),
            spec(AggKind::Sum, ValueKind::Money, 60, 10),
            spec(AggKind::Sum, ValueKind::Number, 60, 10),
            spec(AggKind::Avg, ValueKind::Number, 60, 10),
            spec(AggKind::Distinct, ValueKind::None, 60, 10),
            spec(AggKind::LastSeen, ValueKind::None, 60, 10),
        ],
        0,
    );
    let got = call(&mut s, "nobody", T0, &[], &[0, 1, 2, 3, 4, 5, 6]);
    let zero = AggValue::Money(Money::ZERO);
    let want = [AggValue::Count(0), zero, AggValue::Num(0.0), AggValue::Missing, AggValue::Count(0)];
    assert_eq!(got[..5], want);
    assert_eq!(got[5..], [AggValue::Missing, AggValue::Missing]);
    assert_eq!(s.stats().keys(), 0);
}

#[test]
fn number_aggregates() {
    let features = [AggKind::Sum, AggKind::Avg, AggKind::Min, AggKind::Max]
        .map(|agg| spec(agg, ValueKind::Number, 60, 10))
        .to_vec();
    let mut s = store(features, 0);
    let all = |x: f64| [0, 1, 2, 3].map(|feature| Update { feature, input: Input::Num(x) });
    call(&mut s, "k", T0, &all(4.0), &[]);
    call(&mut s, "k", T0 + 10_000, &all(f64::NAN), &[]); // ignored
    let got = call(&mut s, "k", T0 + 20_000, &all(-1.0), &[0, 1, 2, 3]);
    let want = [4.0 - 1.0, 1.5, -1.0, 4.0].map(AggValue::Num);
    assert_eq!(got, want);
}

#[test]
fn money_aggregates_are_exact_and_saturate() {
    let features = [AggKind::Sum, AggKind::Avg, AggKind::Min, AggKind::Max]
        .map(|agg| spec(agg, ValueKind::Money, 60, 10))
        .to_vec();
    let mut s = store(features, 0);
    let all = |m: i64| [0, 1, 2, 3].map(|feature| Update { feature, input: Input::Money(Money(m)) });
    call(&mut s, "k", T0, &all(1), &[]);
    call(&mut s, "k", T0, &[Update { feature: 0, input: Input::Num(5.0) }], &[]); // wrong kind
    let got = call(&mut s, "k", T0 + 1, &all(2), &[0, 1, 2, 3]);
    // avg 1.5 micros rounds half away from zero to 2.
    assert_eq!(got, [3, 2, 1, 2].map(|m| AggValue::Money(Money(m))));
    call(&mut s, "big", T0, &all(i64::MAX), &[]);
    let got = call(&mut s, "big", T0 + 10_000, &all(i64::MAX), &[0, 1]);
    assert_eq!(got, [AggValue::Money(Money(i64::MAX)); 2]);
}

#[test]
fn first_and_last_seen_read_before_the_update() {
    let features =
        vec![spec(AggKind::FirstSeen, ValueKind::None, 60, 10), spec(AggKind::LastSeen, ValueKind::None, 60, 10)];
    let mut s = store(features, 5);
    let both = [Update { feature: 0, input: Input::None }, Update { feature: 1, input: Input::None }];
    let time = |t: i64| AggValue::Time(Timestamp(t));
    assert_eq!(call(&mut s, "k", T0, &both, &[0, 1]), [AggValue::Missing; 2]);
    assert_eq!(call(&mut s, "k", T0 + 1_234, &both, &[0, 1]), [time(T0), time(T0)]);
    // A late event: first seen moves back, last seen stays the newest arrival.
    call(&mut s, "k", T0 - 3_000, &both, &[]);
    assert_eq!(call(&mut s, "k", T0 + 61_234, &[], &[0, 1]), [time(T0 - 3_000), time(T0 + 1_234)]);
    // Retention: idle for longer than the window forgets, and the next event starts afresh.
    assert_eq!(call(&mut s, "k", T0 + 61_235, &both, &[0, 1]), [AggValue::Missing; 2]);
    assert_eq!(call(&mut s, "k", T0 + 61_300, &[], &[0, 1]), [time(T0 + 61_235); 2]);
}

#[test]
fn late_updates_land_in_their_own_bucket() {
    let mut s = count_store(30);
    put(&mut s, "k", T0 + 100_000, Input::None);
    // 30 s late: applied; a read at that time excludes the newer bucket.
    assert_eq!(put(&mut s, "k", T0 + 70_000, Input::None), AggValue::Count(1));
    assert_eq!(get(&mut s, "k", T0 + 100_000), AggValue::Count(2));
    assert_eq!(get(&mut s, "k", T0 + 130_000), AggValue::Count(1));
    // 30.001 s late: ignored.
    put(&mut s, "k", T0 + 69_999, Input::None);
    assert_eq!(get(&mut s, "k", T0 + 100_000), AggValue::Count(2));
    assert_eq!(get(&mut s, "k", T0 + 70_000), AggValue::Count(1));
}

#[test]
fn cells_stay_bounded_by_window_plus_lateness() {
    let mut s = count_store(20); // at most 6 + 2 cells
    put(&mut s, "k", T0, Input::None);
    let one_cell = s.stats().heap_bytes;
    for i in 0..1_000 {
        put(&mut s, "k", T0 + i * 10_000, Input::None);
    }
    assert!(s.stats().heap_bytes <= one_cell + 16 * 8, "{}", s.stats().heap_bytes);
    assert_eq!(get(&mut s, "k", T0 + 999 * 10_000), AggValue::Count(6));
}

fn distinct_store() -> MemoryStore {
    store(vec![spec(AggKind::Distinct, ValueKind::None, 100, 10)], 0) // n = 10
}

fn hash(i: u64) -> Input {
    Input::Hash(i) // the store mixes hashes itself; sequential values are fine
}

#[test]
fn distinct_is_exact_up_to_the_cap() {
    let mut s = distinct_store();
    for i in 0..DISTINCT_EXACT_CAP as u64 {
        put(&mut s, "k", T0 + i as i64, hash(i));
        put(&mut s, "k", T0 + i as i64, hash(i));
    }
    assert_eq!(get(&mut s, "k", T0 + 1_000), AggValue::Count(DISTINCT_EXACT_CAP as u64));
    // Repeats at later buckets do not count twice; values age out per bucket.
    put(&mut s, "k", T0 + 50_000, hash(0));
    assert_eq!(get(&mut s, "k", T0 + 100_000), AggValue::Count(1));
}

fn within_three_standard_errors(got: AggValue, truth: f64) {
    let AggValue::Count(c) = got else { panic!("{got:?}") };
    let sigma = 1.04 / (HLL_REGISTERS as f64).sqrt();
    let err = (c as f64 - truth).abs() / truth;
    assert!(err <= 3.0 * sigma, "estimate {c} for {truth}: {err:.3} > 3 x {sigma:.3}");
}

#[test]
fn distinct_switches_to_a_sliding_sketch() {
    let mut s = distinct_store();
    let put_range = |s: &mut MemoryStore, values: std::ops::Range<u64>| {
        for i in values {
            put(s, "k", T0 + (i as i64 / 1_000) * 10_000, hash(i)); // 1k values per bucket
        }
    };
    put_range(&mut s, 0..10_000); // buckets 0..=9
    within_three_standard_errors(get(&mut s, "k", T0 + 99_999), 10_000.0);
    put_range(&mut s, 10_000..15_000); // buckets 10..=14
    let before = s.stats().heap_bytes;
    within_three_standard_errors(get(&mut s, "k", T0 + 149_999), 10_000.0);
    within_three_standard_errors(get(&mut s, "k", T0 + 199_999), 5_000.0);
    assert_eq!(get(&mut s, "k", T0 + 249_999), AggValue::Count(0));
    // Memory does not grow with the values: far below 15k 16-byte entries.
    assert!(before < 40_000, "{before}");
    // Once all sketched values aged out, counting is exact again.
    put(&mut s, "k", T0 + 300_000, hash(1));
    assert_eq!(put(&mut s, "k", T0 + 300_000, hash(2)), AggValue::Count(2));
}

#[test]
fn expiry_drops_only_keys_idle_beyond_window_plus_lateness() {
    // Longest window 60 s, lateness 5 s: idle limit 65 s.
    let features =
        vec![spec(AggKind::Count, ValueKind::None, 30, 10), spec(AggKind::LastSeen, ValueKind::None, 60, 10)];
    let mut s = store(features, 5);
    let both = [Update { feature: 0, input: Input::None }, Update { feature: 1, input: Input::None }];
    call(&mut s, "old", T0, &both, &[]);
    call(&mut s, "new", T0 + 10_000, &both, &[]);
    assert_eq!(s.expire(Timestamp(T0 + 65_000)), 0);
    // At the limit the last-seen is still readable at watermark - lateness.
    assert_eq!(call(&mut s, "old", T0 + 60_000, &[], &[1]), [AggValue::Time(Timestamp(T0))]);
    assert_eq!(s.expire(Timestamp(T0 + 65_001)), 1);
    assert_eq!(s.stats().keys_per_group, [1]);
    assert_eq!(call(&mut s, "old", T0 + 60_001, &[], &[0, 1]), [AggValue::Count(0), AggValue::Missing]);
}

#[test]
fn unknown_groups_and_features_read_missing() {
    let mut s = count_store(0);
    let mut out = [AggValue::Count(7); 2];
    s.apply_and_read(
        3,
        KeyHash::of(b"k"),
        Timestamp(T0),
        &[Update { feature: 0, input: Input::None }],
        &[0, 0],
        &mut out,
    );
    assert_eq!(out, [AggValue::Missing; 2]);
    let got = call(&mut s, "k", T0, &[Update { feature: 9, input: Input::None }], &[9, 0]);
    assert_eq!(got, [AggValue::Missing, AggValue::Count(0)]);
}

#[test]
fn a_full_group_refuses_new_keys_until_expiry_makes_room() {
    use shrike_features::{AggKind, FeatureSpec, GroupSpec, StoreLayout, ValueKind};
    use shrike_types::Duration;
    let f = FeatureSpec::new(AggKind::Count, ValueKind::None, Duration::parse_literal("1h").unwrap());
    let layout = StoreLayout { groups: vec![GroupSpec { features: vec![f] }], allowed_lateness: Duration(0) };
    let mut s = MemoryStore::with_max_keys(layout, 3).unwrap();
    let up = [Update { feature: 0, input: Input::None }];
    let mut out = [AggValue::Missing];
    for k in ["a", "b", "c", "d"] {
        s.apply_and_read(0, KeyHash::of(k.as_bytes()), Timestamp(1_000), &up, &[0], &mut out);
    }
    assert_eq!(out, [AggValue::Count(0)], "the fourth key is refused and reads empty");
    assert_eq!(s.stats().keys(), 3);
    assert_eq!(s.stats().refused_keys, 1);
    s.apply_and_read(0, KeyHash::of(b"a"), Timestamp(2_000), &up, &[0], &mut out);
    assert_eq!(out, [AggValue::Count(2)], "known keys still update");
    let later = Timestamp(10 * 3_600_000);
    assert_eq!(s.expire(later), 3);
    s.apply_and_read(0, KeyHash::of(b"d"), later, &up, &[0], &mut out);
    assert_eq!(out, [AggValue::Count(1)], "after expiry there is room");
}
