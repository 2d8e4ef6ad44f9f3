//! Backtest reports against an independent recomputation from plain `replay` decisions.

#![allow(clippy::unwrap_used)] // a failure is a test failure

mod common;

use std::collections::HashSet;
use std::io;
use std::sync::Arc;

use common::{compile, generated, marketplace};
use shrike_backtest::{LabelDelays, LabelInput, LabelSet, backtest, html, memory_engine};
use shrike_engine::replay::{LineError, ReplaySink, replay};
use shrike_metrics::Curve;
use shrike_types::clock::ManualClock;
use shrike_types::{Decision, Outcome};

struct Collect(Vec<Decision>);

impl ReplaySink for Collect {
    fn decision(&mut self, d: &Decision) -> io::Result<()> {
        self.0.push(d.clone());
        Ok(())
    }
    fn bad_line(&mut self, _: LineError) {}
}

fn decisions(policy: &Arc<shrike_dsl::CompiledPolicy>, events: &str) -> Vec<Decision> {
    let (mut engine, clock): (_, Arc<ManualClock>) = memory_engine(Arc::clone(policy)).unwrap();
    let mut sink = Collect(Vec::new());
    replay(&mut engine, events.as_bytes(), Some(&clock), &mut sink).unwrap();
    sink.0
}

fn fraud_ids(labels: &str) -> HashSet<String> {
    labels
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn numbers_match_a_recomputation_from_replay_decisions() {
    let policy = marketplace();
    let (events, label_text) = generated(20_000, 5, 28);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let delays = LabelDelays::default();
    let input = Some(LabelInput { labels: &labels, delays: &delays });
    let report = backtest(Arc::clone(&policy), None, || Ok(events.as_bytes()), input, &mut |_| {}).unwrap();
    let p = &report.policy;

    // The marketplace policy reads no label feature, so injected label events change nothing
    // and plain replay gives the same decisions.
    let ds = decisions(&policy, &events);
    let fraud = fraud_ids(&label_text);
    assert_eq!(p.events, ds.len() as u64);
    assert_eq!(p.fraud_events, ds.iter().filter(|d| fraud.contains(d.event_id.as_ref())).count() as u64);
    for row in &p.outcomes {
        let of = |d: &&Decision| d.outcome == row.outcome;
        assert_eq!(row.events, ds.iter().filter(of).count() as u64, "{}", row.outcome);
        let fraud_n = ds.iter().filter(of).filter(|d| fraud.contains(d.event_id.as_ref())).count() as u64;
        assert_eq!(row.fraud, fraud_n, "{}", row.outcome);
    }
    for r in &p.rules {
        let fired = |d: &&Decision| d.reasons.iter().chain(&d.shadow_hits).any(|h| h.rule.as_ref() == r.rule);
        assert_eq!(r.hits, ds.iter().filter(fired).count() as u64, "{}", r.rule);
        let fraud_hits = ds.iter().filter(fired).filter(|d| fraud.contains(d.event_id.as_ref())).count() as u64;
        assert_eq!(r.fraud_hits, fraud_hits, "{}", r.rule);
    }
    assert!(p.rules.iter().any(|r| r.shadow && r.hits > 0), "the shadow rule fires and is reported");
    let scores: Vec<f64> = ds.iter().map(|d| f64::from(d.score)).collect();
    let is_fraud: Vec<bool> = ds.iter().map(|d| fraud.contains(d.event_id.as_ref())).collect();
    let curve = Curve::new(&scores, &is_fraud, None);
    assert_eq!(p.score.pr_auc, curve.average_precision());
    assert_eq!(p.score.roc_auc, curve.roc_auc());
    assert_eq!(p.score.recall_at_1pct_fpr, curve.recall_at_fpr(0.01));
    let flagged = ds.iter().filter(|d| d.outcome != Outcome::Allow).count() as u64;
    assert_eq!(p.flagged.counts.tp + p.flagged.counts.fp, flagged);
    assert!(p.score.pr_auc.unwrap() > p.fraud_events as f64 / p.events as f64, "better than chance");
    assert_eq!(p.timeline.iter().map(|b| b.outcomes.iter().sum::<u64>()).sum::<u64>(), p.events);
    assert_eq!(report.pass.label_events, labels.len() as u64 - report.pass.labels_pending_at_end as u64);
}

#[test]
fn a_policy_against_itself_changes_nothing() {
    let policy = marketplace();
    let (events, label_text) = generated(5_000, 9, 28);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let delays = LabelDelays::default();
    let input = Some(LabelInput { labels: &labels, delays: &delays });
    let r = backtest(Arc::clone(&policy), Some(policy), || Ok(events.as_bytes()), input, &mut |_| {}).unwrap();
    let d = r.diff.unwrap();
    assert_eq!((d.changed, d.transitions.len(), d.examples.len(), d.unmatched), (0, 0, 0, 0));
    assert_eq!(d.deltas.pr_auc, Some(0.0));
}

#[test]
fn the_diff_lists_exactly_the_events_whose_outcome_changes() {
    let baseline = marketplace();
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace/policy.shrike"))
        .unwrap();
    // The candidate blocks small payment attempts on top of everything else.
    let candidate = compile(&format!(
        "{src}\nrule tiny_payment {{\n  on payment.attempt\n  when amount < 5\n  then block\n  score 90\n}}\n"
    ));
    let (events, label_text) = generated(8_000, 13, 28);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let delays = LabelDelays::default();
    let input = Some(LabelInput { labels: &labels, delays: &delays });
    let r = backtest(Arc::clone(&candidate), Some(Arc::clone(&baseline)), || Ok(events.as_bytes()), input, &mut |_| {})
        .unwrap();
    let d = r.diff.as_ref().unwrap();
    let (a, b) = (decisions(&baseline, &events), decisions(&candidate, &events));
    let changed: Vec<(&Decision, &Decision)> = a.iter().zip(&b).filter(|(x, y)| x.outcome != y.outcome).collect();
    assert!(!changed.is_empty());
    assert_eq!(d.changed, changed.len() as u64);
    assert!(d.transitions.iter().all(|t| t.to == Outcome::Block));
    for (e, (x, y)) in d.examples.iter().zip(&changed) {
        assert_eq!((e.event_id.as_str(), e.from, e.to), (x.event_id.as_ref(), x.outcome, y.outcome));
    }
    let base = r.against.as_ref().unwrap();
    assert_eq!(d.deltas.flag_rate, Some(r.policy.flag_rate.unwrap() - base.flag_rate.unwrap()));
    let page = html::render(&r);
    assert!(page.starts_with("<!doctype html>") && page.ends_with("</html>\n"));
    assert_eq!(page.matches("<svg").count(), 4, "PR curve, two histograms, timeline");
    assert!(!page.contains("<script") && !page.contains("https://"), "self-contained");
    assert!(page.contains("tiny_payment"));
}
