//! What a backtest costs on top of `Engine::decide`, on one core, for the reference policy
//! (rules and windowed features, no model) over the generated stream with its labels. Each
//! pass reads the JSON lines from memory and includes parsing:
//!
//! - `decide`: parse + `Engine::decide` per line, nothing else (the engine alone);
//! - `replay`: `shrike_engine::replay` with a sink that drops decisions;
//! - `backtest, no labels`: `run_pass` with the backtest's accounting (`PolicyRun`);
//! - `backtest, labels`: the same with the labels, merged in as label events 30 days late
//!   (so some decide calls are label events: the backtest's real work);
//! - `export`: the CSV export (every feature read for every event) to `io::sink()`.
//!
//! `SHRIKE_BENCH_ONLY=decide|replay|backtest|backtest-no-labels` runs that one pass once and
//! exits, for instruction counts under `valgrind --tool=callgrind` (repeatable on a shared
//! machine).

use std::hint::black_box;
use std::io;
use std::sync::Arc;

use shrike_backtest::{LabelDelays, LabelInput, LabelSet, PolicyRun, export_csv, run_pass};
use shrike_bench::fixture::{self, SEED};
use shrike_bench::harness::{Mode, Timing, once};
use shrike_dsl::CompiledPolicy;
use shrike_engine::replay::{LineError, ReplaySink, replay};
use shrike_gen::{GenConfig, Generator};
use shrike_types::Decision;

/// Stream length of a benchmark run and of a smoke run.
const EVENTS: (u64, u64) = (200_000, 2_000);

struct Discard;

impl ReplaySink for Discard {
    fn decision(&mut self, d: &Decision) -> io::Result<()> {
        black_box(d.score);
        Ok(())
    }
    fn bad_line(&mut self, _: LineError) {}
}

/// The stream as one JSON-lines buffer, its lines, and its labels.
fn stream(events: u64) -> (Vec<u8>, Vec<String>, LabelSet) {
    let cfg = GenConfig { events, seed: SEED, ..GenConfig::default() };
    let (mut buf, mut lines, mut labels) = (Vec::new(), Vec::new(), String::new());
    for g in Generator::new(cfg) {
        buf.extend_from_slice(g.json.as_bytes());
        buf.push(b'\n');
        if let Some(l) = g.label {
            labels.push_str(&l.to_json());
            labels.push('\n');
        }
        lines.push(g.json);
    }
    let labels = LabelSet::read(labels.as_bytes()).expect("generated labels parse");
    (buf, lines, labels)
}

fn decide_pass(policy: &Arc<CompiledPolicy>, lines: &[String]) -> usize {
    let (mut engine, clock) = fixture::memory_engine(Arc::clone(policy));
    let mut flagged = 0;
    for line in lines {
        let e = fixture::parse(line);
        clock.set(e.timestamp);
        flagged += usize::from(engine.decide(&e).score > 0);
    }
    flagged
}

fn replay_pass(policy: &Arc<CompiledPolicy>, buf: &[u8]) -> u64 {
    let (mut engine, clock) = fixture::memory_engine(Arc::clone(policy));
    replay(&mut engine, buf, Some(&clock), &mut Discard).expect("in-memory replay").decisions
}

fn backtest_pass(policy: &Arc<CompiledPolicy>, buf: &[u8], labels: Option<LabelInput<'_>>) -> u64 {
    let (mut engine, clock) = fixture::memory_engine(Arc::clone(policy));
    let mut run = PolicyRun::new(Arc::clone(policy));
    let s = run_pass(&mut engine, buf, &clock, labels, &mut run).expect("in-memory pass");
    black_box(run.report().events) + s.label_events
}

fn export_pass(policy: &Arc<CompiledPolicy>, buf: &[u8], labels: LabelInput<'_>) -> u64 {
    let (summary, _) = export_csv(policy, buf, Some(labels), io::sink(), &mut |_| {}).expect("export to a sink");
    summary.scored
}

fn main() {
    let mode = Mode::from_args();
    let policy = fixture::reference_policy();
    let (buf, lines, labels) = stream(mode.events(EVENTS.0, EVENTS.1));
    let delays = LabelDelays::default();
    let with_labels = LabelInput { labels: &labels, delays: &delays };
    if let Ok(only) = std::env::var("SHRIKE_BENCH_ONLY") {
        let n = match only.as_str() {
            "decide" => decide_pass(&policy, &lines) as u64,
            "backtest" => backtest_pass(&policy, &buf, Some(with_labels)),
            "backtest-no-labels" => backtest_pass(&policy, &buf, None),
            "replay" => replay_pass(&policy, &buf),
            other => panic!("SHRIKE_BENCH_ONLY is decide, replay, backtest or backtest-no-labels, not {other}"),
        };
        println!("{only}: {n}");
        return;
    }
    mode.announce("backtest");
    println!("reference policy over {} generated events, {} labelled fraud", lines.len(), labels.frauds());
    let mut secs: [Vec<f64>; 5] = Default::default();
    for run in 0..=mode.runs {
        // The passes take turns, so interference lands on all of them alike.
        let times = [
            once(|| decide_pass(&policy, &lines)).1,
            once(|| replay_pass(&policy, &buf)).1,
            once(|| backtest_pass(&policy, &buf, None)).1,
            once(|| backtest_pass(&policy, &buf, Some(with_labels))).1,
            once(|| export_pass(&policy, &buf, with_labels)).1,
        ];
        if run > 0 {
            secs.iter_mut().zip(times).for_each(|(v, t)| v.push(t));
        }
    }
    let n = lines.len() as u64;
    let [decide, replayed, bare, labelled, export] = secs.map(Timing::from_runs);
    decide.report("decide (incl. parse)", n, "event");
    replayed.report("replay, decisions dropped", n, "event");
    bare.report("backtest, no labels", n, "event");
    labelled.report("backtest, labels 30 days late", n, "event");
    export.report("export CSV, every feature", n, "event");
    let over = |t: &Timing| (t.fastest() - decide.fastest()) * 1e9 / n as f64;
    println!(
        "==> backtest overhead over decide (fastest runs): {:.0} ns/event without labels, {:.0} ns/event with labels; backtest {:.0} events/s (median)",
        over(&bare),
        over(&labelled),
        n as f64 / labelled.median()
    );
}
