//! Opening a log after a crash: a torn tail is cut off and reported; damage anywhere else is
//! an error naming the segment file and byte offset.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod common;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;

use common::{KIND, check_all, fill, open, payload, record_offsets, segments};
use shrike_store::{Corruption, DataDir, LogError, LogOptions, LogPos, TornReason};

const SEGMENT: u64 = 64 * 1024;

fn write_at(path: &Path, offset: u64, bytes: &[u8]) {
    OpenOptions::new().write(true).open(path).unwrap().write_all_at(bytes, offset).unwrap();
}

fn open_err(dir: &Path) -> LogError {
    let data = DataDir::open(dir).unwrap();
    shrike_store::CommandLog::open(&data, LogOptions { segment_bytes: SEGMENT }).unwrap_err()
}

fn assert_corrupt(err: &LogError, path: &Path, offset: u64, reason: Corruption) {
    match err {
        LogError::Corrupt { path: p, offset: o, reason: r } => {
            assert_eq!((p.as_path(), *o, r), (path, offset, &reason), "{err}");
        }
        other => panic!("expected corruption at {}:{offset}, got {other}", path.display()),
    }
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()) && text.contains(&format!("byte {offset}")), "{text}");
}

/// Records in the torn-tail test: the last one, at position 22, has a 92-byte payload, so
/// its 101 cut points are each tried.
const TORN_RECORDS: u64 = 23;

#[test]
fn a_torn_last_record_is_dropped_at_every_byte_offset() {
    let template = tempfile::tempdir().unwrap();
    let (mut log, _) = open(template.path(), SEGMENT);
    fill(&mut log, TORN_RECORDS, 7);
    drop(log);
    let segment = segments(template.path()).pop().unwrap();
    let full = std::fs::read(&segment).unwrap();
    let last = *record_offsets(&segment).last().unwrap();
    let kept = LogPos(TORN_RECORDS - 1);
    for cut in last..full.len() as u64 {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("log")).unwrap();
        let copy = dir.path().join("log").join(segment.file_name().unwrap());
        std::fs::write(&copy, &full[..cut as usize]).unwrap();
        let (mut log, recovery) = open(dir.path(), SEGMENT);
        assert_eq!(recovery.end, kept, "cut at {cut}");
        let torn = recovery.truncated.clone();
        if cut == last {
            assert_eq!(torn, None, "a cut between records loses nothing");
        } else {
            let torn = torn.unwrap();
            assert_eq!((torn.offset, torn.bytes), (last, cut - last), "cut at {cut}");
            let partial_header = cut - last < shrike_store::FRAME_HEADER_BYTES as u64;
            let expected = if partial_header { TornReason::PartialHeader } else { TornReason::PartialRecord };
            assert_eq!(torn.reason, expected, "cut at {cut}");
        }
        assert_eq!(check_all(&log), kept.0);
        assert_eq!(log.append(KIND, &payload(kept.0)).unwrap(), kept, "appending continues at the cut");
        drop(log);
        let (log, recovery) = open(dir.path(), SEGMENT);
        assert_eq!((recovery.end, recovery.truncated), (LogPos(TORN_RECORDS), None));
        assert_eq!(check_all(&log), TORN_RECORDS);
    }
}

#[test]
fn a_crash_while_creating_a_segment_leaves_a_header_to_rewrite() {
    for kept in [0usize, 5, 23] {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = open(dir.path(), SEGMENT);
        fill(&mut log, 10, 10);
        drop(log);
        let name = dir.path().join("log").join("00000000000000000010.log");
        let mut header = vec![0u8; kept];
        header.truncate(kept);
        std::fs::write(&name, &header).unwrap();
        let (log, recovery) = open(dir.path(), SEGMENT);
        assert_eq!(recovery.truncated.unwrap().reason, TornReason::PartialSegmentHeader, "{kept} bytes");
        assert_eq!((recovery.end, recovery.segments), (LogPos(10), 2));
        assert_eq!(check_all(&log), 10);
    }
}

#[test]
fn zeros_after_the_last_record_are_unwritten_space() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), SEGMENT);
    fill(&mut log, 30, 30);
    drop(log);
    let segment = segments(dir.path()).pop().unwrap();
    let len = std::fs::metadata(&segment).unwrap().len();
    write_at(&segment, len, &[0u8; 4096]);
    let (log, recovery) = open(dir.path(), SEGMENT);
    let torn = recovery.truncated.unwrap();
    assert_eq!((torn.reason, torn.offset, torn.bytes), (TornReason::ZeroHeader, len, 4096));
    assert_eq!(check_all(&log), 30);
}

#[test]
fn an_unwritten_sector_inside_the_last_record_is_a_tear() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), SEGMENT);
    fill(&mut log, 5, 5);
    let big = vec![0xAB; 3_000];
    log.append(2, &big).unwrap();
    drop(log);
    let segment = segments(dir.path()).pop().unwrap();
    let last = *record_offsets(&segment).last().unwrap();
    let sector = (last / 512 + 2) * 512;
    write_at(&segment, sector, &[0u8; 512]);
    let (log, recovery) = open(dir.path(), SEGMENT);
    let torn = recovery.truncated.unwrap();
    assert_eq!((torn.reason, torn.offset), (TornReason::ZeroSector, last));
    assert_eq!(check_all(&log), 5);
}

#[test]
fn a_bad_checksum_in_the_last_record_without_zeros_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), SEGMENT);
    fill(&mut log, 12, 12);
    drop(log);
    let segment = segments(dir.path()).pop().unwrap();
    let last = *record_offsets(&segment).last().unwrap();
    write_at(&segment, last + 12, &[0xFF]);
    assert_corrupt(&open_err(dir.path()), &segment, last, Corruption::Checksum);
}

#[test]
fn a_corrupt_record_before_valid_ones_in_the_tail_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), SEGMENT);
    fill(&mut log, 40, 40);
    drop(log);
    let segment = segments(dir.path()).pop().unwrap();
    let offsets = record_offsets(&segment);
    let original = std::fs::read(&segment).unwrap();
    let at = offsets[17];
    write_at(&segment, at + 10, &[original[at as usize + 10] ^ 0x40]);
    assert_corrupt(&open_err(dir.path()), &segment, at, Corruption::Checksum);
    // Zeros that look like an unwritten sector are still corruption when the next record is
    // intact behind them: take a record that crosses a sector boundary and zero its payload.
    let k = (0..offsets.len() - 1).find(|&k| offsets[k] / 512 != (offsets[k + 1] - 1) / 512 && k > 0).unwrap();
    let mut zeroed = original.clone();
    zeroed[offsets[k] as usize + 9..offsets[k + 1] as usize].fill(0);
    std::fs::write(&segment, &zeroed).unwrap();
    assert_corrupt(&open_err(dir.path()), &segment, offsets[k], Corruption::Checksum);
}

#[test]
fn corruption_in_a_sealed_segment_fails_the_replay_at_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    fill(&mut log, 200, 10);
    drop(log);
    let sealed = segments(dir.path())[1].clone();
    let offsets = record_offsets(&sealed);
    let original = std::fs::read(&sealed).unwrap();
    let at = offsets[3];
    write_at(&sealed, at + 9, &[original[at as usize + 9] ^ 1]);
    let (log, recovery) = open(dir.path(), 4 * 1024);
    assert_eq!(recovery.truncated, None, "only the tail is scanned at open");
    let mut reader = log.read_from(LogPos(0)).unwrap();
    let good: Vec<_> = reader.by_ref().take_while(|r| r.is_ok()).collect();
    let first_bad = good.len() as u64;
    let err = log.read_from(LogPos(first_bad)).unwrap().next().unwrap().unwrap_err();
    assert_corrupt(&err, &sealed, at, Corruption::Checksum);
    assert!(reader.next().is_none(), "a reader stops after an error");
    // Replaying from a later segment does not touch the damage.
    let third = std::fs::read_dir(dir.path().join("log")).unwrap().count();
    assert!(third > 3);
    let later = log.read_from(LogPos(first_bad + 20)).unwrap().map(|r| r.unwrap().pos.0).last();
    assert_eq!(later, Some(199));
}

#[test]
fn a_missing_sealed_segment_is_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    fill(&mut log, 200, 10);
    drop(log);
    let files = segments(dir.path());
    std::fs::remove_file(&files[2]).unwrap();
    let (log, _) = open(dir.path(), 4 * 1024);
    let err = log.read_from(LogPos(0)).unwrap().find_map(Result::err).unwrap();
    assert!(
        matches!(&err, LogError::Corrupt { path, reason: Corruption::Gap { .. }, .. } if *path == files[1]),
        "{err}"
    );
}

#[test]
fn a_damaged_segment_header_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 4 * 1024);
    fill(&mut log, 100, 10);
    drop(log);
    let files = segments(dir.path());
    write_at(&files[0], 3, b"X");
    let tail = files.last().unwrap();
    write_at(tail, 14, b"\x07");
    assert_corrupt(&open_err(dir.path()), tail, 0, Corruption::HeaderChecksum);
    std::fs::remove_file(tail).unwrap();
    let renamed = dir.path().join("log").join("00000000000000999999.log");
    std::fs::copy(&files[1], &renamed).unwrap();
    let err = open_err(dir.path());
    assert!(matches!(err, LogError::Corrupt { reason: Corruption::FirstMismatch { .. }, .. }), "{err}");
    std::fs::remove_file(&renamed).unwrap();
    let (log, _) = open(dir.path(), 4 * 1024);
    let err = log.read_from(LogPos(0)).unwrap().next().unwrap().unwrap_err();
    assert_corrupt(&err, &files[0], 0, Corruption::BadMagic);
}
