//! JSON event parsing: one JSON object in, one typed [`Event`] out, or an error naming the
//! field (and line and column) and what was expected. The format is documented in
//! `docs/events.md`.
//!
//! Layout, bottom-up:
//! - `reader`: a strict single-pass JSON cursor over the input (`scan`: its byte loops;
//!   `escape`: its slow path for escaped strings; `compact`: copies of nested values);
//! - `values`, `ip`, `address`, `nested`: one reader per field kind, which also normalises
//!   (`normal`: address parts);
//! - `keys`: compile-time perfect-hash tables of the fixed names (fields, known types);
//! - `object`: fixed-key objects (unknown and duplicate keys are errors);
//! - `event`: the top-level object and the field dispatch;
//! - `write`: [`to_json`], the inverse.
//!
//! Invariants: no panic on any input (every byte access is checked); no value goes through
//! a float; strings are borrowed from the input unless they hold escapes or are normalised.

mod address;
mod compact;
mod error;
mod escape;
mod event;
mod ip;
mod keys;
mod nested;
mod normal;
mod object;
mod reader;
mod scan;
mod values;
mod write;

pub use error::EventError;
pub use write::to_json;

use crate::event::Event;
use crate::limits::MAX_EVENT_BYTES;

use error::Fail;
use reader::Reader;

/// Parses one event from JSON text.
#[inline]
pub fn parse_event(input: &[u8]) -> Result<Event<'_>, EventError> {
    // Filled in place inside the `Result`; inlined into the caller, that is the caller's
    // own slot, which saves copying the 720-byte event out (a `memcpy` per event otherwise).
    let mut out = Ok(event::placeholder());
    if let Ok(event) = &mut out
        && let Err(fail) = parse(input, event)
    {
        out = Err(fail.into_error(input));
    }
    out
}

/// Parses one event and appends it to `events`; on an error, returns it and leaves `events`
/// as it was. The event is built in its place in the vector, which saves moving its 700
/// bytes out of [`parse_event`]'s `Result` and into the vector: callers that collect events
/// (replay, benchmarks) should prefer this.
#[inline]
pub fn parse_event_into<'a>(input: &'a [u8], events: &mut Vec<Event<'a>>) -> Result<(), EventError> {
    let at = events.len();
    // `resize_with` writes the placeholder in place; `push` built it aside and copied it.
    events.resize_with(at + 1, event::placeholder);
    let Some(slot) = events.get_mut(at) else {
        return Ok(());
    };
    if let Err(fail) = parse(input, slot) {
        events.truncate(at);
        return Err(fail.into_error(input));
    }
    Ok(())
}

fn parse<'a>(input: &'a [u8], event: &mut Event<'a>) -> Result<(), Fail> {
    if input.len() > MAX_EVENT_BYTES {
        let msg = format!("event larger than MAX_EVENT_BYTES ({MAX_EVENT_BYTES} bytes)");
        return Err(Fail::syntax(0, msg));
    }
    // One UTF-8 check for the whole input lets the reader slice `&str`s freely.
    let text = std::str::from_utf8(input).map_err(|e| Fail::syntax(e.valid_up_to(), "invalid UTF-8"))?;
    event::read_event(&mut Reader::new(text), event)
}
