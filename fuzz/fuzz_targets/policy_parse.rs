//! Parse → print → parse round trip of the policy language.
//!
//! Arbitrary UTF-8 must never make the parser panic. When a source parses, its canonical print
//! must parse back to the same tree (spans aside), and printing that tree again must give the
//! same text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shrike_dsl::parser::parse;
use shrike_dsl::printer::{print, strip_spans};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = parse(source) else {
        return;
    };
    let printed = print(&policy);
    let reparsed = match parse(&printed) {
        Ok(reparsed) => reparsed,
        Err(e) => panic!(
            "canonical print does not parse: {e} at {:?}\n{printed}",
            e.span
        ),
    };
    assert_eq!(
        strip_spans(&policy),
        strip_spans(&reparsed),
        "round trip changed the tree:\n{printed}"
    );
    assert_eq!(print(&reparsed), printed, "printing is not idempotent");
});
