//! State snapshots: `snapshots/{pos:020}.snap`, written atomically, several kept.
//!
//! A snapshot at position `p` holds named parts (feature store, dedup memory, engine
//! watermark, lists, …) that together are the state after applying records `0..p`; recovery
//! restores it and replays the log from `p`. A write goes to `{pos}.snap.tmp`, is fsynced,
//! renamed into place and the directory fsynced: a crash leaves either the old set of
//! snapshots plus a temporary file (ignored, then removed at open) or the new snapshot.

mod format;

use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dir::{DataDir, DirLock, sync_dir};
use crate::pos::LogPos;

pub use format::{MAX_PART_NAME_BYTES, MAX_SNAPSHOT_PARTS, SNAPSHOT_FORMAT_VERSION};

/// Snapshots kept by default: the newest and one to fall back on if it is unreadable.
pub const DEFAULT_KEEP_SNAPSHOTS: usize = 2;
/// Most snapshots kept.
pub const MAX_KEEP_SNAPSHOTS: usize = 100;
/// Largest snapshot file read back (a snapshot is read whole into memory).
pub const MAX_SNAPSHOT_BYTES: u64 = 64 * 1024 * 1024 * 1024;
/// Write buffer of a snapshot file.
const WRITE_BUFFER_BYTES: usize = 1024 * 1024;
const EXTENSION: &str = "snap";
const TEMP_EXTENSION: &str = "snap.tmp";

/// What is wrong with a snapshot file's bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotCorruption {
    #[error("file is too short to be a snapshot")]
    Truncated,
    #[error("checksum mismatch")]
    Checksum,
    #[error("not a shrike snapshot (bad magic)")]
    BadMagic,
    #[error("snapshot format version {0} is not supported")]
    Version(u16),
    #[error("bad part table: {0}")]
    Table(&'static str),
    #[error("file name says position {name}, contents say {contents}")]
    PosMismatch { name: LogPos, contents: LogPos },
}

/// Why a snapshot operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("corrupt snapshot {}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: SnapshotCorruption },
    #[error("snapshot {} has {bytes} bytes, more than the limit of {MAX_SNAPSHOT_BYTES}", path.display())]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("invalid snapshot part `{name}`: {message}")]
    InvalidPart { name: String, message: &'static str },
    /// Snapshots only move forward: one at `pos` would be older than the newest.
    #[error("snapshot at {pos} is older than the newest snapshot, at {newest}")]
    Stale { pos: LogPos, newest: LogPos },
    #[error("invalid snapshot option {field}: {message}")]
    InvalidOption { field: &'static str, message: String },
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SnapshotError {
    let path = path.to_path_buf();
    move |source| SnapshotError::Io { op, path, source }
}

/// Options of [`Snapshots::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// Snapshots kept after each write, newest first (1..=[`MAX_KEEP_SNAPSHOTS`]).
    pub keep: usize,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions { keep: DEFAULT_KEEP_SNAPSHOTS }
    }
}

/// A snapshot read back and verified.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub pos: LogPos,
    pub path: PathBuf,
    bytes: Vec<u8>,
    parts: Vec<(String, Range<usize>)>,
}

impl Snapshot {
    /// The part called `name`.
    pub fn part(&self, name: &str) -> Option<&[u8]> {
        self.parts.iter().find(|(n, _)| n == name).map(|(_, range)| &self.bytes[range.clone()])
    }

    /// All parts, in the order they were written.
    pub fn parts(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.parts.iter().map(|(name, range)| (name.as_str(), &self.bytes[range.clone()]))
    }
}

/// The result of [`Snapshots::latest`].
#[derive(Debug)]
pub struct Latest {
    /// The newest snapshot that verifies, if any does.
    pub snapshot: Option<Snapshot>,
    /// Newer snapshots that were skipped, newest first, each with its error: the service
    /// reports them, since each one means lost disk integrity.
    pub rejected: Vec<SnapshotError>,
}

/// A snapshot just written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub pos: LogPos,
    pub path: PathBuf,
    pub bytes: u64,
    /// Older snapshots deleted to keep [`SnapshotOptions::keep`].
    pub pruned: usize,
}

/// The snapshot directory of a [`DataDir`].
#[derive(Debug)]
pub struct Snapshots {
    dir: PathBuf,
    options: SnapshotOptions,
    _lock: Arc<DirLock>,
}

impl Snapshots {
    /// Opens the snapshot directory and removes temporary files left by a crash mid-write.
    pub fn open(data: &DataDir, options: SnapshotOptions) -> Result<Snapshots, SnapshotError> {
        if !(1..=MAX_KEEP_SNAPSHOTS).contains(&options.keep) {
            let message = format!("{} is outside 1..={MAX_KEEP_SNAPSHOTS}", options.keep);
            return Err(SnapshotError::InvalidOption { field: "keep", message });
        }
        let dir = data.snapshot_dir();
        let snapshots = Snapshots { dir, options, _lock: data.lock() };
        for temp in snapshots.scan(TEMP_EXTENSION)? {
            std::fs::remove_file(&temp.1).map_err(io_err("delete temporary snapshot", &temp.1))?;
        }
        Ok(snapshots)
    }

    /// Writes a snapshot of `parts` at `pos` atomically, then keeps only the newest
    /// [`SnapshotOptions::keep`]. A snapshot at the newest position replaces it.
    pub fn write(&mut self, pos: LogPos, parts: &[(&str, &[u8])]) -> Result<Written, SnapshotError> {
        format::check_parts(parts).map_err(|(name, message)| SnapshotError::InvalidPart { name, message })?;
        let bytes = format::encoded_len(parts);
        let path = self.dir.join(file_name(pos, EXTENSION));
        if bytes > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::TooLarge { path, bytes });
        }
        if let Some(&(newest, _)) = self.list()?.first()
            && newest > pos
        {
            return Err(SnapshotError::Stale { pos, newest });
        }
        let temp = self.dir.join(file_name(pos, TEMP_EXTENSION));
        if let Err(e) = write_file(&temp, pos, parts) {
            // Best effort: a leftover is removed at the next open anyway.
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
        std::fs::rename(&temp, &path).map_err(io_err("rename", &temp))?;
        sync_dir(&self.dir).map_err(io_err("fsync directory", &self.dir))?;
        let pruned = self.prune()?;
        Ok(Written { pos, path, bytes, pruned })
    }

    /// The newest snapshot that verifies; newer corrupt ones are reported in
    /// [`Latest::rejected`]. Fails only if the directory cannot be listed.
    pub fn latest(&self) -> Result<Latest, SnapshotError> {
        let mut rejected = Vec::new();
        for (pos, path) in self.list()? {
            match read(&path, pos) {
                Ok(snapshot) => return Ok(Latest { snapshot: Some(snapshot), rejected }),
                Err(e) => rejected.push(e),
            }
        }
        Ok(Latest { snapshot: None, rejected })
    }

    /// The oldest snapshot kept. The log must keep its records from here on, so that a
    /// fallback to this snapshot still finds them: pass it to
    /// [`CommandLog::truncate_before`](crate::CommandLog::truncate_before). `None`: keep all.
    pub fn oldest(&self) -> Result<Option<LogPos>, SnapshotError> {
        Ok(self.list()?.last().map(|&(pos, _)| pos))
    }

    /// Snapshot files, newest first.
    pub fn list(&self) -> Result<Vec<(LogPos, PathBuf)>, SnapshotError> {
        let mut found = self.scan(EXTENSION)?;
        found.sort_by_key(|&(pos, _)| std::cmp::Reverse(pos));
        Ok(found)
    }

    fn scan(&self, extension: &str) -> Result<Vec<(LogPos, PathBuf)>, SnapshotError> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(io_err("list", &self.dir))? {
            let entry = entry.map_err(io_err("list", &self.dir))?;
            if let Some(pos) = entry.file_name().to_str().and_then(|name| parse_name(name, extension)) {
                found.push((pos, entry.path()));
            }
        }
        Ok(found)
    }

    fn prune(&self) -> Result<usize, SnapshotError> {
        let old = self.list()?.into_iter().skip(self.options.keep).collect::<Vec<_>>();
        for (_, path) in &old {
            std::fs::remove_file(path).map_err(io_err("delete snapshot", path))?;
        }
        if !old.is_empty() {
            sync_dir(&self.dir).map_err(io_err("fsync directory", &self.dir))?;
        }
        Ok(old.len())
    }
}

fn file_name(pos: LogPos, extension: &str) -> String {
    format!("{:020}.{extension}", pos.0)
}

fn parse_name(name: &str, extension: &str) -> Option<LogPos> {
    let digits = name.strip_suffix(extension)?.strip_suffix('.')?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(LogPos)
}

fn write_file(path: &Path, pos: LogPos, parts: &[(&str, &[u8])]) -> Result<(), SnapshotError> {
    let file = File::create(path).map_err(io_err("create", path))?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER_BYTES, &file);
    format::write(&mut out, pos, parts).map_err(io_err("write", path))?;
    drop(out);
    file.sync_all().map_err(io_err("fsync", path))
}

fn read(path: &Path, name_pos: LogPos) -> Result<Snapshot, SnapshotError> {
    let file = File::open(path).map_err(io_err("open", path))?;
    let len = file.metadata().map_err(io_err("stat", path))?.len();
    if len > MAX_SNAPSHOT_BYTES {
        return Err(SnapshotError::TooLarge { path: path.to_path_buf(), bytes: len });
    }
    // A file too large for memory is an error, not an allocation abort.
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(len as usize).map_err(|e| io_err("allocate for", path)(io::Error::other(e)))?;
    file.take(MAX_SNAPSHOT_BYTES).read_to_end(&mut bytes).map_err(io_err("read", path))?;
    let corrupt = |reason| SnapshotError::Corrupt { path: path.to_path_buf(), reason };
    let decoded = format::decode(&bytes).map_err(corrupt)?;
    if decoded.pos != name_pos {
        return Err(corrupt(SnapshotCorruption::PosMismatch { name: name_pos, contents: decoded.pos }));
    }
    Ok(Snapshot { pos: decoded.pos, path: path.to_path_buf(), bytes, parts: decoded.parts })
}
