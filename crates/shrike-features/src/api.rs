//! The store seam: what the engine passes in and reads out, and the [`FeatureStore`] trait that
//! the in-memory store implements now and durable or Redis-backed stores can implement later.

use shrike_types::{Money, Timestamp};

use crate::key::KeyHash;

/// The value an update contributes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    /// No value: for `Count`, `FirstSeen`, `LastSeen` (which accept any input).
    None,
    /// A number for `Number` features; NaN and infinities are ignored.
    Num(f64),
    /// An amount for `Money` features.
    Money(Money),
    /// A 64-bit hash of the value for `Distinct` (the store mixes it again before sketching).
    Hash(u64),
}

/// One update to one feature of a group. An update whose input does not fit the feature's kind
/// (e.g. `Num` for a `Money` sum) or whose index is out of range is ignored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Update {
    /// Index of the feature within its group.
    pub feature: u16,
    /// What the event contributes.
    pub input: Input,
}

/// The value of one feature at one event time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AggValue {
    /// No value: `Avg`/`Min`/`Max` of an empty window, first/last seen with nothing retained,
    /// or an unknown feature index.
    Missing,
    /// `Count` and `Distinct`.
    Count(u64),
    /// `Sum`/`Avg`/`Min`/`Max` of `Number` features.
    Num(f64),
    /// `Sum`/`Avg`/`Min`/`Max` of `Money` features.
    Money(Money),
    /// `FirstSeen`/`LastSeen`.
    Time(Timestamp),
}

/// Size of a store, for metrics and memory budgeting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Live keys in each group, in layout order.
    pub keys_per_group: Vec<usize>,
    /// Approximate heap bytes: table slots, key bytes and cell capacities, excluding the
    /// allocator's own per-allocation overhead.
    pub heap_bytes: usize,
    /// Calls for new keys refused because their group was full (`MAX_KEYS_PER_GROUP`).
    pub refused_keys: u64,
}

impl StoreStats {
    /// Live keys over all groups.
    pub fn keys(&self) -> usize {
        self.keys_per_group.iter().sum()
    }
}

/// Windowed feature state per (group, key). Object safe, synchronous and narrow, so that a
/// durable or Redis-backed store (same buckets as hashes with TTLs) can implement it.
pub trait FeatureStore {
    /// For one key of one group at event time `at`: apply `updates` (each to the feature at
    /// that index in the group), then write the value of each feature index in `reads` into
    /// `out[i]`. `FirstSeen`/`LastSeen` are read before the updates, every other kind after.
    ///
    /// A call without updates never creates the key (an absent key reads as empty). Updates
    /// older than the key's newest event time minus the allowed lateness are ignored; reads at
    /// such times are best effort. Only `min(reads.len(), out.len())` values are written.
    fn apply_and_read(
        &mut self,
        group: usize,
        key: KeyHash,
        at: Timestamp,
        updates: &[Update],
        reads: &[u16],
        out: &mut [AggValue],
    );

    /// A hint that a call for `key` of `group` follows soon. It changes no state and no value;
    /// a store may use it to start loading the key's state. The engine calls it for the keys
    /// of events a few places ahead in a batch, so that their cache misses overlap with the
    /// work on the current event instead of being waited for one after another. Lookups are
    /// chains of dependent loads, so the hint comes in stages, each a few events after the
    /// previous one for the same key: `prefetch` (should read nothing: start loading where
    /// the key's lookup begins), [`FeatureStore::prefetch_state`] (may read what the first
    /// stage loaded, to start loading the key's state) and [`FeatureStore::prefetch_cells`]
    /// (may follow pointers in that state). The defaults do nothing.
    fn prefetch(&self, group: usize, key: KeyHash) {
        let _ = (group, key);
    }

    /// The second stage of [`FeatureStore::prefetch`].
    fn prefetch_state(&self, group: usize, key: KeyHash) {
        let _ = (group, key);
    }

    /// The third stage of [`FeatureStore::prefetch`].
    fn prefetch_cells(&self, group: usize, key: KeyHash) {
        let _ = (group, key);
    }

    /// Drops keys whose newest event time is more than their group's longest window plus the
    /// allowed lateness before `watermark`, and returns how many were dropped. Reads are
    /// unchanged as long as no later call has `at < watermark - allowed_lateness`.
    fn expire(&mut self, watermark: Timestamp) -> usize;

    /// Keys per group and approximate heap bytes (walks every key: not for the hot path).
    fn stats(&self) -> StoreStats;
}
