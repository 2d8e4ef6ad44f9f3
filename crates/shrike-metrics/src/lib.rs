//! # shrike-metrics
//!
//! Detection-quality metrics for scores against binary labels, optionally weighted (by money):
//! the ranked curve ([`Curve`]) and what it gives — the precision–recall curve, average
//! precision (PR-AUC), ROC-AUC, recall at a false-positive rate — plus [`Confusion`] counts
//! and fixed-bin [`Histogram`]s. A leaf crate: no Shrike dependencies, so backtests, the
//! evaluation command and model training (early stopping) share one definition of each
//! metric. The definitions are written down in `docs/backtest.md` and match scikit-learn's
//! (`tests/sklearn.rs` checks a fixture computed by `scripts/metrics_fixture.py`).
//!
//! Invariants:
//! - Ties are never broken arbitrarily: events with equal scores form one threshold, so a
//!   metric does not depend on input order.
//! - Collecting samples ([`Samples::push`]) allocates only when a vector grows; curves are
//!   built once, after the run, with one sort.
//! - Undefined metrics (no positives, no negatives) are `None`, never NaN.

mod confusion;
mod curve;
mod histogram;
mod samples;

pub use confusion::Confusion;
pub use curve::{Curve, CurvePoint, MAX_PLOT_POINTS, PlotPoint};
pub use histogram::{Histogram, MAX_BINS};
pub use samples::Samples;

/// Average precision of `scores` against `labels` (unweighted): a shortcut for early stopping.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Option<f64> {
    Curve::new(scores, labels, None).average_precision()
}

/// ROC-AUC of `scores` against `labels` (unweighted), ties counted half.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    Curve::new(scores, labels, None).roc_auc()
}
