//! Error table for the type checker and the planner: `tests/check/errors.txt` holds policies
//! that parse but do not compile, and the exact output of
//! `compile(src).unwrap_err().render("test.shrike", src)` for each.
//!
//! Format (the same as `tests/parse/errors.txt`): a case starts with a line `=== NAME`; the
//! source follows (lines joined with `\n`, no trailing newline), then a line `---`, then the
//! expected output. Lines before the first case are comments. Trailing whitespace is ignored
//! when comparing.
//!
//! `UPDATE_EXPECT=1 cargo test -p shrike-dsl --test check_errors` rewrites the expected
//! outputs; review the diff by eye before committing it.

use std::fs;
use std::path::PathBuf;

use shrike_dsl::{Stage, compile, parser::parse};

struct Case {
    name: String,
    source: String,
    expected: String,
}

fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/check/errors.txt")
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

fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end_matches('\n').to_string()
}

fn actual(case: &Case) -> String {
    match compile(&case.source) {
        Ok(_) => "(compiles without error)".to_string(),
        Err(e) => normalise(&e.render("test.shrike", &case.source)),
    }
}

fn write_table(preamble: &str, cases: &[Case]) {
    let mut out = preamble.to_string();
    for case in cases {
        out.push_str(&format!("=== {}\n{}\n---\n{}\n\n", case.name, case.source, actual(case)));
    }
    fs::write(table_path(), out.trim_end().to_string() + "\n").expect("errors.txt is writable");
}

fn cases() -> Vec<Case> {
    let text = fs::read_to_string(table_path()).expect("tests/check/errors.txt is readable");
    read_table(&text).1
}

#[test]
fn bad_policies_give_the_expected_errors() {
    let text = fs::read_to_string(table_path()).expect("tests/check/errors.txt is readable");
    let (preamble, cases) = read_table(&text);
    assert!(cases.len() >= 35, "only {} cases", cases.len());
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        return write_table(&preamble, &cases);
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

/// The table is about the checker and the planner: every source must parse, so a case can
/// never pass by accident on a parse error (those are in `tests/parse/errors.txt`).
#[test]
fn every_case_parses_and_fails_after_parsing() {
    for case in cases() {
        if let Err(e) = parse(&case.source) {
            panic!("case `{}` does not parse: {}", case.name, e.message);
        }
        let errors = compile(&case.source).err().unwrap_or_else(|| {
            panic!("case `{}` compiles", case.name);
        });
        assert!(errors.errors.iter().all(|e| e.stage != Stage::Parse), "case `{}` fails in the parser", case.name);
    }
}

/// Every error of a compilation is reported, in source order.
#[test]
fn errors_are_in_source_order() {
    for case in cases() {
        let Err(errors) = compile(&case.source) else {
            continue;
        };
        let starts: Vec<u32> = errors.errors.iter().map(|e| e.span.start).collect();
        assert!(starts.is_sorted(), "case `{}`: errors out of order", case.name);
    }
}

#[test]
fn case_names_are_unique() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate case names");
}

/// Both stages after the parser appear in the table, so a stage cannot silently stop
/// reporting.
#[test]
fn table_covers_the_type_and_plan_stages() {
    let stages: Vec<Stage> = cases()
        .iter()
        .filter_map(|c| compile(&c.source).err())
        .flat_map(|e| e.errors.into_iter().map(|e| e.stage))
        .collect();
    assert!(stages.contains(&Stage::Type));
    assert!(stages.contains(&Stage::Plan));
}

/// The accepted side of the planner's rules: the default buckets the docs list, an explicit
/// `every`, and the limits themselves (1 s and 400 d windows, 1,440 buckets, 7 d lateness).
#[test]
fn windows_at_the_limits_and_default_buckets() {
    let cases = [
        ("over 10m", "10s"),
        ("over 1h", "1m"),
        ("over 1d", "24m"),
        ("over 30d", "12h"),
        ("over 90d", "36h"),
        ("over 1d every 1h", "1h"),
        ("over 1s", "1s"),
        ("over 400d", "160h"),
        ("over 1440s every 1s", "1s"),
    ];
    for (window, bucket) in cases {
        let src = format!("lateness 7d\nfeature f = count(*) by user_id {window}");
        let policy = compile(&src).unwrap_or_else(|e| panic!("{}", e.render("test.shrike", &src)));
        assert_eq!(policy.features[0].resolution.to_string(), bucket, "{window}");
    }
    let src = "lateness 0s";
    assert!(compile(src).is_ok_and(|p| p.lateness.0 == 0));
}

/// BUG: the planner runs only on a policy the type checker accepted, so a bad window is not
/// reported while there is a type error, although `shrike check` is documented to print every
/// error. Fixing it means validating windows in the checker (or planning a partially checked
/// policy), which is more than a small fix.
#[test]
#[ignore = "plan errors are hidden behind type errors"]
fn type_and_plan_errors_are_reported_together() {
    let src = "feature a = count(*) by user_id over 500ms\nrule r { when nope then block }";
    let errors = compile(src).unwrap_err();
    let stages: Vec<Stage> = errors.errors.iter().map(|e| e.stage).collect();
    assert_eq!(stages, [Stage::Plan, Stage::Type]);
}
