//! Model-based property tests: random layouts and streams of (key, time, value) with
//! out-of-order times within the allowed lateness, interleaved reads, too-late updates, expiry
//! and snapshot round trips. Every read is compared with a naive model that keeps every applied
//! event and recomputes each aggregate from the documented definition.

mod naive;

use std::collections::HashMap;

use proptest::prelude::*;
use shrike_features::{
    AggKind, AggValue, FeatureSpec, FeatureStore, GroupSpec, Input, KeyHash, MemoryStore, StoreLayout, Update,
    ValueKind,
};
use shrike_types::{Duration, Timestamp};

use naive::{Applied, input_for, naive};

const KINDS: [AggKind; 8] = [
    AggKind::Count,
    AggKind::Sum,
    AggKind::Avg,
    AggKind::Min,
    AggKind::Max,
    AggKind::Distinct,
    AggKind::FirstSeen,
    AggKind::LastSeen,
];

/// One step of a stream. Indices are selectors, reduced modulo the layout's sizes; a feature
/// selector may land one past the end to exercise unknown indices.
#[derive(Clone, Debug)]
enum Op {
    Event { group: usize, key: u8, advance: i64, back: i64, updates: Vec<(usize, u64)>, reads: Vec<usize> },
    Read { group: usize, key: u8, back: i64 },
    TooLate { group: usize, key: u8, extra: i64, updates: Vec<(usize, u64)> },
    Expire,
    Snapshot,
}

fn feature() -> impl Strategy<Value = FeatureSpec> {
    (0..KINDS.len(), any::<bool>(), prop::sample::select(vec![1_000i64, 2_000, 5_000]), 1..6i64).prop_map(
        |(k, money, r, n)| {
            let agg = KINDS[k];
            let value_kind = match (agg.takes_value(), money) {
                (false, _) => ValueKind::None,
                (true, true) => ValueKind::Money,
                (true, false) => ValueKind::Number,
            };
            FeatureSpec { agg, value_kind, window: Duration(r * n), resolution: Duration(r) }
        },
    )
}

fn layout() -> impl Strategy<Value = StoreLayout> {
    let group = prop::collection::vec(feature(), 1..=6).prop_map(|features| GroupSpec { features });
    let lateness = prop::sample::select(vec![0i64, 1_500, 3_000, 10_000]);
    (prop::collection::vec(group, 1..=2), lateness)
        .prop_map(|(groups, l)| StoreLayout { groups, allowed_lateness: Duration(l) })
}

fn op(allow_too_late: bool) -> impl Strategy<Value = Op> {
    let updates = prop::collection::vec((0..8usize, any::<u64>()), 1..4);
    let reads = prop::collection::vec(0..8usize, 0..5);
    // Quarter-second steps hit window and retention edges exactly; free ms steps do not.
    let advance = prop_oneof![3 => (0..12i64).prop_map(|q| q * 250), 2 => 0..3_000i64, 1 => 0..40_000i64];
    let back = || prop_oneof![(0..=40i64).prop_map(|q| q * 250), 0..=10_000i64];
    let event = (0..2usize, 0..4u8, advance, back(), updates.clone(), reads).prop_map(
        |(group, key, advance, back, updates, reads)| Op::Event { group, key, advance, back, updates, reads },
    );
    let read = (0..2usize, 0..5u8, back()).prop_map(|(group, key, back)| Op::Read { group, key, back });
    let late = (0..2usize, 0..4u8, 0..5_000i64, updates).prop_map(|(group, key, extra, updates)| Op::TooLate {
        group,
        key,
        extra,
        updates,
    });
    let late_weight = if allow_too_late { 1 } else { 0 };
    prop_oneof![
        12 => event,
        4 => read,
        late_weight => late,
        1 => Just(Op::Expire),
        1 => Just(Op::Snapshot),
    ]
}

#[derive(Default)]
struct KeyModel {
    newest: i64,
    /// Arrival order.
    events: Vec<Applied>,
}

struct Harness {
    layout: StoreLayout,
    store: MemoryStore,
    keys: HashMap<(usize, u8), KeyModel>,
    clock: i64,
    expire: bool,
}

impl Harness {
    fn new(layout: StoreLayout, base: i64, expire: bool) -> Self {
        let store = MemoryStore::new(layout.clone()).expect("valid layout");
        Harness { layout, store, keys: HashMap::new(), clock: base, expire }
    }

    fn lateness(&self) -> i64 {
        self.layout.allowed_lateness.0
    }

    fn features(&self, group: usize) -> &[FeatureSpec] {
        &self.layout.groups[group].features
    }

    /// Maps a selector to a feature index, one past the end included.
    fn feature_index(&self, group: usize, sel: usize) -> usize {
        sel % (self.features(group).len() + 1)
    }

    fn run(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Event { group, key, advance, back, updates, reads } => {
                let group = group % self.layout.groups.len();
                self.clock += advance;
                let at = self.clock - back.min(self.lateness());
                let updates = self.updates(group, &updates);
                let reads: Vec<u16> = reads.iter().map(|&r| self.feature_index(group, r) as u16).collect();
                self.check_call(group, key, at, &updates, &reads)?;
            }
            Op::Read { group, key, back } => {
                let group = group % self.layout.groups.len();
                let at = self.clock - back.min(self.lateness());
                let reads: Vec<u16> = (0..=self.features(group).len() as u16).collect();
                self.check_call(group, key, at, &[], &reads)?;
            }
            Op::TooLate { group, key, extra, updates } => {
                let group = group % self.layout.groups.len();
                if let Some(km) = self.keys.get(&(group, key)) {
                    let at = km.newest - self.lateness() - 1 - extra;
                    let updates = self.updates(group, &updates);
                    let mut out = vec![AggValue::Missing; 2];
                    self.store.apply_and_read(group, KeyHash::of(&[key]), Timestamp(at), &updates, &[0, 1], &mut out);
                }
            }
            Op::Expire if self.expire => {
                // The clock is the event-time high-water mark: later calls have
                // `at >= clock - lateness`, the contract `expire` relies on.
                self.store.expire(Timestamp(self.clock));
            }
            Op::Expire => {}
            Op::Snapshot => {
                let bytes = self.store.snapshot();
                self.store = MemoryStore::restore(self.layout.clone(), &bytes).expect("restore");
            }
        }
        if !self.expire {
            self.check_key_counts()?;
        }
        Ok(())
    }

    fn updates(&self, group: usize, raw: &[(usize, u64)]) -> Vec<Update> {
        raw.iter()
            .map(|&(sel, seed)| {
                let feature = self.feature_index(group, sel);
                let input = self.features(group).get(feature).map_or(Input::None, |f| input_for(f, seed));
                Update { feature: feature as u16, input }
            })
            .collect()
    }

    fn check_call(
        &mut self,
        group: usize,
        key: u8,
        at: i64,
        updates: &[Update],
        reads: &[u16],
    ) -> Result<(), TestCaseError> {
        let mut out = vec![AggValue::Missing; reads.len()];
        self.store.apply_and_read(group, KeyHash::of(&[key]), Timestamp(at), updates, reads, &mut out);
        let expected = self.model_call(group, key, at, updates, reads);
        for ((got, want), f) in out.iter().zip(&expected).zip(reads) {
            let spec = self.features(group).get(usize::from(*f));
            prop_assert_eq!(got, want, "feature {} {:?} at {}", f, spec, at);
        }
        Ok(())
    }

    /// The model's answer for one call; applies the updates unless they are too late.
    fn model_call(&mut self, group: usize, key: u8, at: i64, updates: &[Update], reads: &[u16]) -> Vec<AggValue> {
        let lateness = self.lateness();
        let features = self.layout.groups[group].features.clone();
        let km = self.keys.entry((group, key)).or_default();
        let before = km.events.clone();
        if !updates.is_empty() {
            if before.is_empty() {
                km.newest = at;
            }
            assert!(at >= km.newest - lateness, "generator makes no too-late checked calls");
            km.newest = km.newest.max(at);
            for u in updates {
                km.events.push(Applied { at, feature: usize::from(u.feature), input: u.input });
            }
        }
        let after = km.events.clone();
        if after.is_empty() {
            self.keys.remove(&(group, key));
        }
        let read = |&f: &u16| {
            let f = usize::from(f);
            let Some(spec) = features.get(f) else {
                return AggValue::Missing;
            };
            let events = if spec.agg.reads_before_update() { &before } else { &after };
            naive(spec, events, f, at)
        };
        reads.iter().map(read).collect()
    }

    fn check_key_counts(&self) -> Result<(), TestCaseError> {
        let stats = self.store.stats();
        for (g, &n) in stats.keys_per_group.iter().enumerate() {
            let model = self.keys.keys().filter(|(mg, _)| *mg == g).count();
            prop_assert_eq!(n, model, "keys in group {}", g);
        }
        Ok(())
    }
}

fn run_stream(layout: StoreLayout, base: i64, ops: Vec<Op>, expire: bool) -> Result<(), TestCaseError> {
    let mut h = Harness::new(layout, base, expire);
    for op in ops {
        h.run(op)?;
    }
    Ok(())
}

/// Bases: around 0 (negative times), today, and where 1 s buckets wrap past `u32::MAX`.
fn base() -> impl Strategy<Value = i64> {
    prop::sample::select(vec![-60_000i64, 1_700_000_000_000, (1i64 << 32) * 1_000 - 60_000])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matches_model_with_too_late_updates(
        layout in layout(), base in base(), ops in prop::collection::vec(op(true), 1..200)
    ) {
        run_stream(layout, base, ops, false)?;
    }

    #[test]
    fn matches_model_with_expiry(
        layout in layout(), base in base(), ops in prop::collection::vec(op(false), 1..200)
    ) {
        run_stream(layout, base, ops, true)?;
    }
}
