//! Opening after a crash (a torn record at the end, a missing or damaged index, an
//! unfinished index file), corruption named by file and offset, and retention by segments.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

use std::io::Write;

use shrike_decisionlog::{DecisionLog, Options, RowRef};
use shrike_records::{DecisionQuery, DecisionRow, Entities};
use shrike_types::Outcome;

fn row(i: i64, at: i64) -> DecisionRow {
    DecisionRow {
        decision_id: format!("d{i}"),
        event_id: format!("d{i}"),
        event_type: "login".into(),
        event_time: at,
        decided_at: at,
        outcome: if i % 5 == 0 { Outcome::Block } else { Outcome::Allow },
        score: 0,
        policy_version: "p@v1".into(),
        degraded: false,
        shadow: false,
        latency_us: 1,
        entities: Entities { user: Some(format!("u{}", i % 10)), ..Entities::default() },
        rules: vec![],
        decision_json: format!("{{\"i\":{i}}}"),
    }
}

fn append(log: &DecisionLog, rows: &[DecisionRow]) {
    let mut scratch: Vec<Vec<&str>> = rows.iter().map(|_| Vec::new()).collect();
    let refs: Vec<RowRef<'_>> = rows.iter().zip(scratch.iter_mut()).map(|(r, s)| RowRef::of(r, s)).collect();
    log.append(&refs).unwrap();
}

fn all(log: &DecisionLog) -> Vec<String> {
    let q = DecisionQuery { limit: 200, ..DecisionQuery::default() };
    log.query(&q).unwrap().items.into_iter().map(|r| r.decision_id).collect()
}

fn files(dir: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

const SMALL: Options = Options { segment_bytes: 4096, segment_span_ms: 1_000_000 };

#[test]
fn a_torn_tail_is_cut_and_appends_continue() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = DecisionLog::open(dir.path(), Options::default()).unwrap();
    append(&log, &(0..20).map(|i| row(i, 100 + i)).collect::<Vec<_>>());
    drop(log);
    let seg = files(dir.path(), "seg").pop().unwrap();
    let len = std::fs::metadata(&seg).unwrap().len();
    // A crash mid-write: the last record cut short, then some zeros the file system added.
    let f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
    f.set_len(len - 3).unwrap();
    (&f).write_all(&[0; 5]).unwrap();
    let (log, rec) = DecisionLog::open(dir.path(), Options::default()).unwrap();
    assert_eq!(rec.rows, 19, "{rec:?}");
    assert_eq!(rec.truncated.len(), 1, "{rec:?}");
    assert_eq!(all(&log).len(), 19);
    append(&log, &[row(99, 500)]);
    drop(log);
    let (log, rec) = DecisionLog::open(dir.path(), Options::default()).unwrap();
    assert!(rec.truncated.is_empty());
    assert_eq!(all(&log)[0], "d99");
}

#[test]
fn missing_or_unfinished_indexes_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = DecisionLog::open(dir.path(), SMALL).unwrap();
    let rows: Vec<_> = (0..300).map(|i| row(i, 100 + i)).collect();
    append(&log, &rows);
    log.close().unwrap();
    let want = all(&log);
    drop(log);
    let idx = files(dir.path(), "idx");
    assert!(idx.len() >= 3, "tiny segments were sealed: {idx:?}");
    std::fs::remove_file(&idx[0]).unwrap();
    std::fs::write(&idx[1], b"junk").unwrap();
    std::fs::write(dir.path().join("00000000000000000007.idx.tmp"), b"half").unwrap();
    let (log, rec) = DecisionLog::open(dir.path(), SMALL).unwrap();
    assert_eq!(rec.rebuilt_indexes, 2);
    assert_eq!(all(&log), want);
    assert!(files(dir.path(), "tmp").is_empty());
}

#[test]
fn a_damaged_sealed_segment_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = DecisionLog::open(dir.path(), SMALL).unwrap();
    append(&log, &(0..150).map(|i| row(i, 100 + i)).collect::<Vec<_>>());
    log.close().unwrap();
    let seg = files(dir.path(), "seg").remove(0);
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[40] ^= 0xff;
    std::fs::write(&seg, bytes).unwrap();
    let err = (0..150).find_map(|i| log.get(&format!("d{i}")).err()).unwrap();
    assert!(err.to_string().contains(&seg.display().to_string()), "{err}");
    assert!(err.to_string().contains("checksum"), "{err}");
}

#[test]
fn retention_deletes_whole_old_segments_in_bounded_steps() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = DecisionLog::open(dir.path(), SMALL).unwrap();
    let rows: Vec<_> = (0..400).map(|i| row(i, 1_000 + i)).collect();
    append(&log, &rows);
    log.close().unwrap();
    let cutoff = 1_300;
    let (mut steps, mut deleted) = (0, 0);
    loop {
        let p = log.delete_before(cutoff, 1).unwrap();
        deleted += p.deleted;
        steps += 1;
        if p.done {
            break;
        }
        log.close().unwrap();
        assert!(steps < 100);
    }
    assert!(steps > 2, "one segment per step: {steps}");
    let q = DecisionQuery { limit: 200, ..DecisionQuery::default() };
    let mut left = Vec::new();
    let mut q = q;
    loop {
        let page = log.query(&q).unwrap();
        left.extend(page.items.iter().map(|r| r.decided_at));
        match page.next {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(left.len() as u64 + deleted, 400);
    assert!(left.iter().filter(|&&at| at >= cutoff).count() == 100, "every newer decision stays");
    let old = left.iter().filter(|&&at| at < cutoff).count();
    assert!(old < 60, "only the segment holding the cutoff keeps older rows: {old}");
}
