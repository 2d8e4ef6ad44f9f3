//! Error table: `tests/parse/errors.txt` holds bad sources and the exact rendered error.
//!
//! Format: a case starts with a line `=== NAME`; the source follows (lines joined with `\n`,
//! no trailing newline), then a line `---`, then the expected output of
//! `diagnostic::render("test.shrike", …)`. Lines before the first case are comments.
//! Trailing whitespace is ignored when comparing.
//!
//! `UPDATE_EXPECT=1 cargo test -p shrike-dsl --test parser_errors` rewrites the expected
//! outputs; review the diff by eye before committing it.

mod common;

use common::{Case, check_table, normalise, table_path};
use shrike_dsl::diagnostic::render;
use shrike_dsl::parser::parse;

fn actual(case: &Case) -> String {
    match parse(&case.source) {
        Ok(_) => "(parses without error)".to_string(),
        Err(e) => normalise(&render("test.shrike", &case.source, e.span, &e.message)),
    }
}

#[test]
fn bad_sources_give_the_expected_errors() {
    check_table(&table_path("parse/errors.txt"), 25, actual);
}
