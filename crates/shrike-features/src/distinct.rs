//! Distinct counts: exact `(hash, bucket)` entries up to [`DISTINCT_EXACT_CAP`] retained values,
//! then a [`SlidingHll`] sketch.
//!
//! Exact mode keeps, per value, every occurrence in an unsettled bucket (age `< lat`, still
//! writable and readable as the newest bucket of a late read) plus only the newest settled one
//! (age `>= lat`, before every readable `b(t)`): at most `64 * (lat + 1)` entries of 16 bytes.

use smallvec::SmallVec;

use crate::cells::{Pos, in_window};
use crate::hll::SlidingHll;
use crate::spec::Span;

/// Distinct values retained per key and feature before switching to the sketch. Exact counts
/// cover every "distinct cards per device > N" rule with a small N; above 64 a 6.5% error is
/// fine and memory must stop growing with the values.
pub const DISTINCT_EXACT_CAP: usize = 64;

/// One occurrence of a value hash in a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Occurrence {
    pub(crate) hash: u64,
    pub(crate) bucket: u32,
}

/// Exact-mode occurrences; the first lives inline (most keys see one value).
pub(crate) type Occurrences = SmallVec<[Occurrence; 1]>;

/// The state of one distinct feature for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Distinct {
    /// Occurrences sorted by hash (bucket order within a hash is free).
    Exact(Occurrences),
    /// Boxed: rare (only keys above the cap) and large.
    Sketch(Box<SlidingHll>),
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Exact(Occurrences::new())
    }
}

impl Distinct {
    /// Adds value `hash` at bucket `pos.bt`.
    pub(crate) fn insert(&mut self, hash: u64, pos: Pos, span: Span) {
        match self {
            Distinct::Exact(v) => {
                if !insert_exact(v, hash, pos, span) {
                    *self = Distinct::Sketch(Box::new(to_sketch(v, pos, span)));
                    self.insert(hash, pos, span);
                }
            }
            Distinct::Sketch(h) => {
                // Back to exact counting once everything sketched has aged out.
                if h.pruned_at != pos.bn && h.prune(pos, span) {
                    *self = Distinct::default();
                    self.insert(hash, pos, span);
                } else {
                    h.insert(hash, pos.bt, pos, span);
                }
            }
        }
    }

    /// Distinct values in the window `(bt - n, bt]` (exact, or estimated in sketch mode).
    pub(crate) fn count(&self, bt: u32, n: u32) -> u64 {
        match self {
            Distinct::Exact(v) => count_exact(v, bt, n),
            Distinct::Sketch(h) => h.estimate(bt, n),
        }
    }
}

/// Range of `v` holding `hash`.
fn group_of(v: &[Occurrence], hash: u64) -> (usize, usize) {
    let lo = v.partition_point(|e| e.hash < hash);
    (lo, lo + v[lo..].iter().take_while(|e| e.hash == hash).count())
}

/// Inserts into exact mode; `false` when a new value would exceed the cap.
///
/// A value already retained only prunes its own occurrences; the others are pruned when a new
/// value arrives (which needs the count of retained values for the cap). Until then they may keep
/// occurrences no allowed read can reach, or older settled ones: no allowed window counts those
/// (a window containing an older settled occurrence contains the newest one too), and each value
/// still holds at most `lat + 1` occurrences from its last prune, so the memory bound holds.
fn insert_exact(v: &mut Occurrences, hash: u64, pos: Pos, span: Span) -> bool {
    let (lo, hi) = group_of(v, hash);
    if v[lo..hi].iter().any(|e| e.bucket == pos.bt) {
        return true; // repeat in the same bucket: the common case, no work
    }
    let (lo, hi) = if lo < hi {
        // Known value: at most 64 values were retained with it, so the cap cannot be exceeded
        // even if all its occurrences aged out.
        (lo, prune_value(v, lo, hi, pos, span))
    } else {
        let distinct = prune_exact(v, pos, span);
        if distinct >= DISTINCT_EXACT_CAP {
            return false;
        }
        group_of(v, hash)
    };
    let age = pos.age(pos.bt);
    if age >= span.lat {
        // Settled: a newer-or-equal settled occurrence makes this one useless, and this one
        // makes older settled ones useless (prune left at most one settled entry).
        let settled_newer = |e: &Occurrence| (span.lat..=age).contains(&pos.age(e.bucket));
        if v[lo..hi].iter().any(settled_newer) {
            return true;
        }
        if let Some(i) = (lo..hi).find(|&i| pos.age(v[i].bucket) > age) {
            v[i].bucket = pos.bt;
            return true;
        }
    }
    v.insert(hi, Occurrence { hash, bucket: pos.bt });
    true
}

/// Prunes the occurrences `v[lo..hi]` of one value: drops unreachable ones (age `>= keep`) and
/// all but the newest settled one. Returns the new end of the value's range.
fn prune_value(v: &mut Occurrences, lo: usize, hi: usize, pos: Pos, span: Span) -> usize {
    let settled = |e: &Occurrence| (span.lat..span.keep).contains(&pos.age(e.bucket));
    let newest_settled = v[lo..hi].iter().filter(|e| settled(e)).map(|e| pos.age(e.bucket)).min();
    let mut write = lo;
    for i in lo..hi {
        let age = pos.age(v[i].bucket);
        if age < span.lat || Some(age) == newest_settled {
            v[write] = v[i];
            write += 1;
        }
    }
    if write < hi {
        v.drain(write..hi);
    }
    write
}

/// Drops unreachable occurrences (age `>= keep`) and all but the newest settled occurrence of
/// each value. Returns the number of distinct values left.
fn prune_exact(v: &mut Occurrences, pos: Pos, span: Span) -> usize {
    let (mut write, mut read, mut distinct) = (0, 0, 0);
    while read < v.len() {
        let (_, end) = group_of(&v[read..], v[read].hash);
        let end = read + end;
        let settled = |e: &Occurrence| (span.lat..span.keep).contains(&pos.age(e.bucket));
        let newest_settled = v[read..end].iter().filter(|e| settled(e)).map(|e| pos.age(e.bucket)).min();
        let before = write;
        for i in read..end {
            let age = pos.age(v[i].bucket);
            if age < span.lat || Some(age) == newest_settled {
                v[write] = v[i];
                write += 1;
            }
        }
        distinct += usize::from(write > before);
        read = end;
    }
    v.truncate(write);
    distinct
}

fn count_exact(v: &[Occurrence], bt: u32, n: u32) -> u64 {
    let mut counted: Option<u64> = None;
    let mut count = 0;
    for e in v {
        if counted != Some(e.hash) && in_window(bt, n, e.bucket) {
            counted = Some(e.hash);
            count += 1;
        }
    }
    count
}

/// Replays the retained occurrences into a sketch: they hold everything future reads need.
fn to_sketch(v: &[Occurrence], pos: Pos, span: Span) -> SlidingHll {
    let mut h = SlidingHll::new(pos.bn);
    for e in v {
        h.insert(e.hash, e.bucket, pos, span);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: Span = Span { n: 5, lat: 0, keep: 5 };

    fn at(b: u32) -> Pos {
        Pos { bt: b, bn: b }
    }

    #[test]
    fn exact_up_to_the_cap_then_sketch() {
        let mut d = Distinct::default();
        for h in 0..DISTINCT_EXACT_CAP as u64 {
            d.insert(h, at(1), SPAN);
            d.insert(h, at(1), SPAN);
        }
        assert!(matches!(d, Distinct::Exact(_)));
        assert_eq!(d.count(1, 5), DISTINCT_EXACT_CAP as u64);
        d.insert(1_000, at(1), SPAN);
        assert!(matches!(d, Distinct::Sketch(_)));
        let est = d.count(1, 5) as f64;
        assert!((est - 65.0).abs() < 65.0 * 0.2, "{est}");
    }

    #[test]
    fn aged_out_values_free_room_below_the_cap() {
        let mut d = Distinct::default();
        for h in 0..60 {
            d.insert(h, at(1), SPAN);
        }
        for h in 100..160 {
            d.insert(h, at(6), SPAN); // bucket 1 is now out of retention
        }
        assert!(matches!(d, Distinct::Exact(ref v) if v.len() == 60));
        assert_eq!(d.count(6, 5), 60);
    }

    #[test]
    fn sketch_returns_to_exact_when_empty() {
        let mut d = Distinct::default();
        for h in 0..100 {
            d.insert(h, at(1), SPAN);
        }
        assert!(matches!(d, Distinct::Sketch(_)));
        d.insert(7, at(20), SPAN);
        assert_eq!(d, Distinct::Exact(vec![Occurrence { hash: 7, bucket: 20 }].into()));
    }

    #[test]
    fn keeps_unsettled_occurrences_for_late_reads() {
        let span = Span { n: 3, lat: 2, keep: 5 };
        let mut d = Distinct::default();
        let pos = |bt| Pos { bt, bn: 10 };
        for b in [6, 7, 9, 10] {
            d.insert(42, pos(b), span);
        }
        // 6 and 7 are settled (age >= 2): only 7 is kept; 9 and 10 are unsettled.
        let Distinct::Exact(v) = &d else { panic!("exact") };
        let buckets: Vec<u32> = v.iter().map(|e| e.bucket).collect();
        assert_eq!(buckets, [7, 9, 10]);
        assert_eq!(d.count(8, 3), 1); // window 6..=8 sees bucket 7
        assert_eq!(d.count(11, 3), 1);
        assert_eq!(d.count(13, 3), 0);
    }
}
