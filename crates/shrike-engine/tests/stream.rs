//! Whole-stream properties on the generated marketplace with the reference policy:
//! determinism, idempotency under redelivery, and the same decisions through `replay`.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::sync::Arc;

use shrike_engine::replay::{LineError, ReplaySink, replay};
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_gen::{GenConfig, Generator};
use shrike_types::clock::ManualClock;
use shrike_types::parse::parse_event;
use shrike_types::{Decision, Timestamp};

const EVENTS: u64 = 10_000;

fn lines() -> Vec<String> {
    Generator::new(GenConfig { events: EVENTS, seed: 11, ..GenConfig::default() }).map(|g| g.json).collect()
}

fn engine() -> (Engine<MemoryStore>, Arc<ManualClock>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace/policy.shrike");
    let source = std::fs::read_to_string(path).unwrap();
    let policy = Arc::new(shrike_engine::model_files::compile_policy_file(path.as_ref(), &source).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    (Engine::new(policy, store, clock.clone()), clock)
}

fn decide_all<'a>(lines: impl Iterator<Item = &'a String>) -> Vec<String> {
    let (mut engine, clock) = engine();
    lines
        .map(|l| {
            let e = parse_event(l.as_bytes()).unwrap();
            clock.set(e.timestamp);
            serde_json::to_string(&engine.decide(&e)).unwrap()
        })
        .collect()
}

#[test]
fn the_same_stream_gives_the_same_decisions() {
    let lines = lines();
    let a = decide_all(lines.iter());
    let b = decide_all(lines.iter());
    assert_eq!(a, b);
    assert!(a.iter().any(|d| !d.contains(r#""outcome":"allow""#)), "the stream exercises the rules");
}

#[test]
fn redelivered_events_change_nothing() {
    let lines = lines();
    let clean = decide_all(lines.iter());
    // Every 7th event is delivered a second time right after the next one.
    let mut with_dups = Vec::new();
    let mut originals = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        originals.push(with_dups.len());
        with_dups.push(l.clone());
        if i % 7 == 1 {
            with_dups.push(lines[i - 1].clone());
        }
    }
    let dup_decisions = decide_all(with_dups.iter());
    let kept: Vec<&String> = originals.iter().map(|&i| &dup_decisions[i]).collect();
    let clean: Vec<&String> = clean.iter().collect();
    assert_eq!(kept, clean, "the originals' decisions are unchanged by the redeliveries");
    let dups = dup_decisions.iter().filter(|d| d.contains(r#""not_applied":"duplicate""#)).count();
    assert_eq!(dups, with_dups.len() - lines.len());
}

struct Collect(Vec<String>);

impl ReplaySink for Collect {
    fn decision(&mut self, d: &Decision) -> std::io::Result<()> {
        self.0.push(serde_json::to_string(d).unwrap());
        Ok(())
    }

    fn bad_line(&mut self, e: LineError) {
        panic!("generated line rejected: {e}");
    }
}

#[test]
fn replay_gives_what_decide_gives() {
    let lines = lines();
    let direct = decide_all(lines.iter());
    let (mut engine, clock) = engine();
    let input = lines.join("\n");
    let mut sink = Collect(Vec::new());
    let summary = replay(&mut engine, input.as_bytes(), Some(&clock), &mut sink).unwrap();
    assert_eq!(summary.decisions, EVENTS);
    assert_eq!(sink.0, direct);
}

#[test]
fn batches_of_any_size_give_what_decide_gives_and_the_same_state() {
    let lines = lines();
    let direct = decide_all(lines.iter());
    let (mut single, clock) = engine();
    for l in &lines {
        let e = parse_event(l.as_bytes()).unwrap();
        clock.set(e.timestamp);
        single.decide(&e);
    }
    for size in [1, 2, 5, 97] {
        let (mut engine, clock) = engine();
        let mut out = Vec::new();
        for chunk in lines.chunks(size) {
            let events: Vec<_> = chunk.iter().map(|l| parse_event(l.as_bytes()).unwrap()).collect();
            engine.decide_batch(&events, Some(&clock), |_, d| out.push(serde_json::to_string(&d).unwrap()));
        }
        assert_eq!(out, direct, "batch size {size}");
        assert_eq!(engine.store().snapshot(), single.store().snapshot(), "feature state, batch size {size}");
    }
}

#[test]
fn replay_keeps_input_order_around_bad_lines() {
    let lines = lines();
    let mut input = String::new();
    for (i, l) in lines.iter().take(600).enumerate() {
        input.push_str(l);
        input.push('\n');
        if i % 50 == 7 {
            input.push_str("{\"bad\":1}\n");
        }
    }
    struct Ordered(Vec<String>);
    impl ReplaySink for Ordered {
        fn decision(&mut self, d: &Decision) -> std::io::Result<()> {
            self.0.push(d.event_id.to_string());
            Ok(())
        }
        fn bad_line(&mut self, e: LineError) {
            self.0.push(format!("bad@{}", e.line));
        }
    }
    let (mut engine, clock) = engine();
    let mut sink = Ordered(Vec::new());
    replay(&mut engine, input.as_bytes(), Some(&clock), &mut sink).unwrap();
    let mut expected = Vec::new();
    let mut line = 0;
    for (i, l) in lines.iter().take(600).enumerate() {
        line += 1;
        expected.push(parse_event(l.as_bytes()).unwrap().event_id.to_string());
        if i % 50 == 7 {
            line += 1;
            expected.push(format!("bad@{line}"));
        }
    }
    assert_eq!(sink.0, expected);
}
