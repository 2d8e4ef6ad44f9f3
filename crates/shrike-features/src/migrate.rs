//! Carrying state over to a new layout when a policy is replaced.
//!
//! A new policy version usually keeps most features and changes a few. The engine knows which
//! features of the new layout are the same computation as a feature of the old one (same key
//! expressions, aggregate, argument, filter, event types, window and resolution) and passes
//! that map; those keep their state, every other feature starts empty. The store only moves
//! states: it never re-interprets them, so a carried feature reads exactly as before.

use crate::group::{EntityState, Features, GroupStore, Table, with_table};
use crate::key::KeyHash;
use crate::memory::MemoryStore;
use crate::spec::{LayoutError, StoreLayout, compile};
use crate::state::FeatureState;

/// For one group of the new layout, where its features' state comes from: `(old group,
/// old feature index)` per new feature index, `None` for a feature that starts empty.
pub type GroupCarry = Vec<Option<(usize, usize)>>;

/// Why a carry map cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrateError {
    /// The new layout is invalid.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The map has an entry for a group or feature that does not exist, or takes one new
    /// group's features from several old groups (their keys differ, so they cannot share).
    #[error("carry map for new group {group} is invalid: {reason}")]
    BadCarry { group: usize, reason: &'static str },
    /// Carried state is only exact under the same allowed lateness (it sets how many old
    /// buckets are kept).
    #[error("state can only be carried over under the same allowed lateness")]
    LatenessChanged,
}

impl MemoryStore {
    /// Whether [`MemoryStore::migrate`] would succeed; checks everything it checks.
    pub fn check_migration(&self, layout: &StoreLayout, carry: &[GroupCarry]) -> Result<(), MigrateError> {
        let any_carry = carry.iter().flatten().any(Option::is_some);
        if any_carry && layout.allowed_lateness != self.layout.allowed_lateness {
            return Err(MigrateError::LatenessChanged);
        }
        let defs = compile(layout)?;
        if carry.len() > defs.len() {
            return Err(MigrateError::BadCarry { group: defs.len(), reason: "more entries than groups" });
        }
        for (g, def) in defs.iter().enumerate() {
            let map = carry.get(g).map(Vec::as_slice).unwrap_or_default();
            source_group(g, map, def.features.len(), &self.groups)?;
        }
        Ok(())
    }

    /// A store for `layout` that takes the state of the features `carry` maps from this one
    /// (`carry[g][f]` for new group `g`, feature `f`; missing entries start empty). Fails
    /// exactly when [`MemoryStore::check_migration`] does, before moving anything.
    pub fn migrate(mut self, layout: StoreLayout, carry: &[GroupCarry]) -> Result<MemoryStore, MigrateError> {
        self.check_migration(&layout, carry)?;
        let mut next = MemoryStore::new(layout)?;
        for (g, group) in next.groups.iter_mut().enumerate() {
            let map = carry.get(g).map(Vec::as_slice).unwrap_or_default();
            let Some(source) = source_group(g, map, group.def.features.len(), &self.groups)? else { continue };
            fill(group, &mut self.groups[source], map);
        }
        Ok(next)
    }
}

/// The one old group a new group's carried features come from, after checking the map.
fn source_group(
    g: usize,
    map: &[Option<(usize, usize)>],
    features: usize,
    old: &[GroupStore],
) -> Result<Option<usize>, MigrateError> {
    let bad = |reason| MigrateError::BadCarry { group: g, reason };
    if map.len() > features {
        return Err(bad("more entries than the group has features"));
    }
    let mut source = None;
    for &(og, of) in map.iter().flatten() {
        let valid = old.get(og).is_some_and(|o| of < o.def.features.len());
        if !valid {
            return Err(bad("refers to an old feature that does not exist"));
        }
        if source.is_some_and(|s| s != og) {
            return Err(bad("takes features from more than one old group"));
        }
        source = Some(og);
    }
    Ok(source)
}

/// Moves every key of `old` into `new`, with the mapped feature states and empty others.
fn fill(new: &mut GroupStore, old: &mut GroupStore, map: &[Option<(usize, usize)>]) {
    let old_count = old.def.features.len();
    let taken = std::mem::replace(&mut old.table, Table::new(old_count));
    let keys: Vec<(KeyHash, i64, Vec<FeatureState>)> = with_table!(taken, from => {
        from.into_entries().into_iter().map(|e| (e.key, e.newest, e.features.into_states(old_count))).collect()
    });
    let def = &new.def;
    with_table!(&mut new.table, table => {
        table.reserve(keys.len());
        for (key, newest, mut states) in keys {
            let moved = def.features.iter().enumerate().map(|(f, fd)| match map.get(f).copied().flatten() {
                Some((_, of)) => std::mem::replace(&mut states[of], FeatureState::new(fd)),
                None => FeatureState::new(fd),
            });
            let entity = EntityState { key, newest, features: Features::from_states(moved.collect()) };
            // Keys were unique in the old table, which held no more than a table can.
            let _ = table.insert_new(entity);
        }
    });
}
