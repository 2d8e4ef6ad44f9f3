//! Sliding-window HyperLogLog (Chabchoub & Hébrail, "Sliding HyperLogLog", 2010).
//!
//! Instead of one maximum per register, each register keeps its *list of future possible
//! maxima*: the `(bucket, rho)` pairs that can still be the register's maximum in some window
//! an allowed read can ask for. A pair is dominated by another pair of the same register with
//! `rho' >= rho` that is in every such window containing it: one in the same bucket, or one at
//! a later bucket that is *settled* (at or before `bn - lat`, so before every readable `b(t)`).
//! Same-bucket pairs are merged on insert; settled domination is applied by [`SlidingHll::prune`]
//! once per newest-bucket change (a dominated pair left in place never changes a maximum).
//! After a prune a register holds at most one pair per unsettled bucket plus a chain of settled
//! pairs with strictly decreasing `rho` (at most `65 - p`). Any window `(bt - n, bt]` then gets
//! exactly the registers a plain HLL over its events would.

use crate::cells::{Bucketed, Pos, in_window, window};
use crate::spec::Span;

/// Register index bits `p`: `m = 2^p = 256` registers, standard error `1.04 / sqrt(m) = 6.5%`.
pub const HLL_PRECISION: u32 = 8;
/// Number of registers `m`.
pub const HLL_REGISTERS: usize = 1 << HLL_PRECISION;

/// One possible maximum of one register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HllEntry {
    pub(crate) bucket: u32,
    pub(crate) reg: u16,
    /// Position of the first 1-bit, `1..=65-p`; 0 marks an entry being pruned.
    pub(crate) rho: u8,
}

impl Bucketed for HllEntry {
    fn bucket(&self) -> u32 {
        self.bucket
    }
}

/// Entries sorted by bucket, oldest first, at most one per (bucket, register). Bucket-major
/// order makes the common insert (newest bucket) an append or an in-place raise, and a window
/// a contiguous range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SlidingHll {
    pub(crate) entries: Vec<HllEntry>,
    /// Newest bucket at the last full prune: a full prune runs once per newest-bucket change.
    pub(crate) pruned_at: u32,
    /// Accelerators for the newest bucket; derived data, rebuilt after a prune or a restore and
    /// never snapshotted.
    view: Option<View>,
}

/// What a busy key needs at its newest bucket `at`, kept up to date by inserts.
#[derive(Clone, Debug, PartialEq, Eq)]
struct View {
    at: u32,
    /// Registers of the window ending at `at`: the common read is O(1), not a scan.
    window: Registers,
    /// `rho` of each register's entry in bucket `at` (0 = none): the common insert finds its
    /// same-bucket entry, or that there is none, in O(1).
    newest: [u8; HLL_REGISTERS],
}

impl View {
    fn build(entries: &[HllEntry], at: u32, n: u32) -> Self {
        let mut newest = [0; HLL_REGISTERS];
        for e in entries.iter().rev().take_while(|e| e.bucket == at) {
            newest[usize::from(e.reg)] = e.rho;
        }
        View { at, window: Registers::scan(entries, at, n), newest }
    }
}

/// Register maxima of one window, with the exact harmonic sum `Σ 2^(64 - M[j])` in fixed
/// point: incremental updates and a fresh scan give bit-identical estimates.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Registers {
    max: [u8; HLL_REGISTERS],
    sum: u128,
    zeros: usize,
}

impl Registers {
    fn new() -> Self {
        let sum = (HLL_REGISTERS as u128) << 64;
        Registers { max: [0; HLL_REGISTERS], sum, zeros: HLL_REGISTERS }
    }

    /// Registers of the window `(bt - n, bt]`.
    fn scan(entries: &[HllEntry], bt: u32, n: u32) -> Self {
        let mut r = Registers::new();
        window(entries, bt, n).iter().for_each(|e| r.raise(e.reg, e.rho));
        r
    }

    fn raise(&mut self, reg: u16, rho: u8) {
        let slot = &mut self.max[usize::from(reg)];
        if rho > *slot {
            let (old, new) = (u32::from(*slot), u32::from(rho));
            self.sum = self.sum - (1u128 << (64 - old)) + (1u128 << (64 - new));
            self.zeros -= usize::from(*slot == 0);
            *slot = rho;
        }
    }

    /// The standard HLL estimator with linear counting below `2.5 m` (no large-range
    /// correction is needed with 64-bit hashes).
    fn estimate(&self) -> u64 {
        let m = HLL_REGISTERS as f64;
        let sum = self.sum as f64 / 18_446_744_073_709_551_616.0; // 2^64
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let raw = alpha * m * m / sum;
        let small = raw <= 2.5 * m && self.zeros > 0;
        let estimate = if small { m * (m / self.zeros as f64).ln() } else { raw };
        estimate.round() as u64
    }
}

/// MurmurHash3's 64-bit finaliser: spreads caller hashes whose high bits may be weak.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Register index (top `p` bits) and rho of the remaining bits.
fn split(hash: u64) -> (u16, u8) {
    let h = mix(hash);
    let reg = (h >> (64 - HLL_PRECISION)) as u16;
    let rest = (h << HLL_PRECISION) | (1 << (HLL_PRECISION - 1));
    (reg, rest.leading_zeros() as u8 + 1)
}

impl SlidingHll {
    /// An empty sketch at newest bucket `bn`.
    pub(crate) fn new(bn: u32) -> Self {
        SlidingHll::from_parts(Vec::new(), bn)
    }

    /// A restored sketch (its view is rebuilt by the next insert).
    pub(crate) fn from_parts(entries: Vec<HllEntry>, pruned_at: u32) -> Self {
        SlidingHll { entries, pruned_at, view: None }
    }

    /// Adds a value hash seen at bucket `b`.
    pub(crate) fn insert(&mut self, hash: u64, b: u32, pos: Pos, span: Span) {
        if pos.bn != self.pruned_at {
            self.prune(pos, span);
        }
        let SlidingHll { entries, view, .. } = self;
        let view = match view {
            Some(v) if v.at == pos.bn => v,
            _ => view.insert(View::build(entries, pos.bn, span.n)),
        };
        let (reg, rho) = split(hash);
        if b == view.at {
            let slot = &mut view.newest[usize::from(reg)];
            let current = std::mem::replace(slot, rho.max(*slot));
            if current >= rho {
                return; // dominated by the register's pair in the same bucket
            }
            view.window.raise(reg, rho);
            let new = HllEntry { bucket: b, reg, rho };
            let mut tail = entries.iter_mut().rev().take_while(|e| e.bucket == b);
            match tail.find(|e| e.reg == reg) {
                Some(e) => e.rho = rho,
                None => entries.push(new),
            }
            return;
        }
        // A late pair: find its bucket's range, then merge with the register's pair there.
        let age = pos.age(b);
        let end = entries.partition_point(|e| pos.age(e.bucket) >= age);
        let start = entries[..end].partition_point(|e| pos.age(e.bucket) > age);
        match entries[start..end].iter_mut().find(|e| e.reg == reg) {
            Some(e) if e.rho >= rho => return,
            Some(e) => e.rho = rho,
            None => entries.insert(end, HllEntry { bucket: b, reg, rho }),
        }
        if in_window(view.at, span.n, b) {
            view.window.raise(reg, rho);
        }
    }

    /// Drops entries that no allowed read can reach (age `>= keep`) and settled entries that a
    /// newer settled entry of the same register dominates. Returns whether the sketch is empty.
    pub(crate) fn prune(&mut self, pos: Pos, span: Span) -> bool {
        let dead = self.entries.partition_point(|e| pos.age(e.bucket) >= span.keep);
        self.entries.drain(..dead);
        let mut best = [0u8; HLL_REGISTERS];
        // Newest to oldest: a settled entry survives only if it beats every newer settled
        // entry of its register.
        for e in self.entries.iter_mut().rev() {
            if pos.age(e.bucket) >= span.lat {
                let slot = &mut best[usize::from(e.reg)];
                if e.rho <= *slot {
                    e.rho = 0;
                } else {
                    *slot = e.rho;
                }
            }
        }
        self.entries.retain(|e| e.rho != 0);
        self.pruned_at = pos.bn;
        self.view = None;
        self.entries.is_empty()
    }

    /// Estimated distinct values in the window `(bt - n, bt]`: O(1) at the newest bucket, a
    /// scan of the window's entries elsewhere.
    pub(crate) fn estimate(&self, bt: u32, n: u32) -> u64 {
        match &self.view {
            Some(v) if v.at == bt => v.window.estimate(),
            _ => Registers::scan(&self.entries, bt, n).estimate(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: Span = Span { n: 10, lat: 0, keep: 10 };

    fn error_bound(truth: f64) -> f64 {
        3.0 * 1.04 / (HLL_REGISTERS as f64).sqrt() * truth
    }

    #[test]
    fn estimates_within_three_standard_errors() {
        let mut h = SlidingHll::new(0);
        for i in 0..10_000u64 {
            let b = (i / 1_000) as u32;
            h.insert(i, b, Pos { bt: b, bn: b }, SPAN);
        }
        let est = h.estimate(9, 10) as f64;
        assert!((est - 10_000.0).abs() <= error_bound(10_000.0), "{est}");
        // Settled lists stay short: far fewer entries than values.
        assert!(h.entries.len() < 4 * HLL_REGISTERS, "{}", h.entries.len());
    }

    #[test]
    fn values_age_out_of_the_window() {
        let mut h = SlidingHll::new(0);
        for i in 0..20_000u64 {
            let b = (i / 1_000) as u32; // buckets 0..=19, 1000 values each
            h.insert(i, b, Pos { bt: b, bn: b }, SPAN);
        }
        let est = h.estimate(19, 10) as f64; // buckets 10..=19 only
        assert!((est - 10_000.0).abs() <= error_bound(10_000.0), "{est}");
        let est = h.estimate(24, 10) as f64; // buckets 15..=19
        assert!((est - 5_000.0).abs() <= error_bound(5_000.0), "{est}");
        assert_eq!(h.estimate(29, 10), 0);
        assert!(h.prune(Pos { bt: 29, bn: 29 }, SPAN));
    }

    /// A plain HLL over exactly the events in the window `(bt - n, bt]`.
    fn plain(events: &[(u64, u32)], bt: u32, n: u32) -> Registers {
        let mut regs = Registers::new();
        for &(hash, _) in events.iter().filter(|e| in_window(bt, n, e.1)) {
            let (reg, rho) = split(hash);
            regs.raise(reg, rho);
        }
        regs
    }

    /// The registers the sketch answers with at `bt`: its view when there, else a scan.
    fn sketch(h: &SlidingHll, bt: u32, n: u32) -> Registers {
        match &h.view {
            Some(v) if v.at == bt => v.window.clone(),
            _ => Registers::scan(&h.entries, bt, n),
        }
    }

    proptest::proptest! {
        /// With out-of-order inserts within lateness and reads anywhere an allowed read can be,
        /// the sliding sketch answers exactly like a plain HLL over the window's events.
        #[test]
        fn equals_a_plain_hll_over_the_window(
            n in 1u32..8,
            lat in 0u32..4,
            start in proptest::sample::select(vec![0u32, u32::MAX - 6]),
            // Mostly several events per bucket, so registers collide within a bucket.
            ops in proptest::collection::vec(
                (proptest::sample::select(vec![0u32, 0, 0, 0, 1, 2]), 0u32..4, 0u64..3_000, 0u32..12),
                1..400,
            ),
        ) {
            let span = Span { n, lat, keep: n + lat };
            let mut h = SlidingHll::new(start);
            let mut events = Vec::new();
            let mut bn = start;
            for (advance, back, value, read) in ops {
                bn = bn.wrapping_add(advance);
                let pos = Pos { bt: bn.wrapping_sub(back.min(lat)), bn };
                h.insert(value, pos.bt, pos, span);
                events.push((value, pos.bt));
                // Reads from `bn - lat` up to past the window's end.
                let bt = bn.wrapping_sub(lat).wrapping_add(read);
                for at in [bt, bn] {
                    let want = plain(&events, at, n);
                    proptest::prop_assert_eq!(&sketch(&h, at, n), &want);
                    proptest::prop_assert_eq!(h.estimate(at, n), want.estimate());
                }
            }
            // Bounded: per register one entry per unsettled bucket plus a decreasing chain.
            // (+2: lazily dominated pairs of the newest and of the newest settled bucket.)
            let bound = HLL_REGISTERS * (lat as usize + 3 + 65 - HLL_PRECISION as usize);
            proptest::prop_assert!(h.entries.len() <= bound);
        }
    }

    #[test]
    fn late_pairs_are_kept_per_bucket() {
        let span = Span { n: 4, lat: 2, keep: 6 };
        let mut h = SlidingHll::new(10);
        let pos = Pos { bt: 10, bn: 10 };
        h.insert(7, 10, pos, span);
        h.insert(7, 9, Pos { bt: 9, bn: 10 }, span);
        // Same value in two unsettled buckets: both kept, a read at 9 still sees it.
        assert_eq!(h.entries.len(), 2);
        assert_eq!(h.estimate(9, 4), 1);
        // Once both are settled only the newer one remains.
        h.prune(Pos { bt: 12, bn: 12 }, span);
        assert_eq!(h.entries.len(), 1);
        assert_eq!(h.entries[0].bucket, 10);
    }
}
