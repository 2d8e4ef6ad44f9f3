//! Versioned binary snapshots of a [`MemoryStore`], for durable restarts.
//!
//! Format (all integers little-endian):
//!
//! ```text
//! magic "SHRKFEAT" | version u16 = 2 | layout | per group: key count u64, then per key:
//!   key hash u128 (XXH3-128 of the key's bytes), newest event time i64, one state per
//!   feature of the group
//! layout: allowed lateness i64, group count u32, per group: feature count u32, per feature:
//!   agg u8, value kind u8, window ms i64, resolution ms i64
//! state: tag u8, then
//!   0 count        u32 n, n x (bucket u32, count u32)
//!   1/2 sum        u32 n, n x (bucket u32, count u32, sum f64 bits | money micros i64)
//!   3/4 min/max    u32 n, n x (bucket u32, value f64 bits)
//!   5/6 min/max    u32 n, n x (bucket u32, value money micros i64)
//!   7 distinct     u32 n, n x (hash u64, bucket u32)                    exact mode
//!   8 distinct     pruned-at bucket u32, u32 n, n x (bucket u32, register u16, rho u8),
//!                  sketch entries in bucket order
//!   9 seen         any u8, first ms i64, last ms i64
//! ```
//!
//! Buckets are the wrapped `u32` bucket numbers (`floor(t / r) as u32`). A snapshot restores only
//! into the identical layout; every length, tag and ordering invariant is checked on restore.

use std::mem::discriminant;

use crate::cells::{Cell, Cells, is_after};
use crate::codec::{Reader, Wire, put_vec};
use crate::distinct::{DISTINCT_EXACT_CAP, Distinct, Occurrence};
use crate::group::{EntityState, Features, Table, with_table};
use crate::hll::{HLL_PRECISION, HLL_REGISTERS, HllEntry, SlidingHll};
use crate::key::KeyHash;
use crate::memory::MemoryStore;
use crate::spec::{FeatureDef, LayoutError, StoreLayout};
use crate::state::{FeatureState, Seen};

/// The snapshot format version this build writes and reads.
pub const SNAPSHOT_VERSION: u16 = 2;
const MAGIC: &[u8; 8] = b"SHRKFEAT";

/// Why a snapshot cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes do not start with the snapshot magic.
    #[error("not a feature-store snapshot")]
    BadMagic,
    /// Written by an incompatible version.
    #[error("snapshot version {0} is not supported (expected {SNAPSHOT_VERSION})")]
    Version(u16),
    /// Taken with a different layout than the one given to restore.
    #[error("snapshot was taken with a different layout")]
    LayoutMismatch,
    /// The bytes end early.
    #[error("snapshot is truncated")]
    Truncated,
    /// The bytes violate an invariant of the store.
    #[error("snapshot is corrupt: {0}")]
    Corrupt(&'static str),
    /// The layout given to restore is itself invalid.
    #[error(transparent)]
    Layout(#[from] LayoutError),
}

impl MemoryStore {
    /// Encodes the whole state (see the module docs for the format).
    pub fn snapshot(&self) -> Vec<u8> {
        let mut out = Vec::from(*MAGIC);
        SNAPSHOT_VERSION.put(&mut out);
        put_layout(&mut out, &self.layout);
        for g in &self.groups {
            (g.table.len() as u64).put(&mut out);
            with_table!(&g.table, table => {
                for e in table {
                    e.key.0.put(&mut out);
                    e.newest.put(&mut out);
                    e.states(&g.def).iter().for_each(|s| put_state(&mut out, s));
                }
            });
        }
        out
    }

    /// Rebuilds a store from [`MemoryStore::snapshot`] bytes taken with the same `layout`.
    pub fn restore(layout: StoreLayout, bytes: &[u8]) -> Result<Self, SnapshotError> {
        let mut store = MemoryStore::new(layout)?;
        let mut r = Reader::new(bytes);
        if r.take(MAGIC.len()).map_err(|_| SnapshotError::BadMagic)? != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let version: u16 = r.get()?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(version));
        }
        let mut expected = Vec::new();
        put_layout(&mut expected, &store.layout);
        if r.take(expected.len()).map_err(|_| SnapshotError::LayoutMismatch)? != expected {
            return Err(SnapshotError::LayoutMismatch);
        }
        for g in &mut store.groups {
            let keys: u64 = r.get()?;
            let features = &g.def.features;
            with_table!(&mut g.table, table => {
                for _ in 0..keys {
                    let entity = get_entity(&mut r, features)?;
                    if table.find(entity.key.0).is_some() {
                        return Err(SnapshotError::Corrupt("duplicate key"));
                    }
                    if table.insert_new(entity).is_err() {
                        return Err(SnapshotError::Corrupt("more keys than a table holds"));
                    }
                }
            });
        }
        if r.remaining() != 0 {
            return Err(SnapshotError::Corrupt("trailing bytes"));
        }
        Ok(store)
    }
}

fn put_layout(out: &mut Vec<u8>, layout: &StoreLayout) {
    layout.allowed_lateness.0.put(out);
    // Group and feature counts are bounded by layout validation.
    (layout.groups.len() as u32).put(out);
    for g in &layout.groups {
        (g.features.len() as u32).put(out);
        for f in &g.features {
            (f.agg as u8).put(out);
            (f.value_kind as u8).put(out);
            f.window.0.put(out);
            f.resolution.0.put(out);
        }
    }
}

pub(crate) fn get_entity<F: Features>(
    r: &mut Reader<'_>,
    defs: &[FeatureDef],
) -> Result<EntityState<F>, SnapshotError> {
    let key = KeyHash(r.get()?);
    let newest: i64 = r.get()?;
    let states = defs.iter().map(|fd| get_state(r, fd)).collect::<Result<_, _>>()?;
    Ok(EntityState { key, newest, features: F::from_states(states) })
}

pub(crate) fn put_state(out: &mut Vec<u8>, state: &FeatureState) {
    match state {
        FeatureState::Count(c) => tagged(out, 0, c),
        FeatureState::SumNum(c) => tagged(out, 1, c),
        FeatureState::SumMoney(c) => tagged(out, 2, c),
        FeatureState::MinNum(c) => tagged(out, 3, c),
        FeatureState::MaxNum(c) => tagged(out, 4, c),
        FeatureState::MinMoney(c) => tagged(out, 5, c),
        FeatureState::MaxMoney(c) => tagged(out, 6, c),
        FeatureState::Distinct(Distinct::Exact(v)) => tagged(out, 7, v),
        FeatureState::Distinct(Distinct::Sketch(h)) => {
            8u8.put(out);
            h.pruned_at.put(out);
            put_vec(out, &h.entries);
        }
        FeatureState::Seen(s) => {
            9u8.put(out);
            u8::from(s.any).put(out);
            s.first.put(out);
            s.last.put(out);
        }
    }
}

fn tagged<T: Wire>(out: &mut Vec<u8>, tag: u8, items: &[T]) {
    tag.put(out);
    put_vec(out, items);
}

fn get_state(r: &mut Reader<'_>, fd: &FeatureDef) -> Result<FeatureState, SnapshotError> {
    let state = match r.get::<u8>()? {
        0 => FeatureState::Count(cells(r, fd)?),
        1 => FeatureState::SumNum(cells(r, fd)?),
        2 => FeatureState::SumMoney(cells(r, fd)?),
        3 => FeatureState::MinNum(cells(r, fd)?),
        4 => FeatureState::MaxNum(cells(r, fd)?),
        5 => FeatureState::MinMoney(cells(r, fd)?),
        6 => FeatureState::MaxMoney(cells(r, fd)?),
        7 => FeatureState::Distinct(Distinct::Exact(occurrences(r)?.as_slice().into())),
        8 => FeatureState::Distinct(Distinct::Sketch(Box::new(sketch(r)?))),
        9 => FeatureState::Seen(seen(r)?),
        _ => return Err(SnapshotError::Corrupt("unknown state tag")),
    };
    if discriminant(&state) != discriminant(&FeatureState::new(fd)) {
        return Err(SnapshotError::Corrupt("state kind does not match the layout"));
    }
    Ok(state)
}

/// Cells strictly increasing by bucket, at most `keep` of them.
fn cells<C: Cell + Wire>(r: &mut Reader<'_>, fd: &FeatureDef) -> Result<Cells<C>, SnapshotError> {
    let cells: Vec<C> = r.vec()?;
    let sorted = cells.windows(2).all(|w| is_after(w[1].bucket(), w[0].bucket()));
    if !sorted || cells.len() > fd.span.keep as usize {
        return Err(SnapshotError::Corrupt("cells out of order or beyond retention"));
    }
    Ok(Cells::from_slice(&cells))
}

fn occurrences(r: &mut Reader<'_>) -> Result<Vec<Occurrence>, SnapshotError> {
    let v: Vec<Occurrence> = r.vec()?;
    let distinct = v.windows(2).filter(|w| w[0].hash != w[1].hash).count() + 1;
    if !v.is_sorted_by_key(|e| e.hash) || (!v.is_empty() && distinct > DISTINCT_EXACT_CAP) {
        return Err(SnapshotError::Corrupt("distinct values out of order or above the cap"));
    }
    Ok(v)
}

fn sketch(r: &mut Reader<'_>) -> Result<SlidingHll, SnapshotError> {
    let pruned_at = r.get()?;
    let entries: Vec<HllEntry> = r.vec()?;
    let max_rho = (65 - HLL_PRECISION) as u8;
    let valid = |e: &HllEntry| usize::from(e.reg) < HLL_REGISTERS && (1..=max_rho).contains(&e.rho);
    // Bucket-major: buckets never decrease; registers within a bucket are unordered.
    let ordered = |w: &[HllEntry]| w[0].bucket == w[1].bucket || is_after(w[1].bucket, w[0].bucket);
    if !entries.iter().all(valid) || !entries.windows(2).all(ordered) {
        return Err(SnapshotError::Corrupt("sketch entries invalid or out of order"));
    }
    Ok(SlidingHll::from_parts(entries, pruned_at))
}

fn seen(r: &mut Reader<'_>) -> Result<Seen, SnapshotError> {
    let any = match r.get::<u8>()? {
        0 => false,
        1 => true,
        _ => return Err(SnapshotError::Corrupt("bad first/last seen flag")),
    };
    Ok(Seen { any, first: r.get()?, last: r.get()? })
}
