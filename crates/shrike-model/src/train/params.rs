//! Training parameters. Names and defaults follow LightGBM's where they mean the same, so a
//! comparison can pass the same values to both (docs/models.md has the table).

use serde::{Deserialize, Serialize};

use crate::limits::{MAX_DEPTH, MAX_TREES};
use crate::train::TrainError;

/// Largest `num_leaves`: bounds the histograms kept per tree (one per open leaf).
pub const MAX_LEAVES: usize = 4_096;

/// Most value bins of a feature: bins are `u8`, and one more is kept for missing values.
pub const MAX_BINS: usize = 255;

/// Validation metric for early stopping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Average precision (area under the precision-recall curve); higher is better.
    PrAuc,
    /// Mean binary cross-entropy; lower is better.
    Logloss,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::PrAuc => "pr_auc",
            Metric::Logloss => "logloss",
        }
    }

    /// Whether `a` is strictly better than `b`.
    pub(crate) fn better(self, a: f64, b: f64) -> bool {
        match self {
            Metric::PrAuc => a > b,
            Metric::Logloss => a < b,
        }
    }
}

/// How a model is trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Boosting rounds (trees) at most.
    pub num_trees: usize,
    pub learning_rate: f64,
    /// Leaves per tree; trees grow best-first (leaf-wise) up to this.
    pub num_leaves: usize,
    /// Depth limit of a leaf; 0 means only [`MAX_DEPTH`].
    pub max_depth: usize,
    /// Fewest training rows in a leaf.
    pub min_data_in_leaf: usize,
    /// Smallest hessian sum in a leaf.
    pub min_sum_hessian: f64,
    /// L2 regularisation of leaf values.
    pub lambda_l2: f64,
    /// Smallest gain a split must bring.
    pub min_gain_to_split: f64,
    /// Value bins per numeric feature (quantiles), at most [`MAX_BINS`].
    pub max_bins: usize,
    /// Share of rows drawn (without replacement, per row) for each tree; 1 = all.
    pub bagging_fraction: f64,
    /// Share of features drawn for each tree; 1 = all.
    pub feature_fraction: f64,
    pub seed: u64,
    /// Weight of positive rows in the loss.
    pub scale_pos_weight: f64,
    /// Weigh positives by negatives / positives (overrides `scale_pos_weight`).
    pub balanced: bool,
    /// Stop when the validation metric has not improved for this many rounds; 0 = never.
    pub early_stopping_rounds: usize,
    pub metric: Metric,
    /// Most categories of one categorical feature given their own bin (by frequency); the
    /// rest share an "other" bin that always goes right, like categories unseen in training.
    pub max_categories: usize,
    /// Most categories on the left side of one categorical split.
    pub max_cat_threshold: usize,
    /// Fewest rows a category needs to be placed by a many-category split.
    pub min_data_per_group: usize,
    /// Smoothing of a category's gradient ratio when categories are sorted.
    pub cat_smooth: f64,
    /// Extra L2 regularisation in categorical splits.
    pub cat_l2: f64,
    /// Features with at most this many categories use one-vs-rest splits.
    pub max_cat_to_onehot: usize,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            num_trees: 500,
            learning_rate: 0.05,
            num_leaves: 31,
            max_depth: 0,
            min_data_in_leaf: 20,
            min_sum_hessian: 1e-3,
            lambda_l2: 0.0,
            min_gain_to_split: 0.0,
            max_bins: MAX_BINS,
            bagging_fraction: 1.0,
            feature_fraction: 1.0,
            seed: 0,
            scale_pos_weight: 1.0,
            balanced: false,
            early_stopping_rounds: 50,
            metric: Metric::PrAuc,
            max_categories: 254,
            max_cat_threshold: 32,
            min_data_per_group: 100,
            cat_smooth: 10.0,
            cat_l2: 10.0,
            max_cat_to_onehot: 4,
        }
    }
}

impl Params {
    /// Checks every parameter's range; the error names the parameter.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |field: &str, message: String| Err(TrainError::new(field, message));
        if self.num_trees == 0 || self.num_trees > MAX_TREES {
            return bad("num_trees", format!("must be 1 to {MAX_TREES}"));
        }
        if self.num_leaves < 2 || self.num_leaves > MAX_LEAVES {
            return bad("num_leaves", format!("must be 2 to {MAX_LEAVES}"));
        }
        if self.max_depth > MAX_DEPTH {
            return bad("max_depth", format!("must be 0 (no limit) to {MAX_DEPTH}"));
        }
        if self.max_bins < 2 || self.max_bins > MAX_BINS {
            return bad("max_bins", format!("must be 2 to {MAX_BINS}"));
        }
        if self.max_categories < 1 || self.max_categories > MAX_BINS - 1 {
            return bad("max_categories", format!("must be 1 to {}", MAX_BINS - 1));
        }
        for (name, v) in [("bagging_fraction", self.bagging_fraction), ("feature_fraction", self.feature_fraction)] {
            if !(v > 0.0 && v <= 1.0) {
                return bad(name, format!("{v} is not in (0, 1]"));
            }
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate", "must be a positive number".into());
        }
        let non_negative = [
            ("min_sum_hessian", self.min_sum_hessian),
            ("lambda_l2", self.lambda_l2),
            ("min_gain_to_split", self.min_gain_to_split),
            ("cat_smooth", self.cat_smooth),
            ("cat_l2", self.cat_l2),
        ];
        for (name, v) in non_negative {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(name, format!("{v} is not a finite number >= 0"));
            }
        }
        if !(self.scale_pos_weight > 0.0 && self.scale_pos_weight.is_finite()) {
            return bad("scale_pos_weight", "must be a positive number".into());
        }
        if self.max_cat_threshold == 0 {
            return bad("max_cat_threshold", "must be at least 1".into());
        }
        Ok(())
    }

    /// The depth limit in effect.
    pub(crate) fn depth_limit(&self) -> usize {
        if self.max_depth == 0 { MAX_DEPTH } else { self.max_depth }
    }
}
