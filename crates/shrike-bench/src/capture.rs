//! Captures, for events of a stream, every feature value as the engine computed it and the
//! rules that fired, so rule conditions can be evaluated again outside the engine on exactly
//! the inputs the engine saw.
//!
//! The engine keeps feature values in a private buffer, and a decision lists only the features
//! its fired rules read. So the capture runs the policy with one extra rule,
//! [`CAPTURE_RULE`]: a shadow rule on every event type that reads every feature and always
//! fires, so every decision lists every feature. Shadow rules change neither outcome nor score,
//! and no rule changes feature state, so the policy's own rules fire exactly as without it.

use shrike_dsl::CompiledPolicy;
use shrike_types::{Decision, NotApplied, Value};

use crate::fixture;

/// Name of the always-firing shadow rule added for the capture.
pub const CAPTURE_RULE: &str = "__capture";

/// One captured event.
#[derive(Clone, Debug)]
pub struct Captured {
    /// Index of the event's line in the stream.
    pub line: usize,
    /// Every feature's value, indexed by the original policy's `FeatureId`.
    pub features: Vec<Value<'static>>,
    /// Indices of the original policy's rules that fired (live or shadow), ascending.
    pub fired: Vec<u16>,
}

/// `source` with the capture rule appended. `policy` is `source` compiled.
pub fn capture_source(source: &str, policy: &CompiledPolicy) -> String {
    let mut reads: Vec<String> = policy.features.iter().map(|f| format!("is_missing({})", f.name)).collect();
    reads.push("true".to_string());
    format!("{source}\n\nrule {CAPTURE_RULE} {{\n  when {}\n  then allow\n  shadow\n}}\n", reads.join(" or "))
}

/// Decides every line of `lines` (in order, as replay does) with `source` plus the capture
/// rule, and captures every `every`-th event that is not a duplicate (a duplicate's decision
/// carries no features). `policy` is `source` compiled.
pub fn capture(source: &str, policy: &CompiledPolicy, lines: &[String], every: usize) -> Vec<Captured> {
    let (mut engine, clock) = fixture::memory_engine(fixture::compile(&capture_source(source, policy)));
    let mut out = Vec::with_capacity(lines.len() / every.max(1) + 1);
    for (i, line) in lines.iter().enumerate() {
        let event = fixture::parse(line);
        clock.set(event.timestamp);
        let decision = engine.decide(&event);
        if i % every.max(1) == 0 && decision.not_applied != Some(NotApplied::Duplicate) {
            out.push(captured(policy, i, &decision));
        }
    }
    out
}

fn captured(policy: &CompiledPolicy, line: usize, decision: &Decision) -> Captured {
    let mut features = vec![Value::Missing; policy.features.len()];
    assert_eq!(decision.features.len(), features.len(), "the capture rule reads every feature");
    for reading in &decision.features {
        let id = policy.feature_id(&reading.name).expect("the capture policy declares the same features");
        features[id.0 as usize] = reading.value.clone();
    }
    let hits = decision.reasons.iter().chain(&decision.shadow_hits);
    let mut fired: Vec<u16> =
        hits.filter(|h| h.rule.as_ref() != CAPTURE_RULE).map(|h| rule_index(policy, &h.rule)).collect();
    fired.sort_unstable();
    Captured { line, features, fired }
}

fn rule_index(policy: &CompiledPolicy, name: &str) -> u16 {
    let pos = policy.rules.iter().position(|r| r.name.as_ref() == name);
    pos.expect("a fired rule is one of the policy's rules") as u16
}

#[cfg(test)]
mod tests {
    use shrike_dsl::eval::{EvalCtx, is_true};
    use shrike_engine::lists::MemoryLists;

    use super::*;
    use crate::fixture::{compile, generate, parse, reference_rules_source};

    /// The capture holds every feature, and the policy's conditions evaluated on it fire
    /// exactly the rules the engine fired: what the zen benchmark relies on.
    #[test]
    fn evaluating_captured_features_reproduces_the_engine() {
        let policy = compile(reference_rules_source());
        let lines = generate(3_000);
        let captured = capture(reference_rules_source(), &policy, &lines, 3);
        assert!(captured.len() > 900, "only {} events captured", captured.len());
        let mut lists = MemoryLists::default();
        lists.bind(&policy);
        let mut fired_any = false;
        for c in &captured {
            let event = parse(&lines[c.line]);
            let ctx = EvalCtx { event: &event, features: &c.features, lists: &lists };
            let rules = &policy.per_type[policy.type_index(&event.event_type)].rules;
            let fired: Vec<u16> =
                rules.iter().copied().filter(|&r| is_true(&policy.rules[r as usize].condition, &ctx)).collect();
            assert_eq!(fired, c.fired, "line {}", c.line);
            fired_any |= !fired.is_empty();
        }
        assert!(fired_any, "the sample should exercise some rules");
    }
}
