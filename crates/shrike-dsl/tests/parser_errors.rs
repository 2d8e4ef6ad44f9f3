//! Error table: `tests/parse/errors.txt` holds bad sources and the exact rendered error.
//!
//! Format: a case starts with a line `=== NAME`; the source follows (lines joined with `\n`,
//! no trailing newline), then a line `---`, then the expected output of
//! `diagnostic::render("test.shrike", …)`. Lines before the first case are comments.
//! Trailing whitespace is ignored when comparing.
//!
//! `UPDATE_EXPECT=1 cargo test -p shrike-dsl --test parser_errors` rewrites the expected
//! outputs; review the diff by eye before committing it.

use std::fs;
use std::path::PathBuf;

use shrike_dsl::diagnostic::render;
use shrike_dsl::parser::parse;

struct Case {
    name: String,
    source: String,
    expected: String,
}

fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/parse/errors.txt")
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
    match parse(&case.source) {
        Ok(_) => "(parses without error)".to_string(),
        Err(e) => normalise(&render("test.shrike", &case.source, e.span, &e.message)),
    }
}

fn write_table(preamble: &str, cases: &[Case]) {
    let mut out = preamble.to_string();
    for case in cases {
        out.push_str(&format!("=== {}\n{}\n---\n{}\n\n", case.name, case.source, actual(case)));
    }
    fs::write(table_path(), out.trim_end().to_string() + "\n").expect("errors.txt is writable");
}

#[test]
fn bad_sources_give_the_expected_errors() {
    let text = fs::read_to_string(table_path()).unwrap();
    let (preamble, cases) = read_table(&text);
    assert!(cases.len() >= 25, "only {} cases", cases.len());
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

#[test]
fn case_names_are_unique() {
    let text = fs::read_to_string(table_path()).unwrap();
    let (_, cases) = read_table(&text);
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate case names");
}
