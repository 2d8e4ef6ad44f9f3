//! Running a query over a snapshot of the segments: walk the driver key's postings newest
//! first, segment by segment (newest first by time), read each candidate row, keep those
//! that pass every filter, and stop as soon as nothing older can enter the page.

use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};

use shrike_records::{DecisionCursor, DecisionQuery, DecisionRow, Page};

use crate::error::{LogError, Result};
use crate::fileindex::{FileCursor, FileIndex};
use crate::limits::MEM_WALK_CHUNK;
use crate::memindex::{MemIndex, Meta, WalkPos};
use crate::segment::{idx_path, read_at, seg_path};

/// One segment as a query sees it.
pub(crate) struct View {
    pub(crate) seq: u64,
    pub(crate) meta: Meta,
    pub(crate) mem: Option<Arc<RwLock<MemIndex>>>,
    pub(crate) file: Arc<OnceLock<FileIndex>>,
}

/// Candidate postings of one key in one segment, newest first, a chunk at a time.
enum Postings {
    File(FileCursor),
    Mem {
        index: Arc<RwLock<MemIndex>>,
        pos: WalkPos,
    },
    /// A segment whose times are not in append order: every candidate, sorted.
    Sorted(Vec<(i64, u32)>),
    Done,
}

fn read_mem(index: &RwLock<MemIndex>) -> std::sync::RwLockReadGuard<'_, MemIndex> {
    index.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Postings {
    fn open(dir: &std::path::Path, v: &View, key: u64, lo: i64, hi: i64) -> Result<Postings> {
        if let Some(idx) = v.file.get() {
            return Ok(Postings::File(FileCursor::new(&idx_path(dir, v.seq), idx, key, lo, hi)?));
        }
        let Some(index) = &v.mem else { return Ok(Postings::Done) };
        let (pos, monotone) = {
            let m = read_mem(index);
            (m.head(key), m.meta.monotone)
        };
        if monotone {
            return Ok(Postings::Mem { index: Arc::clone(index), pos });
        }
        let mut all = Vec::new();
        let mut pos = pos;
        while pos.is_some() {
            pos = read_mem(index).walk(pos, lo, hi, MEM_WALK_CHUNK, &mut all);
        }
        all.sort_unstable_by(|a, b| b.cmp(a));
        Ok(Postings::Sorted(all))
    }

    fn next_chunk(
        &mut self,
        dir: &std::path::Path,
        seq: u64,
        lo: i64,
        hi: i64,
        out: &mut Vec<(i64, u32)>,
    ) -> Result<()> {
        match self {
            Postings::File(c) => c.next_chunk(&idx_path(dir, seq), out)?,
            Postings::Mem { index, pos } => {
                while pos.is_some() && out.is_empty() {
                    *pos = read_mem(index).walk(*pos, lo, hi, MEM_WALK_CHUNK, out);
                }
            }
            Postings::Sorted(all) => {
                out.append(all);
                *self = Postings::Done;
            }
            Postings::Done => {}
        }
        Ok(())
    }
}

/// Whether `r` passes every filter of `q` (the driver key only narrowed the candidates).
fn matches(q: &DecisionQuery, r: &DecisionRow) -> bool {
    r.shadow == q.shadow
        && q.entity.as_ref().is_none_or(|(k, id)| r.entities.get(*k) == Some(id.as_str()))
        && q.outcome.is_none_or(|o| r.outcome == o)
        && q.rule.as_ref().is_none_or(|rule| r.rules.iter().any(|x| x == rule))
        && q.policy_version.as_ref().is_none_or(|v| &r.policy_version == v)
        && q.from.is_none_or(|t| r.decided_at >= t)
        && q.to.is_none_or(|t| r.decided_at < t)
        && q.cursor
            .as_ref()
            .is_none_or(|c| (r.decided_at, r.decision_id.as_str()) < (c.decided_at, c.decision_id.as_str()))
}

/// Newest first: `(decided_at, decision_id)` descending.
fn newer(a: &DecisionRow, b: &DecisionRow) -> std::cmp::Ordering {
    (b.decided_at, &b.decision_id).cmp(&(a.decided_at, &a.decision_id))
}

/// The inclusive decision-time bounds of `q`.
fn bounds(q: &DecisionQuery) -> (i64, i64) {
    let lo = q.from.unwrap_or(i64::MIN);
    let mut hi = q.to.map_or(i64::MAX, |t| t.saturating_sub(1));
    if let Some(c) = &q.cursor {
        hi = hi.min(c.decided_at);
    }
    (lo, hi)
}

/// Reads rows of one segment by offset (the file opened on first use).
struct Rows {
    path: PathBuf,
    file: Option<File>,
    buf: Vec<u8>,
}

impl Rows {
    fn read(&mut self, off: u32) -> Result<Option<DecisionRow>> {
        let file = match &mut self.file {
            Some(f) => f,
            None => match File::open(&self.path) {
                Ok(f) => self.file.insert(f),
                // Deleted by retention after the snapshot was taken: nothing to read.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(LogError::io("opening", &self.path)(e)),
            },
        };
        let payload = read_at(file, &self.path, u64::from(off), &mut self.buf)?;
        let corrupt =
            || LogError::Corrupt { path: self.path.clone(), offset: u64::from(off), reason: "undecodable row" };
        crate::row::decode(payload).map(Some).ok_or_else(corrupt)
    }
}

/// Runs `q` over `views` (any order); returns the page.
pub(crate) fn run(
    dir: &std::path::Path,
    mut views: Vec<View>,
    q: &DecisionQuery,
) -> Result<Page<DecisionRow, DecisionCursor>> {
    let (lo, hi) = bounds(q);
    let key = crate::keys::driver(q);
    let want = q.limit as usize + 1;
    views.sort_by_key(|v| std::cmp::Reverse((v.meta.max_at, v.seq)));
    let mut found: Vec<DecisionRow> = Vec::with_capacity(want);
    let full_below =
        |found: &Vec<DecisionRow>, at: i64| found.len() >= want && found.last().is_some_and(|w| at < w.decided_at);
    for v in &views {
        if v.meta.rows == 0 || v.meta.max_at < lo || v.meta.min_at > hi {
            continue;
        }
        if full_below(&found, v.meta.max_at) {
            break;
        }
        let mut postings = Postings::open(dir, v, key, lo, hi)?;
        let mut rows = Rows { path: seg_path(dir, v.seq), file: None, buf: Vec::new() };
        let mut chunk = Vec::new();
        'segment: loop {
            chunk.clear();
            postings.next_chunk(dir, v.seq, lo, hi, &mut chunk)?;
            if chunk.is_empty() {
                break;
            }
            for &(at, off) in &chunk {
                if full_below(&found, at) {
                    break 'segment;
                }
                let Some(row) = rows.read(off)? else { break 'segment };
                if matches(q, &row) {
                    let i = found.binary_search_by(|x| newer(x, &row)).unwrap_or_else(|i| i);
                    found.insert(i, row);
                    found.truncate(want);
                }
            }
        }
    }
    let more = found.len() > q.limit as usize;
    found.truncate(q.limit as usize);
    let next = if more {
        found.last().map(|d| DecisionCursor { decided_at: d.decided_at, decision_id: d.decision_id.clone() })
    } else {
        None
    };
    Ok(Page { items: found, next })
}

/// The decision with id `id`, newest segment first.
pub(crate) fn get(dir: &std::path::Path, mut views: Vec<View>, id: &str) -> Result<Option<DecisionRow>> {
    let key = crate::keys::id_key(id);
    views.sort_by_key(|v| std::cmp::Reverse(v.seq));
    for v in &views {
        if v.meta.rows == 0 {
            continue;
        }
        let mut postings = Postings::open(dir, v, key, i64::MIN, i64::MAX)?;
        let mut rows = Rows { path: seg_path(dir, v.seq), file: None, buf: Vec::new() };
        let mut chunk = Vec::new();
        loop {
            chunk.clear();
            postings.next_chunk(dir, v.seq, i64::MIN, i64::MAX, &mut chunk)?;
            if chunk.is_empty() {
                break;
            }
            for &(_, off) in &chunk {
                if let Some(row) = rows.read(off)?.filter(|r| r.decision_id == id) {
                    return Ok(Some(row));
                }
            }
        }
    }
    Ok(None)
}

/// A copy of a segment's meta, under its index's read lock.
pub(crate) fn read_meta(index: &RwLock<MemIndex>) -> Meta {
    read_mem(index).meta
}
