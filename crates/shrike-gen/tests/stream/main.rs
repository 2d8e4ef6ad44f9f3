//! Integration tests over generated streams: format, labels, ordering, realism. One
//! 200,000-event stream with default settings is generated once and shared.

// Test helpers outside `#[test]` functions unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod common;
mod determinism;
mod format;
mod labels;
mod ordering;
mod parser;
mod realism;
