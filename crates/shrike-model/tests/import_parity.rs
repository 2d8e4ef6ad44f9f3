//! Imported LightGBM and XGBoost models reproduce the libraries' own predictions (and
//! LightGBM's `pred_contrib` SHAP values) within 1e-6. The fixtures come from
//! `tests/fixtures/make_fixtures.py`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use serde_json::Value;
use shrike_model::Ensemble;
use shrike_model::import::{Imported, lightgbm_text, xgboost_json};

const TOLERANCE: f64 = 1e-6;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn predictions() -> Value {
    serde_json::from_slice(&std::fs::read(fixture("predictions.json")).unwrap()).unwrap()
}

fn rows(p: &Value, width: usize) -> Vec<Vec<f64>> {
    let rows = p["rows"].as_array().unwrap();
    rows.iter()
        .map(|r| r.as_array().unwrap()[..width].iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect())
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn import(p: &Value, key: &str) -> Imported {
    let file = p[key]["model"].as_str().unwrap();
    let bytes = std::fs::read(fixture(file)).unwrap();
    if file.ends_with(".txt") {
        lightgbm_text(std::str::from_utf8(&bytes).unwrap()).unwrap()
    } else {
        xgboost_json(&bytes).unwrap()
    }
}

/// Max |ours - theirs| of margins and probabilities.
fn check_scores(key: &str) -> (Ensemble, Vec<Vec<f64>>) {
    let p = predictions();
    let imported = import(&p, key);
    let ens = Ensemble::new(&imported.ensemble).unwrap();
    let rows = rows(&p, ens.num_inputs());
    let (margins, probs) = (floats(&p[key]["margin"]), floats(&p[key]["probability"]));
    assert_eq!(rows.len(), margins.len());
    let mut worst: f64 = 0.0;
    for (i, row) in rows.iter().enumerate() {
        let s = ens.score(row).unwrap();
        let (dm, dp) = ((s.margin - margins[i]).abs(), (s.probability - probs[i]).abs());
        assert!(
            dm < TOLERANCE && dp < TOLERANCE,
            "{key} row {i}: margin {} vs {}, p {} vs {}",
            s.margin,
            margins[i],
            s.probability,
            probs[i]
        );
        worst = worst.max(dm).max(dp);
    }
    println!("{key}: {} rows, max abs diff {worst:.3e}", rows.len());
    (ens, rows)
}

#[test]
fn lightgbm_predictions_match() {
    check_scores("lightgbm");
}

#[test]
fn lightgbm_zero_as_missing_and_sigmoid_match() {
    check_scores("lightgbm_zero_missing");
}

#[test]
fn xgboost_predictions_match() {
    check_scores("xgboost");
}

#[test]
fn xgboost_numeric_with_base_score_matches() {
    check_scores("xgboost_numeric");
}

#[test]
fn lightgbm_pred_contrib_matches_treeshap() {
    for key in ["lightgbm", "lightgbm_zero_missing"] {
        let (ens, rows) = check_scores(key);
        let contrib = predictions()[key]["contrib"].clone();
        let mut worst: f64 = 0.0;
        for (i, row) in rows.iter().enumerate() {
            let theirs = floats(&contrib[i]);
            let ours = ens.explain(row).unwrap();
            let n = ens.num_inputs();
            assert_eq!(theirs.len(), n + 1);
            for (a, b) in ours.contributions.iter().zip(&theirs) {
                worst = worst.max((a - b).abs());
            }
            worst = worst.max((ours.expected_value - theirs[n]).abs());
        }
        println!("{key}: pred_contrib max abs diff {worst:.3e}");
        assert!(worst < TOLERANCE, "{key}: {worst}");
    }
}

#[test]
fn imported_inputs_have_names_and_kinds() {
    let p = predictions();
    for key in ["lightgbm", "xgboost"] {
        let imported = import(&p, key);
        let names: Vec<&str> = imported.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["amount", "age_days", "velocity", "ratio", "no_nan_train", "zeros", "country", "device"]);
        let cats: Vec<usize> = (0..8).filter(|&i| imported.inputs[i].is_categorical()).collect();
        assert_eq!(cats, [6, 7], "{key}");
    }
}

/// XGBoost computes its SHAP values in single precision, so they match to ~1e-6 relative;
/// and its margins are summed in `f32`, so ours (in `f64`) sum to within 1e-5 of them.
#[test]
fn xgboost_pred_contribs_match_treeshap() {
    for key in ["xgboost", "xgboost_numeric"] {
        let (ens, rows) = check_scores(key);
        let p = predictions();
        let contrib = &p[key]["contrib"];
        let margins = floats(&p[key]["margin"]);
        let mut worst: f64 = 0.0;
        for (i, row) in rows.iter().enumerate() {
            let theirs = floats(&contrib[i]);
            let ours = ens.explain(row).unwrap();
            let n = ens.num_inputs();
            for (a, b) in ours.contributions.iter().zip(&theirs) {
                worst = worst.max((a - b).abs());
            }
            worst = worst.max((ours.expected_value - theirs[n]).abs());
            let total = ours.expected_value + ours.contributions.iter().sum::<f64>();
            assert!((total - margins[i]).abs() < 1e-5, "{key} row {i}");
        }
        println!("{key}: pred_contribs max abs diff {worst:.3e}");
        assert!(worst < 1e-5, "{key}: {worst}");
    }
}

#[test]
fn bad_lightgbm_files_name_the_line() {
    let good = std::fs::read_to_string(fixture("lgb_binary.txt")).unwrap();
    let multiclass = good.replace("num_class=1", "num_class=3");
    assert!(lightgbm_text(&multiclass).unwrap_err().to_string().starts_with("line 3: num_class=3"));
    let objective = good.replace("objective=binary sigmoid:1", "objective=regression");
    assert!(lightgbm_text(&objective).unwrap_err().to_string().contains("only `binary`"));
    let bad_number = good.replacen("threshold=2.5", "threshold=x2.5", 1);
    let e = lightgbm_text(&bad_number).unwrap_err().to_string();
    assert!(e.starts_with("line ") && e.contains("`threshold`"), "{e}");
    let bad_child = good.replacen("left_child=1 ", "left_child=99 ", 1);
    let imported = lightgbm_text(&bad_child).unwrap();
    let e = Ensemble::new(&imported.ensemble).unwrap_err().to_string();
    assert!(e.contains("].nodes[99]: child index beyond"), "{e}");
    assert!(lightgbm_text("hello").is_err());
}

#[test]
fn bad_xgboost_files_name_the_field() {
    let good = std::fs::read_to_string(fixture("xgb_numeric.json")).unwrap();
    let e = xgboost_json(good.replace("\"gbtree\"", "\"dart\"").as_bytes()).unwrap_err().to_string();
    assert!(e.starts_with("learner.gradient_booster.name"), "{e}");
    let e = xgboost_json(good.replace("binary:logistic", "reg:squarederror").as_bytes()).unwrap_err().to_string();
    assert!(e.starts_with("learner.objective.name"), "{e}");
    let e = xgboost_json(&good.as_bytes()[..good.len() / 2]).unwrap_err().to_string();
    assert!(e.starts_with("JSON at line"), "{e}");
}
