//! Nanoseconds per event for `parse_event` and `to_json` on the test fixtures, next to a
//! reference on the same machine: serde_json skimming the same bytes without building
//! anything (`IgnoredAny`). A quick check, not a benchmark suite:
//!
//! ```text
//! cargo run --release -p shrike-types --example parse_speed
//! ```
//!
//! Prints the best of several rounds, the figure least disturbed by other load. On a shared
//! machine compare the ratio to the reference rather than the absolute numbers.

use std::hint::black_box;

use shrike_types::clock::Stopwatch;
use shrike_types::parse::{parse_event, to_json};

const FIXTURES: [(&str, &str); 2] =
    [("typical", include_str!("../tests/events/typical.json")), ("full", include_str!("../tests/events/full.json"))];
const ROUNDS: usize = 9;
const ITERATIONS: u32 = 100_000;

fn main() {
    for (name, json) in FIXTURES {
        let json = json.trim_end();
        let event = match parse_event(json.as_bytes()) {
            Ok(event) => event,
            Err(e) => {
                eprintln!("{name}: fixture does not parse: {e}");
                std::process::exit(1);
            }
        };
        let parse = best_ns(|| {
            let event = parse_event(black_box(json.as_bytes()));
            black_box(&event);
        });
        let write = best_ns(|| {
            black_box(to_json(black_box(&event)));
        });
        let skim = best_ns(|| {
            let skimmed = serde_json::from_slice::<serde::de::IgnoredAny>(black_box(json.as_bytes()));
            black_box(&skimmed);
        });
        println!(
            "{name:>8} ({} bytes): parse {parse:6.1} ns/event ({:.2} M events/s), to_json {write:6.1} ns, \
             reference serde_json skim {skim:6.1} ns (parse = {:.2}x skim)",
            json.len(),
            1_000.0 / parse,
            parse / skim,
        );
    }
}

/// The fastest of `ROUNDS` timed loops, in nanoseconds per call.
fn best_ns(mut f: impl FnMut()) -> f64 {
    (0..ROUNDS)
        .map(|_| {
            let watch = Stopwatch::start();
            for _ in 0..ITERATIONS {
                f();
            }
            watch.elapsed_nanos() as f64 / f64::from(ITERATIONS)
        })
        .fold(f64::INFINITY, f64::min)
}
