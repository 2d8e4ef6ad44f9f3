//! `shrike replay --policy P --events FILE --out DECISIONS.jsonl`

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use shrike_engine::replay::{LineError, ReplaySink, ReplaySummary, replay};
use shrike_engine::stats::EngineStats;
use shrike_types::clock::ManualClock;
use shrike_types::{Decision, Outcome, Timestamp};

use crate::progress::Progress;
use crate::quality::{Labels, Quality, Report};
use crate::setup;

/// Bad lines printed in full before only counting them.
const MAX_REPORTED_BAD_LINES: u64 = 20;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The policy file.
    #[arg(long)]
    policy: PathBuf,
    /// Events, one JSON object per line ("-" for standard input).
    #[arg(long)]
    events: PathBuf,
    /// Where to write decisions, one JSON object per line ("-" for standard output).
    #[arg(long)]
    out: PathBuf,
    /// Labels (JSON lines from `shrike gen`): also report recall and precision per pattern.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

struct Sink<W> {
    out: W,
    progress: Progress,
    bad: u64,
    quality: Option<(Labels, Quality)>,
}

impl<W: Write> ReplaySink for Sink<W> {
    fn decision(&mut self, d: &Decision) -> io::Result<()> {
        if let Some((labels, q)) = &mut self.quality {
            q.record(labels, d);
        }
        serde_json::to_writer(&mut self.out, d)?;
        self.out.write_all(b"\n")
    }

    fn bad_line(&mut self, e: LineError) {
        self.bad += 1;
        if self.bad <= MAX_REPORTED_BAD_LINES {
            eprintln!("skipped {e}");
        }
    }

    fn progress(&mut self, lines: u64) {
        self.progress.update(lines);
    }
}

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    let policy = setup::load_policy(&args.policy)?;
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let mut engine = setup::memory_engine(policy, clock.clone())?;
    let total = if args.events.as_os_str() == "-" { None } else { Some(count_lines(&args.events)?) };
    let input = open_input(&args.events)?;
    let out = open_output(&args.out)?;
    let quality = match &args.labels {
        Some(path) => Some((Labels::load(path)?, Quality::default())),
        None => None,
    };
    let mut sink = Sink { out, progress: Progress::new("replay", total), bad: 0, quality };
    let summary = replay(&mut engine, input, Some(&clock), &mut sink)?;
    sink.out.flush()?;
    sink.progress.finish();
    let report = sink.quality.take().map(|(_, q)| q.finish());
    print_summary(&summary, engine.stats(), report.as_ref(), args.json)?;
    Ok(if summary.bad_lines > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

pub(crate) fn open_input(path: &PathBuf) -> Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(1 << 20, io::stdin())));
    }
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
}

pub(crate) fn open_output(path: &PathBuf) -> Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufWriter::with_capacity(1 << 20, io::stdout())));
    }
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(Box::new(BufWriter::with_capacity(1 << 20, f)))
}

pub(crate) fn count_lines(path: &PathBuf) -> Result<u64> {
    let mut reader =
        BufReader::with_capacity(1 << 20, File::open(path).with_context(|| format!("opening {}", path.display()))?);
    let mut n = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(n);
        }
        n += memchr::memchr_iter(b'\n', buf).count() as u64;
        let len = buf.len();
        reader.consume(len);
    }
}

fn print_summary(s: &ReplaySummary, stats: &EngineStats, quality: Option<&Report>, json: bool) -> Result<()> {
    if json {
        let v = serde_json::json!({ "replay": s, "engine": stats, "quality": quality });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    eprintln!(
        "{} decisions from {} lines in {:.2}s ({:.0} events/s); {} bad lines, {} duplicates, {} late",
        s.decisions, s.lines, s.elapsed_secs, s.events_per_sec, s.bad_lines, stats.duplicates, stats.late
    );
    let outcomes: Vec<String> = Outcome::ALL.iter().map(|o| format!("{o} {}", stats.outcome_count(*o))).collect();
    eprintln!("outcomes: {}", outcomes.join(", "));
    eprintln!("{:<40} {:>10}", "rule", "hits");
    for r in &stats.rules {
        let name = if r.shadow { format!("{} (shadow)", r.rule) } else { r.rule.clone() };
        eprintln!("{name:<40} {:>10}", r.hits);
    }
    if let Some(q) = quality {
        q.print();
    }
    Ok(())
}
