//! Carrying state over a policy swap, key by key, when a key is first touched under the new
//! policy. A swap renames a group whose features changed (its identity names its keys); the
//! features the new group shares with one old group (the engine's carry map) keep their
//! state, as in embedded mode, through `MemoryStore::migrate` on that one key: the load round
//! trip also reads the key under the old group's name, and a key absent under the new name
//! starts from the old one's carried features. The write is the usual compare-and-set on
//! "absent", so two nodes migrating one key at once settle like any concurrent write. State
//! left untouched through two swaps in a row is carried from the previous version only.

use shrike_features::{GroupCarry, GroupSpec, MemoryStore, StoreLayout};

use crate::names;

/// How one new group takes state from one old group.
pub(super) struct Migration {
    /// The old group's identity (names its keys).
    pub(super) old_id: u64,
    /// Single-group layouts: the old group, the new group (same lateness).
    old: StoreLayout,
    new: StoreLayout,
    /// The new group's carry map, with the old group renumbered 0.
    carry: Vec<GroupCarry>,
}

impl Migration {
    /// For new group `spec` taking `map`'s features from old group `old_spec` (`old_id`).
    pub(super) fn new(
        old_spec: &GroupSpec,
        old_id: u64,
        spec: &GroupSpec,
        map: &[Option<(usize, usize)>],
        lateness: shrike_types::Duration,
    ) -> Self {
        let single = |g: &GroupSpec| StoreLayout { groups: vec![g.clone()], allowed_lateness: lateness };
        let map = map.iter().map(|m| m.map(|(_, f)| (0, f))).collect();
        Migration { old_id, old: single(old_spec), new: single(spec), carry: vec![map] }
    }

    /// The new group's state bytes for a key stored under the old group as `old_value`;
    /// `None` when that value does not decode (the key then starts empty).
    pub(super) fn carry(&self, old_value: &[u8]) -> Option<Vec<u8>> {
        let (_, state) = names::split_value(old_value);
        let mut old = MemoryStore::new(self.old.clone()).ok()?;
        let key = old.import_key(0, state?).ok()?;
        let new = old.migrate(self.new.clone(), &self.carry).ok()?;
        new.export_key(0, key)
    }
}

/// Per new group, where its state comes from: `None` when its keys keep their names (the
/// same group) or nothing carries.
pub(super) fn plan(
    old: &StoreLayout,
    old_ids: &[u64],
    new: &StoreLayout,
    new_ids: &[u64],
    carry: &[GroupCarry],
) -> Vec<Option<Migration>> {
    let lateness = new.allowed_lateness;
    new.groups
        .iter()
        .enumerate()
        .map(|(g, spec)| {
            if old_ids.contains(&new_ids[g]) {
                return None;
            }
            let map = carry.get(g)?;
            let (og, _) = map.iter().flatten().next()?;
            let (old_spec, old_id) = (old.groups.get(*og)?, *old_ids.get(*og)?);
            Some(Migration::new(old_spec, old_id, spec, map, lateness))
        })
        .collect()
}
