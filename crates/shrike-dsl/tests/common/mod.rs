//! Shared by the error-table tests (`parser_errors.rs`, `check_errors.rs`).
//!
//! Table format: a case starts with a line `=== NAME`; the source follows (lines joined with
//! `\n`, no trailing newline), then a line `---`, then the expected output. Lines before the
//! first case are comments. Trailing whitespace is ignored when comparing.
//! `UPDATE_EXPECT=1` rewrites the expected outputs; review the diff by eye before committing.

// Each test binary uses a different subset, and the items are shared, not exported.
#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use shrike_dsl::ModelResolver;
use shrike_model::{EnsembleSpec, Input, Model, NodeSpec, TreeSpec};
use shrike_types::model::TreeModel;

pub struct Case {
    pub name: String,
    pub source: String,
    pub expected: String,
}

/// `tests/<relative>` inside the crate.
pub fn table_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join(relative)
}

/// The cases of a table.
pub fn cases(path: &Path) -> Vec<Case> {
    read_table(&read(path)).1
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Splits the table into its comment preamble and its cases.
fn read_table(text: &str) -> (String, Vec<Case>) {
    let mut preamble = String::new();
    let mut cases: Vec<Case> = Vec::new();
    let mut in_expected = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            cases.push(Case { name: name.trim().to_string(), source: String::new(), expected: String::new() });
            in_expected = false;
        } else if let Some(case) = cases.last_mut() {
            if line == "---" && !in_expected {
                in_expected = true;
            } else {
                let field = if in_expected { &mut case.expected } else { &mut case.source };
                field.push_str(line);
                field.push('\n');
            }
        } else {
            preamble.push_str(line);
            preamble.push('\n');
        }
    }
    for case in &mut cases {
        case.source.pop();
        case.expected = normalise(&case.expected);
    }
    (preamble, cases)
}

/// Trailing whitespace of lines and of the text does not count.
pub fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end_matches('\n').to_string()
}

/// Compares every case's `actual` output with its expected one (or rewrites the table under
/// `UPDATE_EXPECT=1`); asserts the table holds at least `min_cases` cases with unique names.
pub fn check_table(path: &Path, min_cases: usize, actual: impl Fn(&Case) -> String) {
    let (preamble, cases) = read_table(&read(path));
    assert!(cases.len() >= min_cases, "only {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate case names");
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        let mut out = preamble;
        for case in &cases {
            out.push_str(&format!("=== {}\n{}\n---\n{}\n\n", case.name, case.source, actual(case)));
        }
        fs::write(path, out.trim_end().to_string() + "\n").expect("the table is writable");
        return;
    }
    let mut failed = Vec::new();
    for case in &cases {
        let actual = actual(case);
        if actual != case.expected {
            eprintln!("=== {}\nexpected:\n{}\nactual:\n{actual}\n", case.name, case.expected);
            failed.push(case.name.as_str());
        }
    }
    assert!(failed.is_empty(), "mismatched cases (UPDATE_EXPECT=1 to rewrite): {failed:?}");
}

/// Models the tests declare: `risk.json` (inputs `amount` numeric, `country` categorical with
/// DE, FR, US, `device_cards_1h` numeric), `corrupt.json` (not a model file); anything else
/// is not found.
pub struct TestModels;

impl ModelResolver for TestModels {
    fn resolve(&self, file: &str) -> Result<Arc<dyn TreeModel>, String> {
        match file {
            "risk.json" => Ok(Arc::new(risk_model())),
            "corrupt.json" => {
                Model::from_json(b"{\"format\": \"shrike-model\",").map(|m| Arc::new(m) as _).map_err(|e| e.to_string())
            }
            _ => Err("No such file or directory (os error 2)".to_string()),
        }
    }
}

/// Two small trees: a large amount and many cards per device raise the score; FR lowers it.
pub fn risk_model() -> Model {
    let leaf = |value: f64, cover: f64| NodeSpec::Leaf { value, cover };
    let split = |input, threshold, left, right, cover| NodeSpec::Numeric {
        input,
        threshold,
        default_left: true,
        zero_is_missing: false,
        left,
        right,
        cover,
    };
    let t1 = TreeSpec {
        nodes: vec![
            split(0, 500.0, 1, 2, 100.0),
            leaf(-0.5, 80.0),
            split(2, 3.0, 3, 4, 20.0),
            leaf(0.5, 12.0),
            leaf(2.5, 8.0),
        ],
    };
    let t2 = TreeSpec {
        nodes: vec![
            NodeSpec::Categorical {
                input: 1,
                categories: vec![1],
                default_left: false,
                left: 1,
                right: 2,
                cover: 100.0,
            },
            leaf(-1.0, 30.0),
            leaf(0.3, 70.0),
        ],
    };
    let spec = EnsembleSpec {
        num_inputs: 3,
        base_margin: -2.0,
        output_scale: 1.0,
        sigmoid: 1.0,
        sum_f32: false,
        trees: vec![t1, t2],
    };
    let inputs = vec![
        Input::numeric("amount"),
        Input::categorical("country", vec!["DE".into(), "FR".into(), "US".into()]),
        Input::numeric("device_cards_1h"),
    ];
    let ensemble = shrike_model::Ensemble::new(&spec).expect("a valid test ensemble");
    Model::new(inputs, ensemble, "test").expect("a valid test model")
}
