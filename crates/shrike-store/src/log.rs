//! The writer side of the command log: staging, one write per batch, segment rolls,
//! truncation after a snapshot.

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dir::{DataDir, DirLock, sync_dir};
use crate::error::LogError;
use crate::frame::{self, FRAME_HEADER_BYTES, MAX_RECORD_BYTES};
use crate::pos::LogPos;
use crate::reader::LogReader;
use crate::recover::{self, Recovery};
use crate::segment::{self, SEGMENT_HEADER_BYTES, Segment};
use crate::sync::{Shared, SyncHandle, TailFile};

/// Default size at which the tail segment is sealed and a new one started.
pub const DEFAULT_SEGMENT_BYTES: u64 = 64 * 1024 * 1024;
/// Smallest allowed segment size (tests use small segments to exercise rolls).
pub const MIN_SEGMENT_BYTES: u64 = 4 * 1024;
/// Largest allowed segment size: bounds the scan of the tail at open.
pub const MAX_SEGMENT_BYTES: u64 = 1024 * 1024 * 1024;
/// Most bytes staged before they are written: a larger batch is written in several writes.
pub const MAX_STAGED_BYTES: usize = 8 * 1024 * 1024;

/// Options of [`CommandLog::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// A segment is sealed when the next record would take it past this many bytes (a record
    /// larger than that gets a segment of its own).
    pub segment_bytes: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions { segment_bytes: DEFAULT_SEGMENT_BYTES }
    }
}

impl LogOptions {
    fn validate(&self) -> Result<(), LogError> {
        if !(MIN_SEGMENT_BYTES..=MAX_SEGMENT_BYTES).contains(&self.segment_bytes) {
            let message = format!("{} is outside {MIN_SEGMENT_BYTES}..={MAX_SEGMENT_BYTES}", self.segment_bytes);
            return Err(LogError::InvalidOption { field: "segment_bytes", message });
        }
        Ok(())
    }
}

/// Sizes of the log, for metrics and retention decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogStats {
    pub first: LogPos,
    pub end: LogPos,
    pub written: LogPos,
    pub durable: LogPos,
    pub segments: usize,
    /// Bytes written to the tail segment (header included).
    pub tail_bytes: u64,
    /// Bytes of all segments (sealed ones and what was written to the tail).
    pub bytes: u64,
}

/// The append-only, segmented command log (format and recovery rules: docs/storage.md).
///
/// One writer: the engine thread owns the `CommandLog`; [`SyncHandle`]s make its writes
/// durable from other threads. Positions are handed out at [`stage`](CommandLog::stage);
/// staged records reach the OS at [`flush`](CommandLog::flush) (one `write` for the batch)
/// and stable storage at `sync`/`sync_to`. Staged records that were never flushed are lost
/// on drop or crash; they were never acknowledged.
///
/// Every record in the log is replayed at recovery, acknowledged or not: append only
/// commands the engine has accepted.
#[derive(Debug)]
pub struct CommandLog {
    dir: PathBuf,
    options: LogOptions,
    segments: Vec<Segment>,
    tail: Arc<TailFile>,
    /// Bytes written to the tail segment.
    tail_len: u64,
    /// Bytes of the sealed segments.
    sealed_bytes: u64,
    staged: Vec<u8>,
    /// The position the next staged record gets.
    next: LogPos,
    /// Records before this are written to the tail.
    written: LogPos,
    shared: Arc<Shared>,
    _lock: Arc<DirLock>,
}

impl CommandLog {
    /// Opens (or creates) the log in `data`'s `log/` directory, recovering the tail (see
    /// [`Recovery`]). After `open`, every record kept is durable.
    pub fn open(data: &DataDir, options: LogOptions) -> Result<(CommandLog, Recovery), LogError> {
        options.validate()?;
        let dir = data.log_dir();
        let segments = existing_or_first(&dir)?;
        // A previous process may have crashed before syncing the directory after a roll.
        sync_dir(&dir).map_err(LogError::io("fsync directory", &dir))?;
        let last = segments.len() - 1; // non-empty by construction
        let tail_segment = segments[last].clone();
        let sealed_bytes = segments[..last].iter().map(segment_bytes).sum::<Result<u64, _>>()?;
        let tail = recover::recover_tail(&tail_segment)?;
        let recovery = Recovery {
            first: segments[0].first,
            end: tail.end,
            segments: segments.len(),
            tail_records: tail.end.0 - tail_segment.first.0,
            truncated: tail.truncated,
        };
        let tail_file = Arc::new(TailFile { file: tail.file, path: tail_segment.path });
        let shared = Arc::new(Shared::new(Arc::clone(&tail_file), tail.end));
        let log = CommandLog {
            dir,
            options,
            segments,
            tail: tail_file,
            tail_len: tail.len,
            sealed_bytes,
            staged: Vec::new(),
            next: tail.end,
            written: tail.end,
            shared,
            _lock: data.lock(),
        };
        Ok((log, recovery))
    }

    /// A handle for syncing from other threads.
    pub fn sync_handle(&self) -> SyncHandle {
        SyncHandle { shared: Arc::clone(&self.shared) }
    }

    /// Adds a record to the current batch and returns its position. Does not write, except
    /// when the batch reaches [`MAX_STAGED_BYTES`] or the segment must roll first.
    pub fn stage(&mut self, kind: u8, payload: &[u8]) -> Result<LogPos, LogError> {
        self.shared.check()?;
        if kind == 0 {
            return Err(LogError::ReservedKind);
        }
        if payload.len() > MAX_RECORD_BYTES {
            return Err(LogError::RecordTooLarge { len: payload.len() });
        }
        let frame_len = FRAME_HEADER_BYTES + payload.len();
        let tail_has_records = self.next > self.tail_first();
        if tail_has_records && self.tail_len + (self.staged.len() + frame_len) as u64 > self.options.segment_bytes {
            self.roll()?;
        } else if self.staged.len() + frame_len > MAX_STAGED_BYTES {
            self.flush()?;
        }
        let pos = self.next;
        frame::encode(&mut self.staged, pos, kind, payload);
        self.next = pos.next();
        Ok(pos)
    }

    /// Writes the staged records with one `write` (no fsync); returns the written end.
    pub fn flush(&mut self) -> Result<LogPos, LogError> {
        self.shared.check()?;
        if self.staged.is_empty() {
            return Ok(self.written);
        }
        if let Err(e) = (&self.tail.file).write_all(&self.staged) {
            return Err(self.shared.fail("write", self.tail.path.clone(), e));
        }
        self.tail_len += self.staged.len() as u64;
        self.staged.clear();
        self.written = self.next;
        self.shared.set_written(self.written);
        Ok(self.written)
    }

    /// Stages and writes one record; returns its position.
    pub fn append(&mut self, kind: u8, payload: &[u8]) -> Result<LogPos, LogError> {
        let pos = self.stage(kind, payload)?;
        self.flush()?;
        Ok(pos)
    }

    /// Stages and writes a batch (one `write` unless it spans a segment roll or exceeds
    /// [`MAX_STAGED_BYTES`]); returns the positions it got.
    pub fn append_batch<'a>(
        &mut self,
        records: impl IntoIterator<Item = (u8, &'a [u8])>,
    ) -> Result<Range<LogPos>, LogError> {
        let start = self.next;
        for (kind, payload) in records {
            self.stage(kind, payload)?;
        }
        let end = self.flush()?;
        Ok(start..end)
    }

    /// Writes what is staged and waits until it is on stable storage; returns the durable end.
    pub fn sync(&mut self) -> Result<LogPos, LogError> {
        let end = self.flush()?;
        self.sync_handle().sync_to(end)
    }

    /// Seals the tail and starts a new segment at the written end. The old tail is synced
    /// first, so a segment exists only once all before it is durable (only the tail can be
    /// torn).
    fn roll(&mut self) -> Result<(), LogError> {
        self.flush()?;
        if let Err(e) = self.tail.file.sync_data() {
            return Err(self.shared.fail("fdatasync", self.tail.path.clone(), e));
        }
        let first = self.written;
        let created = segment::create(&self.dir, first)
            .and_then(|file| sync_dir(&self.dir).map(|()| file).map_err(LogError::io("fsync directory", &self.dir)));
        let (file, path) = match created {
            Ok(created) => created,
            // A failed roll leaves at most a partial segment, which recovery handles; this
            // process cannot continue without a tail.
            Err(e) => return Err(self.shared.fail("roll segment", self.dir.clone(), std::io::Error::other(e))),
        };
        self.segments.push(Segment { first, path: path.clone() });
        self.sealed_bytes += self.tail_len;
        self.tail = Arc::new(TailFile { file, path });
        self.tail_len = SEGMENT_HEADER_BYTES;
        self.shared.rolled(Arc::clone(&self.tail), first);
        Ok(())
    }

    /// Deletes every segment whose records are all before `pos` (after a snapshot at `pos`),
    /// oldest first, so a crash midway leaves a contiguous log. Never deletes the tail.
    /// Returns the number of segments deleted.
    pub fn truncate_before(&mut self, pos: LogPos) -> Result<usize, LogError> {
        if pos > self.next {
            return Err(LogError::PastEnd { requested: pos, end: self.next });
        }
        let doomed = self.segments.windows(2).take_while(|pair| pair[1].first <= pos).count();
        for _ in 0..doomed {
            let bytes = segment_bytes(&self.segments[0])?;
            let path = &self.segments[0].path;
            std::fs::remove_file(path).map_err(LogError::io("delete segment", path))?;
            self.segments.remove(0);
            self.sealed_bytes -= bytes;
        }
        if doomed > 0 {
            sync_dir(&self.dir).map_err(LogError::io("fsync directory", &self.dir))?;
        }
        Ok(doomed)
    }

    /// Reads the written records from `pos` on (recovery replay); staged records are not
    /// included.
    pub fn read_from(&self, pos: LogPos) -> Result<LogReader<'_>, LogError> {
        let first = self.first();
        if pos < first {
            return Err(LogError::Truncated { requested: pos, first });
        }
        if pos > self.written {
            return Err(LogError::PastEnd { requested: pos, end: self.written });
        }
        let start = self.segments.partition_point(|s| s.first <= pos).saturating_sub(1);
        Ok(LogReader::new(&self.segments[start..], pos, self.written))
    }

    /// The first retained record.
    pub fn first(&self) -> LogPos {
        self.segments.first().map_or(self.next, |s| s.first)
    }

    /// The position the next staged record gets.
    pub fn end(&self) -> LogPos {
        self.next
    }

    /// Records before this are written to the OS.
    pub fn written(&self) -> LogPos {
        self.written
    }

    /// Records before this are on stable storage.
    pub fn durable(&self) -> LogPos {
        self.shared.durable()
    }

    pub fn stats(&self) -> LogStats {
        LogStats {
            first: self.first(),
            end: self.next,
            written: self.written,
            durable: self.durable(),
            segments: self.segments.len(),
            tail_bytes: self.tail_len,
            bytes: self.sealed_bytes + self.tail_len,
        }
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn tail_first(&self) -> LogPos {
        self.segments.last().map_or(self.next, |s| s.first)
    }
}

fn segment_bytes(segment: &Segment) -> Result<u64, LogError> {
    Ok(std::fs::metadata(&segment.path).map_err(LogError::io("stat", &segment.path))?.len())
}

/// The segments in `dir`, or a new first segment at position 0 for an empty log.
fn existing_or_first(dir: &Path) -> Result<Vec<Segment>, LogError> {
    let segments = segment::list(dir)?;
    if !segments.is_empty() {
        return Ok(segments);
    }
    let (_, path) = segment::create(dir, LogPos(0))?;
    Ok(vec![Segment { first: LogPos(0), path }])
}
