//! Golden decision tests: each folder under `tests/golden/` holds `policy.shrike`,
//! `events.jsonl`, optionally `lists.jsonl` ({"list", "value", "expires"?}) and model files
//! the policy declares (paths relative to the folder), and
//! `expected.jsonl`, the decisions the engine must produce (one JSON object per line).
//! `UPDATE_EXPECT=1 cargo test -p shrike-engine --test golden` rewrites the expected files;
//! review the diff before committing.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure
use std::path::Path;
use std::sync::Arc;

use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_types::Timestamp;
use shrike_types::clock::ManualClock;
use shrike_types::parse::parse_event;

fn run_case(dir: &Path) -> String {
    let source = std::fs::read_to_string(dir.join("policy.shrike")).unwrap();
    let policy = shrike_engine::model_files::compile_policy_file(&dir.join("policy.shrike"), &source)
        .unwrap_or_else(|e| panic!("{}", e.render("policy.shrike", &source)));
    let policy = Arc::new(policy);
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    let mut engine = Engine::new(policy, store, clock.clone());
    load_lists(dir, &mut engine);
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let mut out = String::new();
    for (i, line) in events.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let event = parse_event(line.as_bytes()).unwrap_or_else(|e| panic!("events.jsonl:{}: {e}", i + 1));
        clock.set(event.timestamp);
        let d = engine.decide(&event);
        out.push_str(&serde_json::to_string(&d).unwrap());
        out.push('\n');
    }
    out
}

fn load_lists(dir: &Path, engine: &mut Engine<MemoryStore>) {
    let Ok(text) = std::fs::read_to_string(dir.join("lists.jsonl")) else { return };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let expires = v["expires"].as_str().map(|t| Timestamp::parse_rfc3339(t).unwrap());
        let (list, value) = (v["list"].as_str().unwrap(), v["value"].as_str().unwrap());
        engine.lists_mut().add(list, value, expires).unwrap();
    }
}

#[test]
fn golden_decisions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    assert!(dirs.len() >= 4, "golden cases are missing");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for dir in dirs {
        let actual = run_case(&dir);
        let expected_path = dir.join("expected.jsonl");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!("{}:\n--- expected\n{expected}--- actual\n{actual}", dir.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
