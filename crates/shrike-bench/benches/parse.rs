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

/// Parses every line, hands the event on by reference and drops it, as the parse pass of
/// `shrike bench` does; returns the number that parsed. Not inlined, so that callgrind can
/// count it alone.
#[inline(never)]
fn parse_pass(lines: &[String]) -> usize {
    let mut parsed = 0;
    for line in lines {
        if let Ok(event) = parse_event(black_box(line.as_bytes())) {
            black_box(&event);
            parsed += 1;
        }
    }
    parsed
}
