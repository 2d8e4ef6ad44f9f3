//! Snapshots on real files: round trip, atomic replacement, pruning, fallback on corruption.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::path::Path;

use shrike_store::{DataDir, LogPos, SnapshotCorruption, SnapshotError, SnapshotOptions, Snapshots};

fn open(dir: &Path, keep: usize) -> Snapshots {
    Snapshots::open(&DataDir::open(dir).unwrap(), SnapshotOptions { keep }).unwrap()
}

fn parts(tag: u8) -> Vec<(&'static str, Vec<u8>)> {
    vec![("features", vec![tag; 10_000]), ("dedup", vec![tag ^ 0xFF; 300]), ("engine", vec![]), ("lists", vec![tag; 7])]
}

fn write(snapshots: &mut Snapshots, pos: u64, tag: u8) {
    let owned = parts(tag);
    let borrowed: Vec<(&str, &[u8])> = owned.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let written = snapshots.write(LogPos(pos), &borrowed).unwrap();
    assert_eq!(written.bytes, std::fs::metadata(&written.path).unwrap().len());
}

fn assert_snapshot(snapshots: &Snapshots, pos: u64, tag: u8) {
    let latest = snapshots.latest().unwrap();
    let snapshot = latest.snapshot.expect("a snapshot");
    assert_eq!(snapshot.pos, LogPos(pos));
    let got: Vec<(&str, Vec<u8>)> = snapshot.parts().map(|(n, d)| (n, d.to_vec())).collect();
    assert_eq!(got, parts(tag));
    assert_eq!(snapshot.part("dedup"), Some(&[tag ^ 0xFF; 300][..]));
    assert_eq!(snapshot.part("missing"), None);
}

fn snapshot_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn write_then_latest_round_trips_and_keeps_the_newest_n() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshots = open(dir.path(), 3);
    assert!(snapshots.latest().unwrap().snapshot.is_none());
    assert_eq!(snapshots.oldest().unwrap(), None);
    for (i, pos) in [0u64, 10, 25, 40, 41].into_iter().enumerate() {
        write(&mut snapshots, pos, i as u8);
        assert_snapshot(&snapshots, pos, i as u8);
    }
    assert_eq!(
        snapshot_files(dir.path()),
        ["00000000000000000025.snap", "00000000000000000040.snap", "00000000000000000041.snap"]
    );
    assert_eq!(snapshots.oldest().unwrap(), Some(LogPos(25)), "the log must be kept from the oldest kept snapshot");
    // Same position again replaces it; an older position is refused.
    write(&mut snapshots, 41, 9);
    assert_snapshot(&snapshots, 41, 9);
    let err = snapshots.write(LogPos(30), &[("features", b"x")]).unwrap_err();
    assert!(matches!(err, SnapshotError::Stale { pos: LogPos(30), newest: LogPos(41) }), "{err}");
}

#[test]
fn a_temporary_file_left_by_a_crash_is_ignored_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshots = open(dir.path(), 2);
    write(&mut snapshots, 5, 1);
    // A crash mid-write of the snapshot at 9: its temporary file, half written.
    let temp = dir.path().join("snapshots").join("00000000000000000009.snap.tmp");
    std::fs::write(&temp, b"SHRKSNAP half a snapshot").unwrap();
    assert_snapshot(&snapshots, 5, 1);
    drop(snapshots);
    let snapshots = open(dir.path(), 2);
    assert!(!temp.exists(), "removed at open");
    assert_snapshot(&snapshots, 5, 1);
}

#[test]
fn a_corrupt_latest_snapshot_falls_back_to_the_previous_one_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshots = open(dir.path(), 3);
    write(&mut snapshots, 100, 1);
    write(&mut snapshots, 200, 2);
    write(&mut snapshots, 300, 3);
    let newest = dir.path().join("snapshots").join("00000000000000000300.snap");
    let mut bytes = std::fs::read(&newest).unwrap();
    bytes[5_000] ^= 0x10;
    std::fs::write(&newest, &bytes).unwrap();
    let middle = dir.path().join("snapshots").join("00000000000000000200.snap");
    let len = std::fs::metadata(&middle).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&middle).unwrap().set_len(len - 1).unwrap();
    let latest = snapshots.latest().unwrap();
    assert_eq!(latest.snapshot.as_ref().map(|s| s.pos), Some(LogPos(100)));
    let reasons: Vec<String> = latest.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(latest.rejected.len(), 2, "{reasons:?}");
    assert!(
        matches!(&latest.rejected[0], SnapshotError::Corrupt { path, reason: SnapshotCorruption::Checksum } if *path == newest)
    );
    assert!(matches!(&latest.rejected[1], SnapshotError::Corrupt { path, .. } if *path == middle));
    assert!(reasons[0].contains("00000000000000000300.snap"), "{}", reasons[0]);
    assert_snapshot(&snapshots, 100, 1);
}

#[test]
fn a_snapshot_renamed_to_another_position_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshots = open(dir.path(), 2);
    write(&mut snapshots, 7, 1);
    let from = dir.path().join("snapshots").join("00000000000000000007.snap");
    let to = dir.path().join("snapshots").join("00000000000000000008.snap");
    std::fs::copy(&from, &to).unwrap();
    let latest = snapshots.latest().unwrap();
    assert_eq!(latest.snapshot.map(|s| s.pos), Some(LogPos(7)));
    assert!(matches!(
        &latest.rejected[..],
        [SnapshotError::Corrupt {
            reason: SnapshotCorruption::PosMismatch { name: LogPos(8), contents: LogPos(7) },
            ..
        }]
    ));
}

#[test]
fn bad_part_lists_and_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshots = open(dir.path(), 2);
    let err = snapshots.write(LogPos(1), &[("a", b"1"), ("a", b"2")]).unwrap_err();
    assert!(matches!(&err, SnapshotError::InvalidPart { name, .. } if name == "a"), "{err}");
    assert!(snapshots.write(LogPos(1), &[("", b"1")]).is_err());
    assert!(snapshot_files(dir.path()).is_empty(), "nothing written");
    drop(snapshots);
    let data = DataDir::open(dir.path()).unwrap();
    let err = Snapshots::open(&data, SnapshotOptions { keep: 0 }).unwrap_err();
    assert!(err.to_string().contains("keep"), "{err}");
}
