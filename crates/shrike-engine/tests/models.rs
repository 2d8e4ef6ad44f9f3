//! Tree models through the engine: a model in a policy changes decisions as its rules say,
//! the explanation in a decision sums to the model's margin, and a hot swap to a policy with
//! another model scores with the new one.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::collections::HashMap;
use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_gen::{GenConfig, Generator};
use shrike_model::synth::{Shape, random_ensemble};
use shrike_model::{Ensemble, Input, Model};
use shrike_types::clock::ManualClock;
use shrike_types::model::TreeModel;
use shrike_types::parse::parse_event;
use shrike_types::{Decision, Outcome, Timestamp};

/// Five inputs bound to a field, money, a feature, a function of the time and a bool.
const POLICY: &str = r#"
feature attempts_1h = count(payment.attempt) by user_id over 1h
model m = "m.json" {
  x0 = items.count
  x1 = amount
  x2 = attempts_1h
  x3 = hour_of_day(timestamp)
  x4 = card.country != ip_country
}
rule explain_all { on payment.attempt  when model.m >= 0  then challenge  shadow }
rule high { on payment.attempt  when model.m >= THRESHOLD  then review }
"#;

/// A random 60-tree depth-6 model over the five inputs (numbers in a wide range, so the
/// random thresholds in [0, 1) split small counts, hours and flags).
fn model(seed: u64) -> Arc<dyn TreeModel> {
    let shape = Shape { trees: 60, depth: 6, inputs: 5, categorical: 0 };
    let ensemble = Ensemble::new(&random_ensemble(seed, shape)).unwrap();
    let inputs = (0..5).map(|i| Input::numeric(format!("x{i}"))).collect();
    Arc::new(Model::new(inputs, ensemble, "test").unwrap())
}

fn policy(threshold: &str, seed: u64) -> Arc<CompiledPolicy> {
    let models: HashMap<String, Arc<dyn TreeModel>> = HashMap::from([("m.json".to_string(), model(seed))]);
    let src = POLICY.replace("THRESHOLD", threshold);
    Arc::new(shrike_dsl::compile_with(&src, &models).unwrap_or_else(|e| panic!("{}", e.render("t.shrike", &src))))
}

fn decide(policy: Arc<CompiledPolicy>, events: usize) -> Vec<Decision> {
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    let mut engine = Engine::new(policy, store, clock.clone());
    let stream = Generator::new(GenConfig { events: events as u64, seed: 5, ..GenConfig::default() });
    stream
        .map(|g| {
            let e = parse_event(g.json.as_bytes()).unwrap();
            clock.set(e.timestamp);
            engine.decide(&e)
        })
        .collect()
}

fn score(d: &Decision) -> Option<f64> {
    d.models.first().map(|m| m.score)
}

#[test]
fn explanations_sum_to_the_margin_and_match_the_score() {
    let decisions = decide(policy("2", 1), 3_000);
    let scored: Vec<&Decision> = decisions.iter().filter(|d| !d.models.is_empty()).collect();
    assert!(scored.len() > 100, "the stream has payment attempts");
    for d in scored {
        let m = &d.models[0];
        let e = m.explanation.as_ref().expect("the always-firing shadow rule reads the model");
        let total: f64 = e.expected_value + e.top.iter().map(|c| c.contribution).sum::<f64>();
        assert!((total - e.margin).abs() < 1e-9, "{}: {total} vs {}", d.event_id, e.margin);
        assert!((1.0 / (1.0 + (-e.margin).exp()) - m.score).abs() < 1e-12);
        assert_eq!(d.shadow_hits[0].models[0], *m, "the shadow hit carries the same explanation");
    }
}

#[test]
fn the_model_rule_fires_exactly_when_the_score_reaches_its_threshold() {
    let with = decide(policy("0.05", 1), 3_000);
    let never = decide(policy("2", 1), 3_000);
    let mut reviewed = 0;
    for (a, b) in with.iter().zip(&never) {
        assert_eq!(score(a), score(b), "the rule does not change the score");
        let high = score(a).is_some_and(|s| s >= 0.05);
        assert_eq!(a.outcome == Outcome::Review, high, "{}", a.event_id);
        assert_eq!(b.outcome, Outcome::Allow);
        reviewed += usize::from(high);
    }
    let scored = with.iter().filter(|d| score(d).is_some()).count();
    assert!(reviewed > 0 && reviewed < scored, "{reviewed} reviews of {scored}");
}

#[test]
fn a_hot_swap_scores_with_the_new_policys_model() {
    let (old, new) = (policy("2", 1), policy("2", 2));
    assert_ne!(old.version, new.version, "another model is another version");
    let lines: Vec<String> =
        Generator::new(GenConfig { events: 2_000, seed: 5, ..GenConfig::default() }).map(|g| g.json).collect();
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let mut engine = Engine::new(old, MemoryStore::new(store_layout(&policy("2", 1))).unwrap(), clock.clone());
    let run = |engine: &mut Engine<MemoryStore>, part: &[String]| -> Vec<Decision> {
        part.iter()
            .map(|l| {
                let e = parse_event(l.as_bytes()).unwrap();
                clock.set(e.timestamp);
                engine.decide(&e)
            })
            .collect()
    };
    let _ = run(&mut engine, &lines[..1_000]);
    engine.swap_policy(Arc::clone(&new)).unwrap();
    let after = run(&mut engine, &lines[1_000..]);
    let reference = decide(new, 2_000);
    let scores = |ds: &[Decision]| ds.iter().map(score).collect::<Vec<_>>();
    assert_eq!(scores(&after), scores(&reference[1_000..]), "the same features, the new model");
}
