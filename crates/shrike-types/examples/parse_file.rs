//! Nanoseconds per event for `parse_event` over a file of JSON lines (for example the output
//! of `shrike gen`), as the median and best of several passes:
//!
//! ```text
//! shrike gen --events 1000000 --out /tmp/events.jsonl --labels /tmp/labels.jsonl
//! cargo run --release -p shrike-types --example parse_file -- /tmp/events.jsonl
//! ```

use std::hint::black_box;

use shrike_types::clock::Stopwatch;
use shrike_types::parse::parse_event;

const PASSES: usize = 7;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_file EVENTS.jsonl [PASSES]");
        std::process::exit(2);
    };
    let passes = std::env::args().nth(2).and_then(|p| p.parse().ok()).unwrap_or(PASSES);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let mut times: Vec<f64> = (0..passes.max(1))
        .map(|_| {
            let watch = Stopwatch::start();
            let mut ok = 0usize;
            for line in &lines {
                ok += usize::from(black_box(parse_event(black_box(line.as_bytes()))).is_ok());
            }
            black_box(ok);
            watch.elapsed_nanos() as f64 / lines.len().max(1) as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let best = times.first().copied().unwrap_or_default();
    println!(
        "{} events, {:.0} bytes/event: parse median {median:.1} ns/event, best {best:.1} ns/event",
        lines.len(),
        bytes as f64 / lines.len().max(1) as f64
    );
}
