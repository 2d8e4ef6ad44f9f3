//! `shrike gen --events N --seed S --out EVENTS.jsonl --labels LABELS.jsonl`

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use shrike_gen::{GenConfig, write_stream};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Number of events.
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Seed: the same seed gives byte-identical output.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Days of event time the stream covers.
    #[arg(long)]
    days: Option<u32>,
    /// Events file (JSON lines).
    #[arg(long)]
    out: PathBuf,
    /// Labels file (JSON lines: event_id, label, pattern, entity).
    #[arg(long)]
    labels: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    let mut cfg = GenConfig { events: args.events, seed: args.seed, ..GenConfig::default() };
    if let Some(d) = args.days {
        cfg.days = d;
    }
    let events = File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let labels = File::create(&args.labels).with_context(|| format!("creating {}", args.labels.display()))?;
    let summary = write_stream(&cfg, BufWriter::new(events), BufWriter::new(labels))?;
    eprintln!("{}", serde_json::to_string(&summary)?);
    Ok(ExitCode::SUCCESS)
}
