//! Every line is accepted by Shrike's own event parser, and reads back the same.

use shrike_types::parse::parse_event;
use shrike_types::{EventType, Money};

use crate::common::fixture_lines;

#[test]
fn shrike_parser_accepts_every_line() {
    for line in fixture_lines() {
        let e = parse_event(line.as_bytes()).unwrap_or_else(|err| panic!("{err}: {line}"));
        assert!(matches!(e.event_type, EventType::Known(_)), "{line}");
        if let Some(amount) = e.amount {
            assert_eq!(amount.0 % (Money(10_000).0), 0, "whole cents: {line}");
        }
    }
}
