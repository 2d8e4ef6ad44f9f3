//! The passes of `shrike bench` over a JSON-lines file, one at a time, for instruction and
//! cache-miss counts under `valgrind --tool=callgrind` (repeatable on a shared machine, where
//! wall time is not). Generating the stream costs more than deciding it, so it is read from
//! a file written once by `shrike gen`.
//!
//! ```text
//! shrike gen --events 1000000 --seed 42 --out /tmp/events.jsonl --labels /tmp/labels.jsonl
//! cargo build --release -p shrike-engine --example stream_passes
//! valgrind --tool=callgrind --toggle-collect='*stream_passes::pass*' \
//!     target/release/examples/stream_passes /tmp/events.jsonl decide
//! ```
//!
//! Arguments: the file, the pass (`parse`, `features` or `decide`; parse + features + rules
//! as in `shrike bench`, 256 events per batch) and optionally the number of runs (default
//! 1); each run's wall time and CPU time (Linux) are printed.

use std::sync::Arc;

use shrike_engine::replay::REPLAY_BATCH;
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_types::clock::{ManualClock, Stopwatch};
use shrike_types::parse::parse_event_into;
use shrike_types::{Event, Timestamp};

/// As in the `shrike` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const POLICY: &str = include_str!("../../../examples/marketplace/policy.shrike");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(file), Some(which)) = (args.first(), args.get(1)) else {
        eprintln!("usage: stream_passes FILE parse|features|decide [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(1);
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    let lines: Vec<&str> = text.lines().collect();
    let policy = Arc::new(shrike_dsl::compile(POLICY).unwrap_or_else(|_| panic!("reference policy compiles")));
    for _ in 0..runs {
        let clock = Arc::new(ManualClock::new(Timestamp(0)));
        let store = MemoryStore::new(store_layout(&policy)).unwrap_or_else(|e| panic!("layout: {e}"));
        let mut engine = Engine::new(Arc::clone(&policy), store, clock.clone());
        let mut flagged = 0u64;
        let (watch, cpu) = (Stopwatch::start(), cpu_secs());
        match which.as_str() {
            "parse" => pass(&lines, |_| {}),
            "features" => pass(&lines, |events| engine.features_only_batch(events, |_| {})),
            "decide" => pass(&lines, |events| {
                engine.decide_batch(events, Some(&clock), |_, d| flagged += u64::from(d.score > 0))
            }),
            other => panic!("unknown pass {other}"),
        }
        let n = lines.len() as f64;
        let (wall, cpu) = (watch.elapsed_secs_f64() * 1e9 / n, (cpu_secs() - cpu) * 1e9 / n);
        println!("{which}: {n} events, {wall:.0} ns/event wall, {cpu:.0} ns/event CPU, {flagged} scored");
    }
}

/// CPU time of this thread (user + system, in clock ticks of 10 ms): on a shared machine
/// the time the pass actually ran, which wall time is not.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 12 and 13.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|t| t.parse().ok()).collect();
    ticks.iter().sum::<f64>() / 100.0
}

/// Parses the lines a batch at a time, as `shrike bench` does, and hands each batch to `f`.
#[inline(never)]
fn pass(lines: &[&str], mut f: impl FnMut(&[Event<'_>])) {
    let mut events = Vec::with_capacity(REPLAY_BATCH);
    for chunk in lines.chunks(REPLAY_BATCH) {
        for line in chunk {
            parse_event_into(line.as_bytes(), &mut events).unwrap_or_else(|e| panic!("bad line: {e}"));
        }
        f(&events);
        events.clear();
    }
}
