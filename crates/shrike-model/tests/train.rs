//! The trainer on seeded synthetic data: it learns numeric, missing-value and categorical
//! signal, its model scores raw rows exactly as training scored binned ones, it is
//! deterministic, and early stopping keeps the best round.

#![allow(clippy::unwrap_used)]

use shrike_model::train::{Dataset, Metric, Params, train};
use shrike_model::{Ensemble, Input, Model};

/// SplitMix64, so the test data does not depend on the crate's own generator.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Inputs: x0 (signal), x1 (missing = risky), c (categories 3 and 5 risky), noise.
fn data(seed: u64, rows: usize) -> Dataset {
    let mut g = Gen(seed);
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 4];
    let mut labels = Vec::with_capacity(rows);
    for _ in 0..rows {
        let x0 = g.next() * 4.0 - 2.0;
        let x1 = if g.next() < 0.2 { f64::NAN } else { g.next() };
        let c = (g.next() * 8.0).floor();
        let noise = g.next();
        let logit =
            -3.0 + 1.5 * x0 + if x1.is_nan() { 2.0 } else { 0.0 } + if c == 3.0 || c == 5.0 { 2.0 } else { 0.0 };
        labels.push(g.next() < 1.0 / (1.0 + (-logit).exp()));
        for (col, v) in cols.iter_mut().zip([x0, x1, c, noise]) {
            col.push(v);
        }
    }
    let inputs =
        vec![Input::numeric("x0"), Input::numeric("x1"), Input::categorical("c", vec![]), Input::numeric("noise")];
    Dataset::new(inputs, cols, labels).unwrap()
}

fn params() -> Params {
    Params { num_trees: 60, learning_rate: 0.1, num_leaves: 15, early_stopping_rounds: 0, ..Params::default() }
}

#[test]
fn learns_numeric_missing_and_categorical_signal() {
    let (tr, va) = (data(1, 20_000), data(2, 5_000));
    let trained = train(&params(), &tr, Some(&va), &mut |_| {}).unwrap();
    let s = &trained.summary;
    let base_rate = s.valid_positives as f64 / s.valid_rows as f64;
    assert!(s.valid_pr_auc.unwrap() > 2.5 * base_rate, "{s:?}");
    let ens = Ensemble::new(&trained.ensemble).unwrap();
    let p = |row: [f64; 4]| ens.score(&row).unwrap().probability;
    assert!(p([0.0, f64::NAN, 0.0, 0.5]) > 2.0 * p([0.0, 0.5, 0.0, 0.5]), "missing x1 is risky");
    assert!(p([0.0, 0.5, 3.0, 0.5]) > 2.0 * p([0.0, 0.5, 2.0, 0.5]), "category 3 is risky");
    assert!(p([1.5, 0.5, 0.0, 0.5]) > 2.0 * p([-1.5, 0.5, 0.0, 0.5]), "x0 is risky");
    let e = ens.explain(&[0.0, f64::NAN, 5.0, 0.5]).unwrap();
    let top: Vec<usize> = e.top_k(2).iter().map(|t| t.0).collect();
    assert!(top.contains(&1) && top.contains(&2), "{:?}", e.contributions);
}

#[test]
fn the_model_scores_raw_rows_as_training_scored_binned_ones() {
    let (tr, va) = (data(3, 8_000), data(4, 2_000));
    let p = Params { bagging_fraction: 0.7, feature_fraction: 0.75, ..params() };
    let trained = train(&p, &tr, Some(&va), &mut |_| {}).unwrap();
    let ens = Ensemble::new(&trained.ensemble).unwrap();
    for (r, &reference) in trained.reference_scores.iter().enumerate() {
        let ours = ens.score(&va.row(r)).unwrap().probability;
        assert!((ours - reference).abs() < 1e-12, "row {r}: {ours} vs {reference}");
    }
}

#[test]
fn a_seed_gives_byte_identical_models() {
    let (tr, va) = (data(5, 6_000), data(6, 1_500));
    let p = Params { bagging_fraction: 0.8, feature_fraction: 0.5, seed: 7, ..params() };
    let json = |p: &Params| {
        let trained = train(p, &tr, Some(&va), &mut |_| {}).unwrap();
        Model::from_trained(tr.inputs.clone(), p, trained).unwrap().to_json()
    };
    let a = json(&p);
    assert_eq!(a, json(&p));
    assert_ne!(a, json(&Params { seed: 8, ..p.clone() }), "the seed matters");
}

#[test]
fn early_stopping_keeps_the_best_round() {
    let (tr, va) = (data(7, 3_000), data(8, 3_000));
    let p =
        Params { num_trees: 400, learning_rate: 0.3, early_stopping_rounds: 10, metric: Metric::Logloss, ..params() };
    let mut seen = Vec::new();
    let trained = train(&p, &tr, Some(&va), &mut |it| seen.push(it.valid_metric.unwrap())).unwrap();
    let s = &trained.summary;
    assert!(s.rounds < 400 && s.rounds == s.best_iteration + 10, "{s:?}");
    assert_eq!(s.trees, s.best_iteration);
    let best = seen.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(seen[s.best_iteration - 1], best);
    assert!((s.valid_logloss.unwrap() - best).abs() < 1e-12);
}

#[test]
fn class_weights_raise_scores() {
    let (tr, va) = (data(9, 5_000), data(10, 1_000));
    let plain = train(&params(), &tr, Some(&va), &mut |_| {}).unwrap();
    let balanced = train(&Params { balanced: true, ..params() }, &tr, Some(&va), &mut |_| {}).unwrap();
    assert!(balanced.summary.positive_weight > 3.0);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (b, p) = (mean(&balanced.reference_scores), mean(&plain.reference_scores));
    assert!(balanced.ensemble.base_margin.abs() < 1e-9, "balanced classes start at even odds");
    assert!(b > 1.5 * p, "{b} vs {p}, weight {}", balanced.summary.positive_weight);
}

#[test]
fn bad_input_is_an_error_naming_the_field() {
    let tr = data(11, 500);
    let e = train(&Params { num_leaves: 1, ..params() }, &tr, None, &mut |_| {}).unwrap_err();
    assert_eq!(e.field, "num_leaves");
    let one_class = Dataset::new(tr.inputs.clone(), tr.columns.clone(), vec![false; 500]).unwrap();
    assert_eq!(train(&params(), &one_class, None, &mut |_| {}).unwrap_err().field, "labels");
    let short = Dataset::new(tr.inputs.clone(), vec![vec![0.0; 3]; 4], vec![true; 4]).unwrap_err();
    assert!(short.field.starts_with("columns[0]"), "{short}");
}
