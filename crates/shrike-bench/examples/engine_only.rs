//! Development timing of the engine passes by CPU time rather than wall time, so that A/B
//! comparisons survive a shared machine: `cargo run --release -p shrike-bench --example
//! engine_only -- EVENTS RUNS MODE...` with modes `parse`, `features`, `decide` (batches, as
//! replay and `shrike bench` run them) and `features1`, `decide1` (one event at a time, no
//! prefetching). Every mode parses its lines in chunks first, as replay does, so subtract
//! `parse`. `STATS=1` prints the store's size after each run; `RULES_ONLY=1` runs the reference
//! policy without its tree-model section (for the model's cost, e.g. under callgrind).

use std::hint::black_box;
use std::sync::Arc;

use shrike_bench::fixture;
use shrike_features::FeatureStore;
use shrike_types::Event;

/// User + system CPU time of this thread in seconds (clock ticks of 10 ms): unlike wall time,
/// not inflated when other processes take the core.
fn thread_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let events: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let modes: Vec<String> = args.collect();
    let policy = match std::env::var_os("RULES_ONLY") {
        Some(_) => fixture::compile(fixture::reference_rules_source()),
        None => fixture::reference_policy(),
    };
    let lines = fixture::generate(events);
    for mode in modes {
        let mut times = Vec::new();
        for _ in 0..runs {
            let (mut engine, clock) = fixture::memory_engine(Arc::clone(&policy));
            let cpu0 = thread_cpu();
            for chunk in lines.chunks(256) {
                let parsed: Vec<Event<'_>> = chunk.iter().map(|l| fixture::parse(l)).collect();
                match mode.as_str() {
                    "parse" => drop(black_box(parsed)),
                    "features" => engine.features_only_batch(&parsed, |_| {}),
                    "features1" => parsed.iter().for_each(|e| {
                        black_box(engine.features_only(e));
                    }),
                    "decide" => engine.decide_batch(&parsed, Some(&clock), |_, d| drop(black_box(d))),
                    _ => parsed.iter().for_each(|e| {
                        clock.set(e.timestamp);
                        black_box(engine.decide(e));
                    }),
                }
            }
            times.push((thread_cpu() - cpu0) * 1e9 / lines.len() as f64);
            if std::env::var_os("STATS").is_some() {
                let st = engine.store().stats();
                println!("keys per group {:?}, heap {} MB", st.keys_per_group, st.heap_bytes / 1_000_000);
            }
        }
        times.sort_by(f64::total_cmp);
        println!("{mode}: {:.0} cpu-ns/event median of {runs} (fastest {:.0})", times[runs / 2], times[0]);
    }
}
