//! `shrike bench --policy P [--events N] [--json]`: single-core throughput on a generated
//! stream, split into parse, features and rules by running three passes over the same lines
//! (parse only; parse + features; parse + features + rules), each on a fresh engine, `--runs`
//! times; each pass's median is reported.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, bail};
use shrike_engine::replay::REPLAY_BATCH;
use shrike_gen::{GenConfig, Generator};
use shrike_types::clock::{ManualClock, Stopwatch};
use shrike_types::parse::parse_event_into;
use shrike_types::{Outcome, Timestamp};

use crate::setup;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The policy file.
    #[arg(long)]
    policy: PathBuf,
    /// Number of generated events.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Repetitions of each pass; the median is reported (the machine may be shared).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct NsPerEvent {
    parse: f64,
    features: f64,
    rules: f64,
    total: f64,
}

#[derive(serde::Serialize)]
struct Report {
    policy: String,
    events: u64,
    runs: usize,
    events_per_sec: f64,
    ns_per_event: NsPerEvent,
    features: usize,
    key_groups: usize,
    rules: usize,
    outcomes: [u64; 4],
}

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    let policy = setup::load_policy(&args.policy)?;
    let lines = generate(args.events, args.seed);
    let runs = args.runs.max(1);
    let (mut parse, mut with_features, mut full) = (Vec::new(), Vec::new(), Vec::new());
    let mut outcomes = [0u64; 4];
    for _ in 0..runs {
        parse.push(pass(&lines, |_| {})?);
        let clock = Arc::new(ManualClock::new(Timestamp(0)));
        let mut engine = setup::memory_engine(Arc::clone(&policy), clock.clone())?;
        with_features.push(pass(&lines, |events| engine.features_only_batch(events, |_| {}))?);
        drop(engine);
        let mut engine = setup::memory_engine(Arc::clone(&policy), clock.clone())?;
        full.push(pass(&lines, |events| engine.decide_batch(events, Some(&clock), |_, d| drop(d)))?);
        outcomes = Outcome::ALL.map(|o| engine.stats().outcome_count(o));
    }
    let (parse, with_features, full) = (median(parse), median(with_features), median(full));
    let n = lines.len() as f64;
    let ns = |secs: f64| secs * 1e9 / n;
    let report = Report {
        policy: args.policy.display().to_string(),
        events: lines.len() as u64,
        runs,
        events_per_sec: n / full,
        ns_per_event: NsPerEvent {
            parse: ns(parse),
            features: ns((with_features - parse).max(0.0)),
            rules: ns((full - with_features).max(0.0)),
            total: ns(full),
        },
        features: policy.features.len(),
        key_groups: policy.groups.len(),
        rules: policy.rules.len(),
        outcomes,
    };
    print(&report, args.json)?;
    Ok(ExitCode::SUCCESS)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn generate(events: u64, seed: u64) -> Vec<String> {
    let cfg = GenConfig { events, seed, ..GenConfig::default() };
    Generator::new(cfg).map(|g| g.json).collect()
}

/// Runs `f` on the parsed lines, a batch of [`REPLAY_BATCH`] at a time as replay does;
/// returns the seconds it took.
fn pass(lines: &[String], mut f: impl FnMut(&[shrike_types::Event<'_>])) -> Result<f64> {
    let watch = Stopwatch::start();
    let mut events = Vec::with_capacity(REPLAY_BATCH);
    for chunk in lines.chunks(REPLAY_BATCH) {
        for line in chunk {
            if let Err(e) = parse_event_into(line.as_bytes(), &mut events) {
                bail!("generated event did not parse: {e}");
            }
        }
        f(&events);
        events.clear();
    }
    Ok(watch.elapsed_secs_f64())
}

fn print(r: &Report, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    println!("policy {}: {} features in {} key groups, {} rules", r.policy, r.features, r.key_groups, r.rules);
    println!("{} events on one core, median of {} runs: {:.0} events/s", r.events, r.runs, r.events_per_sec);
    let n = &r.ns_per_event;
    println!("ns/event: parse {:.0}, features {:.0}, rules {:.0}, total {:.0}", n.parse, n.features, n.rules, n.total);
    Ok(())
}
