//! Evaluation on a time split: the scorer learns from training rows only and is measured on
//! the test rows.

#![allow(clippy::unwrap_used)] // a failure is a test failure

mod common;

use std::cell::Cell;

use common::{generated, marketplace};
use shrike_backtest::eval::{PolicyScore, Scorer, Split, evaluate};
use shrike_backtest::{BacktestError, FeatureTable, LabelDelays, LabelInput, LabelSet, feature_table};
use shrike_metrics::Curve;

fn table() -> FeatureTable {
    let (events, label_text) = generated(10_000, 8, 28);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let delays = LabelDelays::default();
    let input = Some(LabelInput { labels: &labels, delays: &delays });
    feature_table(&marketplace(), events.as_bytes(), input, &mut |_| {}).unwrap().0
}

#[test]
fn the_policy_score_on_the_last_fifth() {
    let t = table();
    let r = evaluate(&t, Split::LastFraction(0.2), &mut PolicyScore).unwrap();
    assert_eq!((r.train_rows, r.test_rows), (8_000, 2_000));
    let test = &t.rows[8_000..];
    let scores: Vec<f64> = test.iter().map(|r| f64::from(r.policy_score)).collect();
    let labels: Vec<bool> = test.iter().map(|r| r.fraud).collect();
    let curve = Curve::new(&scores, &labels, None);
    assert_eq!(r.pr_auc, curve.average_precision());
    assert_eq!(r.roc_auc, curve.roc_auc());
    assert_eq!(r.recall_at_01pct_fpr, curve.recall_at_fpr(0.001));
    assert_eq!(r.test_fraud, labels.iter().filter(|&&l| l).count());
}

/// A one-feature threshold-free scorer: the value of the column that best separates the
/// training rows by ROC-AUC. It records which rows it was fitted on.
#[derive(Default)]
struct BestColumn {
    column: usize,
    fitted_on: Cell<usize>,
    max_train_row: Cell<usize>,
}

impl Scorer for BestColumn {
    fn name(&self) -> String {
        "best column".into()
    }

    fn fit(&mut self, t: &FeatureTable, train: &[usize]) -> Result<(), BacktestError> {
        let labels: Vec<bool> = train.iter().map(|&i| t.rows[i].fraud).collect();
        let auc = |c: usize| {
            let s: Vec<f64> = train.iter().map(|&i| f64::from(t.row(i)[c])).collect();
            shrike_metrics::roc_auc(&s, &labels).unwrap_or(0.5)
        };
        self.column = (0..t.columns.len()).max_by(|&a, &b| auc(a).total_cmp(&auc(b))).unwrap();
        self.fitted_on.set(train.len());
        self.max_train_row.set(train.iter().copied().max().unwrap());
        Ok(())
    }

    fn score(&self, t: &FeatureTable, row: usize) -> f64 {
        f64::from(t.row(row)[self.column])
    }
}

#[test]
fn a_scorer_is_fitted_on_training_rows_only() {
    let t = table();
    let mut s = BestColumn::default();
    let r = evaluate(&t, Split::LastFraction(0.25), &mut s).unwrap();
    assert_eq!((s.fitted_on.get(), s.max_train_row.get()), (7_500, 7_499));
    assert_eq!(r.scorer, "best column");
    assert!(r.roc_auc.unwrap() > 0.5, "{:?}", r.roc_auc);
    let e = evaluate(&t, Split::FromId(5), &mut PolicyScore).unwrap_err();
    assert_eq!(e.to_string(), "row 0 has no numeric event id");
}
