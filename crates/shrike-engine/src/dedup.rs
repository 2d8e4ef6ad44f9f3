//! Idempotency by `event_id`: a bounded memory of recently applied ids.
//!
//! Ids are remembered by a 128-bit hash (a false duplicate needs ~2^64 ids) together with the
//! original outcome and score. Memory is two generations of ids, each covering `retention` of
//! event time: when the watermark leaves the current generation's span, the older generation
//! is dropped whole and the current one becomes the older. So every id is remembered for at
//! least `retention` and at most twice that, with no per-entry sweeping. An id older than the
//! lateness would be rejected as late anyway, since retention >= lateness.

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use shrike_types::{Duration, Outcome, Timestamp};

/// Most ids one generation holds (~32 bytes each, so ≤ ~700 MiB per generation with the
/// table's overhead). Past it the generations rotate early: at extreme event rates the
/// idempotency horizon shrinks below `retention` rather than memory growing without bound.
pub const MAX_IDS_PER_GENERATION: usize = 20_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub at: Timestamp,
    pub outcome: Outcome,
    pub score: u8,
}

/// One generation: ids (already uniformly hashed) with what was decided for them.
type Generation = HashTable<(u128, Seen)>;

/// The table hash of an id: its low half (ids are XXH3-128 hashes already).
fn table_hash(id: u128) -> u64 {
    id as u64
}

#[derive(Debug)]
pub struct Dedup {
    current: Generation,
    older: Generation,
    retention: Duration,
    /// Event time at which the current generation ends.
    rotate_at: Option<Timestamp>,
    cap: usize,
}

impl Dedup {
    pub fn new(retention: Duration) -> Dedup {
        Dedup::with_cap(retention, MAX_IDS_PER_GENERATION)
    }

    /// With a smaller cap per generation (tests).
    pub fn with_cap(retention: Duration, cap: usize) -> Dedup {
        let retention = Duration(retention.0.max(1));
        Dedup { current: Generation::new(), older: Generation::new(), retention, rotate_at: None, cap: cap.max(1) }
    }

    pub fn get(&self, id: u128) -> Option<Seen> {
        let find = |g: &Generation| g.find(table_hash(id), |e| e.0 == id).map(|e| e.1);
        find(&self.current).or_else(|| find(&self.older))
    }

    /// Remembers `id` (or updates what is remembered of it in the current generation).
    pub fn insert(&mut self, id: u128, seen: Seen) {
        if self.current.len() >= self.cap {
            self.rotate();
        }
        match self.current.entry(table_hash(id), |e| e.0 == id, |e| table_hash(e.0)) {
            Entry::Occupied(mut o) => o.get_mut().1 = seen,
            Entry::Vacant(v) => {
                v.insert((id, seen));
            }
        }
    }

    /// The current generation becomes the older one. The new one starts with room for as
    /// many ids as the last held, so it does not rehash its way up through every size again.
    fn rotate(&mut self) {
        let room = Generation::with_capacity(self.current.len().min(self.cap));
        self.older = std::mem::replace(&mut self.current, room);
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.older.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Advances the generations to the watermark.
    pub fn sweep(&mut self, watermark: Timestamp) {
        let rotate_at = *self.rotate_at.get_or_insert(watermark.plus(self.retention));
        if watermark < rotate_at {
            return;
        }
        self.rotate();
        if watermark >= rotate_at.plus(self.retention) {
            // A jump of more than a generation: everything remembered is past retention.
            self.older.clear();
        }
        self.rotate_at = Some(watermark.plus(self.retention));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(at: i64) -> Seen {
        Seen { at: Timestamp(at), outcome: Outcome::Allow, score: 0 }
    }

    #[test]
    fn ids_live_at_least_retention_and_at_most_twice() {
        let mut d = Dedup::new(Duration(100));
        d.sweep(Timestamp(0));
        d.insert(1, seen(0));
        d.sweep(Timestamp(99));
        assert!(d.get(1).is_some());
        d.sweep(Timestamp(100)); // rotation: id 1 is now in the older generation
        assert!(d.get(1).is_some());
        d.insert(2, seen(150));
        d.sweep(Timestamp(199));
        assert!(d.get(1).is_some());
        d.sweep(Timestamp(200)); // second rotation drops id 1, keeps id 2
        assert!(d.get(1).is_none());
        assert!(d.get(2).is_some());
        d.sweep(Timestamp(10_000)); // a long jump forgets everything
        assert!(d.is_empty());
    }

    #[test]
    fn memory_is_capped_by_count_too() {
        let mut d = Dedup::with_cap(Duration(1_000_000), 3);
        for id in 0..10 {
            d.insert(id, seen(0));
        }
        assert!(d.len() <= 6, "two generations of at most 3 ids, got {}", d.len());
        assert!(d.get(9).is_some(), "the newest ids are kept");
        assert!(d.get(0).is_none());
    }
}
