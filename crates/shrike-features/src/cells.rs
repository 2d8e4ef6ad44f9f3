//! Sparse bucket storage: a key keeps one cell per *non-empty* bucket, sorted oldest first, so a
//! key seen three times costs three cells, and never more than `keep = n + ceil(L/r)` cells.
//!
//! Bucket numbers are stored as `u32` (`b(t) as u32`, wrapping). All buckets of a key lie
//! within `keep` of each other, far below 2^31, so wrapping differences compare them exactly.

use smallvec::SmallVec;

use crate::spec::Span;

/// A feature's cells: the first 16 bytes of cells live inline in the feature's state (two
/// `Count` cells, one cell of the other kinds), so the common key with one or two non-empty
/// buckets needs no allocation and no pointer chase; more spill to the heap.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cells<C: Cell>(SmallVec<C::Inline>);

impl<C: Cell> Cells<C> {
    pub(crate) fn new() -> Self {
        Cells(SmallVec::new())
    }

    pub(crate) fn from_slice(cells: &[C]) -> Self {
        Cells(SmallVec::from_slice(cells))
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        heap_bytes(&self.0)
    }
}

impl<C: Cell> std::ops::Deref for Cells<C> {
    type Target = SmallVec<C::Inline>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<C: Cell> std::ops::DerefMut for Cells<C> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Heap bytes of a cell vector (capacity, not length); 0 while inline.
pub(crate) fn heap_bytes<A: smallvec::Array>(v: &SmallVec<A>) -> usize {
    if v.spilled() { v.capacity() * size_of::<A::Item>() + crate::state::ALLOC_OVERHEAD } else { 0 }
}

/// Bucket numbers of one call for one resolution, wrapped to `u32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    /// `b(at)`: the bucket this call writes and reads at.
    pub(crate) bt: u32,
    /// `b(newest)`: the key's newest bucket once this call is applied; ages count from it.
    pub(crate) bn: u32,
}

impl Pos {
    /// Age of `bucket` relative to the newest bucket (0 = newest).
    pub(crate) fn age(self, bucket: u32) -> u32 {
        self.bn.wrapping_sub(bucket)
    }
}

/// Whether `bucket` is in the window `(bt - n, bt]`.
pub(crate) fn in_window(bt: u32, n: u32, bucket: u32) -> bool {
    bt.wrapping_sub(bucket) < n
}

/// Whether bucket `a` is after bucket `b`.
pub(crate) fn is_after(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// Something stored per bucket.
pub(crate) trait Bucketed {
    fn bucket(&self) -> u32;
}

/// One bucket's partial aggregate.
pub(crate) trait Cell: Copy + Bucketed {
    /// What one event contributes.
    type In: Copy;
    /// Inline storage of [`Cells`]: 16 bytes of cells.
    type Inline: smallvec::Array<Item = Self>;
    fn start(bucket: u32, x: Self::In) -> Self;
    fn merge(&mut self, x: Self::In);
}

/// A scalar that windows aggregate: `f64` or money micros (`i64`, saturating).
pub(crate) trait Scalar: Copy + PartialOrd {
    fn plus(self, other: Self) -> Self;
}

impl Scalar for f64 {
    fn plus(self, other: Self) -> Self {
        self + other
    }
}

impl Scalar for i64 {
    fn plus(self, other: Self) -> Self {
        self.saturating_add(other)
    }
}

/// Events in one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CountCell {
    pub(crate) bucket: u32,
    pub(crate) count: u32,
}

/// Count and sum of one bucket's values (serves `Sum` and `Avg`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SumCell<T> {
    pub(crate) bucket: u32,
    pub(crate) count: u32,
    pub(crate) sum: T,
}

/// Smallest value of one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MinCell<T> {
    pub(crate) bucket: u32,
    pub(crate) value: T,
}

/// Largest value of one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MaxCell<T> {
    pub(crate) bucket: u32,
    pub(crate) value: T,
}

impl Bucketed for CountCell {
    fn bucket(&self) -> u32 {
        self.bucket
    }
}

impl Cell for CountCell {
    type In = ();
    type Inline = [CountCell; 2];
    fn start(bucket: u32, _: ()) -> Self {
        CountCell { bucket, count: 1 }
    }
    fn merge(&mut self, _: ()) {
        self.count = self.count.saturating_add(1);
    }
}

impl<T> Bucketed for SumCell<T> {
    fn bucket(&self) -> u32 {
        self.bucket
    }
}

impl<T: Scalar> Cell for SumCell<T> {
    type In = T;
    type Inline = [SumCell<T>; 1];
    fn start(bucket: u32, x: T) -> Self {
        SumCell { bucket, count: 1, sum: x }
    }
    fn merge(&mut self, x: T) {
        self.count = self.count.saturating_add(1);
        self.sum = self.sum.plus(x);
    }
}

impl<T> Bucketed for MinCell<T> {
    fn bucket(&self) -> u32 {
        self.bucket
    }
}

impl<T: Scalar> Cell for MinCell<T> {
    type In = T;
    type Inline = [MinCell<T>; 1];
    fn start(bucket: u32, value: T) -> Self {
        MinCell { bucket, value }
    }
    fn merge(&mut self, x: T) {
        if x < self.value {
            self.value = x;
        }
    }
}

impl<T> Bucketed for MaxCell<T> {
    fn bucket(&self) -> u32 {
        self.bucket
    }
}

impl<T: Scalar> Cell for MaxCell<T> {
    type In = T;
    type Inline = [MaxCell<T>; 1];
    fn start(bucket: u32, value: T) -> Self {
        MaxCell { bucket, value }
    }
    fn merge(&mut self, x: T) {
        if x > self.value {
            self.value = x;
        }
    }
}

/// Adds one event at bucket `pos.bt`, first pruning cells no read can reach any more.
pub(crate) fn add<C: Cell>(cells: &mut Cells<C>, pos: Pos, span: Span, x: C::In) {
    prune(cells, pos, span);
    let b = pos.bt;
    match cells.last_mut() {
        Some(last) if last.bucket() == b => last.merge(x),
        Some(last) if !is_after(b, last.bucket()) => insert_late(cells, b, x),
        _ => cells.push(C::start(b, x)),
    }
}

/// A late event: its bucket is at or before the newest cell; cells are short, scan back.
fn insert_late<C: Cell>(cells: &mut Cells<C>, b: u32, x: C::In) {
    let after = cells.iter().rev().take_while(|c| is_after(c.bucket(), b)).count();
    let at = cells.len() - after;
    match at.checked_sub(1).and_then(|i| cells.get_mut(i)) {
        Some(c) if c.bucket() == b => c.merge(x),
        _ => cells.insert(at, C::start(b, x)),
    }
}

/// Drops the oldest cells once they are `keep` or more buckets older than the newest bucket:
/// every allowed read has `b(t) >= bn - lat`, so its window starts after them.
pub(crate) fn prune<C: Cell>(cells: &mut Cells<C>, pos: Pos, span: Span) {
    let dead = cells.iter().take_while(|c| pos.age(c.bucket()) >= span.keep).count();
    if dead > 0 {
        cells.drain(..dead);
    }
}

/// Cells in the window `(bt - n, bt]`. Cells after `bt` (a read in the past) are few and
/// skipped from the end; the start is found by binary search, so the caller sums a plain slice.
pub(crate) fn window<C: Bucketed>(cells: &[C], bt: u32, n: u32) -> &[C] {
    // Signed wrapping distance from a cell to `bt`: negative when the cell is after `bt`.
    let dist = |c: &C| bt.wrapping_sub(c.bucket()) as i32;
    // The common read: at or after the newest cell, over a few cells. Walk back from the
    // end while in the window (no cell is after `bt`, so none is skipped there).
    if cells.last().is_some_and(|c| dist(c) >= 0) && cells.len() <= 8 {
        let inside = cells.iter().rev().take_while(|c| (dist(c) as u32) < n).count();
        return &cells[cells.len() - inside..];
    }
    let after = cells.iter().rev().take_while(|c| dist(c) < 0).count();
    let upto = &cells[..cells.len() - after];
    // n < 2^26 (layout bounds), so the cast is exact.
    &upto[upto.partition_point(|c| dist(c) >= n as i32)..]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: Span = Span { n: 3, lat: 2, keep: 5 };

    fn counts(cells: &[CountCell]) -> Vec<(u32, u32)> {
        cells.iter().map(|c| (c.bucket, c.count)).collect()
    }

    #[test]
    fn keeps_cells_sorted_and_sparse() {
        let mut cells = Cells::<CountCell>::new();
        for b in [10, 10, 12, 11, 9, 12] {
            add(&mut cells, Pos { bt: b, bn: 12 }, SPAN, ());
        }
        assert_eq!(counts(&cells), [(9, 1), (10, 2), (11, 1), (12, 2)]);
        add(&mut cells, Pos { bt: 14, bn: 14 }, SPAN, ());
        assert_eq!(counts(&cells), [(10, 2), (11, 1), (12, 2), (14, 1)]);
    }

    #[test]
    fn window_excludes_old_and_future_buckets() {
        let cells: Vec<CountCell> = [8, 9, 10, 11].iter().map(|&b| CountCell { bucket: b, count: 1 }).collect();
        let seen = |bt| window(&cells, bt, 3).iter().map(|c| c.bucket).collect::<Vec<_>>();
        assert_eq!(seen(11), [9, 10, 11]);
        assert_eq!(seen(10), [8, 9, 10]);
        assert_eq!(seen(7), Vec::<u32>::new());
        assert_eq!(seen(13), [11]);
        assert_eq!(seen(14), Vec::<u32>::new());
    }

    #[test]
    fn wraps_around_zero() {
        let mut cells = Cells::<CountCell>::new();
        for b in [u32::MAX - 1, u32::MAX, 0, 1] {
            add(&mut cells, Pos { bt: b, bn: b }, SPAN, ());
        }
        let seen: Vec<u32> = window(&cells, 1, 3).iter().map(|c| c.bucket).collect();
        assert_eq!(seen, [u32::MAX, 0, 1]);
    }
}
