//! Score drift: a fixed-bin histogram of scores and the population stability index (PSI)
//! between a reference histogram (kept in the model file from training) and a live one.
//!
//! Bins are set once, from the reference: `edges` are ascending cut points and bin `i` holds
//! scores in `(edges[i-1], edges[i]]` (the first bin is everything `<= edges[0]`, the last
//! everything above the last edge). A live histogram reuses the reference's edges, so the
//! two always line up.
//!
//! `PSI = sum_i (live_i - ref_i) * ln(live_i / ref_i)` over bin fractions, each fraction
//! floored at [`PSI_FLOOR`] so an empty bin gives a large but finite term. Rule of thumb:
//! < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 large shift.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::limits::MAX_HISTOGRAM_BINS;

/// Smallest bin fraction PSI uses, so an empty bin does not make it infinite.
pub const PSI_FLOOR: f64 = 1e-4;

/// Bins of the reference histogram a trained model keeps.
pub const DEFAULT_BINS: usize = 20;

/// Counts of scores in fixed bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreHistogram {
    /// Ascending cut points; `counts.len() == edges.len() + 1`.
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

impl ScoreHistogram {
    /// A reference histogram of `scores` with up to `bins` bins cut at their quantiles (equal
    /// cut points are merged, so a model with few distinct scores gets fewer bins). NaN
    /// scores are ignored.
    pub fn from_quantiles(scores: &[f64], bins: usize) -> ScoreHistogram {
        let mut sorted: Vec<f64> = scores.iter().copied().filter(|s| !s.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        let bins = bins.clamp(1, MAX_HISTOGRAM_BINS);
        let mut edges: Vec<f64> = Vec::with_capacity(bins);
        if !sorted.is_empty() {
            for k in 1..bins {
                let e = sorted[(k * sorted.len() / bins).saturating_sub(1).min(sorted.len() - 1)];
                if edges.last().is_none_or(|&last| e > last) {
                    edges.push(e);
                }
            }
        }
        let mut h = ScoreHistogram { counts: vec![0; edges.len() + 1], edges };
        sorted.iter().for_each(|&s| h.record(s));
        h
    }

    /// An empty histogram with the same bins, for live scores.
    pub fn empty_like(&self) -> ScoreHistogram {
        ScoreHistogram { edges: self.edges.clone(), counts: vec![0; self.counts.len()] }
    }

    /// Counts one score (NaN is ignored).
    pub fn record(&mut self, score: f64) {
        if score.is_nan() {
            return;
        }
        let bin = self.edges.partition_point(|&e| e < score);
        if let Some(c) = self.counts.get_mut(bin) {
            *c += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Checks a histogram read from a file: sizes, ascending finite edges.
    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        if self.counts.len() != self.edges.len() + 1 || self.counts.len() > MAX_HISTOGRAM_BINS {
            let msg = format!("needs edges + 1 counts and at most {MAX_HISTOGRAM_BINS} bins");
            return Err(ModelError::invalid(format!("{field}.counts"), msg));
        }
        if self.edges.iter().any(|e| !e.is_finite()) || self.edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ModelError::invalid(format!("{field}.edges"), "edges must be finite and strictly ascending"));
        }
        Ok(())
    }
}

/// PSI between a reference and a live histogram with the same edges.
pub fn psi(reference: &ScoreHistogram, live: &ScoreHistogram) -> Result<f64, ModelError> {
    if reference.edges != live.edges || reference.counts.len() != live.counts.len() {
        return Err(ModelError::invalid("live.edges", "live histogram bins differ from the reference's"));
    }
    let (rt, lt) = (reference.total(), live.total());
    if rt == 0 || lt == 0 {
        let which = if rt == 0 { "reference.counts" } else { "live.counts" };
        return Err(ModelError::invalid(which, "no scores counted"));
    }
    let frac = |c: u64, t: u64| (c as f64 / t as f64).max(PSI_FLOOR);
    let sum = reference
        .counts
        .iter()
        .zip(&live.counts)
        .map(|(&r, &l)| {
            let (r, l) = (frac(r, rt), frac(l, lt));
            (l - r) * (l / r).ln()
        })
        .sum();
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniform(n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|i| lo + (hi - lo) * (i as f64 + 0.5) / n as f64).collect()
    }

    #[test]
    fn quantile_bins_are_balanced() {
        let h = ScoreHistogram::from_quantiles(&uniform(1000, 0.0, 1.0), 10);
        assert_eq!(h.edges.len(), 9);
        assert!(h.counts.iter().all(|&c| c == 100), "{:?}", h.counts);
        h.validate("h").unwrap();
    }

    #[test]
    fn same_distribution_has_near_zero_psi_and_a_shift_has_a_large_one() {
        let reference = ScoreHistogram::from_quantiles(&uniform(10_000, 0.0, 1.0), 10);
        let mut same = reference.empty_like();
        uniform(3000, 0.0, 1.0).iter().for_each(|&s| same.record(s));
        assert!(psi(&reference, &same).unwrap() < 0.01);
        let mut shifted = reference.empty_like();
        uniform(3000, 0.3, 1.3).iter().for_each(|&s| shifted.record(s));
        let p = psi(&reference, &shifted).unwrap();
        assert!(p > 0.25, "{p}");
    }

    #[test]
    fn psi_matches_the_formula_on_two_bins() {
        let reference = ScoreHistogram { edges: vec![0.5], counts: vec![50, 50] };
        let live = ScoreHistogram { edges: vec![0.5], counts: vec![80, 20] };
        let expected = (0.8 - 0.5) * (0.8f64 / 0.5).ln() + (0.2 - 0.5) * (0.2f64 / 0.5).ln();
        assert!((psi(&reference, &live).unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn empty_bins_are_floored_and_mismatched_bins_rejected() {
        let reference = ScoreHistogram { edges: vec![0.5], counts: vec![100, 0] };
        let live = ScoreHistogram { edges: vec![0.5], counts: vec![0, 100] };
        assert!(psi(&reference, &live).unwrap().is_finite());
        let other = ScoreHistogram { edges: vec![0.4], counts: vec![1, 1] };
        assert!(psi(&reference, &other).unwrap_err().to_string().contains("live.edges"));
        let bad = ScoreHistogram { edges: vec![0.5, 0.5], counts: vec![1, 1, 1] };
        assert!(bad.validate("score_histogram").unwrap_err().to_string().contains("score_histogram.edges"));
    }

    #[test]
    fn a_score_on_an_edge_falls_in_the_lower_bin() {
        let mut h = ScoreHistogram { edges: vec![0.5], counts: vec![0, 0] };
        h.record(0.5);
        h.record(0.6);
        h.record(f64::NAN);
        assert_eq!(h.counts, vec![1, 1]);
    }
}
