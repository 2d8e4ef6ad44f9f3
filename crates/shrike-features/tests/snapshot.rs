//! Snapshots: a restored store reads exactly like the original (every kind, a sketch,
//! lateness), and damaged bytes are rejected with an error instead of a panic.

use shrike_features::{
    AggKind, AggValue, FeatureSpec, FeatureStore, GroupSpec, Input, KeyHash, MemoryStore, SnapshotError, StoreLayout,
    Update, ValueKind,
};
use shrike_types::{Duration, Money, Timestamp};

const T0: i64 = 1_700_000_000_000;
const SEC: i64 = 1_000;

fn spec(agg: AggKind, value_kind: ValueKind, window_s: i64, res_s: i64) -> FeatureSpec {
    FeatureSpec { agg, value_kind, window: Duration(window_s * SEC), resolution: Duration(res_s * SEC) }
}

fn call(s: &mut MemoryStore, key: &str, at: i64, updates: &[Update], reads: &[u16]) -> Vec<AggValue> {
    let mut out = vec![AggValue::Missing; reads.len()];
    s.apply_and_read(0, KeyHash::of(key.as_bytes()), Timestamp(at), updates, reads, &mut out);
    out
}

fn mixed_layout() -> StoreLayout {
    let features = vec![
        spec(AggKind::Count, ValueKind::None, 60, 10),
        spec(AggKind::Sum, ValueKind::Number, 60, 10),
        spec(AggKind::Avg, ValueKind::Money, 120, 20),
        spec(AggKind::Min, ValueKind::Number, 60, 10),
        spec(AggKind::Max, ValueKind::Money, 60, 10),
        spec(AggKind::Distinct, ValueKind::None, 60, 10),
        spec(AggKind::FirstSeen, ValueKind::None, 60, 10),
        spec(AggKind::LastSeen, ValueKind::None, 60, 10),
    ];
    StoreLayout { groups: vec![GroupSpec { features }], allowed_lateness: Duration(15 * SEC) }
}

/// 3,000 out-of-order events over 7 keys; `k0` gets a new distinct value each time (sketch
/// mode), the others cycle through 9 (exact mode). One key has a long (heap) name.
fn fill_mixed(s: &mut MemoryStore) {
    for i in 0..3_000i64 {
        let key = if i % 7 == 6 { "a-key-longer-than-twenty-two-bytes".to_string() } else { format!("k{}", i % 7) };
        let at = T0 + i * 37 - (i % 5) * 2_000; // out of order within lateness
        let x = (i % 100) as f64;
        let inputs = [
            Input::None,
            Input::Num(x),
            Input::Money(Money(i * 1_001)),
            Input::Num(-x),
            Input::Money(Money(i)),
            Input::Hash(if key == "k0" { i as u64 } else { (i % 9) as u64 }),
            Input::None,
            Input::None,
        ];
        let updates: Vec<Update> =
            inputs.iter().enumerate().map(|(f, &input)| Update { feature: f as u16, input }).collect();
        call(s, &key, at, &updates, &[]);
    }
}

fn keys() -> Vec<String> {
    let mut keys: Vec<String> = (0..7).map(|k| format!("k{k}")).collect();
    keys.push("a-key-longer-than-twenty-two-bytes".to_string());
    keys
}

#[test]
fn restore_of_a_snapshot_reads_identically() {
    let mut a = MemoryStore::new(mixed_layout()).expect("layout");
    fill_mixed(&mut a);
    let bytes = a.snapshot();
    let mut b = MemoryStore::restore(mixed_layout(), &bytes).expect("restore");
    assert_eq!(a.stats().keys_per_group, b.stats().keys_per_group);
    let reads: Vec<u16> = (0..8).collect();
    for key in keys() {
        for at in (T0 + 90_000..T0 + 200_000).step_by(3_331) {
            assert_eq!(call(&mut a, &key, at, &[], &reads), call(&mut b, &key, at, &[], &reads), "{key} {at}");
        }
    }
    // Updates after the restore behave the same too (the sketch rebuilds its view).
    for (i, key) in keys().iter().enumerate() {
        let up = [Update { feature: 5, input: Input::Hash(99 + i as u64) }, Update { feature: 0, input: Input::None }];
        let at = T0 + 111_000 + i as i64;
        assert_eq!(call(&mut a, key, at, &up, &reads), call(&mut b, key, at, &up, &reads));
    }
    // A snapshot of the restored store restores to the same answers again.
    let mut c = MemoryStore::restore(mixed_layout(), &b.snapshot()).expect("restore again");
    assert_eq!(call(&mut a, "k0", T0 + 120_000, &[], &reads), call(&mut c, "k0", T0 + 120_000, &[], &reads));
}

#[test]
fn damaged_snapshots_are_rejected() {
    let mut a = MemoryStore::new(mixed_layout()).expect("layout");
    fill_mixed(&mut a);
    let bytes = a.snapshot();
    for len in (0..bytes.len()).step_by(97) {
        assert!(MemoryStore::restore(mixed_layout(), &bytes[..len]).is_err(), "prefix {len}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let err = MemoryStore::restore(mixed_layout(), &longer).err();
    assert_eq!(err, Some(SnapshotError::Corrupt("trailing bytes")));
    let mut other = mixed_layout();
    other.allowed_lateness = Duration(0);
    assert_eq!(MemoryStore::restore(other, &bytes).err(), Some(SnapshotError::LayoutMismatch));
    let mut version = bytes.clone();
    version[8] = 9;
    assert_eq!(MemoryStore::restore(mixed_layout(), &version).err(), Some(SnapshotError::Version(9)));
    assert_eq!(MemoryStore::restore(mixed_layout(), b"nope").err(), Some(SnapshotError::BadMagic));
}

#[test]
fn flipped_bytes_never_panic() {
    let mut a = MemoryStore::new(mixed_layout()).expect("layout");
    fill_mixed(&mut a);
    let bytes = a.snapshot();
    for i in (0..bytes.len()).step_by(13) {
        let mut bad = bytes.clone();
        bad[i] ^= 0xa5;
        // Either rejected or a valid store; reads on it must not panic either.
        if let Ok(mut s) = MemoryStore::restore(mixed_layout(), &bad) {
            for key in keys() {
                let reads: Vec<u16> = (0..8).collect();
                call(&mut s, &key, T0 + 111_000, &[Update { feature: 5, input: Input::Hash(1) }], &reads);
            }
        }
    }
}

#[test]
fn keys_moved_out_and_back_in_read_identically() {
    let mut a = MemoryStore::new(mixed_layout()).expect("layout");
    fill_mixed(&mut a);
    let mut b = MemoryStore::new(mixed_layout()).expect("layout");
    for key in keys() {
        // `k6` is never written (its events go to the long key): nothing to export.
        let Some(bytes) = a.export_key(0, KeyHash::of(key.as_bytes())) else {
            assert_eq!(key, "k6");
            continue;
        };
        assert_eq!(b.import_key(0, &bytes), Ok(KeyHash::of(key.as_bytes())));
        // Importing again replaces, never duplicates.
        b.import_key(0, &bytes).expect("again");
        for cut in (0..bytes.len()).step_by(5) {
            assert!(b.clone_free_import_fails(&bytes[..cut]), "{key}: prefix {cut}");
        }
    }
    assert_eq!(a.export_key(0, KeyHash::of(b"absent")), None);
    assert_eq!(a.stats().keys_per_group, b.stats().keys_per_group);
    let reads: Vec<u16> = (0..8).collect();
    for (i, key) in keys().iter().enumerate() {
        let up =
            [Update { feature: 5, input: Input::Hash(7 + i as u64) }, Update { feature: 1, input: Input::Num(2.5) }];
        let at = T0 + 111_000 + i as i64;
        assert_eq!(call(&mut a, key, at, &up, &reads), call(&mut b, key, at, &up, &reads), "{key}");
    }
    b.clear();
    assert_eq!(b.stats().keys(), 0);
}

/// Import into a scratch store, so a failed import is checked not to need a valid store.
trait ImportFails {
    fn clone_free_import_fails(&self, bytes: &[u8]) -> bool;
}

impl ImportFails for MemoryStore {
    fn clone_free_import_fails(&self, bytes: &[u8]) -> bool {
        let mut scratch = MemoryStore::new(self.layout().clone()).expect("layout");
        scratch.import_key(0, bytes).is_err() && scratch.stats().keys() == 0
    }
}
