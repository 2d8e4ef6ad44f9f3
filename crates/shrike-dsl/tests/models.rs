//! Model declarations from source to plan: what the plan holds, which event types score a
//! model, which features a model's inputs add to the reads, the slot rules read the score
//! from, and the version covering the model's digest.

mod common;

use std::sync::Arc;

use common::TestModels;
use shrike_dsl::eval::{EvalCtx, NoLists, is_true};
use shrike_dsl::{CompiledPolicy, ModelResolver, compile_with, model_files};
use shrike_types::model::TreeModel;
use shrike_types::{Event, EventType, KnownType, Timestamp, Value};

const POLICY: &str = r#"
feature device_cards_1h = distinct(card.fingerprint of payment.attempt) by device_id over 1h
feature logins_1d = count(account.login) by user_id over 1d
model risk = "risk.json" {
  amount
  country = card.country
  device_cards_1h
}
rule risky { on payment.attempt  when model.risk >= 0.5  then review }
rule logins { on account.login  when logins_1d > 10  then challenge }
"#;

fn compile(source: &str) -> CompiledPolicy {
    compile_with(source, &TestModels).unwrap_or_else(|e| panic!("{}", e.render("test.shrike", source)))
}

#[test]
fn the_plan_holds_the_model_and_its_bound_inputs() {
    let p = compile(POLICY);
    assert_eq!(p.models.len(), 1);
    let m = &p.models[0];
    assert_eq!((&*m.name, &*m.file), ("risk", "risk.json"));
    let names: Vec<&str> = m.inputs.iter().map(|i| &*i.name).collect();
    assert_eq!(names, ["amount", "country", "device_cards_1h"]);
    assert_eq!(m.inputs.iter().map(|i| i.categorical).collect::<Vec<_>>(), [false, true, false]);
    assert_eq!(m.reads, [p.feature_id("device_cards_1h").unwrap()]);
    assert_eq!(usize::from(m.slot), p.features.len(), "scores come after the features");
    assert_eq!(p.value_slots(), p.features.len() + 1);
}

#[test]
fn only_types_whose_rules_read_a_model_score_it_and_read_its_features() {
    let p = compile(POLICY);
    let pay = &p.per_type[KnownType::PaymentAttempt.index()];
    let login = &p.per_type[KnownType::AccountLogin.index()];
    assert_eq!(pay.models.len(), 1);
    assert!(login.models.is_empty());
    let cards = p.feature_id("device_cards_1h").unwrap();
    assert!(pay.groups.iter().any(|g| g.reads.contains(&cards)), "the model's input feature is read");
    assert!(!login.groups.iter().any(|g| g.reads.contains(&cards)));
}

#[test]
fn a_rule_reads_the_score_from_its_slot() {
    let p = compile(POLICY);
    let rule = &p.rules[0];
    assert_eq!(rule.models, [shrike_dsl::ir::ModelId(0)]);
    let event = Event::new("e1", EventType::Known(KnownType::PaymentAttempt), Timestamp(0));
    let mut values = vec![Value::Missing; p.value_slots()];
    let ctx = |v: &[Value<'static>]| {
        let ctx = EvalCtx { event: &event, features: v, lists: &NoLists };
        is_true(&rule.condition, &ctx)
    };
    assert!(!ctx(&values), "a missing score never fires");
    values[usize::from(p.models[0].slot)] = Value::Num(0.7);
    assert!(ctx(&values));
    values[usize::from(p.models[0].slot)] = Value::Num(0.2);
    assert!(!ctx(&values));
}

/// A resolver serving the test model under another digest.
struct Retrained;

impl ModelResolver for Retrained {
    fn resolve(&self, _: &str) -> Result<Arc<dyn TreeModel>, String> {
        let mut spec = common::risk_model().ensemble().to_spec();
        spec.base_margin = -1.0;
        let ensemble = shrike_model::Ensemble::new(&spec).map_err(|e| e.to_string())?;
        let inputs = common::risk_model().inputs().to_vec();
        Ok(Arc::new(shrike_model::Model::new(inputs, ensemble, "test").map_err(|e| e.to_string())?))
    }
}

#[test]
fn the_version_covers_the_models_digests() {
    let a = compile(POLICY);
    let b = compile_with(POLICY, &Retrained).unwrap();
    assert_ne!(a.version, b.version, "same source, another model: another version");
    assert_eq!(a.version, compile(POLICY).version);
    let plain = "rule r { when amount > 1 then review }";
    assert_eq!(shrike_dsl::compile(plain).unwrap().version, compile(plain).version);
}

#[test]
fn model_files_lists_the_declared_files_without_loading_them() {
    let src = "model a = \"x/a.json\" { amount }\nmodel b = \"b.json\" { amount }";
    assert_eq!(model_files(src).unwrap(), ["x/a.json", "b.json"]);
    assert!(shrike_dsl::compile(src).is_err(), "compile without a resolver loads no model");
}
