//! The portable form of a tree: one node per entry with explicit child indices. Importers
//! and the trainer produce it, the model file stores it, and [`crate::Ensemble::new`] checks
//! it and flattens it into the scoring layout.
//!
//! Split semantics, the same for every source:
//! - **numeric**: a missing value (NaN, and also a value with `|x| <= 1e-35` when
//!   `zero_is_missing`) goes to the `default_left` side; otherwise left iff `x <= threshold`;
//! - **categorical**: a missing value goes to the `default_left` side; otherwise the code is
//!   truncated to an integer and goes left iff it is in `categories` (a negative code, a code
//!   above [`crate::limits::MAX_CATEGORY`] or one not listed goes right).

use serde::{Deserialize, Serialize};

/// LightGBM's `kZeroThreshold`: with missing type `Zero`, `|x| <= 1e-35` counts as missing.
pub const ZERO_THRESHOLD: f64 = 1e-35_f32 as f64;

/// One node of a tree. `cover` is the training weight (row count or hessian sum) that reached
/// the node; explanations weigh the two children by it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NodeSpec {
    Leaf {
        value: f64,
        cover: f64,
    },
    Numeric {
        input: usize,
        /// JSON has no infinity: `"inf"` / `"-inf"` stand for them (a split with threshold
        /// `inf` sends every number left and only missing values right).
        #[serde(with = "threshold")]
        threshold: f64,
        default_left: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        zero_is_missing: bool,
        left: usize,
        right: usize,
        cover: f64,
    },
    Categorical {
        input: usize,
        categories: Vec<u32>,
        default_left: bool,
        left: usize,
        right: usize,
        cover: f64,
    },
}

/// A threshold as a JSON number, or the strings `"inf"` / `"-inf"`.
mod threshold {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        match *v {
            f64::INFINITY => s.serialize_str("inf"),
            f64::NEG_INFINITY => s.serialize_str("-inf"),
            v => s.serialize_f64(v),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(f64),
        Text(String),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Number(v) => Ok(v),
            Raw::Text(t) if t == "inf" => Ok(f64::INFINITY),
            Raw::Text(t) if t == "-inf" => Ok(f64::NEG_INFINITY),
            Raw::Text(t) => {
                Err(serde::de::Error::custom(format!("threshold `{t}` is not a number, \"inf\" or \"-inf\"")))
            }
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl NodeSpec {
    /// The children `(left, right)` of a split, `None` for a leaf.
    pub fn children(&self) -> Option<(usize, usize)> {
        match *self {
            NodeSpec::Leaf { .. } => None,
            NodeSpec::Numeric { left, right, .. } | NodeSpec::Categorical { left, right, .. } => Some((left, right)),
        }
    }

    pub fn cover(&self) -> f64 {
        match *self {
            NodeSpec::Leaf { cover, .. } | NodeSpec::Numeric { cover, .. } | NodeSpec::Categorical { cover, .. } => {
                cover
            }
        }
    }
}

/// One tree; node 0 is the root.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeSpec {
    pub nodes: Vec<NodeSpec>,
}

/// A whole ensemble in portable form: `margin = base_margin + output_scale * sum(trees)`,
/// `probability = 1 / (1 + exp(-sigmoid * margin))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleSpec {
    pub num_inputs: usize,
    pub base_margin: f64,
    /// 1 for boosting; `1 / trees` for an averaged forest (LightGBM `average_output`).
    #[serde(default = "one")]
    pub output_scale: f64,
    /// Scale of the logistic link (LightGBM `sigmoid:`); 1 almost always.
    #[serde(default = "one")]
    pub sigmoid: f64,
    /// Sum the margin in `f32`, tree by tree from the base margin, as XGBoost does; set by
    /// the XGBoost importer so margins match it to the last bit rather than to ~1e-6.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sum_f32: bool,
    pub trees: Vec<TreeSpec>,
}

fn one() -> f64 {
    1.0
}
