//! Engine benchmarks on one core: parsing (the parser tests' event fixtures and a generated
//! stream), a features-only pass and a full `decide` pass of the reference policy over the
//! stream, and compiling the reference policy. Passes over the stream include parsing, as
//! `shrike bench` does; "rules" is the difference between the decide and features passes.

use std::hint::black_box;
use std::sync::Arc;

use shrike_bench::fixture::{self, FULL_EVENT, REFERENCE_POLICY, TYPICAL_EVENT};
use shrike_bench::harness::{Mode, Timing, measure};
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
    let n = lines.len() as u64;
    println!(
        "reference policy: {} features, {} rules; stream of {n} generated events, seed {}",
        policy.features.len(),
        policy.rules.len(),
        fixture::SEED
    );
    parse_fixture(mode, "parse/fixture typical.json", TYPICAL_EVENT);
    parse_fixture(mode, "parse/fixture full.json", FULL_EVENT);
    let parse = measure(mode.runs, || (), |()| parse_stream(&lines));
    parse.report("parse/stream", n, "event");
    let features = measure(
        mode.runs,
        || fixture::memory_engine(Arc::clone(&policy)),
        |(mut engine, _)| {
            lines
                .iter()
                .for_each(|l| engine.features_only(&fixture::parse(l)));
        },
    );
    features.report("features_only/stream (incl. parse)", n, "event");
    let decide = measure(
        mode.runs,
        || fixture::memory_engine(Arc::clone(&policy)),
        |(engine, clock)| decide_stream(engine, &clock, &lines),
    );
    decide.report("decide/stream (incl. parse)", n, "event");
    print_split(&parse, &features, &decide, n);
    print_outcomes(&policy, &lines);
    let compile = measure(
        mode.runs,
        || (),
        |()| {
            (0..COMPILE_REPS)
                .map(|_| shrike_dsl::compile(black_box(REFERENCE_POLICY)).is_ok())
                .filter(|ok| *ok)
                .count()
        },
    );
    compile.report("compile/reference policy", COMPILE_REPS, "compile");
}

fn parse_fixture(mode: Mode, name: &str, json: &str) {
    fixture::parse(json);
    let reps = if mode.full { FIXTURE_REPS } else { 100 };
    let t = measure(
        mode.runs,
        || (),
        |()| {
            (0..reps)
                .filter(|_| parse_event(black_box(json.as_bytes())).is_ok())
                .count()
        },
    );
    t.report(name, reps, "event");
}

fn parse_stream(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| parse_event(l.as_bytes()).is_ok())
        .count()
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

fn print_split(parse: &Timing, features: &Timing, decide: &Timing, n: u64) {
    let (p, f, d) = (parse.ns_per(n), features.ns_per(n), decide.ns_per(n));
    println!(
        "split of decide (medians): parse {p:.0} ns + features {:.0} ns + rules and decision {:.0} ns = {d:.0} ns/event",
        (f - p).max(0.0),
        (d - f).max(0.0)
    );
    println!("==> decide throughput: {:.0} events/s on one core", 1e9 / d);
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
    let parts: Vec<String> = Outcome::ALL
        .iter()
        .zip(counts)
        .map(|(o, c)| format!("{} {c}", o.name()))
        .collect();
    println!("outcomes of the stream: {}", parts.join(", "));
}
