//! [`Model`] as the policy engine sees it: [`shrike_types::model::TreeModel`], the interface a
//! compiled policy holds its models behind.

use shrike_types::model::{ExplainScratch, ModelInputKind, ModelOutput, TreeModel};

use crate::input::InputKind;
use crate::model::Model;
use crate::shap::ShapScratch;

impl TreeModel for Model {
    fn input_count(&self) -> usize {
        self.inputs().len()
    }

    fn input_name(&self, input: usize) -> &str {
        self.inputs().get(input).map_or("", |i| i.name.as_str())
    }

    fn input_kind(&self, input: usize) -> ModelInputKind {
        match self.inputs().get(input).map(|i| &i.kind) {
            Some(InputKind::Categorical { .. }) => ModelInputKind::Categorical,
            _ => ModelInputKind::Numeric,
        }
    }

    fn category_code(&self, input: usize, value: &str) -> f64 {
        Model::category_code(self, input, value)
    }

    fn category_code_of_number(&self, input: usize, value: f64) -> f64 {
        Model::category_code_of_number(self, input, value)
    }

    fn score(&self, row: &[f64]) -> Option<ModelOutput> {
        let s = Model::score(self, row).ok()?;
        Some(ModelOutput { margin: s.margin, probability: s.probability })
    }

    fn explain_scratch(&self) -> ExplainScratch {
        ExplainScratch::new(ShapScratch::default())
    }

    fn explain(&self, row: &[f64], scratch: &mut ExplainScratch, out: &mut [f64]) -> Option<f64> {
        let scratch: &mut ShapScratch = scratch.get_mut()?;
        self.ensemble().explain_into(row, scratch, out).ok()
    }

    fn digest(&self) -> &str {
        Model::digest(self)
    }

    fn source(&self) -> &str {
        Model::source(self)
    }

    fn reference_histogram(&self) -> Option<(&[f64], &[u64])> {
        self.score_histogram().map(|h| (h.edges.as_slice(), h.counts.as_slice()))
    }
}
