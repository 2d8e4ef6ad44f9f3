//! Golden tests over `tests/parse/ok/`: every `NAME.shrike` parses and prints exactly as
//! `NAME.expected`, and the printed text is a fixed point that parses back to the same tree.
//!
//! `UPDATE_EXPECT=1 cargo test -p shrike-dsl --test parser_golden` rewrites the `.expected`
//! files; review the diff by eye before committing it.

use std::fs;
use std::path::{Path, PathBuf};

use shrike_dsl::diagnostic::render;
use shrike_dsl::parser::parse;
use shrike_dsl::printer::{print, strip_spans};

fn ok_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse/ok")
}

fn files_with_extension(ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(ok_dir())
        .expect("tests/parse/ok is readable")
        .map(|entry| entry.expect("tests/parse/ok is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// Each source file with its printed canonical form.
fn printed_sources() -> Vec<(PathBuf, String)> {
    let sources = files_with_extension("shrike");
    assert!(!sources.is_empty(), "no .shrike files in {}", ok_dir().display());
    sources
        .into_iter()
        .map(|path| {
            let source = fs::read_to_string(&path).expect("golden sources are UTF-8 files");
            let policy = parse(&source)
                .unwrap_or_else(|e| panic!("{}", render(&path.display().to_string(), &source, e.span, &e.message)));
            (path, print(&policy))
        })
        .collect()
}

#[test]
fn ok_files_print_as_expected() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let mut mismatched = Vec::new();
    for (path, printed) in printed_sources() {
        let expected_path = path.with_extension("expected");
        if update {
            fs::write(&expected_path, &printed).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != printed {
            eprintln!("--- {}\n{printed}", expected_path.display());
            mismatched.push(expected_path.display().to_string());
        }
    }
    assert!(mismatched.is_empty(), "printed output differs (UPDATE_EXPECT=1 to rewrite): {mismatched:?}");
}

#[test]
fn every_expected_file_has_a_source() {
    for expected in files_with_extension("expected") {
        assert!(expected.with_extension("shrike").exists(), "orphan {}", expected.display());
    }
}

#[test]
fn printed_ok_files_are_fixed_points() {
    for (path, printed) in printed_sources() {
        let source = fs::read_to_string(&path).unwrap();
        let original = parse(&source).unwrap();
        let reparsed =
            parse(&printed).unwrap_or_else(|e| panic!("{}", render("printed", &printed, e.span, &e.message)));
        assert_eq!(strip_spans(&reparsed), strip_spans(&original), "{}", path.display());
        assert_eq!(print(&reparsed), printed, "{}", path.display());
    }
}

/// The ```shrike examples in the language reference parse and round-trip, so the docs
/// cannot drift from the grammar.
#[test]
fn language_reference_examples_parse() {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy-language.md");
    let doc = fs::read_to_string(&doc_path).expect("docs/policy-language.md is readable");
    let blocks: Vec<&str> = doc.split("```shrike\n").skip(1).filter_map(|b| b.split("```").next()).collect();
    assert!(!blocks.is_empty(), "no ```shrike blocks in {}", doc_path.display());
    for block in blocks {
        let policy = parse(block).unwrap_or_else(|e| panic!("{}", render("docs", block, e.span, &e.message)));
        let reparsed = parse(&print(&policy)).unwrap();
        assert_eq!(strip_spans(&reparsed), strip_spans(&policy));
    }
}
