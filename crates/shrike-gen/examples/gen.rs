//! Writes a stream to files and prints the summary and throughput:
//! `cargo run --release -p shrike-gen --example gen -- EVENTS SEED OUT.jsonl LABELS.jsonl`
//! (`-` for a path discards that stream).

use std::fs::File;

use shrike_gen::{GenConfig, write_stream};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let cfg = GenConfig {
        events: arg(1, "1000000").parse().unwrap_or(1_000_000),
        seed: arg(2, "42").parse().unwrap_or(42),
        ..GenConfig::default()
    };
    let (out, labels) = (arg(3, "/tmp/events.jsonl"), arg(4, "/tmp/labels.jsonl"));
    // "-" discards a stream, to time generation alone.
    let open = |path: &str| -> std::io::Result<Box<dyn std::io::Write>> {
        Ok(if path == "-" { Box::new(std::io::sink()) } else { Box::new(File::create(path)?) })
    };
    let (events, labels) = (open(&out)?, open(&labels)?);
    #[allow(clippy::disallowed_methods)] // a benchmark harness measures wall time
    let started = std::time::Instant::now();
    let summary = write_stream(&cfg, events, labels)?;
    let secs = started.elapsed().as_secs_f64();
    println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
    println!("{:.2} s, {:.0} events/s", secs, summary.events as f64 / secs);
    Ok(())
}
