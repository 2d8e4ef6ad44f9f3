//! Labels name real events, every pattern is planted, and the fraud share is as asked.

use std::collections::{BTreeMap, HashSet};

use shrike_gen::{GenConfig, Generator, Pattern};

use crate::common::fixture;

#[test]
fn every_label_names_an_event() {
    let f = fixture();
    let ids: HashSet<&str> = f.events.iter().map(|e| e.event_id.as_str()).collect();
    for l in &f.labels {
        assert!(ids.contains(l.event_id.as_str()), "label for missing {}", l.event_id);
        assert_eq!(l.label, "fraud");
    }
    assert_eq!(f.label_of.len(), f.labels.len(), "one label per event at most");
    assert_eq!(f.labels.len() as u64, f.summary.fraud_events);
}

#[test]
fn every_pattern_is_planted_near_its_share() {
    let f = fixture();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for l in &f.labels {
        *counts.entry(l.pattern.as_str()).or_default() += 1;
    }
    for p in Pattern::ALL {
        let n = counts.get(p.name()).copied().unwrap_or(0);
        assert!(n > 0, "{} never planted", p.name());
        assert_eq!(n, f.summary.per_pattern[&p]);
    }
    let share = f.labels.len() as f64 / f.events.len() as f64;
    assert!((0.02..0.045).contains(&share), "fraud share {share}");
}

#[test]
fn entities_have_the_documented_kinds() {
    let f = fixture();
    for l in &f.labels {
        let kind = l.entity.split_once(':').map(|(k, _)| k).unwrap_or("");
        let allowed: &[&str] = match l.pattern.as_str() {
            "card_testing" => &["device"],
            "account_takeover" | "refund_abuse" => &["user", "address"],
            "fake_accounts" => &["device", "ip"],
            "coupon_abuse" => &["device", "address", "card"],
            "brushing" | "payout_fraud" => &["shop"],
            "affiliate_fraud" => &["affiliate"],
            "stolen_card" => &["card"],
            other => panic!("unknown pattern {other}"),
        };
        assert!(allowed.contains(&kind), "{} entity {}", l.pattern, l.entity);
    }
}

#[test]
fn generated_labels_match_written_labels() {
    let cfg = GenConfig { events: 20_000, seed: 5, ..GenConfig::default() };
    for g in Generator::new(cfg) {
        if let Some(label) = g.label {
            assert!(g.json.starts_with(&format!("{{\"event_id\":\"{}\"", label.event_id)));
            assert!(label.fraud);
            let line: serde_json::Value = serde_json::from_str(&label.to_json()).unwrap();
            assert_eq!(line["pattern"], label.pattern.name());
        }
    }
}
