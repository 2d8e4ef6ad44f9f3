//! Process-level crash test: a child process appends with group commit and prints each
//! acknowledged position; it is killed with SIGKILL at a random moment, the log is reopened,
//! and every acknowledged record must be there, intact. Four rounds on one directory, so
//! each round also recovers from the previous kill and continues the same log.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{check_all, open};
use shrike_store::{DataDir, LockError};

/// Segment size per round: small segments roll every ~300 records, so the kill often lands
/// in a roll (the writer is then waiting for the old segment's fdatasync); large ones let it
/// land mid-write.
const SEGMENT_BYTES: [u64; 4] = [64 * 1024, 4 * 1024 * 1024, 64 * 1024, 1024 * 1024];
/// The child's own bounds, should the test never kill it.
const CHILD_MAX_RECORDS: &str = "500000";
const CHILD_MAX_SECONDS: &str = "60";
/// Acknowledgements to wait for before the kill, per round.
const ACKS_BEFORE_KILL: [usize; 4] = [25, 300, 5, 120];

#[test]
fn every_acknowledged_record_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected_start = 0;
    for (round, (acks_wanted, segment_bytes)) in ACKS_BEFORE_KILL.into_iter().zip(SEGMENT_BYTES).enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shrike-store-crash-writer"))
            .args([dir.path().to_str().unwrap(), &segment_bytes.to_string(), CHILD_MAX_RECORDS, CHILD_MAX_SECONDS])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let open_line = lines.next().unwrap().unwrap();
        assert_eq!(open_line, format!("OPEN {expected_start}"), "round {round} continues the recovered log");
        let (mut acks, mut acked) = (0, 0u64);
        for line in lines.by_ref() {
            let end: u64 = line.unwrap().strip_prefix("ACK ").unwrap().parse().unwrap();
            assert!(end > acked, "acknowledgements move forward");
            (acks, acked) = (acks + 1, end);
            if acks == 1 {
                assert_locked_by(dir.path(), child.id());
            }
            if acks >= acks_wanted {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(acks >= acks_wanted, "the child stopped early, after {acks} acknowledgements");
        let (log, recovery) = open(dir.path(), segment_bytes);
        assert!(recovery.end.0 >= acked, "round {round}: acknowledged {acked}, recovered only {}", recovery.end);
        assert_eq!(check_all(&log), recovery.end.0, "every record intact and at its position");
        eprintln!("round {round}: {acks} acks up to {acked}, recovered {} ({:?})", recovery.end, recovery.truncated);
        expected_start = recovery.end.0;
    }
}

fn assert_locked_by(dir: &std::path::Path, pid: u32) {
    match DataDir::open(dir) {
        Err(LockError::Held { pid: Some(holder), .. }) => assert_eq!(holder, pid),
        other => panic!("the child's directory must be locked, got {other:?}"),
    }
}
