//! Policy hot swap and snapshots on the generated stream: carried features continue exactly,
//! new features start empty, and a restored engine decides as if it had never stopped.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_gen::{GenConfig, Generator};
use shrike_types::clock::ManualClock;
use shrike_types::parse::parse_event;
use shrike_types::{Field, Timestamp, Value};

const REFERENCE: &str = include_str!("../../../examples/marketplace/policy.shrike");

fn lines() -> Vec<String> {
    Generator::new(GenConfig { events: 6_000, seed: 5, ..GenConfig::default() }).map(|g| g.json).collect()
}

fn compile(src: &str) -> Arc<CompiledPolicy> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace");
    Arc::new(shrike_dsl::compile_with(src, &shrike_engine::model_files::ModelDir::new(dir)).unwrap())
}

/// The reference policy with one device feature's window changed and one feature added.
fn edited() -> Arc<CompiledPolicy> {
    let src = REFERENCE
        .replace("count(payment.result) by device_id over 1h", "count(payment.result) by device_id over 2h")
        .replace(
            "# --- account takeover",
            "feature device_logins_1d = count(account.login) by device_id over 1d\n# --- account takeover",
        );
    compile(&src)
}

fn engine(policy: Arc<CompiledPolicy>) -> (Engine<MemoryStore>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    (Engine::new(policy, store, clock.clone()), clock)
}

fn run(engine: &mut Engine<MemoryStore>, clock: &ManualClock, lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let e = parse_event(l.as_bytes()).unwrap();
            clock.set(e.timestamp);
            serde_json::to_string(&engine.decide(&e)).unwrap()
        })
        .collect()
}

fn devices(lines: &[String]) -> Vec<String> {
    let mut d: Vec<String> =
        lines.iter().filter_map(|l| parse_event(l.as_bytes()).unwrap().device_id.map(|s| s.to_string())).collect();
    d.sort();
    d.dedup();
    d
}

#[test]
fn a_swap_carries_identical_features_and_starts_changed_ones_empty() {
    let lines = lines();
    let (first, second) = lines.split_at(lines.len() / 2);
    let (mut swapped, clock) = engine(compile(REFERENCE));
    run(&mut swapped, &clock, first);
    let report = swapped.swap_policy(edited()).unwrap();
    assert!(report.fresh.contains(&"device_results_1h".to_string()), "{report:?}");
    assert!(report.fresh.contains(&"device_logins_1d".to_string()));
    assert!(report.carried.contains(&"device_cards_1h".to_string()));
    assert_eq!(report.carried.len() + report.fresh.len(), edited().features.len());
    run(&mut swapped, &clock, second);

    let (mut whole, clock_w) = engine(edited());
    run(&mut whole, &clock_w, &lines);
    let (mut tail, clock_t) = engine(edited());
    run(&mut tail, &clock_t, second);
    for device in devices(&lines) {
        let value = Value::Str(device.clone().into());
        let got = swapped.entity_features(Field::DeviceId, &value);
        let all = whole.entity_features(Field::DeviceId, &value);
        let fresh = tail.entity_features(Field::DeviceId, &value);
        for ((g, a), f) in got.iter().zip(&all).zip(&fresh) {
            let expected = if report.fresh.contains(&g.name.to_string()) { f } else { a };
            assert_eq!(g, expected, "device {device}");
        }
    }
}

#[test]
fn a_restored_snapshot_decides_as_if_the_engine_never_stopped() {
    let lines = lines();
    let (first, second) = lines.split_at(lines.len() / 3);
    let (mut straight, clock) = engine(compile(REFERENCE));
    let expected = run(&mut straight, &clock, &lines);

    let (mut a, clock_a) = engine(compile(REFERENCE));
    run(&mut a, &clock_a, first);
    let snap = a.snapshot();
    let mut b = Engine::restore(compile(REFERENCE), &snap, clock_a.clone()).unwrap();
    // Redelivering the end of the first part changes nothing: the idempotency memory was
    // restored too.
    let again = run(&mut b, &clock_a, &first[first.len() - 50..]);
    assert!(again.iter().all(|d| d.contains(r#""not_applied":"duplicate""#)));
    let rest = run(&mut b, &clock_a, second);
    assert_eq!(rest, expected[first.len()..]);
}

#[test]
fn a_snapshot_only_restores_under_its_policy_version() {
    let (a, _) = engine(compile(REFERENCE));
    let snap = a.snapshot();
    let err = Engine::restore(edited(), &snap, Arc::new(ManualClock::new(Timestamp(0)))).err().unwrap();
    assert!(err.to_string().contains("was taken under policy version"), "{err}");
}

#[test]
fn a_restored_snapshot_keeps_entity_features() {
    let (mut a, clock) = engine(compile(REFERENCE));
    for i in 0..3 {
        let l = format!(
            r#"{{"event_id":"s{i}","type":"account.signup","timestamp":"2026-09-01T10:00:00Z","device_id":"dv_r"}}"#
        );
        let e = parse_event(l.as_bytes()).unwrap();
        clock.set(e.timestamp);
        a.decide(&e);
    }
    let v = Value::Str("dv_r".into());
    let before = a.entity_features(Field::DeviceId, &v);
    let mut b = Engine::restore(compile(REFERENCE), &a.snapshot(), clock.clone()).unwrap();
    assert_eq!(b.entity_features(Field::DeviceId, &v), before);
    assert!(before.iter().any(|f| f.name.as_ref() == "device_signups_1d" && f.value == Value::Num(3.0)), "{before:?}");
}
