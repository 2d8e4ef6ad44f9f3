//! Gradient-boosted tree models for binary classification: score, explain, import, train.
//!
//! - [`Ensemble`]: a checked, flat tree ensemble; [`Ensemble::score`] gives the margin and
//!   probability of a row `&[f64]` (input `i` at index `i`, NaN = missing, a categorical
//!   input as its integer category code).
//! - [`Ensemble::explain`]: exact path-dependent TreeSHAP; contributions plus the expected
//!   value sum to the margin.
//! - [`Model`]: an ensemble with named, typed inputs (numeric or categorical with a string
//!   dictionary), training metadata and a reference score histogram; saved and loaded as JSON.
//! - [`import`]: LightGBM text models and XGBoost JSON models.
//! - [`train`]: histogram-based GBDT with logistic loss.
//! - [`drift`]: PSI between the training and live score distributions.
//! - `Model` implements [`shrike_types::model::TreeModel`], the interface policies hold models
//!   behind (the only thing this crate takes from `shrike-types`).
//!
//! Invariants: every ensemble was checked on construction (a tree, indices in range, bounded
//! by [`limits`]), so scoring and explaining never panic on a row of the right length; the
//! split semantics are the ones in [`spec`], whatever library a model came from.

pub mod drift;
pub mod ensemble;
pub mod error;
pub mod import;
pub mod input;
pub mod limits;
pub mod metrics;
pub mod model;
mod rng;
mod serving;
pub mod shap;
mod shap_fast;
mod shap_linear;
pub mod spec;
pub mod synth;
pub mod train;

pub use ensemble::{Ensemble, Score};
pub use error::ModelError;
pub use input::{Input, InputKind};
pub use model::Model;
pub use shap::{Explanation, ShapScratch};
pub use spec::{EnsembleSpec, NodeSpec, TreeSpec};
