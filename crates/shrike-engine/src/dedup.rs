//! Idempotency by `event_id`: a bounded memory of recently applied ids.
//!
//! Ids are remembered by a 128-bit hash (a false duplicate needs ~2^64 ids) together with the
//! original outcome and score. Memory is two generations of ids, each covering `retention` of
//! event time: when the watermark leaves the current generation's span, the older generation
//! is dropped whole and the current one becomes the older. So every id is remembered for at
//! least `retention` and at most twice that, with no per-entry sweeping. An id older than the
//! lateness would be rejected as late anyway, since retention >= lateness.

use shrike_features::{Keyed, PrefetchTable};
use shrike_types::{Duration, Outcome, Timestamp};

/// Most ids one generation holds (32 bytes each plus 16–32 bytes of index, so ≤ ~1.2 GiB
/// per generation). Past it the generations rotate early: at extreme event rates the
/// idempotency horizon shrinks below `retention` rather than memory growing without bound.
pub const MAX_IDS_PER_GENERATION: usize = 20_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub at: Timestamp,
    pub outcome: Outcome,
    pub score: u8,
}

/// A remembered id (already a uniform hash) with what was decided for it.
#[derive(Debug, Clone, Copy)]
struct Remembered {
    id: u128,
    seen: Seen,
}

impl Keyed for Remembered {
    fn key(&self) -> u128 {
        self.id
    }
}

/// One generation: a table whose lookups the batch pipeline starts early ([`Dedup::prefetch`]).
type Generation = PrefetchTable<Remembered>;

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
        let find = |g: &Generation| g.find(id).map(|e| e.seen);
        find(&self.current).or_else(|| find(&self.older))
    }

    /// A hint that `id` is looked up soon: starts loading where its lookups begin.
    pub fn prefetch(&self, id: u128) {
        self.current.prefetch_index(id);
        self.older.prefetch_index(id);
    }

    /// Remembers `id` (or updates what is remembered of it in the current generation).
    pub fn insert(&mut self, id: u128, seen: Seen) {
        if self.current.len() >= self.cap {
            self.rotate();
        }
        match self.current.find_mut(id) {
            Some(e) => e.seen = seen,
            None => {
                // The cap is far below what a table holds.
                let _ = self.current.insert_new(Remembered { id, seen });
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

/// Why a dedup snapshot cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DedupError {
    #[error("not a dedup snapshot, or an unsupported version")]
    BadHeader,
    #[error("dedup snapshot is truncated")]
    Truncated,
    #[error("dedup snapshot is corrupt: {0}")]
    Corrupt(&'static str),
}

const MAGIC: &[u8; 8] = b"SHRKDEDP";
const VERSION: u16 = 1;
/// Bytes per remembered id: id u128, time i64, outcome u8, score u8.
const ENTRY: usize = 16 + 8 + 2;

impl Dedup {
    /// Every remembered id with what was decided for it. Format (little-endian):
    /// `"SHRKDEDP" | version u16 | rotate_at flag u8 + i64 | two generations (current, older):
    /// count u64, then count x (id u128, at i64, outcome u8, score u8)`.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.len() * ENTRY);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.push(u8::from(self.rotate_at.is_some()));
        out.extend_from_slice(&self.rotate_at.map_or(0, |t| t.0).to_le_bytes());
        for g in [&self.current, &self.older] {
            out.extend_from_slice(&(g.len() as u64).to_le_bytes());
            for &Remembered { id, seen } in g {
                out.extend_from_slice(&id.to_le_bytes());
                out.extend_from_slice(&seen.at.0.to_le_bytes());
                out.push(seen.outcome as u8);
                out.push(seen.score);
            }
        }
        out
    }

    /// The memory [`Dedup::snapshot`] recorded, under `retention`.
    pub fn restore(retention: Duration, bytes: &[u8]) -> Result<Dedup, DedupError> {
        let mut d = Dedup::new(retention);
        let mut r = bytes;
        if take(&mut r, 8)? != MAGIC || take(&mut r, 2)? != VERSION.to_le_bytes() {
            return Err(DedupError::BadHeader);
        }
        let flag = take(&mut r, 1)?[0];
        let rotate = i64::from_le_bytes(array(take(&mut r, 8)?));
        d.rotate_at = match flag {
            0 => None,
            1 => Some(Timestamp(rotate)),
            _ => return Err(DedupError::Corrupt("bad flag")),
        };
        d.current = generation(&mut r, d.cap)?;
        d.older = generation(&mut r, d.cap)?;
        if !r.is_empty() {
            return Err(DedupError::Corrupt("trailing bytes"));
        }
        Ok(d)
    }
}

fn take<'a>(r: &mut &'a [u8], n: usize) -> Result<&'a [u8], DedupError> {
    let (head, rest) = r.split_at_checked(n).ok_or(DedupError::Truncated)?;
    *r = rest;
    Ok(head)
}

fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[..N]);
    a
}

fn generation(r: &mut &[u8], cap: usize) -> Result<Generation, DedupError> {
    let count = u64::from_le_bytes(array(take(r, 8)?));
    if count > cap as u64 || count.saturating_mul(ENTRY as u64) > r.len() as u64 {
        return Err(DedupError::Truncated);
    }
    let mut g = Generation::with_capacity(count as usize);
    for _ in 0..count {
        let e = take(r, ENTRY)?;
        let id = u128::from_le_bytes(array(&e[..16]));
        let at = Timestamp(i64::from_le_bytes(array(&e[16..24])));
        let outcome = *Outcome::ALL.get(usize::from(e[24])).ok_or(DedupError::Corrupt("bad outcome"))?;
        let seen = Seen { at, outcome, score: e[25] };
        if g.find(id).is_some() {
            return Err(DedupError::Corrupt("duplicate id"));
        }
        if g.insert_new(Remembered { id, seen }).is_err() {
            return Err(DedupError::Corrupt("too many ids"));
        }
    }
    Ok(g)
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
    fn snapshots_round_trip_and_reject_damage() {
        let mut d = Dedup::new(Duration(100));
        d.sweep(Timestamp(0));
        d.insert(1, seen(0));
        d.sweep(Timestamp(100));
        d.insert(2, Seen { at: Timestamp(120), outcome: Outcome::Block, score: 90 });
        let bytes = d.snapshot();
        let r = Dedup::restore(Duration(100), &bytes).unwrap();
        assert_eq!(r.get(1), d.get(1));
        assert_eq!(r.get(2), d.get(2));
        assert_eq!(r.snapshot(), bytes);
        for cut in 0..bytes.len() {
            assert!(Dedup::restore(Duration(100), &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = bytes.clone();
        bad[0] ^= 1;
        assert_eq!(Dedup::restore(Duration(100), &bad).unwrap_err(), DedupError::BadHeader);
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
