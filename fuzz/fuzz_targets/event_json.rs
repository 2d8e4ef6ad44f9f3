//! Fuzzes the event parser: no input may panic it, and every event it accepts must survive
//! `to_json` and a second parse unchanged.
//!
//! `cargo +nightly fuzz run event_json` (see docs/testing.md). Seed the corpus with
//! `crates/shrike-types/tests/events/*.json` for a head start.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shrike_types::limits::MAX_EVENT_BYTES;
use shrike_types::parse::{parse_event, to_json};

fuzz_target!(|data: &[u8]| {
    let Ok(event) = parse_event(data) else {
        return;
    };
    let json = to_json(&event);
    // Writing can lengthen an event a little (e.g. `1e9` becomes "1000000000"), which can
    // push one already at the size limit over it.
    if json.len() > MAX_EVENT_BYTES {
        return;
    }
    match parse_event(json.as_bytes()) {
        Ok(again) => assert_eq!(again, event, "round trip changed the event: {json}"),
        Err(e) => panic!("to_json wrote an event the parser refuses: {e}\n{json}"),
    }
});
