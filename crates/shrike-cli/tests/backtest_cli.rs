//! `shrike backtest`, `features export`, `import` and `eval` end to end, on a generated
//! stream and on small synthetic files in the public data sets' layouts (never their rows).

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shrike(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shrike")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn reference_policy() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/marketplace/policy.shrike").display().to_string()
}

/// A generated stream and its labels in `dir`.
fn generated(dir: &Path) -> (String, String) {
    let (events, labels) = (dir.join("events.jsonl"), dir.join("labels.jsonl"));
    let (e, l) = (events.to_str().unwrap(), labels.to_str().unwrap());
    let out = shrike(&["gen", "--events", "4000", "--seed", "3", "--out", e, "--labels", l]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (e.to_string(), l.to_string())
}

#[test]
fn backtest_json_and_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let (events, labels) = generated(dir.path());
    let report = dir.path().join("report.html");
    let policy = reference_policy();
    let out = shrike(&[
        "backtest",
        "--policy",
        &policy,
        "--events",
        &events,
        "--labels",
        &labels,
        "--json",
        "--progress",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("100% 4000/4000"), "--progress draws the bar: {}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["policy"]["events"], 4000);
    for key in ["pr_auc", "roc_auc", "recall_at_1pct_fpr", "recall_at_01pct_fpr", "money_recall_at_1pct_fpr"] {
        assert!(v["policy"]["score"][key].is_number(), "score.{key}: {}", v["policy"]["score"]);
    }
    assert_eq!(v["policy"]["outcomes"].as_array().unwrap().len(), 4);
    assert!(v["policy"]["rules"].as_array().unwrap().iter().any(|r| r["hits"].as_u64() > Some(0)));
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.contains("<svg") && page.contains("Precision–recall"), "the report has its plots");
}

#[test]
fn backtest_against_prints_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (events, labels) = generated(dir.path());
    let candidate = dir.path().join("candidate.shrike");
    let src = std::fs::read_to_string(reference_policy()).unwrap();
    // the policy's model file is read relative to the policy
    let model = std::path::Path::new(&reference_policy()).with_file_name("payment-risk.model.json");
    std::fs::copy(&model, dir.path().join("payment-risk.model.json")).unwrap();
    std::fs::write(
        &candidate,
        format!("{src}\nrule tiny {{\n  on payment.attempt\n  when amount < 5\n  then block\n}}\n"),
    )
    .unwrap();
    let policy = reference_policy();
    let args = ["backtest", "--policy", candidate.to_str().unwrap(), "--against", &policy, "--events", &events];
    let out = shrike(&[&args[..], &["--labels", &labels]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("== baseline marketplace@") && stdout.contains("== candidate marketplace@"), "{stdout}");
    assert!(stdout.contains("events change outcome") && stdout.contains("-> block"), "{stdout}");
}

#[test]
fn features_export_writes_one_row_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let (events, labels) = generated(dir.path());
    let csv = dir.path().join("features.csv");
    let policy = reference_policy();
    let args = ["features", "export", "--policy", &policy, "--events", &events, "--labels", &labels];
    let out = shrike(&[&args[..], &["--label-delay", "chargeback=7d", "--out", csv.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 4001);
    assert!(lines[0].starts_with("event_id,event_time,event_time_ms,event_type,label,outcome,score,device_cards_1h,"));
    assert!(lines[1..].iter().any(|l| l.split(',').nth(4) == Some("1")), "labelled rows");
    let parquet = dir.path().join("features.parquet");
    let out = shrike(&[&args[..], &["--out", parquet.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&parquet).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"), "a Parquet file");
    let out = shrike(&[&args[..], &["--out", "features.json"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--out must end in .csv or .parquet"), "{}", text(&out.stderr));
}

#[test]
fn a_bad_label_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = generated(dir.path());
    let labels = dir.path().join("bad.jsonl");
    std::fs::write(&labels, "{\"event_id\":\"e1\",\"label\":\"fraud\"}\n{\"event_id\":\"e2\",\"label\":\"yes\"}\n")
        .unwrap();
    let policy = reference_policy();
    let out = shrike(&["backtest", "--policy", &policy, "--events", &events, "--labels", labels.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("labels line 2: label: expected \"fraud\" or \"legit\", got \"yes\""), "{stderr}");
}

/// A synthetic CSV in the IEEE-CIS layout: 3,000 rows over 60 days, fraud concentrated on
/// rows without an address whose C1 is high, so the built-in policy has something to find.
fn ieee_csv(dir: &Path) -> PathBuf {
    let mut s = String::from(
        "TransactionID,isFraud,TransactionDT,TransactionAmt,ProductCD,card1,card2,card3,card5,addr1,addr2,R_emaildomain,C1,C14,V13,id_19,id_20,DeviceInfo\n",
    );
    for i in 0..3000u64 {
        let fraud = i % 23 == 0 || i % 41 == 0;
        let c1 = if fraud { 12 } else { 1 + i % 3 };
        let addr = if fraud && i % 2 == 0 { String::from(",") } else { format!("{}.0,87.0", 200 + i % 50) };
        let domain = if i % 3 == 0 { "gmail.com" } else { "" };
        let product = if fraud { "C" } else { "W" };
        s.push_str(&format!(
            "{},{},{},{}.50,{product},{},{}.0,150.0,226.0,{addr},{domain},{c1}.0,{}.0,1.0,{},{},{}\n",
            2_987_000 + i,
            u8::from(fraud),
            86_400 + i * 1_700,
            10 + i % 200,
            1000 + i % 97,
            100 + i % 400,
            if fraud { 0 } else { 1 },
            if i % 4 == 0 { "266.0" } else { "" },
            if i % 4 == 0 { "507.0" } else { "" },
            if i % 4 == 0 { "Windows" } else { "" },
        ));
    }
    let path = dir.join("ieee.csv");
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn import_and_eval_ieee_cis() {
    let dir = tempfile::tempdir().unwrap();
    let csv = ieee_csv(dir.path());
    let (events, labels) = (dir.path().join("e.jsonl"), dir.path().join("l.jsonl"));
    let out = shrike(&[
        "import",
        "ieee-cis",
        "--csv",
        csv.to_str().unwrap(),
        "--out",
        events.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&events).unwrap().lines().count(), 3000);
    let frauds = std::fs::read_to_string(&labels).unwrap().lines().count();
    assert_eq!(frauds, (0..3000).filter(|i| i % 23 == 0 || i % 41 == 0).count());

    let out = shrike(&["eval", "ieee-cis", "--csv", csv.to_str().unwrap(), "--test-from-id", "2989400", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["train_rows"].as_u64(), v["test_rows"].as_u64()), (Some(2400), Some(600)));
    for key in ["pr_auc", "roc_auc", "recall_at_1pct_fpr", "recall_at_01pct_fpr"] {
        let x = v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"));
        assert!((0.0..=1.0).contains(&x), "{key} {x}");
    }
    assert!(v["roc_auc"].as_f64().unwrap() > 0.8, "the policy finds the planted fraud: {v}");
    let out = shrike(&["eval", "ieee-cis", "--csv", csv.to_str().unwrap(), "--test-from-id", "2989400"]);
    assert!(text(&out.stdout).contains("PR-AUC"), "{}", text(&out.stdout));
}

#[test]
fn import_and_eval_ulb() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (1..=28).map(|k| format!("\"V{k}\"")).collect();
    let mut s = format!("\"Time\",{},\"Amount\",\"Class\"\n", names.join(","));
    for i in 0..1000u64 {
        let fraud = i % 50 == 7;
        let v: Vec<String> =
            (1..=28).map(|k| if fraud && k == 14 { "-8.5".into() } else { format!("0.{}", (i * k) % 9) }).collect();
        s.push_str(&format!("{},{},{}.00,\"{}\"\n", i * 17, v.join(","), 5 + i % 90, u8::from(fraud)));
    }
    let csv = dir.path().join("creditcard.csv");
    std::fs::write(&csv, s).unwrap();
    let out = shrike(&["eval", "ulb", "--csv", csv.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["train_rows"].as_u64(), v["test_rows"].as_u64()), (Some(800), Some(200)));
    assert_eq!(v["roc_auc"].as_f64(), Some(1.0), "V14 < -6 separates exactly: {v}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "\"Time\",\"Amount\"\n1,2\n").unwrap();
    let out = shrike(&["eval", "ulb", "--csv", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("the header has no column `Class`"), "{}", text(&out.stderr));
}

#[test]
fn the_data_set_policies_check() {
    for (name, summary) in [
        ("ieee-cis", "28 features in 11 key groups, 14 rules (3 shadow), 1 lists"),
        ("ulb", "2 features in 1 key groups, 12 rules (0 shadow), 0 lists"),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../examples/{name}/policy.shrike"));
        let out = shrike(&["check", path.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains(summary), "{name}: {}", text(&out.stdout));
    }
}
