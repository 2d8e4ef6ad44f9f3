//! The index of the segment being written: every key's postings chained newest first
//! (each posting points at the previous one with the same key), so appending a row is one
//! hash-map update and one push per key, and a query walks only its key's chain.

use std::hash::{BuildHasherDefault, Hasher};

/// Keys are already XXH3 hashes: the map uses them as they are.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Posting {
    key: u64,
    at: i64,
    off: u32,
    prev: u32,
}

/// Postings of one segment in memory, and what the segment holds.
#[derive(Default)]
pub(crate) struct MemIndex {
    heads: hashbrown::HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    postings: Vec<Posting>,
    pub(crate) meta: Meta,
    /// Sized for a segment: [`MemIndex::full`] reports when `more` postings would not fit.
    sized: bool,
}

/// A segment's row count and decision-time range; `monotone` while every row's time was
/// at least the previous one's (then chain order is time order and walks stop early).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Meta {
    pub(crate) rows: u64,
    pub(crate) min_at: i64,
    pub(crate) max_at: i64,
    pub(crate) monotone: bool,
}

impl Default for Meta {
    fn default() -> Self {
        Meta { rows: 0, min_at: i64::MAX, max_at: i64::MIN, monotone: true }
    }
}

impl Meta {
    pub(crate) fn add(&mut self, at: i64) {
        if self.rows > 0 && at < self.max_at {
            self.monotone = false;
        }
        self.rows += 1;
        self.min_at = self.min_at.min(at);
        self.max_at = self.max_at.max(at);
    }
}

/// Where a chain walk stopped: the next posting to visit, if any.
pub(crate) type WalkPos = Option<u32>;

impl MemIndex {
    /// An index sized for a segment of `segment_bytes`, so that it never grows while the
    /// engine thread appends: growing a table of a million entries rehashes (or copies) all
    /// of it at once, a stall of tens of milliseconds measured on the request path. The
    /// memory is reserved, not touched: pages are committed as postings arrive.
    pub(crate) fn for_segment(segment_bytes: u64) -> MemIndex {
        let postings = usize::try_from(segment_bytes / crate::limits::BYTES_PER_POSTING).unwrap_or(usize::MAX);
        let mut heads = hashbrown::HashMap::default();
        heads.reserve(postings / 2);
        MemIndex { heads, postings: Vec::with_capacity(postings), meta: Meta::default(), sized: true }
    }

    /// [`MemIndex::for_segment`] with every page of its memory already written once. The
    /// first write to fresh memory faults it in and zeroes it (2 MiB at a time with
    /// transparent huge pages): ~100 ms for a 64 MiB segment's index on this VM, measured as
    /// a stall of the engine thread when it happened inside `append`. A background thread
    /// prepares the next segment's index this way (`log::Spare`).
    pub(crate) fn prefaulted(segment_bytes: u64) -> MemIndex {
        let mut m = MemIndex::for_segment(segment_bytes);
        let zero = Posting { key: 0, at: 0, off: 0, prev: NONE };
        m.postings.resize(m.postings.capacity(), zero);
        m.postings.clear();
        let room = m.heads.capacity() as u64;
        // Spread over every bucket: the pass-through hasher uses the key as its hash.
        for i in 0..room {
            m.heads.insert(i.wrapping_mul(0x9e37_79b9_7f4a_7c15), 0);
        }
        m.heads.clear();
        m
    }

    /// Whether `more` postings (and as many new keys) would make a sized index grow: the
    /// writer then starts a new segment instead (a growth copies or rehashes the whole
    /// index at once, measured at ~80 ms on the engine thread for a 1M-posting index).
    pub(crate) fn full(&self, more: usize) -> bool {
        self.sized
            && (self.postings.len() + more > self.postings.capacity()
                || self.heads.len() + more > self.heads.capacity())
    }

    /// Posts the row at `off` (decided at `at`) under `key`.
    pub(crate) fn post(&mut self, key: u64, at: i64, off: u32) {
        let n = self.postings.len() as u32;
        let prev = self.heads.insert(key, n).unwrap_or(NONE);
        self.postings.push(Posting { key, at, off, prev });
    }

    /// Where the chain of `key` starts (its newest posting).
    pub(crate) fn head(&self, key: u64) -> WalkPos {
        self.heads.get(&key).copied()
    }

    /// Walks at most `steps` postings of a chain from `pos`, pushing `(at, off)` of those
    /// with `lo <= at <= hi` onto `out`. Returns where to continue (`None`: the chain ended,
    /// or, in a monotone segment, the times went below `lo`).
    pub(crate) fn walk(&self, pos: WalkPos, lo: i64, hi: i64, steps: usize, out: &mut Vec<(i64, u32)>) -> WalkPos {
        let mut pos = pos;
        for _ in 0..steps {
            let p = pos.and_then(|i| self.postings.get(i as usize))?;
            if self.meta.monotone && p.at < lo {
                return None;
            }
            if (lo..=hi).contains(&p.at) {
                out.push((p.at, p.off));
            }
            pos = (p.prev != NONE).then_some(p.prev);
        }
        pos
    }

    /// Every posting as `(key, at, off)`, sorted: the sealed index file's entries.
    pub(crate) fn sorted_entries(&self) -> Vec<(u64, i64, u32)> {
        let mut v: Vec<(u64, i64, u32)> = self.postings.iter().map(|p| (p.key, p.at, p.off)).collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_walk_newest_first_in_bounded_steps() {
        let mut m = MemIndex::default();
        for (i, at) in [10, 20, 30, 40].into_iter().enumerate() {
            m.meta.add(at);
            m.post(7, at, i as u32 * 100);
            m.post(8, at, i as u32 * 100);
        }
        let mut out = Vec::new();
        let next = m.walk(m.head(7), 15, 35, 2, &mut out);
        assert_eq!(out, vec![(30, 200)]);
        let next = m.walk(next, 15, 35, 10, &mut out);
        assert_eq!((out, next), (vec![(30, 200), (20, 100)], None), "stops below lo in a monotone segment");
        assert_eq!(m.head(9), None);
        assert_eq!(m.sorted_entries().len(), 8);
    }
}
