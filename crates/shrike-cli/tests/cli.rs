//! The `shrike` binary end to end: exit codes, error output, files written.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shrike(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shrike")).args(args).output().unwrap()
}

fn reference_policy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/marketplace/policy.shrike")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_accepts_the_reference_policy() {
    let out = shrike(&["check", reference_policy().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ok: "), "{stdout}");
    assert!(stdout.contains("21 features in 10 key groups, 22 rules (1 shadow), 4 lists, 1 models"), "{stdout}");
}

#[test]
fn check_reports_errors_with_position_and_caret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.shrike");
    std::fs::write(&path, "feature f = count(*) by user_id over 1h\nrule r {\n  when f >= \"x\"\n  then block\n}\n")
        .unwrap();
    let out = shrike(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let expected = format!(
        "{}:3:8: cannot compare number with string\n  |\n3 |   when f >= \"x\"\n  |        ^^^^^^^^",
        path.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(stderr.contains("1 error(s)"), "{stderr}");
}

#[test]
fn gen_is_deterministic_and_writes_labels() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let events = dir.path().join(format!("{name}.jsonl"));
        let labels = dir.path().join(format!("{name}.labels.jsonl"));
        let out = shrike(&[
            "gen",
            "--events",
            "3000",
            "--seed",
            "7",
            "--out",
            events.to_str().unwrap(),
            "--labels",
            labels.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        (std::fs::read_to_string(events).unwrap(), std::fs::read_to_string(labels).unwrap())
    };
    let (a, la) = run("a");
    let (b, lb) = run("b");
    assert_eq!(a, b);
    assert_eq!(la, lb);
    assert_eq!(a.lines().count(), 3000);
    assert!(la.lines().count() > 0, "a 3000-event stream has labelled fraud");
}

#[test]
fn replay_skips_bad_lines_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let out_path = dir.path().join("decisions.jsonl");
    std::fs::write(
        &events,
        concat!(
            r#"{"event_id":"e1","type":"account.signup","timestamp":"2026-09-01T00:00:00Z","device_id":"d1","email":"a@mailinator.com"}"#,
            "\n",
            r#"{"event_id":"e2","type":"account.signup","timestamp":"yesterday"}"#,
            "\n",
            r#"{"event_id":"e3","type":"account.login","timestamp":1788220800000,"user_id":"u1"}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = shrike(&[
        "replay",
        "--policy",
        reference_policy().to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "a bad line makes the exit code 1");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(r#"skipped line 2: timestamp: expected RFC 3339 or epoch milliseconds, got "yesterday""#),
        "{stderr}"
    );
    let decisions: Vec<serde_json::Value> =
        std::fs::read_to_string(&out_path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["event_id"], "e1");
    assert_eq!(decisions[0]["outcome"], "challenge");
    assert_eq!(decisions[0]["reasons"][0]["rule"], "disposable_email_signup");
    assert_eq!(decisions[1]["event_id"], "e3");
    assert_eq!(decisions[1]["outcome"], "allow");
}

#[test]
fn bench_json_has_the_documented_fields() {
    let out = shrike(&[
        "bench",
        "--policy",
        reference_policy().to_str().unwrap(),
        "--events",
        "2000",
        "--runs",
        "1",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"], 2000);
    assert!(v["events_per_sec"].as_f64().unwrap() > 0.0);
    for part in ["parse", "features", "rules", "total"] {
        assert!(v["ns_per_event"][part].as_f64().is_some(), "missing ns_per_event.{part}");
    }
    let outcomes: u64 = v["outcomes"].as_array().unwrap().iter().map(|o| o.as_u64().unwrap()).sum();
    assert_eq!(outcomes, 2000, "every event got an outcome");
}
