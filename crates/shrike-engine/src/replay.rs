//! The replay loop: JSON lines in, decisions out, through the same [`Engine::decide`] as live
//! traffic. Bad lines are reported with their line number and skipped; nothing else stops.

use std::io::{self, BufRead};

use shrike_features::FeatureStore;
use shrike_types::Decision;
use shrike_types::clock::{ManualClock, Stopwatch};
use shrike_types::limits::MAX_EVENT_BYTES;
use shrike_types::parse::{EventError, parse_event};

use crate::Engine;

/// What a replay did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReplaySummary {
    pub lines: u64,
    pub decisions: u64,
    pub bad_lines: u64,
    pub elapsed_secs: f64,
    pub events_per_sec: f64,
}

/// A bad input line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct LineError {
    pub line: u64,
    pub error: EventError,
}

/// Callbacks of a replay.
pub trait ReplaySink {
    fn decision(&mut self, decision: &Decision) -> io::Result<()>;
    fn bad_line(&mut self, error: LineError);
    /// Called every [`PROGRESS_EVERY`] lines.
    fn progress(&mut self, _lines: u64) {}
}

/// How often [`ReplaySink::progress`] is called.
pub const PROGRESS_EVERY: u64 = 65_536;

/// Lines read and decided together: [`Engine::decide_batch`] prefetches within a batch.
pub const REPLAY_BATCH: usize = 256;

/// Replays every line of `input`. With a `clock`, it is set to each event's time first, so
/// `evaluated_at` equals the event time and the output is deterministic. Decisions and bad
/// lines reach `sink` in input order.
pub fn replay<S: FeatureStore>(
    engine: &mut Engine<S>,
    mut input: impl BufRead,
    clock: Option<&ManualClock>,
    sink: &mut impl ReplaySink,
) -> io::Result<ReplaySummary> {
    let watch = Stopwatch::start();
    let mut summary = ReplaySummary::default();
    let mut bufs: Vec<Vec<u8>> = (0..REPLAY_BATCH).map(|_| Vec::with_capacity(1024)).collect();
    loop {
        let mut n = 0;
        while n < REPLAY_BATCH && read_line_bounded(&mut input, &mut bufs[n])? {
            n += 1;
        }
        if n == 0 {
            break;
        }
        let first_line = summary.lines + 1;
        replay_batch(engine, &bufs[..n], first_line, clock, sink, &mut summary)?;
        let before = summary.lines;
        summary.lines += n as u64;
        if summary.lines / PROGRESS_EVERY > before / PROGRESS_EVERY {
            sink.progress(summary.lines);
        }
    }
    summary.elapsed_secs = watch.elapsed_secs_f64();
    summary.events_per_sec = summary.decisions as f64 / summary.elapsed_secs.max(1e-9);
    Ok(summary)
}

/// Parses and decides one batch of lines, numbered from `first_line`. A bad line first
/// flushes the events parsed before it, so the sink sees everything in input order.
fn replay_batch<S: FeatureStore>(
    engine: &mut Engine<S>,
    lines: &[Vec<u8>],
    first_line: u64,
    clock: Option<&ManualClock>,
    sink: &mut impl ReplaySink,
    summary: &mut ReplaySummary,
) -> io::Result<()> {
    let mut events = Vec::with_capacity(lines.len());
    let mut result = Ok(());
    for (i, buf) in lines.iter().enumerate() {
        let line = trim_line(buf);
        if line.is_empty() {
            continue;
        }
        match parse_event(line) {
            Ok(event) => events.push(event),
            Err(error) => {
                flush(engine, &mut events, clock, sink, summary, &mut result);
                summary.bad_lines += 1;
                sink.bad_line(LineError { line: first_line + i as u64, error });
            }
        }
    }
    flush(engine, &mut events, clock, sink, summary, &mut result);
    result
}

/// Decides the events parsed so far; keeps the sink's first error in `result`.
fn flush<S: FeatureStore>(
    engine: &mut Engine<S>,
    events: &mut Vec<shrike_types::Event<'_>>,
    clock: Option<&ManualClock>,
    sink: &mut impl ReplaySink,
    summary: &mut ReplaySummary,
    result: &mut io::Result<()>,
) {
    engine.decide_batch(events, clock, |_, d| {
        summary.decisions += 1;
        if result.is_ok() {
            *result = sink.decision(&d);
        }
    });
    events.clear();
}

fn trim_line(buf: &[u8]) -> &[u8] {
    let end = buf.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    &buf[..end]
}

/// Reads one line into `buf`; returns false at end of input. A line longer than
/// [`MAX_EVENT_BYTES`] is cut there (and so fails to parse with a size error) while the rest
/// of it is discarded, so memory stays bounded.
pub fn read_line_bounded(input: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    let limit = MAX_EVENT_BYTES as u64 + 1;
    let n = io::Read::take(&mut *input, limit).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(false);
    }
    if buf.len() as u64 == limit && buf.last() != Some(&b'\n') {
        let mut sink = Vec::new();
        loop {
            sink.clear();
            let m = io::Read::take(&mut *input, 64 * 1024).read_until(b'\n', &mut sink)?;
            if m == 0 || sink.last() == Some(&b'\n') {
                break;
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_skipped() {
        let mut data = vec![b'x'; MAX_EVENT_BYTES * 2];
        data.extend_from_slice(b"\n{}\n");
        let mut input = io::Cursor::new(data);
        let mut buf = Vec::new();
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!(buf.len(), MAX_EVENT_BYTES + 1);
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!(buf, b"{}\n");
        assert!(!read_line_bounded(&mut input, &mut buf).unwrap());
    }
}
