//! `planner::read_every_feature`: every event type reads every feature; updates and rules
//! stay as compiled.

#![allow(clippy::unwrap_used)] // a failure is a test failure

use shrike_dsl::compile;
use shrike_dsl::ir::FeatureId;
use shrike_dsl::planner::read_every_feature;
use shrike_types::KnownType;

const POLICY: &str = r#"
feature card_attempts_10m = count(payment.attempt) by card.fingerprint over 10m
feature user_orders_1d = count(order.create) by user_id over 1d
feature user_spend_1d = sum(amount of order.create) by user_id over 1d
rule many_attempts {
  on payment.attempt
  when card_attempts_10m >= 5
  then review
}
"#;

fn reads(p: &shrike_dsl::CompiledPolicy, t: KnownType) -> Vec<FeatureId> {
    let mut r: Vec<FeatureId> = p.per_type[t.index()].groups.iter().flat_map(|g| g.reads.iter().copied()).collect();
    r.sort();
    r
}

#[test]
fn every_type_reads_every_feature_and_keeps_its_updates_and_rules() {
    let compiled = compile(POLICY).unwrap();
    assert_eq!(reads(&compiled, KnownType::AccountLogin), vec![], "no rule of account.login reads a feature");
    let mut all = compiled.clone();
    read_every_feature(&mut all);
    let every: Vec<FeatureId> = (0..3).map(FeatureId).collect();
    for t in KnownType::ALL {
        assert_eq!(reads(&all, t), every, "{t:?}");
        let updates = |p: &shrike_dsl::CompiledPolicy| {
            p.per_type[t.index()].groups.iter().flat_map(|g| g.updates.clone()).collect::<Vec<_>>()
        };
        assert_eq!(updates(&all), updates(&compiled), "{t:?}");
        assert_eq!(all.per_type[t.index()].rules, compiled.per_type[t.index()].rules, "{t:?}");
    }
    for g in &all.per_type[KnownType::OrderCreate.index()].groups {
        let slots: Vec<u16> = g.reads.iter().map(|f| all.feature(*f).slot).collect();
        assert_eq!(g.read_slots, slots, "read slots follow the read features");
    }
}
