//! The best split of one leaf from its histogram: numeric thresholds with the missing bin
//! tried on both sides, and category sets (one-vs-rest for few categories, otherwise
//! LightGBM's approach: categories sorted by gradient ratio, prefixes from both ends).

use crate::train::data::Mapper;
use crate::train::hist::{Layout, Sums};
use crate::train::params::Params;

/// Which bins go left (the missing bin follows `default_left` instead).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rule {
    /// Value bins `<= bin`.
    Threshold(u8),
    /// Category bins in the set (a bitset over 256 bins).
    Set([u64; 4]),
}

impl Rule {
    #[inline]
    pub(crate) fn goes_left(&self, bin: u8, missing_bin: u8, default_left: bool) -> bool {
        if bin == missing_bin {
            return default_left;
        }
        match self {
            Rule::Threshold(t) => bin <= *t,
            Rule::Set(bits) => bits[(bin / 64) as usize] >> (bin % 64) & 1 == 1,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Split {
    pub(crate) gain: f64,
    pub(crate) feature: usize,
    pub(crate) rule: Rule,
    pub(crate) default_left: bool,
    pub(crate) left: Sums,
    pub(crate) right: Sums,
}

/// `G^2 / (H + l2)`: the loss reduction of a leaf with these sums, up to a constant.
fn score(s: Sums, l2: f64) -> f64 {
    s.g * s.g / (s.h + l2)
}

struct Ctx<'a> {
    p: &'a Params,
    total: Sums,
    parent_score: f64,
    best: Option<Split>,
}

impl Ctx<'_> {
    /// Records `left` (and its complement) as a candidate if it is allowed and better.
    fn offer(&mut self, feature: usize, left: Sums, l2: f64, rule: impl FnOnce() -> Rule, default_left: bool) {
        let right = self.total.minus(left);
        let p = self.p;
        let min_n = p.min_data_in_leaf as f64;
        if left.n < min_n || right.n < min_n || left.h < p.min_sum_hessian || right.h < p.min_sum_hessian {
            return;
        }
        let gain = score(left, l2) + score(right, l2) - self.parent_score;
        if gain <= p.min_gain_to_split || self.best.as_ref().is_some_and(|b| gain <= b.gain) {
            return;
        }
        self.best = Some(Split { gain, feature, rule: rule(), default_left, left, right });
    }
}

/// The best split of a leaf with sums `total` over the allowed `features`, if any gains.
pub(crate) fn best_split(
    hist: &[Sums],
    layout: &Layout,
    mappers: &[Mapper],
    features: &[usize],
    total: Sums,
    p: &Params,
) -> Option<Split> {
    let mut ctx = Ctx { p, total, parent_score: 0.0, best: None };
    for &f in features {
        let bins = layout.feature(hist, f);
        match &mappers[f] {
            Mapper::Numeric { .. } => numeric(&mut ctx, f, bins),
            Mapper::Categorical { codes, .. } => categorical(&mut ctx, f, bins, codes.len()),
        }
    }
    ctx.best
}

fn numeric(ctx: &mut Ctx<'_>, f: usize, bins: &[Sums]) {
    let l2 = ctx.p.lambda_l2;
    ctx.parent_score = score(ctx.total, l2);
    let (values, missing) = bins.split_at(bins.len() - 1);
    let missing = missing[0];
    let mut left = Sums::default();
    for (b, s) in values.iter().enumerate() {
        left.add(*s);
        let last = b + 1 == values.len();
        if missing.n > 0.0 {
            let mut with_missing = left;
            with_missing.add(missing);
            if !last {
                ctx.offer(f, with_missing, l2, || Rule::Threshold(b as u8), true);
            }
            // at the last bin: every value left, missing right
            ctx.offer(f, left, l2, || Rule::Threshold(b as u8), false);
        } else if !last {
            // no missing value in this leaf: send future ones to the larger side
            let default_left = left.n >= ctx.total.n - left.n;
            ctx.offer(f, left, l2, || Rule::Threshold(b as u8), default_left);
        }
    }
}

fn categorical(ctx: &mut Ctx<'_>, f: usize, bins: &[Sums], categories: usize) {
    let p = ctx.p;
    let l2 = p.lambda_l2 + p.cat_l2;
    ctx.parent_score = score(ctx.total, l2);
    let missing = bins[categories + 1];
    let try_set = |ctx: &mut Ctx<'_>, left: Sums, set: &[usize]| {
        let rule = || Rule::Set(bitset(set));
        if missing.n > 0.0 {
            let mut with_missing = left;
            with_missing.add(missing);
            ctx.offer(f, with_missing, l2, rule, true);
            ctx.offer(f, left, l2, rule, false);
        } else {
            ctx.offer(f, left, l2, rule, left.n >= ctx.total.n - left.n);
        }
    };
    if categories <= p.max_cat_to_onehot {
        for (c, &s) in bins.iter().enumerate().take(categories) {
            try_set(ctx, s, &[c]);
        }
        return;
    }
    let mut order: Vec<usize> = (0..categories).filter(|&c| bins[c].n >= p.min_data_per_group as f64).collect();
    let ratio = |c: usize| bins[c].g / (bins[c].h + p.cat_smooth);
    order.sort_by(|&a, &b| ratio(a).total_cmp(&ratio(b)).then(a.cmp(&b)));
    let most = p.max_cat_threshold.min(order.len().saturating_sub(1)).max(1).min(order.len());
    for pass in 0..2 {
        let mut left = Sums::default();
        let mut set = Vec::with_capacity(most);
        for i in 0..most {
            let c = if pass == 0 { order[i] } else { order[order.len() - 1 - i] };
            left.add(bins[c]);
            set.push(c);
            try_set(ctx, left, &set);
        }
    }
}

fn bitset(bins: &[usize]) -> [u64; 4] {
    let mut bits = [0u64; 4];
    for &b in bins {
        bits[b / 64] |= 1 << (b % 64);
    }
    bits
}
