//! [`MemoryStore`]: the in-process [`FeatureStore`], one hash table per group.

use shrike_types::Timestamp;

use crate::api::{AggValue, FeatureStore, StoreStats, Update};
use crate::group::GroupStore;
use crate::key::KeyHash;
use crate::spec::{LayoutError, StoreLayout, compile};

/// Exact sliding-window features in memory: per group a [`crate::PrefetchTable`] from key
/// hash to the key's sparse buckets. State is plain data (vectors and integers), snapshotted with
/// [`MemoryStore::snapshot`] and restored with [`MemoryStore::restore`].
#[derive(Debug)]
pub struct MemoryStore {
    pub(crate) layout: StoreLayout,
    pub(crate) lateness_ms: i64,
    pub(crate) groups: Vec<GroupStore>,
}

impl MemoryStore {
    /// An empty store for a validated layout.
    pub fn new(layout: StoreLayout) -> Result<Self, LayoutError> {
        let groups = compile(&layout)?.into_iter().map(GroupStore::new).collect();
        Ok(MemoryStore { lateness_ms: layout.allowed_lateness.0, layout, groups })
    }

    /// An empty store whose groups hold at most `max_keys` keys each (default
    /// [`crate::MAX_KEYS_PER_GROUP`]): past it, calls for new keys apply nothing and read empty.
    pub fn with_max_keys(layout: StoreLayout, max_keys: usize) -> Result<Self, LayoutError> {
        let mut s = MemoryStore::new(layout)?;
        s.groups.iter_mut().for_each(|g| g.max_keys = max_keys);
        Ok(s)
    }

    /// The layout this store was built for.
    pub fn layout(&self) -> &StoreLayout {
        &self.layout
    }
}

impl FeatureStore for MemoryStore {
    fn apply_and_read(
        &mut self,
        group: usize,
        key: KeyHash,
        at: Timestamp,
        updates: &[Update],
        reads: &[u16],
        out: &mut [AggValue],
    ) {
        match self.groups.get_mut(group) {
            Some(g) => g.call(self.lateness_ms, key, at.0, updates, reads, out),
            None => out.iter_mut().for_each(|v| *v = AggValue::Missing),
        }
    }

    fn prefetch(&self, group: usize, key: KeyHash) {
        if let Some(g) = self.groups.get(group) {
            g.prefetch(key);
        }
    }

    fn prefetch_state(&self, group: usize, key: KeyHash) {
        if let Some(g) = self.groups.get(group) {
            g.prefetch_state(key);
        }
    }

    fn prefetch_cells(&self, group: usize, key: KeyHash) {
        if let Some(g) = self.groups.get(group) {
            g.prefetch_cells(key);
        }
    }

    fn expire(&mut self, watermark: Timestamp) -> usize {
        self.groups.iter_mut().map(|g| g.expire(watermark.0)).sum()
    }

    fn stats(&self) -> StoreStats {
        let groups = self.groups.iter();
        StoreStats {
            keys_per_group: groups.clone().map(|g| g.table.len()).collect(),
            heap_bytes: groups.clone().map(GroupStore::heap_bytes).sum(),
            refused_keys: groups.map(|g| g.refused).sum(),
        }
    }
}
