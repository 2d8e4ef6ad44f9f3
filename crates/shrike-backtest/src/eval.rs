//! Evaluation on a time split: replay the whole stream once through the policy (features
//! point-in-time, labels known only after their delay), let a [`Scorer`] learn from the
//! training rows, score the test rows, and report the ranking metrics on the test rows.
//!
//! Today's scorer is the policy's own score ([`PolicyScore`]); a trained model plugs in as
//! another [`Scorer`] over the same [`FeatureTable`], fitted on the rows before the split.

use shrike_metrics::Samples;

use crate::BacktestError;
use crate::report::{FPR_01PCT, FPR_1PCT};
use crate::table::FeatureTable;

/// Which rows are test rows; the others train.
#[derive(Debug, Clone, Copy)]
pub enum Split {
    /// Rows whose numeric event id is at least this (IEEE-CIS `TransactionID`s grow with time).
    FromId(u64),
    /// The last fraction of the rows in stream (time) order: `0.2` is the FDB-style split,
    /// first 80% train, last 20% test.
    LastFraction(f64),
}

impl Split {
    /// The row indices of the training and test sets.
    pub fn apply(self, table: &FeatureTable) -> Result<(Vec<usize>, Vec<usize>), BacktestError> {
        let n = table.len();
        let mut train = Vec::with_capacity(n);
        let mut test = Vec::with_capacity(n / 4);
        match self {
            Split::FromId(from) => {
                for (i, r) in table.rows.iter().enumerate() {
                    let id = r.id.ok_or_else(|| BacktestError::Eval(format!("row {i} has no numeric event id")))?;
                    if id >= from { test.push(i) } else { train.push(i) }
                }
            }
            Split::LastFraction(f) if (0.0..=1.0).contains(&f) => {
                let first_test = n - (n as f64 * f).round() as usize;
                train.extend(0..first_test);
                test.extend(first_test..n);
            }
            Split::LastFraction(f) => return Err(BacktestError::Eval(format!("a test fraction must be 0–1, got {f}"))),
        }
        Ok((train, test))
    }
}

/// Scores rows of a feature table; higher means more likely fraud.
pub trait Scorer {
    fn name(&self) -> String;
    /// Learns from the training rows (labels in `table.rows[i].fraud`). Must not look at
    /// any other row.
    fn fit(&mut self, table: &FeatureTable, train: &[usize]) -> Result<(), BacktestError>;
    fn score(&self, table: &FeatureTable, row: usize) -> f64;
}

/// The policy's score (0–100, the sum of its live rules' scores): nothing to learn.
#[derive(Debug, Default, Clone, Copy)]
pub struct PolicyScore;

impl Scorer for PolicyScore {
    fn name(&self) -> String {
        "policy score".into()
    }

    fn fit(&mut self, _: &FeatureTable, _: &[usize]) -> Result<(), BacktestError> {
        Ok(())
    }

    fn score(&self, table: &FeatureTable, row: usize) -> f64 {
        f64::from(table.rows[row].policy_score)
    }
}

/// The metrics of a scorer on the test rows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EvalReport {
    pub scorer: String,
    pub rows: usize,
    pub train_rows: usize,
    pub test_rows: usize,
    pub test_fraud: usize,
    pub columns: usize,
    pub pr_auc: Option<f64>,
    pub roc_auc: Option<f64>,
    pub recall_at_1pct_fpr: Option<f64>,
    pub recall_at_01pct_fpr: Option<f64>,
    pub money_recall_at_1pct_fpr: Option<f64>,
    pub money_recall_at_01pct_fpr: Option<f64>,
}

/// Fits `scorer` on the training rows and measures it on the test rows.
pub fn evaluate(table: &FeatureTable, split: Split, scorer: &mut dyn Scorer) -> Result<EvalReport, BacktestError> {
    let (train, test) = split.apply(table)?;
    scorer.fit(table, &train)?;
    let mut samples = Samples::with_capacity(test.len());
    for &i in &test {
        let r = &table.rows[i];
        let weight = if r.fraud { r.amount.to_f64() } else { 1.0 };
        samples.push(scorer.score(table, i), r.fraud, weight);
    }
    let (curve, by_money) = samples.curves();
    Ok(EvalReport {
        scorer: scorer.name(),
        rows: table.len(),
        train_rows: train.len(),
        test_rows: test.len(),
        test_fraud: test.iter().filter(|&&i| table.rows[i].fraud).count(),
        columns: table.columns.len(),
        pr_auc: curve.average_precision(),
        roc_auc: curve.roc_auc(),
        recall_at_1pct_fpr: curve.recall_at_fpr(FPR_1PCT),
        recall_at_01pct_fpr: curve.recall_at_fpr(FPR_01PCT),
        money_recall_at_1pct_fpr: by_money.recall_at_fpr(FPR_1PCT),
        money_recall_at_01pct_fpr: by_money.recall_at_fpr(FPR_01PCT),
    })
}
