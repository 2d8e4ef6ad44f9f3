//! The boosting loop: gradients, sampling, trees, scores, early stopping.

use serde::{Deserialize, Serialize};

use crate::metrics::{average_precision, logloss};
use crate::rng::Rng;
use crate::spec::{EnsembleSpec, NodeSpec, TreeSpec};
use crate::train::TrainError;
use crate::train::data::{Binned, Dataset, Mapper};
use crate::train::hist::Layout;
use crate::train::params::{Metric, Params};
use crate::train::tree::{Grown, Inputs, TNode, grow};

/// One finished round, for progress reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Iteration {
    /// Rounds done so far (1-based).
    pub round: usize,
    pub train_logloss: f64,
    /// The validation metric after this round, with a validation set.
    pub valid_metric: Option<f64>,
    /// The round with the best validation metric so far (1-based).
    pub best_round: usize,
}

/// What a training run did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Trees in the model (the best round's, when early stopping had a validation set).
    pub trees: usize,
    /// Rounds trained before stopping.
    pub rounds: usize,
    /// The best validation round (1-based); the last round without validation.
    pub best_iteration: usize,
    pub metric: Metric,
    pub train_rows: usize,
    pub train_positives: usize,
    pub valid_rows: usize,
    pub valid_positives: usize,
    pub valid_pr_auc: Option<f64>,
    pub valid_logloss: Option<f64>,
    /// Weight of a positive row in the loss.
    pub positive_weight: f64,
}

/// A trained ensemble with its summary.
#[derive(Clone, Debug)]
pub struct Trained {
    pub ensemble: EnsembleSpec,
    pub summary: Summary,
    /// Validation probabilities of the final model (training ones without validation).
    pub reference_scores: Vec<f64>,
}

struct Run<'a> {
    p: &'a Params,
    mappers: Vec<Mapper>,
    layout: Layout,
    train: Binned,
    labels: &'a [bool],
    w_pos: f64,
    rng: Rng,
}

/// Trains on `train`, stopping early on `valid` (rows after the training rows in time).
pub fn train(
    p: &Params,
    train: &Dataset,
    valid: Option<&Dataset>,
    progress: &mut dyn FnMut(&Iteration),
) -> Result<Trained, TrainError> {
    p.validate()?;
    let (pos, neg) = class_counts(&train.labels);
    if pos == 0 || neg == 0 {
        return Err(TrainError::new(
            "labels",
            format!("training rows need both classes ({pos} positive, {neg} negative)"),
        ));
    }
    if let Some(v) = valid
        && v.inputs != train.inputs
    {
        return Err(TrainError::new("valid.inputs", "validation inputs differ from the training inputs"));
    }
    let mappers: Vec<Mapper> =
        train.columns.iter().zip(&train.inputs).map(|(c, i)| Mapper::fit(c, i.is_categorical(), p)).collect();
    let w_pos = if p.balanced { neg as f64 / pos as f64 } else { p.scale_pos_weight };
    let mut run = Run {
        p,
        layout: Layout::new(&mappers),
        train: Binned::new(train, &mappers),
        mappers,
        labels: &train.labels,
        w_pos,
        rng: Rng::new(p.seed),
    };
    let valid = valid.map(|v| (Binned::new(v, &run.mappers), v.labels.as_slice()));
    let (trees, base, rounds, best, reference) = run.boost(valid.as_ref(), progress);
    let ensemble = EnsembleSpec {
        num_inputs: train.inputs.len(),
        base_margin: base,
        output_scale: 1.0,
        sigmoid: 1.0,
        sum_f32: false,
        trees: trees.iter().map(|t| to_spec(t, &run.mappers)).collect(),
    };
    let (vp, vn) = valid.as_ref().map_or((0, 0), |(_, l)| class_counts(l));
    let summary = Summary {
        trees: trees.len(),
        rounds,
        best_iteration: best,
        metric: p.metric,
        train_rows: train.rows(),
        train_positives: pos,
        valid_rows: vp + vn,
        valid_positives: vp,
        valid_pr_auc: valid.as_ref().map(|(_, l)| average_precision(&reference, l)),
        valid_logloss: valid.as_ref().map(|(_, l)| logloss(&reference, l)),
        positive_weight: w_pos,
    };
    Ok(Trained { ensemble, summary, reference_scores: reference })
}

fn class_counts(labels: &[bool]) -> (usize, usize) {
    let pos = labels.iter().filter(|&&l| l).count();
    (pos, labels.len() - pos)
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

type Outcome = (Vec<Grown>, f64, usize, usize, Vec<f64>);

impl Run<'_> {
    fn boost(&mut self, valid: Option<&(Binned, &[bool])>, progress: &mut dyn FnMut(&Iteration)) -> Outcome {
        let n = self.train.rows;
        let base = self.base_margin();
        let mut scores = vec![base; n];
        let mut valid_scores = valid.map_or_else(Vec::new, |(b, _)| vec![base; b.rows]);
        let mut trees: Vec<Grown> = Vec::new();
        let (mut best_metric, mut best_round) = (None::<f64>, 0);
        let mut gh = vec![(0.0, 0.0); n];
        let (mut rows, mut scratch) = (Vec::with_capacity(n), Vec::new());
        for round in 1..=self.p.num_trees {
            self.gradients(&scores, &mut gh);
            self.bag(&mut rows);
            let features = self.sample_features();
            let inputs = Inputs {
                binned: &self.train,
                mappers: &self.mappers,
                layout: &self.layout,
                gh: &gh,
                features: &features,
                params: self.p,
            };
            let tree = grow(&inputs, &mut rows, &mut scratch);
            if tree.nodes.len() == 1 {
                break; // no split gains anything: more rounds would add constants only
            }
            self.update(&tree, &rows, &mut scores);
            if let Some((vb, _)) = valid {
                for (r, s) in valid_scores.iter_mut().enumerate() {
                    *s += tree.predict(vb.row(r), &self.mappers);
                }
            }
            trees.push(tree);
            let metric = valid.map(|(_, l)| self.metric(&valid_scores, l));
            if let Some(m) = metric
                && best_metric.is_none_or(|b| self.p.metric.better(m, b))
            {
                (best_metric, best_round) = (Some(m), round);
            }
            if metric.is_none() {
                best_round = round;
            }
            let probs: Vec<f64> = scores.iter().map(|&s| sigmoid(s)).collect();
            let train_logloss = logloss(&probs, self.labels);
            progress(&Iteration { round, train_logloss, valid_metric: metric, best_round });
            if self.p.early_stopping_rounds > 0 && valid.is_some() && round - best_round >= self.p.early_stopping_rounds
            {
                break;
            }
        }
        let rounds = trees.len();
        trees.truncate(best_round);
        let reference = self.reference_scores(&trees, base, valid, &scores);
        (trees, base, rounds, best_round, reference)
    }

    /// The logit of the weighted positive rate: the best constant margin.
    fn base_margin(&self) -> f64 {
        let (pos, neg) = class_counts(self.labels);
        (pos as f64 * self.w_pos / neg as f64).ln()
    }

    fn gradients(&self, scores: &[f64], gh: &mut [(f64, f64)]) {
        for ((out, &s), &y) in gh.iter_mut().zip(scores).zip(self.labels) {
            let p = sigmoid(s);
            let w = if y { self.w_pos } else { 1.0 };
            *out = ((p - f64::from(u8::from(y))) * w, (p * (1.0 - p)).max(1e-16) * w);
        }
    }

    /// The rows of this round's tree: each row independently with probability
    /// `bagging_fraction`, in row order.
    fn bag(&mut self, rows: &mut Vec<u32>) {
        rows.clear();
        let f = self.p.bagging_fraction;
        for r in 0..self.train.rows as u32 {
            if f >= 1.0 || self.rng.next_f64() < f {
                rows.push(r);
            }
        }
        if rows.is_empty() {
            rows.push(self.rng.below(self.train.rows) as u32);
        }
    }

    /// This round's features: `ceil(feature_fraction * features)` drawn without replacement.
    fn sample_features(&mut self) -> Vec<usize> {
        let all = self.mappers.len();
        let k = ((self.p.feature_fraction * all as f64).ceil() as usize).clamp(1, all);
        let mut f: Vec<usize> = (0..all).collect();
        if k < all {
            for i in 0..k {
                let j = i + self.rng.below(all - i);
                f.swap(i, j);
            }
            f.truncate(k);
            f.sort_unstable();
        }
        f
    }

    /// Adds the tree's leaf values to the training scores: through the leaf ranges for the
    /// rows it was grown on, by walking it for the others.
    fn update(&self, tree: &Grown, rows: &[u32], scores: &mut [f64]) {
        for &(node, start, end) in &tree.leaf_ranges {
            let TNode::Leaf { value, .. } = tree.nodes[node] else { continue };
            for &r in &rows[start..end] {
                scores[r as usize] += value;
            }
        }
        if rows.len() < scores.len() {
            let mut in_bag = vec![false; scores.len()];
            rows.iter().for_each(|&r| in_bag[r as usize] = true);
            for (r, s) in scores.iter_mut().enumerate().filter(|(r, _)| !in_bag[*r]) {
                *s += tree.predict(self.train.row(r), &self.mappers);
            }
        }
    }

    fn metric(&self, margins: &[f64], labels: &[bool]) -> f64 {
        let probs: Vec<f64> = margins.iter().map(|&m| sigmoid(m)).collect();
        match self.p.metric {
            Metric::PrAuc => average_precision(&probs, labels),
            Metric::Logloss => logloss(&probs, labels),
        }
    }

    /// Probabilities of the final (possibly truncated) model on the validation rows, or on
    /// the training rows without validation.
    fn reference_scores(
        &self,
        trees: &[Grown],
        base: f64,
        valid: Option<&(Binned, &[bool])>,
        train: &[f64],
    ) -> Vec<f64> {
        match valid {
            Some((vb, _)) => (0..vb.rows)
                .map(|r| sigmoid(base + trees.iter().map(|t| t.predict(vb.row(r), &self.mappers)).sum::<f64>()))
                .collect(),
            None => train.iter().map(|&s| sigmoid(s)).collect(),
        }
    }
}

/// A trained tree in portable form: bin thresholds become value bounds, bin sets become
/// category codes; covers are row counts (as LightGBM's, which its SHAP uses).
fn to_spec(tree: &Grown, mappers: &[Mapper]) -> TreeSpec {
    let nodes = tree
        .nodes
        .iter()
        .map(|n| match n {
            TNode::Leaf { value, n } => NodeSpec::Leaf { value: *value, cover: *n },
            TNode::Split { feature, rule, default_left, left, right, n } => {
                let (input, default_left, left, right, cover) = (*feature, *default_left, *left, *right, *n);
                match (&mappers[input], rule) {
                    (Mapper::Numeric { upper }, crate::train::split::Rule::Threshold(b)) => {
                        let threshold = upper[*b as usize];
                        NodeSpec::Numeric { input, threshold, default_left, zero_is_missing: false, left, right, cover }
                    }
                    (Mapper::Categorical { codes, .. }, crate::train::split::Rule::Set(bits)) => {
                        let categories = (0..codes.len()).filter(|&b| bits[b / 64] >> (b % 64) & 1 == 1);
                        let categories = categories.map(|b| codes[b]).collect();
                        NodeSpec::Categorical { input, categories, default_left, left, right, cover }
                    }
                    _ => unreachable!("numeric features get thresholds and categorical ones sets"),
                }
            }
        })
        .collect();
    TreeSpec { nodes }
}
