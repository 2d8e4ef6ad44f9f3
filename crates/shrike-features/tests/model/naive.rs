//! The naive model: every applied event kept, each aggregate recomputed from its documented
//! definition (docs/features.md), with no buckets retained, pruned or sketched.

use std::collections::HashSet;

use shrike_features::{AggKind, AggValue, FeatureSpec, Input, ValueKind};
use shrike_types::{Money, Timestamp};

/// An applied update as the model keeps it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Applied {
    pub(crate) at: i64,
    pub(crate) feature: usize,
    pub(crate) input: Input,
}

pub(crate) fn input_for(f: &FeatureSpec, seed: u64) -> Input {
    let small = (seed % 2_001) as i64 - 1_000;
    match (f.agg, f.value_kind) {
        (AggKind::Distinct, _) => Input::Hash((seed % 20).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        (_, ValueKind::Number) => Input::Num(small as f64),
        (_, ValueKind::Money) => Input::Money(Money(small * 10_007)),
        _ => Input::None,
    }
}

/// The documented definition, recomputed from every applied event of feature `f`.
pub(crate) fn naive(spec: &FeatureSpec, events: &[Applied], f: usize, t: i64) -> AggValue {
    let mine: Vec<Applied> = events.iter().filter(|e| e.feature == f).copied().collect();
    if spec.agg.reads_before_update() {
        return naive_seen(spec, &mine, t);
    }
    let r = spec.resolution.0;
    let n = spec.window.0 / r;
    let bt = t.div_euclid(r);
    let in_window = |e: &&Applied| {
        let b = e.at.div_euclid(r);
        bt - n < b && b <= bt
    };
    let window: Vec<Input> = mine.iter().filter(in_window).map(|e| e.input).collect();
    naive_aggregate(spec, &window)
}

fn naive_aggregate(spec: &FeatureSpec, inputs: &[Input]) -> AggValue {
    let nums: Vec<f64> = inputs.iter().filter_map(|i| if let Input::Num(x) = i { Some(*x) } else { None }).collect();
    let micros: Vec<i64> =
        inputs.iter().filter_map(|i| if let Input::Money(m) = i { Some(m.0) } else { None }).collect();
    let money = ValueKind::Money == spec.value_kind;
    match spec.agg {
        AggKind::Count => AggValue::Count(inputs.len() as u64),
        AggKind::Distinct => {
            let set: HashSet<u64> =
                inputs.iter().filter_map(|i| if let Input::Hash(h) = i { Some(*h) } else { None }).collect();
            AggValue::Count(set.len() as u64)
        }
        AggKind::Sum if money => AggValue::Money(Money(micros.iter().sum())),
        AggKind::Sum => AggValue::Num(nums.iter().sum()),
        AggKind::Avg if money && !micros.is_empty() => {
            let (s, c) = (micros.iter().map(|&m| i128::from(m)).sum::<i128>(), micros.len() as i128);
            // Half away from zero: round |s| / c half up, then restore the sign.
            let q = (2 * s.abs() + c) / (2 * c);
            AggValue::Money(Money((q * s.signum()) as i64))
        }
        AggKind::Avg if !money && !nums.is_empty() => AggValue::Num(nums.iter().sum::<f64>() / nums.len() as f64),
        AggKind::Min if money => micros.iter().min().map_or(AggValue::Missing, |&m| AggValue::Money(Money(m))),
        AggKind::Max if money => micros.iter().max().map_or(AggValue::Missing, |&m| AggValue::Money(Money(m))),
        AggKind::Min => nums.iter().copied().reduce(f64::min).map_or(AggValue::Missing, AggValue::Num),
        AggKind::Max => nums.iter().copied().reduce(f64::max).map_or(AggValue::Missing, AggValue::Num),
        _ => AggValue::Missing,
    }
}

/// First/last seen: over arrivals, restarting at any update more than `W` after all earlier
/// ones; missing when the read is more than `W` after the latest.
fn naive_seen(spec: &FeatureSpec, events: &[Applied], t: i64) -> AggValue {
    let w = spec.window.0;
    let mut start = 0;
    let mut latest: Option<i64> = None;
    for (i, e) in events.iter().enumerate() {
        if latest.is_some_and(|l| e.at - l > w) {
            start = i;
        }
        latest = Some(latest.map_or(e.at, |l| l.max(e.at)));
    }
    let Some(last) = latest.filter(|&l| t - l <= w) else {
        return AggValue::Missing;
    };
    let first = events[start..].iter().map(|e| e.at).min().unwrap_or(last);
    AggValue::Time(Timestamp(if spec.agg == AggKind::FirstSeen { first } else { last }))
}
