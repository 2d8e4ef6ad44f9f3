//! A small benchmark harness: a warm-up run, then repeated timed runs; figures are the median
//! with the fastest and slowest run beside it, one aligned line per figure.
//!
//! `cargo bench` passes `--bench` to a `harness = false` target. Without it (`cargo test
//! --benches`, `cargo test --all-targets`) a target runs in smoke mode: small inputs and one
//! run, so its assertions still execute but nothing takes long.
//!
//! Flags after `--` (`cargo bench -p shrike-bench --bench zen -- --events 500000`):
//! `--events N` (stream length) and `--runs N` (timed runs per figure). Other arguments, such
//! as a benchmark-name filter, are ignored.

use std::hint::black_box;

use shrike_types::clock::Stopwatch;

/// Timed runs per figure in a benchmark run, unless `--runs` says otherwise.
pub const DEFAULT_RUNS: usize = 7;

/// How a bench target was invoked.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    /// `--bench` was given: full sizes, [`DEFAULT_RUNS`] runs.
    pub full: bool,
    /// Timed runs per figure.
    pub runs: usize,
    events: Option<u64>,
}

impl Mode {
    /// Reads the process arguments.
    pub fn from_args() -> Mode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let full = args.iter().any(|a| a == "--bench");
        let runs = flag(&args, "--runs").map_or(if full { DEFAULT_RUNS } else { 1 }, |n| n.max(1) as usize);
        Mode { full, runs, events: flag(&args, "--events") }
    }

    /// The stream length: `--events`, else `full` in a benchmark run and `smoke` otherwise.
    pub fn events(&self, full: u64, smoke: u64) -> u64 {
        self.events.unwrap_or(if self.full { full } else { smoke })
    }

    /// Prints what is being run, so a log says how its figures were obtained.
    pub fn announce(&self, target: &str) {
        let kind = if self.full { "benchmark" } else { "smoke run (no --bench): figures are not meaningful" };
        println!("shrike-bench {target}: {kind}; median of {} run(s) after one warm-up, [fastest slowest]", self.runs);
    }
}

fn flag(args: &[String], name: &str) -> Option<u64> {
    let pos = args.iter().position(|a| a == name)?;
    let value = args.get(pos + 1)?;
    Some(value.parse().unwrap_or_else(|_| panic!("{name} takes a whole number, not `{value}`")))
}

/// Seconds of each timed run, sorted.
#[derive(Clone, Debug)]
pub struct Timing {
    secs: Vec<f64>,
}

impl Timing {
    /// A timing from the seconds of each run (at least one).
    pub fn from_runs(mut secs: Vec<f64>) -> Timing {
        assert!(!secs.is_empty(), "a timing needs at least one run");
        secs.sort_by(f64::total_cmp);
        Timing { secs }
    }

    pub fn median(&self) -> f64 {
        self.secs[self.secs.len() / 2]
    }

    pub fn fastest(&self) -> f64 {
        self.secs[0]
    }

    pub fn slowest(&self) -> f64 {
        self.secs[self.secs.len() - 1]
    }

    /// Median nanoseconds per item, for `items` items per run.
    pub fn ns_per(&self, items: u64) -> f64 {
        self.median() * 1e9 / items.max(1) as f64
    }

    /// Prints `name`, ns per item (median, fastest, slowest) and items per second.
    pub fn report(&self, name: &str, items: u64, unit: &str) {
        let ns = |secs: f64| secs * 1e9 / items.max(1) as f64;
        let per_sec = items as f64 / self.median();
        println!(
            "{name:<34} {:>10.1} ns/{unit}  [{:>9.1} {:>9.1}]  {:>12.0} {unit}/s  ({items} {unit} per run)",
            ns(self.median()),
            ns(self.fastest()),
            ns(self.slowest()),
            per_sec,
        );
    }
}

/// Runs `setup` then `routine` once as a warm-up and `runs` more times, timing only `routine`.
pub fn measure<S, T>(runs: usize, mut setup: impl FnMut() -> S, mut routine: impl FnMut(S) -> T) -> Timing {
    black_box(routine(setup()));
    let secs = (0..runs.max(1))
        .map(|_| {
            let input = setup();
            once(|| routine(black_box(input))).1
        })
        .collect();
    Timing::from_runs(secs)
}

/// Like [`measure`] for a routine that times itself (returns the seconds that count): one
/// warm-up call, then `runs` calls.
pub fn measure_timed(runs: usize, mut routine: impl FnMut() -> f64) -> Timing {
    black_box(routine());
    Timing::from_runs((0..runs.max(1)).map(|_| routine()).collect())
}

/// Seconds `pass` takes over `items`, chunk by chunk, each chunk timed right after an
/// untimed pass over it: the figure of work whose data is cache-resident, as a decision's
/// data is in the engine (just parsed, features just read), without the memory latency of
/// replaying a large buffer.
pub fn time_warm_chunks<T, R>(items: &[T], chunk: usize, mut pass: impl FnMut(&[T]) -> R) -> f64 {
    let mut secs = 0.0;
    for part in items.chunks(chunk.max(1)) {
        black_box(pass(part));
        let watch = Stopwatch::start();
        black_box(pass(black_box(part)));
        secs += watch.elapsed_secs_f64();
    }
    secs
}

/// Runs `f` once; returns its result and the seconds it took.
pub fn once<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let watch = Stopwatch::start();
    let out = black_box(f());
    (out, watch.elapsed_secs_f64())
}
