//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)] // helpers: a failure is a test failure

use std::path::{Path, PathBuf};

use shrike_store::{CommandLog, DataDir, LogOptions, LogPos, Recovery};

#[path = "../../src/bin/shrike-store-crash-writer/payload.rs"]
mod payload_impl;
pub(crate) use payload_impl::{KIND, payload};

/// Opens the log of the data directory `dir` with `segment_bytes` segments.
pub fn open(dir: &Path, segment_bytes: u64) -> (CommandLog, Recovery) {
    let data = DataDir::open(dir).unwrap();
    CommandLog::open(&data, LogOptions { segment_bytes }).unwrap()
}

/// Appends records `log.end()..end` with their deterministic payloads, in batches of `batch`.
pub fn fill(log: &mut CommandLog, end: u64, batch: usize) {
    while log.end().0 < end {
        let upto = (log.end().0 + batch as u64).min(end);
        let payloads: Vec<Vec<u8>> = (log.end().0..upto).map(payload).collect();
        let range = log.append_batch(payloads.iter().map(|p| (KIND, p.as_slice()))).unwrap();
        assert_eq!(range.end, LogPos(upto));
    }
}

/// Reads the whole log and checks every record against its deterministic payload; returns
/// the number of records.
pub fn check_all(log: &CommandLog) -> u64 {
    let mut expected = log.first().0;
    for record in log.read_from(log.first()).unwrap() {
        let record = record.unwrap();
        assert_eq!(record.pos, LogPos(expected));
        assert_eq!(record.kind, KIND);
        assert_eq!(record.payload, payload(expected), "payload of record {expected}");
        expected += 1;
    }
    assert_eq!(expected, log.written().0, "the reader stops at the written end");
    expected - log.first().0
}

/// Segment files of the log in `dir`, oldest first.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files
}

/// Byte offsets of each record in a segment file (records back to back after the header).
pub fn record_offsets(path: &Path) -> Vec<u64> {
    let bytes = std::fs::read(path).unwrap();
    let mut offsets = Vec::new();
    let mut at = shrike_store::SEGMENT_HEADER_BYTES as usize;
    while at + shrike_store::FRAME_HEADER_BYTES <= bytes.len() {
        offsets.push(at as u64);
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += shrike_store::FRAME_HEADER_BYTES + len;
    }
    offsets
}
