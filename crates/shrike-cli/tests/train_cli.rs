//! `shrike train` end to end: a CSV with numeric, text and empty cells and a time column
//! trains, reports progress and a summary, and writes a model that loads; bad input names
//! the line and column.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn shrike(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shrike")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// 3000 rows: `amount` (risky when high), `country` (text, FR risky), `velocity` (often
/// empty; empty is risky), `user_id` (an identifier to ignore), `ts` (time).
fn write_csv(path: &Path) {
    let mut s = String::from("ts,amount,country,velocity,user_id,label\n");
    let mut state = 17u64;
    for i in 0..3000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let r = (state >> 33) as f64 / (1u64 << 31) as f64;
        let amount = (i * 7919 % 1000) as f64;
        let country = ["DE", "FR", "US", "\"GB\""][i % 4];
        let velocity = if i % 5 == 0 { String::new() } else { ((i * 31) % 10).to_string() };
        let risky = amount > 800.0 || country == "FR" || velocity.is_empty();
        let label = u8::from(if risky { r < 0.6 } else { r < 0.05 });
        writeln!(s, "2026-11-{:02}T00:00:00Z,{amount},{country},{velocity},u{i},{label}", 1 + i / 120).unwrap();
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn trains_a_model_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (data, model) = (dir.path().join("f.csv"), dir.path().join("m.json"));
    write_csv(&data);
    let out = shrike(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--label",
        "label",
        "--out",
        model.to_str().unwrap(),
        "--time-column",
        "ts",
        "--valid-from",
        "2026-11-21",
        "--ignore",
        "user_id",
        "--trees",
        "40",
        "--learning-rate",
        "0.2",
        "--num-leaves",
        "8",
        "--progress-every",
        "10",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("3 features, 2400 training rows, 600 validation rows"), "{stderr}");
    assert!(stderr.contains("round    10: train logloss"), "{stderr}");
    assert!(stderr.contains("trained ") && stderr.contains("validation PR-AUC"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    // about 29% of validation rows are positive; the planted signal lifts PR-AUC well above it
    assert!(summary["summary"]["valid_pr_auc"].as_f64().unwrap() > 0.45, "{summary}");
    let m = shrike_model::Model::load(&model).unwrap();
    let names: Vec<&str> = m.inputs().iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["amount", "country", "velocity"]);
    assert!(m.inputs()[1].is_categorical() && !m.inputs()[0].is_categorical());
    let fr = m.category_code(1, "FR");
    let gb = m.category_code(1, "GB");
    assert!(fr >= 0.0 && gb >= 0.0, "quoted text is unquoted");
    let p = |row: [f64; 3]| m.score(&row).unwrap().probability;
    assert!(p([100.0, fr, 3.0]) > 2.0 * p([100.0, m.category_code(1, "DE"), 3.0]));
    assert!(p([100.0, m.category_code(1, "DE"), f64::NAN]) > 2.0 * p([100.0, m.category_code(1, "DE"), 3.0]));
}

fn train_error(csv: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (data, model) = (dir.path().join("bad.csv"), dir.path().join("m.json"));
    std::fs::write(&data, csv).unwrap();
    let mut args = vec!["train", "--data", data.to_str().unwrap(), "--label", "y", "--out", model.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = shrike(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(!model.exists());
    text(&out.stderr)
}

#[test]
fn bad_csv_input_names_the_line_and_column() {
    let e = train_error("a,b,y\n1,2,0\n3,4\n", &[]);
    assert!(e.contains("line 3: 2 fields, the header has 3"), "{e}");
    let e = train_error("a,b,y\n1,2,0\n3,4,yes\n", &[]);
    assert!(e.contains("(line 3), column `y`: label `yes` is not 0/1"), "{e}");
    let e = train_error("a,b,y\n1,\"2,0\n", &[]);
    assert!(e.contains("line 2: column 2: unterminated quoted field"), "{e}");
    let e = train_error("a,a,y\n1,2,0\n", &[]);
    assert!(e.contains("line 1, column 2: `a` appears twice"), "{e}");
    let e = train_error("a,b,y\n1,2,0\n", &["--ignore", "zz"]);
    assert!(e.contains("no column `zz`"), "{e}");
    let e = train_error("a,b,y\n1,2,0\n2,3,1\n", &["--valid-from", "0"]);
    assert!(e.contains("leaves no training rows"), "{e}");
    let e = train_error("a,b,y\n1,2,0\n", &["--num-leaves", "1"]);
    assert!(e.contains("num_leaves"), "{e}");
}
