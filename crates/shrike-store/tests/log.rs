//! The command log on real files: round trips across segment rolls, batching, positions,
//! truncation after a snapshot, group commit from several threads, the directory lock.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod common;

use std::sync::{Arc, Barrier};

use common::{KIND, check_all, fill, open, payload, segments};
use shrike_store::{CommandLog, DataDir, LockError, LogError, LogOptions, LogPos, MAX_RECORD_BYTES};

#[test]
fn many_records_round_trip_across_segment_rolls() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, recovery) = open(dir.path(), 8 * 1024);
    assert_eq!((recovery.first, recovery.end, recovery.truncated), (LogPos(0), LogPos(0), None));
    fill(&mut log, 3_000, 37);
    assert!(segments(dir.path()).len() > 20, "8 KiB segments roll many times");
    assert_eq!(check_all(&log), 3_000);
    drop(log);
    let (log, recovery) = open(dir.path(), 8 * 1024);
    assert_eq!((recovery.end, recovery.records(), recovery.truncated), (LogPos(3_000), 3_000, None));
    assert_eq!(recovery.segments, segments(dir.path()).len());
    assert_eq!(check_all(&log), 3_000);
}

#[test]
fn every_segment_respects_the_size_limit_unless_it_holds_one_oversized_record() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    fill(&mut log, 500, 16);
    let big = vec![7u8; 10_000];
    let at = log.append(2, &big).unwrap();
    fill(&mut log, 600, 16);
    for path in segments(dir.path()) {
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len <= 4 * 1024 || len == 24 + 9 + 10_000, "{} has {len} bytes", path.display());
    }
    let record = log.read_from(at).unwrap().next().unwrap().unwrap();
    assert_eq!((record.pos, record.kind, record.payload), (at, 2, big));
}

#[test]
fn positions_are_consecutive_and_read_from_starts_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    assert_eq!(log.append(KIND, &payload(0)).unwrap(), LogPos(0));
    assert_eq!(log.stage(KIND, &payload(1)).unwrap(), LogPos(1));
    assert_eq!(log.stage(KIND, &payload(2)).unwrap(), LogPos(2));
    assert_eq!((log.end(), log.written()), (LogPos(3), LogPos(1)), "staged records are not written yet");
    assert_eq!(log.read_from(LogPos(0)).unwrap().count(), 1);
    assert_eq!(log.flush().unwrap(), LogPos(3));
    fill(&mut log, 400, 9);
    for start in [0, 1, 57, 200, 399, 400] {
        let positions: Vec<u64> = log.read_from(LogPos(start)).unwrap().map(|r| r.unwrap().pos.0).collect();
        assert_eq!(positions, (start..400).collect::<Vec<_>>(), "from {start}");
    }
    assert!(matches!(log.read_from(LogPos(401)), Err(LogError::PastEnd { .. })));
}

#[test]
fn next_record_lends_payloads_without_allocating_a_vec_each() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    fill(&mut log, 100, 10);
    let mut reader = log.read_from(LogPos(10)).unwrap();
    let mut seen = 10;
    while let Some(record) = reader.next_record().unwrap() {
        assert_eq!((record.pos, record.kind, record.payload), (LogPos(seen), KIND, payload(seen).as_slice()));
        seen += 1;
    }
    assert_eq!(seen, 100);
}

#[test]
fn bad_records_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    assert!(matches!(log.append(0, b"x"), Err(LogError::ReservedKind)));
    let huge = vec![0u8; MAX_RECORD_BYTES + 1];
    assert!(matches!(log.append(1, &huge), Err(LogError::RecordTooLarge { len }) if len == MAX_RECORD_BYTES + 1));
    let largest = vec![5u8; MAX_RECORD_BYTES];
    assert_eq!(log.append(1, &largest).unwrap(), LogPos(0));
    assert_eq!(log.read_from(LogPos(0)).unwrap().next().unwrap().unwrap().payload, largest);
    let data = DataDir::open(tempfile::tempdir().unwrap().path()).unwrap();
    let err = CommandLog::open(&data, LogOptions { segment_bytes: 10 }).unwrap_err();
    assert!(err.to_string().contains("segment_bytes"), "{err}");
}

#[test]
fn truncate_before_deletes_only_whole_segments_before_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    fill(&mut log, 1_000, 20);
    let before = segments(dir.path()).len();
    let on_disk =
        |dir: &std::path::Path| segments(dir).iter().map(|p| std::fs::metadata(p).unwrap().len()).sum::<u64>();
    assert_eq!(log.stats().bytes, on_disk(dir.path()));
    let deleted = log.truncate_before(LogPos(500)).unwrap();
    assert!(deleted > 0);
    assert_eq!(segments(dir.path()).len(), before - deleted);
    assert_eq!((log.stats().bytes, log.stats().segments), (on_disk(dir.path()), before - deleted));
    let first = log.first();
    assert!(first <= LogPos(500) && first > LogPos(400), "the segment holding 500 is kept: first = {first}");
    assert!(matches!(log.read_from(LogPos(first.0 - 1)), Err(LogError::Truncated { .. })));
    assert_eq!(check_all(&log), 1_000 - first.0);
    assert_eq!(log.truncate_before(LogPos(500)).unwrap(), 0, "idempotent");
    // Truncating at the end keeps the tail segment, and appending continues.
    log.truncate_before(log.end()).unwrap();
    assert_eq!(segments(dir.path()).len(), 1);
    fill(&mut log, 1_100, 20);
    assert!(matches!(log.truncate_before(LogPos(2_000)), Err(LogError::PastEnd { .. })));
    assert_eq!(log.stats().bytes, on_disk(dir.path()));
    drop(log);
    let (log, recovery) = open(dir.path(), 4 * 1024);
    assert_eq!(log.stats().bytes, on_disk(dir.path()), "sizes are counted at open too");
    assert_eq!((recovery.first, recovery.end), (log.first(), LogPos(1_100)));
    assert_eq!(check_all(&log), 1_100 - log.first().0);
}

#[test]
fn sync_to_makes_written_records_durable_and_refuses_unwritten_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    let handle = log.sync_handle();
    fill(&mut log, 10, 10);
    assert_eq!(handle.durable(), LogPos(0));
    assert_eq!(handle.sync_to(LogPos(10)).unwrap(), LogPos(10));
    log.stage(KIND, &payload(10)).unwrap();
    let err = handle.sync_to(LogPos(11)).unwrap_err();
    assert!(matches!(err, LogError::NotWritten { requested: LogPos(11), written: LogPos(10) }), "{err}");
    assert_eq!(log.sync().unwrap(), LogPos(11));
    assert_eq!((handle.durable(), handle.written()), (LogPos(11), LogPos(11)));
}

#[test]
fn concurrent_sync_requests_share_one_fdatasync() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 1024 * 1024);
    fill(&mut log, 100, 100);
    let handle = log.sync_handle();
    let before = handle.syncs();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (handle, barrier) = (handle.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                handle.sync_to(LogPos(100)).unwrap()
            })
        })
        .collect();
    for thread in threads {
        assert!(thread.join().unwrap() >= LogPos(100));
    }
    assert_eq!(handle.syncs() - before, 1, "the first caller's fdatasync covers the other seven");
}

#[test]
fn group_commit_while_the_writer_keeps_appending_and_rolling() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 16 * 1024);
    let handle = log.sync_handle();
    let (to_syncer, from_writer) = std::sync::mpsc::sync_channel::<LogPos>(16);
    let syncer = std::thread::spawn(move || {
        let mut acked = LogPos(0);
        for end in from_writer {
            let durable = handle.sync_to(end).unwrap();
            assert!(durable >= end && durable >= acked, "durable moves forward and covers the request");
            acked = end;
        }
        (acked, handle.syncs())
    });
    for batch in 0..300u64 {
        let first = log.end().0;
        let payloads: Vec<Vec<u8>> = (first..first + batch % 17 + 1).map(payload).collect();
        let range = log.append_batch(payloads.iter().map(|p| (KIND, p.as_slice()))).unwrap();
        to_syncer.send(range.end).unwrap();
    }
    drop(to_syncer);
    let (acked, syncs) = syncer.join().unwrap();
    assert_eq!(acked, log.end());
    assert!(syncs <= 300 + 1, "at most one fdatasync per batch: {syncs}");
    assert!(log.durable() >= acked);
    assert!(segments(dir.path()).len() > 3, "the writer rolled segments meanwhile");
    assert_eq!(check_all(&log), log.end().0);
}

#[test]
fn a_data_directory_is_locked_while_anything_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path()).unwrap();
    let err = DataDir::open(dir.path()).unwrap_err();
    match &err {
        LockError::Held { dir: held, pid } => {
            assert_eq!(held, dir.path());
            assert_eq!(*pid, Some(std::process::id()));
        }
        other => panic!("expected Held, got {other}"),
    }
    assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}");
    let (log, _) = CommandLog::open(&data, LogOptions::default()).unwrap();
    drop(data);
    assert!(DataDir::open(dir.path()).is_err(), "the log keeps the directory locked");
    drop(log);
    assert!(DataDir::open(dir.path()).is_ok(), "released with its last user");
}
