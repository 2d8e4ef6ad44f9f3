//! The log itself: the segment being written (its index in memory), the sealed segments
//! (their indexes on disk, or in memory while a background thread writes them), appends,
//! sealing, opening after a crash, and retention by whole segments.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, Weak};
use std::thread::JoinHandle;

use shrike_records::{DecisionCursor, DecisionQuery, DecisionRow, Page, Purge};

use crate::error::{LogError, Result};
use crate::fileindex::FileIndex;
use crate::limits::{
    DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_SPAN_MS, MAX_PENDING_SEALS, MAX_SEGMENT_BYTES, MIN_SEGMENT_BYTES,
    SYNC_INTERVAL_MS,
};
use crate::memindex::{MemIndex, Meta};
use crate::query::View;
use crate::row::RowRef;
use crate::segment::{self, HEADER, ScanEnd, idx_path, seg_path};

/// How segments are cut.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Seal a segment once it holds this many bytes
    /// ([`MIN_SEGMENT_BYTES`]..=[`MAX_SEGMENT_BYTES`]).
    pub segment_bytes: u64,
    /// Seal a segment once its decisions span this many milliseconds of decision time.
    pub segment_span_ms: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options { segment_bytes: DEFAULT_SEGMENT_BYTES, segment_span_ms: DEFAULT_SEGMENT_SPAN_MS }
    }
}

/// What opening found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    pub segments: usize,
    pub rows: u64,
    /// Indexes rebuilt from their segment (missing or damaged; e.g. a crash while sealing).
    pub rebuilt_indexes: usize,
    /// A torn write cut off the end of a segment: `(file, offset, reason)`.
    pub truncated: Vec<(PathBuf, u64, &'static str)>,
}

/// A sealed segment: its index on disk once written, in memory until then.
struct Sealed {
    seq: u64,
    meta: Meta,
    mem: Option<Arc<RwLock<MemIndex>>>,
    file: Arc<OnceLock<FileIndex>>,
}

struct Active {
    seq: u64,
    file: Arc<File>,
    len: u64,
    index: Arc<RwLock<MemIndex>>,
}

/// The next segment's index, prepared (and its memory faulted in) by a background thread.
type Spare = Arc<Mutex<Option<MemIndex>>>;

fn prepare_spare(spare: &Spare, segment_bytes: u64) {
    let index = MemIndex::prefaulted(segment_bytes);
    *spare.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(index);
}

struct State {
    spare: Spare,
    sealed: Vec<Sealed>,
    active: Active,
    pending: VecDeque<JoinHandle<()>>,
    buf: Vec<u8>,
    row: Vec<u8>,
    keys: Vec<(u64, i64, u32)>,
}

pub(crate) struct Inner {
    dir: PathBuf,
    opts: Options,
    state: Mutex<State>,
}

/// The embedded decision log (docs/records.md, "The embedded decision log"). Cheap to clone;
/// one writer at a time appends (the lock is held for one `write`), queries run beside it.
#[derive(Clone)]
pub struct DecisionLog {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog").field("dir", &self.inner.dir).finish()
    }
}

/// The outcome of an append: rows written and rows refused (too large for the format).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Appended {
    pub written: u64,
    pub refused: u64,
}

fn write_mem(index: &RwLock<MemIndex>) -> std::sync::RwLockWriteGuard<'_, MemIndex> {
    index.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl DecisionLog {
    /// Opens (or creates) the log in `dir`: sealed segments keep their index files (a
    /// missing or damaged one is rebuilt), the newest segment is scanned and a torn write at
    /// its end cut off. The caller holds the data directory's lock.
    pub fn open(dir: &Path, opts: Options) -> Result<(DecisionLog, Recovery)> {
        if !(MIN_SEGMENT_BYTES..=MAX_SEGMENT_BYTES).contains(&opts.segment_bytes) || opts.segment_span_ms <= 0 {
            let message = format!("segment_bytes must be {MIN_SEGMENT_BYTES}..={MAX_SEGMENT_BYTES}, span positive");
            return Err(LogError::Invalid { field: "options", message });
        }
        std::fs::create_dir_all(dir).map_err(LogError::io("creating", dir))?;
        let (seqs, mut rec) = (list(dir)?, Recovery::default());
        let mut sealed = Vec::new();
        let last = seqs.last().copied();
        for &seq in seqs.iter().filter(|s| Some(**s) != last) {
            sealed.push(open_sealed(dir, seq, &mut rec)?);
        }
        let active = match last {
            Some(seq) => open_active(dir, seq, opts, &mut rec)?,
            None => new_active(dir, 0, true, MemIndex::prefaulted(opts.segment_bytes))?,
        };
        rec.segments = seqs.len().max(1);
        rec.rows = sealed.iter().map(|s| s.meta.rows).sum::<u64>() + crate::query::read_meta(&active.index).rows;
        let spare: Spare = Arc::default();
        let (s, bytes) = (Arc::clone(&spare), opts.segment_bytes);
        let prepare =
            std::thread::Builder::new().name("shrike-dlog-seal".into()).spawn(move || prepare_spare(&s, bytes));
        let pending = VecDeque::from([prepare.map_err(LogError::io("starting the seal thread", dir))?]);
        let (buf, row, keys) = (Vec::new(), Vec::new(), Vec::new());
        let state = State { spare, sealed, active, pending, buf, row, keys };
        let inner = Arc::new(Inner { dir: dir.to_path_buf(), opts, state: Mutex::new(state) });
        start_syncer(Arc::downgrade(&inner));
        Ok((DecisionLog { inner }, rec))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends rows with one `write` per segment touched. When it returns the rows are in
    /// the kernel's page cache (they survive the process being killed) and every query sees
    /// them. Ids must be unique: the log does not look for an id already stored (see
    /// [`DecisionLog::insert`] for the idempotent path). A row too large for the format is
    /// refused and counted; the others are written.
    pub fn append(&self, rows: &[RowRef<'_>]) -> Result<Appended> {
        let mut st = self.state();
        let mut out = Appended::default();
        for r in rows {
            st.row.clear();
            if crate::row::encode(r, &mut st.row).is_err() {
                out.refused += 1;
                continue;
            }
            let staged = st.keys.len() + crate::keys::max_keys(r);
            let State { buf, row, active, .. } = &mut *st;
            let (meta, full) = {
                let index = active.index.read().unwrap_or_else(std::sync::PoisonError::into_inner);
                (index.meta, index.full(staged))
            };
            let pending = active.len + buf.len() as u64;
            let span = meta.rows > 0 && r.decided_at.saturating_sub(meta.min_at) > self.inner.opts.segment_span_ms;
            let bytes = pending > HEADER && pending + row.len() as u64 > self.inner.opts.segment_bytes;
            // A full index seals the segment early rather than growing on the writer's thread.
            if bytes || span || (full && meta.rows > 0) {
                self.flush(&mut st)?;
                self.rotate(&mut st)?;
            }
            let State { buf, row, active, keys, .. } = &mut *st;
            let off = active.len + buf.len() as u64;
            segment::frame(off, row, buf);
            // Within MAX_SEGMENT_BYTES (2 GiB) plus one row: fits u32.
            crate::keys::row_keys(r, |k| keys.push((k, r.decided_at, off as u32)));
            out.written += 1;
        }
        self.flush(&mut st)?;
        Ok(out)
    }

    /// Writes the staged bytes, then posts their keys.
    fn flush(&self, st: &mut State) -> Result<()> {
        if st.buf.is_empty() {
            return Ok(());
        }
        let path = seg_path(&self.inner.dir, st.active.seq);
        if let Err(e) = (&*st.active.file).write_all(&st.buf) {
            // Cut a partial write so the next append starts on a record boundary.
            let _ = st.active.file.set_len(st.active.len);
            st.buf.clear();
            st.keys.clear();
            return Err(LogError::io("writing", path)(e));
        }
        st.active.len += st.buf.len() as u64;
        st.buf.clear();
        let mut index = write_mem(&st.active.index);
        let mut last_off = u32::MAX;
        for &(k, at, off) in &st.keys {
            if off != last_off {
                index.meta.add(at);
                last_off = off;
            }
            index.post(k, at, off);
        }
        st.keys.clear();
        Ok(())
    }

    /// Seals the segment being written (its index is written by a background thread) and
    /// starts the next one.
    fn rotate(&self, st: &mut State) -> Result<()> {
        // Not synced here: the writer is the engine thread; the seal thread syncs it.
        let bytes = self.inner.opts.segment_bytes;
        // The prepared index; without one (the seal thread is behind) a small one that grows.
        let prepared = st.spare.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let next = new_active(&self.inner.dir, st.active.seq + 1, false, prepared.unwrap_or_default())?;
        let spare = Arc::clone(&st.spare);
        let next_file = Arc::clone(&next.file);
        let old = std::mem::replace(&mut st.active, next);
        let meta = crate::query::read_meta(&old.index);
        let file = Arc::new(OnceLock::new());
        st.sealed.push(Sealed { seq: old.seq, meta, mem: Some(Arc::clone(&old.index)), file: Arc::clone(&file) });
        st.pending.retain(|h| !h.is_finished());
        while st.pending.len() >= MAX_PENDING_SEALS {
            if let Some(h) = st.pending.pop_front() {
                let _ = h.join();
            }
        }
        let dir = self.inner.dir.clone();
        let seal = move || {
            // The new segment's header and its directory entry, then the sealed segment.
            if let Err(e) =
                next_file.sync_data().map_err(LogError::io("syncing", &dir)).and_then(|()| segment::sync_dir(&dir))
            {
                eprintln!("shrike-decisionlog: {e}");
            }
            seal(&dir, old.seq, &old.file, &old.index, &file);
            prepare_spare(&spare, bytes);
        };
        let handle = std::thread::Builder::new()
            .name("shrike-dlog-seal".into())
            .spawn(seal)
            .map_err(LogError::io("starting the seal thread", &self.inner.dir))?;
        st.pending.push_back(handle);
        release_sealed_memory(st);
        Ok(())
    }

    /// A snapshot of every segment for a query.
    fn views(&self) -> Vec<View> {
        let mut st = self.state();
        release_sealed_memory(&mut st);
        let mut views: Vec<View> = st
            .sealed
            .iter()
            .map(|s| View { seq: s.seq, meta: s.meta, mem: s.mem.clone(), file: Arc::clone(&s.file) })
            .collect();
        let a = &st.active;
        let meta = crate::query::read_meta(&a.index);
        views.push(View { seq: a.seq, meta, mem: Some(Arc::clone(&a.index)), file: Arc::new(OnceLock::new()) });
        views
    }

    /// Decisions matching every set filter of `q` (checked by the caller), newest first.
    pub fn query(&self, q: &DecisionQuery) -> Result<Page<DecisionRow, DecisionCursor>> {
        crate::query::run(&self.inner.dir, self.views(), q)
    }

    /// One decision by id.
    pub fn get(&self, id: &str) -> Result<Option<DecisionRow>> {
        crate::query::get(&self.inner.dir, self.views(), id)
    }

    /// Idempotent insert (the records API's contract): rows whose id is stored already, or
    /// repeated in `rows`, are skipped; returns how many were written. Each row costs a
    /// lookup by id, so the service's own path is [`DecisionLog::append`].
    pub fn insert(&self, rows: &[DecisionRow]) -> Result<u64> {
        let mut seen = hashbrown::HashSet::new();
        let mut fresh = Vec::new();
        for r in rows {
            if seen.insert(r.decision_id.as_str()) && self.get(&r.decision_id)?.is_none() {
                fresh.push(r);
            }
        }
        let mut scratch: Vec<Vec<&str>> = fresh.iter().map(|_| Vec::new()).collect();
        let refs: Vec<RowRef<'_>> = fresh.iter().zip(scratch.iter_mut()).map(|(r, s)| RowRef::of(r, s)).collect();
        Ok(self.append(&refs)?.written)
    }

    /// Deletes whole segments whose decisions are all older than `before`, at most
    /// `max_segments` per call. Decisions older than `before` that share a segment with newer
    /// ones stay until the whole segment is old (at most one segment's span, [`Options`]).
    pub fn delete_before(&self, before: i64, max_segments: u32) -> Result<Purge> {
        let mut st = self.state();
        let a = crate::query::read_meta(&st.active.index);
        if a.rows > 0 && a.max_at < before {
            self.rotate(&mut st)?;
        }
        let mut purge = Purge { deleted: 0, done: true };
        let mut budget = max_segments;
        let mut i = 0;
        while i < st.sealed.len() {
            let s = &st.sealed[i];
            if s.meta.max_at >= before {
                i += 1;
                continue;
            }
            if budget == 0 || s.file.get().is_none() {
                // Out of budget, or its index is still being written: next call.
                purge.done = false;
                i += 1;
                continue;
            }
            let seq = s.seq;
            purge.deleted += s.meta.rows;
            st.sealed.remove(i);
            budget -= 1;
            for p in [seg_path(&self.inner.dir, seq), idx_path(&self.inner.dir, seq)] {
                std::fs::remove_file(&p).map_err(LogError::io("deleting", &p))?;
            }
        }
        Ok(purge)
    }

    /// Makes every appended row durable (fdatasync of the segment being written).
    pub fn sync(&self) -> Result<()> {
        let (file, seq) = {
            let st = self.state();
            (Arc::clone(&st.active.file), st.active.seq)
        };
        file.sync_data().map_err(LogError::io("syncing", seg_path(&self.inner.dir, seq)))
    }

    /// Waits for background seals, then syncs: for a clean shutdown.
    pub fn close(&self) -> Result<()> {
        let pending: Vec<JoinHandle<()>> = self.state().pending.drain(..).collect();
        for h in pending {
            let _ = h.join();
        }
        self.sync()
    }
}

/// Drops the in-memory index of sealed segments whose index file is in place.
fn release_sealed_memory(st: &mut State) {
    for s in &mut st.sealed {
        if s.file.get().is_some() {
            s.mem = None;
        }
    }
}

/// The background half of a seal: sync the segment, write its index, publish it.
fn seal(dir: &Path, seq: u64, file: &File, index: &RwLock<MemIndex>, out: &OnceLock<FileIndex>) {
    let (entries, meta) = {
        let m = index.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        (m.sorted_entries(), m.meta)
    };
    let path = idx_path(dir, seq);
    let done = file
        .sync_data()
        .map_err(LogError::io("syncing", seg_path(dir, seq)))
        .and_then(|()| crate::fileindex::write(&path, &entries, &meta))
        .and_then(|()| crate::fileindex::open(&path));
    match done {
        Ok(idx) => {
            let _ = out.set(idx);
        }
        // Queries keep using the index in memory; the next open rebuilds the file.
        Err(e) => eprintln!("shrike-decisionlog: sealing segment {seq}: {e}"),
    }
}

/// Every segment's sequence number, ascending; removes temporary index files.
fn list(dir: &Path) -> Result<Vec<u64>> {
    let mut seqs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(LogError::io("listing", dir))? {
        let entry = entry.map_err(LogError::io("listing", dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".idx.tmp") {
            let _ = std::fs::remove_file(entry.path());
        } else if let Some(seq) = segment::seq_of(&name) {
            seqs.push(seq);
        }
    }
    seqs.sort_unstable();
    Ok(seqs)
}

/// Rebuilds a segment's index by reading it; a torn end is cut off and reported.
fn rebuild(dir: &Path, seq: u64, segment_bytes: u64, rec: &mut Recovery) -> Result<(MemIndex, u64)> {
    let path = seg_path(dir, seq);
    let mut index = MemIndex::for_segment(segment_bytes);
    let (end, how) = segment::scan(&path, seq, |off, payload| {
        let row = crate::row::decode(payload).ok_or(LogError::Corrupt {
            path: path.clone(),
            offset: off,
            reason: "undecodable row",
        })?;
        let mut scratch = Vec::new();
        let r = RowRef::of(&row, &mut scratch);
        index.meta.add(r.decided_at);
        crate::keys::row_keys(&r, |k| index.post(k, r.decided_at, off as u32));
        Ok(())
    })?;
    if let ScanEnd::Torn { offset, reason } = how {
        let file = std::fs::OpenOptions::new().write(true).open(&path).map_err(LogError::io("opening", &path))?;
        file.set_len(offset).and_then(|()| file.sync_data()).map_err(LogError::io("truncating", &path))?;
        rec.truncated.push((path, offset, reason));
    }
    Ok((index, end))
}

fn open_sealed(dir: &Path, seq: u64, rec: &mut Recovery) -> Result<Sealed> {
    let bytes = std::fs::metadata(seg_path(dir, seq)).map_or(MIN_SEGMENT_BYTES, |m| m.len());
    let path = idx_path(dir, seq);
    let file = Arc::new(OnceLock::new());
    if let Ok(idx) = crate::fileindex::open(&path) {
        let meta = idx.meta;
        let _ = file.set(idx);
        return Ok(Sealed { seq, meta, mem: None, file });
    }
    let (index, _) = rebuild(dir, seq, bytes, rec)?;
    crate::fileindex::write(&path, &index.sorted_entries(), &index.meta)?;
    let idx = crate::fileindex::open(&path)?;
    rec.rebuilt_indexes += 1;
    let meta = idx.meta;
    let _ = file.set(idx);
    Ok(Sealed { seq, meta, mem: None, file })
}

fn open_active(dir: &Path, seq: u64, opts: Options, rec: &mut Recovery) -> Result<Active> {
    let path = seg_path(dir, seq);
    let (index, len) = match rebuild(dir, seq, opts.segment_bytes, rec) {
        Ok(found) => found,
        // A crash while creating the segment left its header incomplete: start it again.
        Err(LogError::Corrupt { offset: 0, .. }) => {
            rec.truncated.push((path.clone(), 0, "bad segment header"));
            return new_active(dir, seq, true, MemIndex::prefaulted(opts.segment_bytes));
        }
        Err(e) => return Err(e),
    };
    let file = std::fs::OpenOptions::new().append(true).open(&path).map_err(LogError::io("opening", &path))?;
    Ok(Active { seq, file: Arc::new(file), len, index: Arc::new(RwLock::new(index)) })
}

fn new_active(dir: &Path, seq: u64, durable: bool, index: MemIndex) -> Result<Active> {
    let file = segment::create(dir, seq, durable)?;
    Ok(Active { seq, file: Arc::new(file), len: HEADER, index: Arc::new(RwLock::new(index)) })
}

/// A thread that fdatasyncs the segment being written every [`SYNC_INTERVAL_MS`], until
/// the log is dropped.
fn start_syncer(inner: Weak<Inner>) {
    let run = move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(SYNC_INTERVAL_MS));
            let Some(inner) = inner.upgrade() else { return };
            let file = Arc::clone(&inner.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).active.file);
            drop(inner);
            let _ = file.sync_data();
        }
    };
    // Without the syncer only a power loss can take more; the log still works.
    let _ = std::thread::Builder::new().name("shrike-dlog-sync".into()).spawn(run);
}
