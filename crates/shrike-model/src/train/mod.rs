//! Histogram-based gradient boosting for binary classification with logistic loss.
//!
//! Per round: gradients and hessians of the weighted log loss, a row sample (bagging) and a
//! feature sample, one leaf-wise tree over binned features ([`tree`]), scores updated, the
//! validation metric checked for early stopping. Everything random comes from one seeded
//! generator drawn in a fixed order, and every reduction runs in a fixed order, so a seed
//! gives byte-identical models.

mod boost;
mod data;
mod hist;
mod params;
mod split;
mod tree;

pub use boost::{Iteration, Summary, Trained, train};
pub use data::{BIN_SAMPLE_ROWS, Dataset, MAX_ROWS};
pub use params::{MAX_BINS, MAX_LEAVES, Metric, Params};

/// Training input or parameters the trainer cannot use; names the field or parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TrainError {
    pub field: String,
    pub message: String,
}

impl TrainError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> TrainError {
        TrainError { field: field.into(), message: message.into() }
    }
}
