//! One key's state as bytes: the unit a shared store (the scale-out mode's Redis) keeps per
//! `(group, key)`. The encoding is the snapshot's per-key record (key hash, newest event time,
//! one state per feature; see `snapshot.rs`), checked on import exactly as a restore checks
//! it, so a shared store reads and writes state with the same code and the same semantics as
//! the embedded store: a key moved out and back in answers every read as before.

use crate::codec::{Reader, Wire};
use crate::group::{EntityState, Features, Table, with_table};
use crate::key::KeyHash;
use crate::memory::MemoryStore;
use crate::snapshot::{SnapshotError, get_entity, put_state};

impl MemoryStore {
    /// The encoded state of `key` in `group`, or `None` when the store does not hold it.
    pub fn export_key(&self, group: usize, key: KeyHash) -> Option<Vec<u8>> {
        let g = self.groups.get(group)?;
        with_table!(&g.table, table => {
            let e = table.find(key.0)?;
            let mut out = Vec::with_capacity(64);
            e.key.0.put(&mut out);
            e.newest.put(&mut out);
            e.states(&g.def).iter().for_each(|s| put_state(&mut out, s));
            Some(out)
        })
    }

    /// Puts a key's state from [`MemoryStore::export_key`] bytes (taken under the same
    /// group layout) into `group`, replacing what the store held for that key; returns the
    /// key. Damaged bytes or a state of another layout are an error and change nothing.
    pub fn import_key(&mut self, group: usize, bytes: &[u8]) -> Result<KeyHash, SnapshotError> {
        let g = self.groups.get_mut(group).ok_or(SnapshotError::LayoutMismatch)?;
        let mut r = Reader::new(bytes);
        with_table!(&mut g.table, table => {
            let entity = decode(&mut r, &g.def.features)?;
            if r.remaining() != 0 {
                return Err(SnapshotError::Corrupt("trailing bytes"));
            }
            let key = entity.key;
            match table.find_mut(key.0) {
                Some(e) => *e = entity,
                None => {
                    // Not held, so the insert finds no entry with this key.
                    let _ = table.insert_new(entity);
                }
            }
            Ok(key)
        })
    }

    /// Drops every key (the layout stays): a shared store's per-batch cache starts empty.
    pub fn clear(&mut self) {
        for g in &mut self.groups {
            with_table!(&mut g.table, table => table.clear());
        }
    }
}

fn decode<F: Features>(r: &mut Reader<'_>, defs: &[crate::spec::FeatureDef]) -> Result<EntityState<F>, SnapshotError> {
    get_entity(r, defs)
}
