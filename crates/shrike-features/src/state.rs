//! The state of one feature for one key, and how updates and reads act on it. The variant is
//! fixed by the feature's (agg, value kind) at key creation; one `match` dispatches per call.

use shrike_types::{Money, Timestamp};

use crate::api::{AggValue, Input};
use crate::cells::{self, Cells, CountCell, MaxCell, MinCell, Pos, SumCell};
use crate::distinct::Distinct;
use crate::hll::SlidingHll;
use crate::spec::{AggKind, FeatureDef, ValueKind};

/// First/last seen: O(1) state, exact milliseconds.
///
/// Retention is the window `W`: an update more than `W` after the latest update so far starts
/// afresh (`first = last = at`), and a read more than `W` after `last` is missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) any: bool,
    pub(crate) first: i64,
    pub(crate) last: i64,
}

impl Seen {
    fn observe(&mut self, at: i64, window_ms: i64) {
        if !self.any || at.saturating_sub(self.last) > window_ms {
            *self = Seen { any: true, first: at, last: at };
        } else {
            self.first = self.first.min(at);
            self.last = self.last.max(at);
        }
    }

    pub(crate) fn read(&self, agg: AggKind, at: i64, window_ms: i64) -> AggValue {
        if !self.any || at.saturating_sub(self.last) > window_ms {
            return AggValue::Missing;
        }
        let t = if agg == AggKind::FirstSeen { self.first } else { self.last };
        AggValue::Time(Timestamp(t))
    }
}

/// Bytes the allocator adds to each allocation (glibc: an 8-byte header, 16-byte rounding);
/// counted by `heap_bytes` so reported memory is close to the process's.
pub(crate) const ALLOC_OVERHEAD: usize = 16;

/// One feature of one key. Money amounts are stored as raw micros.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FeatureState {
    Count(Cells<CountCell>),
    /// `Sum` and `Avg` of numbers.
    SumNum(Cells<SumCell<f64>>),
    /// `Sum` and `Avg` of money.
    SumMoney(Cells<SumCell<i64>>),
    MinNum(Cells<MinCell<f64>>),
    MaxNum(Cells<MaxCell<f64>>),
    MinMoney(Cells<MinCell<i64>>),
    MaxMoney(Cells<MaxCell<i64>>),
    Distinct(Distinct),
    Seen(Seen),
}

impl FeatureState {
    /// The empty state for a feature (allocates nothing).
    pub(crate) fn new(def: &FeatureDef) -> Self {
        use {AggKind as A, ValueKind as V};
        match (def.agg, def.value_kind) {
            (A::Sum | A::Avg, V::Number) => FeatureState::SumNum(Cells::new()),
            (A::Sum | A::Avg, _) => FeatureState::SumMoney(Cells::new()),
            (A::Min, V::Number) => FeatureState::MinNum(Cells::new()),
            (A::Min, _) => FeatureState::MinMoney(Cells::new()),
            (A::Max, V::Number) => FeatureState::MaxNum(Cells::new()),
            (A::Max, _) => FeatureState::MaxMoney(Cells::new()),
            (A::Distinct, _) => FeatureState::Distinct(Distinct::default()),
            (A::FirstSeen | A::LastSeen, _) => FeatureState::Seen(Seen::default()),
            (A::Count, _) => FeatureState::Count(Cells::new()),
        }
    }

    /// Applies one event at `at` (bucket `pos.bt`); inputs of the wrong kind are ignored.
    pub(crate) fn apply(&mut self, def: &FeatureDef, pos: Pos, at: i64, input: Input) {
        let span = def.span;
        match (self, input) {
            (FeatureState::Count(c), _) => cells::add(c, pos, span, ()),
            (FeatureState::SumNum(c), Input::Num(x)) if x.is_finite() => cells::add(c, pos, span, x),
            (FeatureState::MinNum(c), Input::Num(x)) if x.is_finite() => cells::add(c, pos, span, x),
            (FeatureState::MaxNum(c), Input::Num(x)) if x.is_finite() => cells::add(c, pos, span, x),
            (FeatureState::SumMoney(c), Input::Money(m)) => cells::add(c, pos, span, m.0),
            (FeatureState::MinMoney(c), Input::Money(m)) => cells::add(c, pos, span, m.0),
            (FeatureState::MaxMoney(c), Input::Money(m)) => cells::add(c, pos, span, m.0),
            (FeatureState::Distinct(d), Input::Hash(h)) => d.insert(h, pos, span),
            (FeatureState::Seen(s), _) => s.observe(at, def.window_ms),
            _ => {}
        }
    }

    /// The value at event time `at`, bucket `bt`. The caller has checked that `bt` is within
    /// wrapping range of the stored buckets (see `group::reachable`).
    pub(crate) fn read(&self, def: &FeatureDef, bt: u32, at: i64) -> AggValue {
        let n = def.span.n;
        match self {
            FeatureState::Count(c) => AggValue::Count(cells::window(c, bt, n).iter().map(|c| u64::from(c.count)).sum()),
            FeatureState::SumNum(c) => read_sum_num(def.agg, cells::window(c, bt, n).iter()),
            FeatureState::SumMoney(c) => read_sum_money(def.agg, cells::window(c, bt, n).iter()),
            FeatureState::MinNum(c) => num(cells::window(c, bt, n).iter().map(|c| c.value).reduce(f64::min)),
            FeatureState::MaxNum(c) => num(cells::window(c, bt, n).iter().map(|c| c.value).reduce(f64::max)),
            FeatureState::MinMoney(c) => money(cells::window(c, bt, n).iter().map(|c| c.value).min()),
            FeatureState::MaxMoney(c) => money(cells::window(c, bt, n).iter().map(|c| c.value).max()),
            FeatureState::Distinct(d) => AggValue::Count(d.count(bt, n)),
            FeatureState::Seen(s) => s.read(def.agg, at, def.window_ms),
        }
    }

    /// Where this state's cells live when they are not inline: what a second prefetch stage
    /// loads once the slot itself is in cache.
    pub(crate) fn spilled(&self) -> Option<*const u8> {
        fn cells<C: cells::Cell>(c: &Cells<C>) -> Option<*const u8> {
            c.spilled().then(|| c.as_ptr().cast::<u8>())
        }
        match self {
            FeatureState::Count(c) => cells(c),
            FeatureState::SumNum(c) => cells(c),
            FeatureState::SumMoney(c) => cells(c),
            FeatureState::MinNum(c) => cells(c),
            FeatureState::MaxNum(c) => cells(c),
            FeatureState::MinMoney(c) => cells(c),
            FeatureState::MaxMoney(c) => cells(c),
            FeatureState::Distinct(Distinct::Exact(v)) => v.spilled().then(|| v.as_ptr().cast::<u8>()),
            FeatureState::Distinct(Distinct::Sketch(h)) => Some((&**h as *const SlidingHll).cast::<u8>()),
            FeatureState::Seen(_) => None,
        }
    }

    /// Heap bytes owned by this state (capacities, not lengths).
    pub(crate) fn heap_bytes(&self) -> usize {
        fn vec<C: cells::Cell>(v: &Cells<C>) -> usize {
            v.heap_bytes()
        }
        fn heap_vec<T>(v: &Vec<T>) -> usize {
            match v.capacity() {
                0 => 0,
                cap => cap * size_of::<T>() + ALLOC_OVERHEAD,
            }
        }
        match self {
            FeatureState::Count(c) => vec(c),
            FeatureState::SumNum(c) => vec(c),
            FeatureState::SumMoney(c) => vec(c),
            FeatureState::MinNum(c) => vec(c),
            FeatureState::MaxNum(c) => vec(c),
            FeatureState::MinMoney(c) => vec(c),
            FeatureState::MaxMoney(c) => vec(c),
            FeatureState::Distinct(Distinct::Exact(v)) => cells::heap_bytes(v),
            FeatureState::Distinct(Distinct::Sketch(h)) => size_of_val(&**h) + ALLOC_OVERHEAD + heap_vec(&h.entries),
            FeatureState::Seen(_) => 0,
        }
    }
}

/// The value of a feature with no events in its window (or an absent key).
pub(crate) fn empty_value(def: &FeatureDef) -> AggValue {
    match (def.agg, def.value_kind) {
        (AggKind::Count | AggKind::Distinct, _) => AggValue::Count(0),
        (AggKind::Sum, ValueKind::Money) => AggValue::Money(Money::ZERO),
        (AggKind::Sum, _) => AggValue::Num(0.0),
        _ => AggValue::Missing,
    }
}

fn num(v: Option<f64>) -> AggValue {
    v.map_or(AggValue::Missing, AggValue::Num)
}

fn money(v: Option<i64>) -> AggValue {
    v.map_or(AggValue::Missing, |m| AggValue::Money(Money(m)))
}

fn read_sum_num<'a>(agg: AggKind, cells: impl Iterator<Item = &'a SumCell<f64>>) -> AggValue {
    let (count, sum) = cells.fold((0u64, 0.0), |(n, s), c| (n + u64::from(c.count), s + c.sum));
    match agg {
        AggKind::Avg if count == 0 => AggValue::Missing,
        AggKind::Avg => AggValue::Num(sum / count as f64),
        _ => AggValue::Num(sum),
    }
}

/// Money sums accumulate in `i128` and clamp once, so only a single bucket can saturate.
fn read_sum_money<'a>(agg: AggKind, cells: impl Iterator<Item = &'a SumCell<i64>>) -> AggValue {
    let (count, sum) = cells.fold((0u64, 0i128), |(n, s), c| (n + u64::from(c.count), s + i128::from(c.sum)));
    let clamp = |v: i128| Money(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64);
    match agg {
        AggKind::Avg if count == 0 => AggValue::Missing,
        AggKind::Avg => AggValue::Money(clamp(div_round_half_away(sum, i128::from(count)))),
        _ => AggValue::Money(clamp(sum)),
    }
}

/// `num / den` rounded to the nearest integer, halves away from zero (`den > 0`).
fn div_round_half_away(num: i128, den: i128) -> i128 {
    let (q, r) = (num / den, num % den);
    if 2 * r.abs() >= den { q + num.signum() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_money_averages_half_away_from_zero() {
        assert_eq!(div_round_half_away(5, 2), 3);
        assert_eq!(div_round_half_away(-5, 2), -3);
        assert_eq!(div_round_half_away(4, 3), 1);
        assert_eq!(div_round_half_away(-5, 3), -2);
        assert_eq!(div_round_half_away(0, 3), 0);
    }

    #[test]
    fn seen_restarts_after_an_idle_window() {
        let mut s = Seen::default();
        s.observe(100, 50);
        s.observe(140, 50);
        s.observe(120, 50); // late, inside retention
        assert_eq!((s.first, s.last), (100, 140));
        assert_eq!(s.read(AggKind::FirstSeen, 190, 50), AggValue::Time(Timestamp(100)));
        assert_eq!(s.read(AggKind::LastSeen, 191, 50), AggValue::Missing);
        s.observe(191, 50);
        assert_eq!((s.first, s.last), (191, 191));
    }
}
