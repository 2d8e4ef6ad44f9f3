//! Engine benchmarks on one core: parsing (the parser tests' event fixtures and a generated
//! stream), a features-only pass and a full `decide` pass of the reference policy over the
//! stream, and compiling the reference policy. Passes over the stream include parsing, as
//! `shrike bench` does; "rules" is the difference between the decide and features passes.

use std::hint::black_box;
use std::sync::Arc;

use shrike_bench::fixture::{self, FULL_EVENT, REFERENCE_POLICY, TYPICAL_EVENT};
use shrike_bench::harness::{Mode, Timing, measure, once};
use shrike_dsl::CompiledPolicy;
use shrike_types::Outcome;
use shrike_types::parse::parse_event;

/// Stream length of a benchmark run and of a smoke run.
const EVENTS: (u64, u64) = (200_000, 2_000);
/// Parses of one fixture event per timed run.
const FIXTURE_REPS: u64 = 20_000;
/// Compilations of the reference policy per timed run.
const COMPILE_REPS: u64 = 200;

fn main() {
    let mode = Mode::from_args();
    mode.announce("engine");
    let policy = fixture::reference_policy();
    let lines = fixture::generate(mode.events(EVENTS.0, EVENTS.1));
    let (features, rules) = (policy.features.len(), policy.rules.len());
    println!(
        "reference policy: {features} features, {rules} rules; {} generated events, seed {}",
        lines.len(),
        fixture::SEED
    );
    parse_fixture(mode, "parse/fixture typical.json", TYPICAL_EVENT);
    parse_fixture(mode, "parse/fixture full.json", FULL_EVENT);
    stream_passes(mode, &policy, &lines);
    print_outcomes(&policy, &lines);
    compile_policy(mode);
}

/// Parse only, parse + features, parse + decide over the stream, each on a fresh engine. The
/// three passes take turns, run after run, so interference from other processes on a shared
/// machine lands on all three alike and their differences stay meaningful.
fn stream_passes(mode: Mode, policy: &Arc<CompiledPolicy>, lines: &[String]) {
    let n = lines.len() as u64;
    let mut secs: [Vec<f64>; 3] = Default::default();
    for run in 0..=mode.runs {
        let (mut engine, _) = fixture::memory_engine(Arc::clone(policy));
        let (fresh, clock) = fixture::memory_engine(Arc::clone(policy));
        let times = [
            once(|| parse_stream(lines)).1,
            once(|| {
                lines.iter().for_each(|l| {
                    black_box(engine.features_only(&fixture::parse(l)));
                })
            })
            .1,
            once(|| decide_stream(fresh, &clock, lines)).1,
        ];
        // Run 0 is the warm-up.
        if run > 0 {
            secs.iter_mut().zip(times).for_each(|(v, t)| v.push(t));
        }
    }
    let [parse, features, decide] = secs.map(Timing::from_runs);
    parse.report("parse/stream", n, "event");
    features.report("features_only/stream (incl. parse)", n, "event");
    decide.report("decide/stream (incl. parse)", n, "event");
    print_split(&parse, &features, &decide, n);
}

fn compile_policy(mode: Mode) {
    let reps = if mode.full { COMPILE_REPS } else { 5 };
    let models = shrike_engine::model_files::ModelDir::new(fixture::REFERENCE_DIR);
    let compiles =
        || (0..reps).filter(|_| shrike_dsl::compile_with(black_box(REFERENCE_POLICY), &models).is_ok()).count();
    measure(mode.runs, || (), |()| compiles()).report("compile/reference policy", reps, "compile");
}

fn parse_fixture(mode: Mode, name: &str, json: &str) {
    fixture::parse(json);
    let reps = if mode.full { FIXTURE_REPS } else { 100 };
    let t =
        measure(mode.runs, || (), |()| (0..reps).filter(|_| parse_event(black_box(json.as_bytes())).is_ok()).count());
    t.report(name, reps, "event");
}

fn parse_stream(lines: &[String]) -> usize {
    lines.iter().filter(|l| parse_event(l.as_bytes()).is_ok()).count()
}

/// Decides every line; returns the number of non-allow outcomes so the work is observable.
fn decide_stream(
    mut engine: shrike_engine::Engine<shrike_features::MemoryStore>,
    clock: &shrike_types::clock::ManualClock,
    lines: &[String],
) -> usize {
    let mut flagged = 0;
    for line in lines {
        let event = fixture::parse(line);
        clock.set(event.timestamp);
        flagged += usize::from(engine.decide(&event).outcome != Outcome::Allow);
    }
    flagged
}

/// The decide pass split by differences between passes, of their fastest runs: interference
/// only ever adds time, so the fastest runs are the least disturbed.
fn print_split(parse: &Timing, features: &Timing, decide: &Timing, n: u64) {
    let ns = |t: &Timing| t.fastest() * 1e9 / n as f64;
    let (p, f, d) = (ns(parse), ns(features), ns(decide));
    println!(
        "split of decide (fastest runs): parse {p:.0} + features {:.0} + rules and decision {:.0} = {d:.0} ns/event",
        (f - p).max(0.0),
        (d - f).max(0.0)
    );
    println!(
        "==> decide throughput: {:.0} events/s on one core (median run; fastest {:.0})",
        n as f64 / decide.median(),
        n as f64 / decide.fastest()
    );
}

/// One untimed pass, to show the stream exercises the rules rather than allowing everything.
fn print_outcomes(policy: &Arc<CompiledPolicy>, lines: &[String]) {
    let (mut engine, clock) = fixture::memory_engine(Arc::clone(policy));
    let mut counts = [0u64; 4];
    for line in lines {
        let event = fixture::parse(line);
        clock.set(event.timestamp);
        let outcome = engine.decide(&event).outcome;
        counts[Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0)] += 1;
    }
    let parts: Vec<String> = Outcome::ALL.iter().zip(counts).map(|(o, c)| format!("{} {c}", o.name())).collect();
    println!("outcomes of the stream: {}", parts.join(", "));
}
