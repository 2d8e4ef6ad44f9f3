//! Tree models in decisions. After the features and before the rules, the engine scores each
//! model the event type's rules read ([`shrike_dsl::plan::TypePlan::models`]) and puts its
//! probability where `model.NAME` reads it; after the rules, the decision gets every scored
//! model's score, and each model a fired rule (live or shadow) read is explained with exact
//! TreeSHAP: its top contributing inputs, with their values, go into the decision and into
//! the reasons of the rules that read it. Explaining only those decisions keeps the cost
//! (tens of microseconds per model) off the events no model rule fired on.
//!
//! A model input's expression becomes a row value as `shrike features export` writes it, so
//! a model trained on an export sees the same numbers live: a number as itself, money as its
//! decimal value, a bool as 1 or 0, a timestamp as epoch milliseconds, a duration as
//! milliseconds; for a categorical input, a string's dictionary code (an empty string is
//! missing, as an empty CSV cell is), a number's or bool's code by its text. Missing is NaN,
//! which each split sends to its default side.

use std::sync::Arc;

use shrike_dsl::eval::{EvalCtx, eval};
use shrike_dsl::ir::ModelId;
use shrike_dsl::plan::{CompiledPolicy, ModelDef, ModelInputDef};
use shrike_features::FeatureStore;
use shrike_types::model::{ExplainScratch, TreeModel};
use shrike_types::{Contribution, Decision, Event, ModelExplanation, ModelScore, RuleHit, RuleMode, Value};

use crate::engine::Engine;

/// Inputs listed in an explanation: the largest contributions by absolute value.
pub const TOP_CONTRIBUTORS: usize = 5;

/// Per-model buffers reused across events, so scoring allocates nothing.
#[derive(Default)]
pub(crate) struct ModelScratch {
    /// Per model of the policy: the row of the last event that scored it.
    rows: Vec<Vec<f64>>,
    margins: Vec<f64>,
    /// Made on a model's first explanation.
    explain: Vec<Option<ExplainScratch>>,
    contributions: Vec<f64>,
}

impl ModelScratch {
    pub(crate) fn for_policy(policy: &CompiledPolicy) -> ModelScratch {
        let n = policy.models.len();
        let widest = policy.models.iter().map(|m| m.inputs.len()).max().unwrap_or(0);
        ModelScratch {
            rows: policy.models.iter().map(|m| vec![f64::NAN; m.inputs.len()]).collect(),
            margins: vec![f64::NAN; n],
            explain: (0..n).map(|_| None).collect(),
            contributions: vec![0.0; widest],
        }
    }
}

impl<S: FeatureStore> Engine<S> {
    /// Scores the models event type `t`'s rules read, with the features already computed.
    pub(crate) fn score_models(&mut self, event: &Event<'_>, t: usize) {
        let Engine { policy, lists, scratch, .. } = self;
        for &m in &policy.per_type[t].models {
            let def = policy.model(m);
            let row = &mut scratch.models.rows[m.0 as usize];
            let ctx = EvalCtx { event, features: &scratch.features, lists };
            for (i, (cell, input)) in row.iter_mut().zip(&def.inputs).enumerate() {
                *cell = row_value(def.model.as_ref(), i, input, &eval(&input.expr, &ctx));
            }
            let out = def.model.score(row);
            let (margin, p) = out.map_or((f64::NAN, f64::NAN), |o| (o.margin, o.probability));
            scratch.models.margins[m.0 as usize] = margin;
            scratch.features[usize::from(def.slot)] = if p.is_nan() { Value::Missing } else { Value::Num(p) };
        }
    }

    /// Adds the scores of the models scored for `event` (of type `t`) to its decision, with
    /// explanations for the models the fired rules read, and those to the rules' reasons.
    pub(crate) fn attach_models(&mut self, event: &Event<'_>, t: usize, decision: &mut Decision) {
        let policy = Arc::clone(&self.policy);
        let scored = &policy.per_type[t].models;
        if scored.is_empty() {
            return;
        }
        let mut scores = Vec::with_capacity(scored.len());
        for &m in scored {
            let fired = &self.scratch.fired;
            let explained = fired.iter().any(|&r| policy.rules[r as usize].models.contains(&m));
            let def = policy.model(m);
            let explanation = if explained { self.explain(event, def, m) } else { None };
            let score = self.scratch.features[usize::from(def.slot)].as_f64().unwrap_or(f64::NAN);
            scores.push(ModelScore { model: Arc::clone(&def.name), score, explanation });
        }
        decision.models = scores;
        let (mut live, mut shadow) = (decision.reasons.iter_mut(), decision.shadow_hits.iter_mut());
        for &r in &self.scratch.fired {
            let rule = &policy.rules[r as usize];
            let hit = match rule.mode {
                RuleMode::Live => live.next(),
                RuleMode::Shadow => shadow.next(),
            };
            if let Some(hit) = hit {
                reasons_models(hit, &rule.models, scored, &decision.models);
            }
        }
    }

    /// Exact TreeSHAP of model `m` on the row it was scored with.
    fn explain(&mut self, event: &Event<'_>, def: &ModelDef, m: ModelId) -> Option<Arc<ModelExplanation>> {
        let s = &mut self.scratch.models;
        let i = m.0 as usize;
        let scratch = s.explain[i].get_or_insert_with(|| def.model.explain_scratch());
        let phi = &mut s.contributions[..def.inputs.len()];
        let expected_value = def.model.explain(&s.rows[i], scratch, phi)?;
        let top = top_k(phi, TOP_CONTRIBUTORS);
        let ctx = EvalCtx { event, features: &self.scratch.features, lists: &self.lists };
        let top = top
            .into_iter()
            .map(|(input, contribution)| Contribution {
                input: Arc::clone(&def.inputs[input].name),
                value: eval(&def.inputs[input].expr, &ctx).into_owned(),
                contribution,
            })
            .collect();
        Some(Arc::new(ModelExplanation { margin: s.margins[i], expected_value, top }))
    }
}

/// Gives a rule hit the scores (and explanations) of the models its rule read.
fn reasons_models(hit: &mut RuleHit, read: &[ModelId], scored: &[ModelId], scores: &[ModelScore]) {
    for m in read {
        if let Ok(k) = scored.binary_search(m) {
            hit.models.push(scores[k].clone());
        }
    }
}

/// The row value of `value` for input `i` (see the module docs).
pub(crate) fn row_value(model: &dyn TreeModel, i: usize, input: &ModelInputDef, value: &Value<'_>) -> f64 {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    if input.categorical {
        return match value {
            Value::Str(s) if !s.is_empty() => model.category_code(i, s),
            Value::Num(n) if n.is_finite() => model.category_code_of_number(i, *n),
            Value::Bool(b) => model.category_code_of_number(i, flag(*b)),
            _ => f64::NAN,
        };
    }
    match value {
        Value::Num(n) if n.is_finite() => *n,
        Value::Money(m) => m.to_f64(),
        Value::Bool(b) => flag(*b),
        Value::Time(t) => t.0 as f64,
        Value::Dur(d) => d.0 as f64,
        _ => f64::NAN,
    }
}

/// The `k` largest values by absolute value, largest first (zeros left out; ties keep
/// input order), as `(input, value)`.
fn top_k(values: &[f64], k: usize) -> Vec<(usize, f64)> {
    let mut all: Vec<(usize, f64)> = values.iter().copied().enumerate().filter(|(_, v)| *v != 0.0).collect();
    all.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}
