//! Our metrics against scikit-learn's on a seeded random case with ties and weights
//! (`fixtures/sklearn_random.json`, written by `scripts/metrics_fixture.py`).

#![allow(clippy::unwrap_used)] // a failure is a test failure

use serde_json::Value;
use shrike_metrics::Curve;

/// Float sums in a different order differ in the last bits only.
const TOLERANCE: f64 = 1e-9;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/sklearn_random.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn check(name: &str, curve: &Curve, expected: &Value) {
    let near = |what: &str, ours: Option<f64>, theirs: &Value| {
        let (ours, theirs) = (ours.unwrap(), theirs.as_f64().unwrap());
        assert!((ours - theirs).abs() < TOLERANCE, "{name} {what}: ours {ours}, scikit-learn {theirs}");
    };
    near("average precision", curve.average_precision(), &expected["average_precision"]);
    near("ROC-AUC", curve.roc_auc(), &expected["roc_auc"]);
    for (fpr, recall) in expected["recall_at_fpr"].as_object().unwrap() {
        near(&format!("recall at FPR {fpr}"), curve.recall_at_fpr(fpr.parse().unwrap()), recall);
    }
}

#[test]
fn matches_scikit_learn_unweighted_weighted_and_by_money() {
    let f = fixture();
    let scores = floats(&f["scores"]);
    let labels: Vec<bool> = f["labels"].as_array().unwrap().iter().map(|x| x.as_i64() == Some(1)).collect();
    let weights = floats(&f["weights"]);
    let money: Vec<f64> = labels.iter().zip(&weights).map(|(&l, &w)| if l { w } else { 1.0 }).collect();
    assert_eq!(scores.len(), 3000);
    check("unweighted", &Curve::new(&scores, &labels, None), &f["unweighted"]);
    check("weighted", &Curve::new(&scores, &labels, Some(&weights)), &f["weighted"]);
    check("by money", &Curve::new(&scores, &labels, Some(&money)), &f["by_money"]);
}

#[test]
fn shuffling_changes_nothing() {
    let f = fixture();
    let scores = floats(&f["scores"]);
    let labels: Vec<bool> = f["labels"].as_array().unwrap().iter().map(|x| x.as_i64() == Some(1)).collect();
    let reversed = |v: &[f64]| v.iter().rev().copied().collect::<Vec<_>>();
    let rev_labels: Vec<bool> = labels.iter().rev().copied().collect();
    let a = Curve::new(&scores, &labels, None);
    let b = Curve::new(&reversed(&scores), &rev_labels, None);
    assert_eq!(a.points(), b.points());
}
