//! Test helper for `tests/crash.rs` (not a user tool): appends records to the log of a data
//! directory with group commit — the writer appends batches, a syncer thread calls `sync_to`
//! — and prints `ACK <end>` only after `sync_to(end)` returned, i.e. once records before
//! `end` are acknowledged. The test `kill -9`s it at a random moment and checks that every
//! acknowledged record survived.
//!
//! Usage: `shrike-store-crash-writer DIR SEGMENT_BYTES MAX_RECORDS MAX_SECONDS`. It stops by
//! itself after MAX_RECORDS records or MAX_SECONDS, or when its stdout is closed.

mod payload;

use std::io::Write;
use std::sync::mpsc;

use shrike_store::{CommandLog, DataDir, LogOptions, LogPos, SyncHandle};
use shrike_types::clock::Stopwatch;

/// Batches written but not yet synced: the writer blocks when the syncer is this far behind.
const SYNC_QUEUE: usize = 64;
/// Largest batch the writer appends.
const MAX_BATCH: u64 = 32;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, segment_bytes, max_records, max_secs] = args.as_slice() else {
        return Err("usage: shrike-store-crash-writer DIR SEGMENT_BYTES MAX_RECORDS MAX_SECONDS".into());
    };
    let data = DataDir::open(dir)?;
    let (mut log, recovery) = CommandLog::open(&data, LogOptions { segment_bytes: segment_bytes.parse()? })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "OPEN {}", recovery.end)?;
    out.flush()?;
    drop(out);
    let (to_syncer, batches) = mpsc::sync_channel(SYNC_QUEUE);
    let handle = log.sync_handle();
    let syncer = std::thread::spawn(move || acknowledge(&handle, batches));
    let stop_at = recovery.end.0 + max_records.parse::<u64>()?;
    write(&mut log, stop_at, max_secs.parse()?, &to_syncer)?;
    drop(to_syncer);
    syncer.join().map_err(|_| "syncer panicked")?
}

/// Appends batches of 1..=MAX_BATCH records until `stop_at` or `max_secs`.
fn write(log: &mut CommandLog, stop_at: u64, max_secs: f64, syncer: &mpsc::SyncSender<LogPos>) -> Result<(), Error> {
    let watch = Stopwatch::start();
    let mut rng = log.end().0 | 1;
    while log.end().0 < stop_at && watch.elapsed_secs_f64() < max_secs {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let first = log.end().0;
        let upto = (first + 1 + rng % MAX_BATCH).min(stop_at);
        let payloads: Vec<Vec<u8>> = (first..upto).map(payload::payload).collect();
        let written = log.append_batch(payloads.iter().map(|p| (payload::KIND, p.as_slice())))?;
        if syncer.send(written.end).is_err() {
            break; // the syncer stopped: stdout is gone
        }
    }
    Ok(())
}

/// Syncs each written batch and prints its end once durable.
fn acknowledge(handle: &SyncHandle, batches: mpsc::Receiver<LogPos>) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    for end in batches {
        handle.sync_to(end)?;
        if writeln!(out, "ACK {end}").and_then(|()| out.flush()).is_err() {
            return Ok(());
        }
    }
    Ok(())
}
