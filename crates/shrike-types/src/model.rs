//! The seam between policies and tree models. A compiled policy holds each model it declares
//! as an `Arc<dyn TreeModel>`; `shrike-model` implements the trait, so the policy compiler and
//! the engine score and explain models without depending on how they are trained or stored.
//!
//! A row is `&[f64]` with input `i` at index `i`: a numeric input is its number, a categorical
//! input its category code ([`TreeModel::category_code`]); NaN is missing, and each split
//! sends it to its default side.

use std::any::Any;
use std::fmt;

/// What kind of value a model input takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelInputKind {
    Numeric,
    Categorical,
}

/// A row's score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelOutput {
    /// Raw log-odds.
    pub margin: f64,
    /// The probability of the positive class, 0 to 1.
    pub probability: f64,
}

/// Buffers a model reuses across explanations; made by [`TreeModel::explain_scratch`] and
/// only ever handed back to the model that made it.
pub struct ExplainScratch(Box<dyn Any + Send>);

impl ExplainScratch {
    pub fn new<T: Any + Send>(inner: T) -> ExplainScratch {
        ExplainScratch(Box::new(inner))
    }

    /// The buffers, if they are of type `T`.
    pub fn get_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.0.downcast_mut()
    }
}

impl fmt::Debug for ExplainScratch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExplainScratch")
    }
}

/// A checked binary-classification tree model, loaded once and shared by every decision.
pub trait TreeModel: Send + Sync {
    fn input_count(&self) -> usize;
    fn input_name(&self, input: usize) -> &str;
    fn input_kind(&self, input: usize) -> ModelInputKind;
    /// The row value of category `value` for categorical input `input`: its code, or a
    /// negative code (no split's set holds it) for a category the model never saw.
    fn category_code(&self, input: usize, value: &str) -> f64;
    /// The row value of a category written as a number (the text a CSV column held): its code
    /// in the dictionary, the number itself for an input whose codes are numbers.
    fn category_code_of_number(&self, input: usize, value: f64) -> f64;
    /// Scores a row of at least [`TreeModel::input_count`] values; `None` for a shorter row.
    fn score(&self, row: &[f64]) -> Option<ModelOutput>;
    /// Fresh buffers for [`TreeModel::explain`].
    fn explain_scratch(&self) -> ExplainScratch;
    /// Exact TreeSHAP: writes each input's contribution to the margin into `out` and returns
    /// the expected value, so `expected + sum(out) == margin`. `None` for a short row or `out`
    /// or a scratch from another model.
    fn explain(&self, row: &[f64], scratch: &mut ExplainScratch, out: &mut [f64]) -> Option<f64>;
    /// A short content digest: the same model bytes give the same digest.
    fn digest(&self) -> &str;
    /// Where the model came from (`shrike-train`, `lightgbm v4`, ...).
    fn source(&self) -> &str;
    /// The reference score histogram kept from training, as `(edges, counts)`; `None` for a
    /// model without one (an imported model).
    fn reference_histogram(&self) -> Option<(&[f64], &[u64])>;
}

impl fmt::Debug for dyn TreeModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TreeModel({} inputs, {})", self.input_count(), self.digest())
    }
}
