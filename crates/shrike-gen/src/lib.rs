//! # shrike-gen
//!
//! A seeded synthetic marketplace event stream with planted, labelled fraud, for tests,
//! demos and benchmarks (`shrike gen --events N --seed S --out EVENTS.jsonl --labels
//! LABELS.jsonl`). The world model, every pattern and every rate are in docs/generator.md.
//!
//! Invariants:
//! - Same [`GenConfig`] → byte-identical events and labels, on every platform: one
//!   hand-written PRNG, integer money and time, ordered containers only, no float output.
//! - Events come out in nondecreasing timestamp order except about [`LATE_SHARE`] of them,
//!   delivered late; a late event is never more than [`MAX_LATENESS_MS`] older than the
//!   newest event before it.
//! - Memory is bounded by the (capped) population and the sessions and episodes in
//!   flight, never by the stream length.
//! - Every event of a planted episode is labelled with its pattern; honest events are not.

mod calib;
mod config;
mod digits;
mod draft;
mod flows;
mod fraud;
mod generator;
mod honest;
mod queue;
mod render;
mod rng;
mod world;

use std::io::{self, BufWriter, Write};

pub use config::{DEFAULT_START, GenConfig, GenSummary, Generated, Label, MAX_FRAUD_RATE, Pattern};
pub use generator::Generator;
pub use queue::{LATE_SHARE, MAX_LATENESS_MS};

/// Output buffer per stream.
const WRITE_BUFFER: usize = 1 << 16;

/// Generates the stream for `cfg`, writing events and labels as JSON lines.
pub fn write_stream(cfg: &GenConfig, events: impl Write, labels: impl Write) -> io::Result<GenSummary> {
    let mut events = BufWriter::with_capacity(WRITE_BUFFER, events);
    let mut labels = BufWriter::with_capacity(WRITE_BUFFER, labels);
    let mut generator = Generator::new(cfg.clone());
    for g in generator.by_ref() {
        events.write_all(g.json.as_bytes())?;
        events.write_all(b"\n")?;
        if let Some(label) = g.label {
            labels.write_all(label.to_json().as_bytes())?;
            labels.write_all(b"\n")?;
        }
    }
    events.flush()?;
    labels.flush()?;
    Ok(generator.summary())
}
