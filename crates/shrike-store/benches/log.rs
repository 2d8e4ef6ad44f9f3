//! Command-log benchmark (`cargo bench -p shrike-store`): the cost of durability on this disk.
//!
//! Figures, for ~350-byte records (an event command):
//! - `fdatasync`: latency of one fdatasync after appending one record (p50 / p99 / max);
//! - `write only`: appends with one `write` per batch and no sync;
//! - `sync each batch`: one thread appends a batch, then waits for its fdatasync;
//! - `group commit`: the service's shape — the writer thread appends batches and hands each
//!   end to a syncer thread (`SyncHandle::sync_to`) without waiting; reported with the
//!   acknowledgement latency (append → durable) and how many records one fdatasync covered;
//! - `paced`: the same at a fixed offered rate, the writer appending everything that has
//!   "arrived" as one batch (as the engine thread draining its queue would); latency is from
//!   each record's arrival to its acknowledgement.
//!
//! Without `--bench` (`cargo test --all-targets`) it runs in smoke mode: tiny counts, figures
//! not meaningful. `--dir PATH` puts the log on another disk (default: under `target/tmp`,
//! which is the disk the service's `./data` would be on).

#![allow(clippy::unwrap_used)] // a benchmark: any failure aborts it

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use shrike_store::{CommandLog, DataDir, LogOptions, LogPos};
use shrike_types::clock::Stopwatch;

const RECORD_BYTES: usize = 350;
const BATCH_SIZES: [usize; 4] = [1, 16, 256, 1024];
/// Batches in flight between the writer and the syncer in the group-commit figure.
const SYNC_QUEUE: usize = 1024;
/// Offered rates of the paced figure, records per second.
const PACED_RATES: [f64; 4] = [1_000.0, 10_000.0, 50_000.0, 200_000.0];

struct Mode {
    dir: PathBuf,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let dir = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("shrike-store-bench"), PathBuf::from);
    let mode = Mode { dir };
    let kind = if full { "benchmark" } else { "smoke run (no --bench): figures are not meaningful" };
    println!("shrike-store log: {kind}; {RECORD_BYTES}-byte records, log in {}", mode.dir.display());
    fsync_latency(&mode, if full { 2_000 } else { 20 });
    for batch in BATCH_SIZES {
        write_only(&mode, batch, if full { 200_000 } else { 2_000 });
    }
    for batch in BATCH_SIZES {
        sync_each_batch(&mode, batch, if full { 400 } else { 4 });
    }
    for batch in BATCH_SIZES {
        group_commit(&mode, batch, if full { 200_000 } else { 2_000 });
    }
    for rate in PACED_RATES {
        paced(&mode, rate, if full { 3.0 } else { 0.05 });
    }
}

/// A fresh log in `mode.dir`; the directory is removed first.
fn fresh_log(mode: &Mode) -> CommandLog {
    let _ = std::fs::remove_dir_all(&mode.dir);
    let data = DataDir::open(&mode.dir).unwrap();
    CommandLog::open(&data, LogOptions::default()).unwrap().0
}

fn record() -> Vec<u8> {
    (0..RECORD_BYTES).map(|i| (i * 31 % 251) as u8).collect()
}

fn append(log: &mut CommandLog, batch: usize, payload: &[u8]) -> LogPos {
    log.append_batch(std::iter::repeat_n((1u8, payload), batch)).unwrap().end
}

fn fsync_latency(mode: &Mode, samples: usize) {
    let mut log = fresh_log(mode);
    let payload = record();
    let mut nanos: Vec<u64> = (0..samples)
        .map(|_| {
            append(&mut log, 1, &payload);
            let watch = Stopwatch::start();
            log.sync().unwrap();
            watch.elapsed_nanos()
        })
        .collect();
    println!("{:<34} {}  ({samples} samples)", "fdatasync after a 1-record append", percentiles(&mut nanos));
    cleanup(&mode.dir);
}

fn write_only(mode: &Mode, batch: usize, records: usize) {
    let mut log = fresh_log(mode);
    let payload = record();
    let watch = Stopwatch::start();
    for _ in 0..records / batch {
        append(&mut log, batch, &payload);
    }
    let secs = watch.elapsed_secs_f64();
    report(&format!("write only, batch {batch}"), records / batch * batch, secs, "");
    cleanup(&mode.dir);
}

fn sync_each_batch(mode: &Mode, batch: usize, batches: usize) {
    let mut log = fresh_log(mode);
    let payload = record();
    let watch = Stopwatch::start();
    for _ in 0..batches {
        append(&mut log, batch, &payload);
        log.sync().unwrap();
    }
    let secs = watch.elapsed_secs_f64();
    report(&format!("sync each batch, batch {batch}"), batches * batch, secs, &format!("{batches} fdatasyncs"));
    cleanup(&mode.dir);
}

fn group_commit(mode: &Mode, batch: usize, records: usize) {
    let mut log = fresh_log(mode);
    let payload = record();
    let handle = log.sync_handle();
    let (to_syncer, batches) = mpsc::sync_channel::<(LogPos, Stopwatch)>(SYNC_QUEUE);
    let syncer = std::thread::spawn(move || {
        let mut latencies = Vec::new();
        for (end, appended) in batches {
            handle.sync_to(end).unwrap();
            latencies.push(appended.elapsed_nanos());
        }
        (latencies, handle.syncs())
    });
    let watch = Stopwatch::start();
    for _ in 0..records / batch {
        let started = Stopwatch::start();
        let end = append(&mut log, batch, &payload);
        to_syncer.send((end, started)).unwrap();
    }
    drop(to_syncer);
    let (mut latencies, syncs) = syncer.join().unwrap();
    let secs = watch.elapsed_secs_f64();
    let total = records / batch * batch;
    let extra = format!(
        "ack {}; {syncs} fdatasyncs, {:.0} records each",
        percentiles(&mut latencies),
        total as f64 / syncs.max(1) as f64
    );
    report(&format!("group commit, batch {batch}"), total, secs, &extra);
    cleanup(&mode.dir);
}

/// Group commit at `rate` records/s for `secs`: each loop appends, as one batch, the records
/// due by now, and hands the batch to the syncer.
fn paced(mode: &Mode, rate: f64, secs: f64) {
    let mut log = fresh_log(mode);
    let payload = record();
    let handle = log.sync_handle();
    let clock = Stopwatch::start();
    let (to_syncer, batches) = mpsc::sync_channel::<(LogPos, LogPos)>(SYNC_QUEUE);
    let syncer = std::thread::spawn(move || {
        let mut latencies = Vec::new();
        for (first, end) in batches {
            handle.sync_to(end).unwrap();
            let now = clock.elapsed_nanos();
            latencies.extend((first.0..end.0).map(|i| now.saturating_sub((i as f64 / rate * 1e9) as u64)));
        }
        (latencies, handle.syncs())
    });
    let total = (rate * secs) as u64;
    while log.end().0 < total {
        let due = ((clock.elapsed_secs_f64() * rate) as u64).min(total);
        if due <= log.end().0 {
            std::thread::sleep(std::time::Duration::from_micros(20));
            continue;
        }
        let first = log.end();
        let end = append(&mut log, (due - first.0) as usize, &payload);
        to_syncer.send((first, end)).unwrap();
    }
    drop(to_syncer);
    let (mut latencies, syncs) = syncer.join().unwrap();
    let elapsed = clock.elapsed_secs_f64();
    let per_sync = total as f64 / syncs.max(1) as f64;
    println!(
        "{:<34} ack {}; {:.0} fdatasyncs/s, {per_sync:.1} records each",
        format!("paced {rate:.0} records/s"),
        percentiles(&mut latencies),
        syncs as f64 / elapsed,
    );
    cleanup(&mode.dir);
}

fn report(name: &str, records: usize, secs: f64, extra: &str) {
    let per_sec = records as f64 / secs;
    let mib = per_sec * (RECORD_BYTES + shrike_store::FRAME_HEADER_BYTES) as f64 / (1024.0 * 1024.0);
    println!("{name:<34} {per_sec:>12.0} records/s  {mib:>7.1} MiB/s  {extra}");
}

/// `p50 / p99 / max` of nanosecond samples, in microseconds.
fn percentiles(nanos: &mut [u64]) -> String {
    nanos.sort_unstable();
    let at = |q: f64| nanos.get(((nanos.len() as f64 * q) as usize).min(nanos.len().saturating_sub(1))).copied();
    let us = |v: Option<u64>| v.map_or(0.0, |n| n as f64 / 1000.0);
    format!("p50 {:.0} µs / p99 {:.0} µs / max {:.0} µs", us(at(0.5)), us(at(0.99)), us(nanos.last().copied()))
}

fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
