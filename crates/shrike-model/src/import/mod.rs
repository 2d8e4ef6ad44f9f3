//! Models trained elsewhere, converted to the portable form with the split semantics of
//! [`crate::spec`]. Each importer returns the inputs (names and kinds) and the ensemble.

mod lightgbm;
mod xgboost;

pub use lightgbm::lightgbm_text;
pub use xgboost::xgboost_json;

use crate::input::Input;
use crate::spec::EnsembleSpec;

/// An imported model before it is checked into an [`crate::Ensemble`].
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub inputs: Vec<Input>,
    pub ensemble: EnsembleSpec,
    /// Where it came from, e.g. `lightgbm v4` or `xgboost 3.2.0`.
    pub source: String,
}
