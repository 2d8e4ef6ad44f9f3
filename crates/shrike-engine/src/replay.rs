//! The replay loop: JSON lines in, decisions out, through the same [`Engine::decide`] as live
//! traffic. Bad lines are reported with their line number and skipped; nothing else stops.

use std::io::{self, BufRead};

use shrike_features::FeatureStore;
use shrike_types::clock::{ManualClock, Stopwatch};
use shrike_types::limits::MAX_EVENT_BYTES;
use shrike_types::parse::{EventError, parse_event_into};
use shrike_types::{Decision, Event};

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

/// Callbacks of a replay that needs the engine around each event (backtests, exports): the
/// same loop as [`replay`], with the engine in reach.
pub trait ReplayHooks<S: FeatureStore> {
    /// Called before `event` is decided (and before the clock is set to its time), e.g. to
    /// decide on the same engine the events that became known before it, such as labels.
    fn before(&mut self, _engine: &mut Engine<S>, _event: &Event<'_>) -> io::Result<()> {
        Ok(())
    }
    /// Called after `event` is decided, while the engine still holds its feature values.
    fn decided(&mut self, engine: &Engine<S>, event: &Event<'_>, decision: &Decision) -> io::Result<()>;
    fn bad_line(&mut self, error: LineError);
    /// Called every [`PROGRESS_EVERY`] lines.
    fn progress(&mut self, _lines: u64) {}
}

/// Lines read and decided together: [`Engine::decide_batch_hooked`] prefetches within a batch.
pub const REPLAY_BATCH: usize = 256;

/// Replays every line of `input`. With a `clock`, it is set to each event's time first, so
/// `evaluated_at` equals the event time and the output is deterministic. Decisions and bad
/// lines reach `sink` in input order.
pub fn replay<S: FeatureStore>(
    engine: &mut Engine<S>,
    input: impl BufRead,
    clock: Option<&ManualClock>,
    sink: &mut impl ReplaySink,
) -> io::Result<ReplaySummary> {
    replay_with(engine, input, clock, &mut SinkHooks(sink))
}

/// [`replay`] with [`ReplayHooks`] around each decision. Lines are decided
/// [`REPLAY_BATCH`] at a time through the same batched path as `replay`, so hooks see
/// exactly what `Engine::decide` on each event would give.
pub fn replay_with<S: FeatureStore>(
    engine: &mut Engine<S>,
    mut input: impl BufRead,
    clock: Option<&ManualClock>,
    hooks: &mut impl ReplayHooks<S>,
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
        replay_batch(engine, &bufs[..n], first_line, clock, hooks, &mut summary)?;
        let before = summary.lines;
        summary.lines += n as u64;
        if summary.lines / PROGRESS_EVERY > before / PROGRESS_EVERY {
            hooks.progress(summary.lines);
        }
    }
    summary.elapsed_secs = watch.elapsed_secs_f64();
    summary.events_per_sec = summary.decisions as f64 / summary.elapsed_secs.max(1e-9);
    Ok(summary)
}

/// Parses and decides one batch of lines, numbered from `first_line`. A bad line first
/// flushes the events parsed before it, so the hooks see everything in input order.
fn replay_batch<S: FeatureStore>(
    engine: &mut Engine<S>,
    lines: &[Vec<u8>],
    first_line: u64,
    clock: Option<&ManualClock>,
    hooks: &mut impl ReplayHooks<S>,
    summary: &mut ReplaySummary,
) -> io::Result<()> {
    let mut events = Vec::with_capacity(lines.len());
    for (i, buf) in lines.iter().enumerate() {
        let line = trim_line(buf);
        if line.is_empty() {
            continue;
        }
        match parse_event_into(line, &mut events) {
            Ok(()) => {}
            Err(error) => {
                flush(engine, &mut events, clock, hooks, summary)?;
                summary.bad_lines += 1;
                hooks.bad_line(LineError { line: first_line + i as u64, error });
            }
        }
    }
    flush(engine, &mut events, clock, hooks, summary)
}

/// Decides the events parsed so far through the hooks; stops at the first hook error.
fn flush<S: FeatureStore>(
    engine: &mut Engine<S>,
    events: &mut Vec<Event<'_>>,
    clock: Option<&ManualClock>,
    hooks: &mut impl ReplayHooks<S>,
    summary: &mut ReplaySummary,
) -> io::Result<()> {
    // Both callbacks reach the hooks and the first error: shared through a `RefCell`
    // (they never run at the same time).
    let shared = std::cell::RefCell::new((Ok(()), hooks));
    engine.decide_batch_hooked(
        events,
        clock,
        |engine, event| {
            let (result, hooks) = &mut *shared.borrow_mut();
            if result.is_ok() {
                *result = hooks.before(engine, event);
            }
        },
        |engine, event, d| {
            summary.decisions += 1;
            let (result, hooks) = &mut *shared.borrow_mut();
            if result.is_ok() {
                *result = hooks.decided(engine, event, &d);
            }
        },
    );
    events.clear();
    shared.into_inner().0
}

/// A [`ReplaySink`] seen as hooks that do not need the engine.
struct SinkHooks<'a, K>(&'a mut K);

impl<S: FeatureStore, K: ReplaySink> ReplayHooks<S> for SinkHooks<'_, K> {
    fn decided(&mut self, _: &Engine<S>, _: &Event<'_>, decision: &Decision) -> io::Result<()> {
        self.0.decision(decision)
    }

    fn bad_line(&mut self, error: LineError) {
        self.0.bad_line(error);
    }

    fn progress(&mut self, lines: u64) {
        self.0.progress(lines);
    }
}

fn trim_line(buf: &[u8]) -> &[u8] {
    let end = buf.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    &buf[..end]
}

/// Reads one line into `buf`; returns false at end of input. A line longer than
/// [`MAX_EVENT_BYTES`] is cut there (and so fails to parse with a size error) while the rest
/// of it is discarded, so memory stays bounded. Lines are found with `memchr` in the reader's
/// buffer: `read_until`'s portable byte search cost about 500 instructions per 1 KiB event.
pub fn read_line_bounded(input: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    let limit = MAX_EVENT_BYTES + 1;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(!buf.is_empty());
        }
        let room = &chunk[..chunk.len().min(limit - buf.len())];
        if let Some(i) = memchr::memchr(b'\n', room) {
            buf.extend_from_slice(&room[..=i]);
            input.consume(i + 1);
            return Ok(true);
        }
        let n = room.len();
        buf.extend_from_slice(room);
        input.consume(n);
        if buf.len() == limit {
            skip_line(input)?;
            return Ok(true);
        }
    }
}

/// Discards input up to and including the next newline.
fn skip_line(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', chunk) {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = chunk.len();
                input.consume(n);
            }
        }
    }
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

    #[test]
    fn lines_span_reader_buffers_and_the_last_needs_no_newline() {
        let mut data = vec![b'a'; 100];
        data.push(b'\n');
        data.extend_from_slice(&vec![b'b'; MAX_EVENT_BYTES]); // exactly the limit, then a newline
        data.extend_from_slice(b"\nlast");
        let mut input = io::BufReader::with_capacity(7, io::Cursor::new(data));
        let mut buf = Vec::new();
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!(buf.len(), 101);
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!((buf.len(), buf.last()), (MAX_EVENT_BYTES + 1, Some(&b'\n')));
        assert!(read_line_bounded(&mut input, &mut buf).unwrap());
        assert_eq!(buf, b"last");
        assert!(!read_line_bounded(&mut input, &mut buf).unwrap());
    }
}
