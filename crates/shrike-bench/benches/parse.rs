//! Parse-only benchmark over the generated stream (seed 42, as `shrike bench`), with the same
//! allocator as the `shrike` binary (mimalloc), so its figure is the "parse" column of
//! `shrike bench` without the features and rules passes around it:
//!
//! ```text
//! cargo bench -p shrike-bench --bench parse -- --events 1000000
//! ```
//!
//! For instruction counts, run the bench binary under callgrind and count only
//! [`parse_pass`] (generating the stream costs more than parsing it):
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*parse_pass*' \
//!     target/release/deps/parse-HASH --bench --events 20000 --runs 1
//! ```
//!
//! The instructions of `parse_pass` divided by `3 × events` (the check pass, the warm-up and
//! one timed run) are the instructions per event, allocation and dropping the event included.

use std::hint::black_box;

use shrike_bench::fixture;
use shrike_bench::harness::{Mode, measure};
use shrike_types::Event;
use shrike_types::parse::parse_event;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Stream length of a benchmark run and of a smoke run.
const EVENTS: (u64, u64) = (1_000_000, 2_000);

fn main() {
    let mode = Mode::from_args();
    mode.announce("parse");
    let lines = fixture::generate(mode.events(EVENTS.0, EVENTS.1));
    let bytes: usize = lines.iter().map(String::len).sum();
    let n = lines.len() as u64;
    println!("{n} generated events, seed {}, {:.0} bytes/event", fixture::SEED, bytes as f64 / n.max(1) as f64);
    let parsed = parse_pass(&lines);
    assert_eq!(parsed, lines.len(), "every generated event parses");
    measure(mode.runs, || (), |()| parse_pass(&lines)).report("parse/stream (mimalloc)", n, "event");
}

/// Parses every line and drops the event, with the loop of the parse pass of `shrike bench`
/// (so the compiler treats the `Result` alike: a caller that keeps the event also pays for
/// moving it out, ~100 instructions per 720-byte copy); returns the number that parsed.
/// Not inlined, so that callgrind can count it alone.
#[inline(never)]
fn parse_pass(lines: &[String]) -> usize {
    let mut parsed = 0;
    pass(lines, |_| parsed += 1);
    parsed
}

fn pass(lines: &[String], mut f: impl FnMut(&Event<'_>)) {
    for line in lines {
        match parse_event(black_box(line.as_bytes())) {
            Ok(event) => f(&event),
            Err(e) => panic!("generated event did not parse: {e}"),
        }
    }
}
