//! Random damage to log files never panics, never yields a record that differs from what
//! was written (so never one with a bad checksum), and is always detected — an error at open,
//! an error on replay, or a torn tail reported by recovery — except the one damage that is
//! indistinguishable from a shorter log: the tail cut exactly between two records.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{fill, open, payload, segments};
use proptest::prelude::*;
use shrike_store::{DataDir, LogError, LogOptions, LogPos};

const SEGMENT: u64 = 4 * 1024;
const RECORDS: u64 = 150;

/// The undamaged log, built once: (segment file names, their bytes).
fn template() -> &'static Vec<(String, Vec<u8>)> {
    static TEMPLATE: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = open(dir.path(), SEGMENT);
        fill(&mut log, RECORDS, 13);
        drop(log);
        let files = segments(dir.path());
        files.iter().map(|p| (name(p), std::fs::read(p).unwrap())).collect()
    })
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_str().unwrap().to_string()
}

#[derive(Debug, Clone)]
enum Damage {
    Xor { file: usize, at: usize, mask: u8 },
    Fill { file: usize, at: usize, len: usize, byte: u8 },
    Cut { file: usize, at: usize },
    Replace { file: usize, bytes: Vec<u8> },
}

fn damage() -> impl Strategy<Value = Damage> {
    let file = 0..64usize;
    prop_oneof![
        4 => (file.clone(), any::<usize>(), 1..=255u8).prop_map(|(file, at, mask)| Damage::Xor { file, at, mask }),
        2 => (file.clone(), any::<usize>(), 1..1200usize, prop_oneof![Just(0u8), any::<u8>()])
            .prop_map(|(file, at, len, byte)| Damage::Fill { file, at, len, byte }),
        2 => (file.clone(), any::<usize>()).prop_map(|(file, at)| Damage::Cut { file, at }),
        1 => (file, proptest::collection::vec(any::<u8>(), 0..200)).prop_map(|(file, bytes)| Damage::Replace { file, bytes }),
    ]
}

fn apply(files: &mut [(String, Vec<u8>)], damage: &Damage) {
    let count = files.len();
    let pick = |file: usize| file % count;
    match damage {
        Damage::Xor { file, at, mask } => {
            let bytes = &mut files[pick(*file)].1;
            let at = at % bytes.len().max(1);
            if let Some(b) = bytes.get_mut(at) {
                *b ^= mask;
            }
        }
        Damage::Fill { file, at, len, byte } => {
            let bytes = &mut files[pick(*file)].1;
            let at = at % (bytes.len() + 1);
            let stop = (at + len).min(bytes.len());
            bytes[at..stop].fill(*byte);
        }
        Damage::Cut { file, at } => {
            let bytes = &mut files[pick(*file)].1;
            bytes.truncate(at % (bytes.len() + 1));
        }
        Damage::Replace { file, bytes } => files[pick(*file)].1 = bytes.clone(),
    }
}

/// True unless the damage is at most a cut of the tail file (which may land between records).
fn must_detect(original: &[(String, Vec<u8>)], damaged: &[(String, Vec<u8>)]) -> bool {
    let last = original.len() - 1;
    original.iter().zip(damaged).enumerate().any(|(i, ((_, a), (_, b)))| {
        let common = a.len().min(b.len());
        a[..common] != b[..common] || (i != last && a.len() != b.len()) || b.len() > a.len()
    })
}

fn write_dir(files: &[(String, Vec<u8>)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("log");
    std::fs::create_dir_all(&log_dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(log_dir.join(name), bytes).unwrap();
    }
    (dir, log_dir)
}

fn assert_names_a_segment(err: &LogError, log_dir: &Path) {
    match err {
        LogError::Corrupt { path, .. } => assert!(path.starts_with(log_dir), "{err}"),
        other => panic!("damage must surface as corruption, got {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn damaged_logs_never_panic_never_lie_and_are_detected(damages in proptest::collection::vec(damage(), 1..4)) {
        let original = template();
        let mut files = original.clone();
        for d in &damages {
            apply(&mut files, d);
        }
        let detect = must_detect(original, &files);
        let (dir, log_dir) = write_dir(&files);
        let data = DataDir::open(dir.path()).unwrap();
        let (log, recovery) = match shrike_store::CommandLog::open(&data, LogOptions { segment_bytes: SEGMENT }) {
            Err(err) => {
                assert_names_a_segment(&err, &log_dir);
                return Ok(());
            }
            Ok(opened) => opened,
        };
        let mut next = log.first().0;
        let mut failed = false;
        for record in log.read_from(log.first()).unwrap() {
            match record {
                Ok(record) => {
                    prop_assert_eq!(record.pos, LogPos(next));
                    prop_assert_eq!(&record.payload, &payload(next), "record {} differs from what was written", next);
                    next += 1;
                }
                Err(err) => {
                    assert_names_a_segment(&err, &log_dir);
                    failed = true;
                }
            }
        }
        prop_assert!(recovery.end.0 <= RECORDS);
        if !failed {
            prop_assert_eq!(next, recovery.end.0);
            if detect {
                prop_assert!(recovery.truncated.is_some(), "undetected damage: {:?}", damages);
            }
        }
    }
}
