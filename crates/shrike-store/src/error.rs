//! Errors of the command log. Every variant names the file it concerns; corruption also names
//! the byte offset, so an operator can inspect (or, knowingly, truncate) the damaged file.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::frame::MAX_RECORD_BYTES;
use crate::pos::LogPos;

/// What is wrong with bytes of a log segment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Corruption {
    /// The segment header does not start with the segment magic.
    #[error("not a shrike log segment (bad magic)")]
    BadMagic,
    /// The segment header's checksum does not match.
    #[error("segment header checksum mismatch")]
    HeaderChecksum,
    /// The segment was written by an incompatible format version.
    #[error("segment format version {0} is not supported")]
    Version(u16),
    /// The header's first position disagrees with the file name.
    #[error("segment header says it starts at record {header}, its name says {name}")]
    FirstMismatch { header: LogPos, name: LogPos },
    /// The file is shorter than a segment header.
    #[error("segment is shorter than its header")]
    ShortHeader,
    /// A record header's length exceeds [`MAX_RECORD_BYTES`].
    #[error("record length {0} exceeds the limit of {MAX_RECORD_BYTES} bytes")]
    RecordTooLarge(u32),
    /// A record header carries kind 0, which no writer produces.
    #[error("record kind 0 is reserved")]
    ReservedKind,
    /// The record's checksum does not match its position, length, kind and payload.
    #[error("record checksum mismatch")]
    Checksum,
    /// The file ends in the middle of a record.
    #[error("segment ends in the middle of a record")]
    Incomplete,
    /// The last segment holds fewer records than were written to the log.
    #[error("segment ends at record {end}, but the log was written up to record {expected}")]
    Short { end: LogPos, expected: LogPos },
    /// Consecutive segments do not join: records are missing or duplicated.
    #[error("segment ends at record {end}, but the next segment starts at record {next_first}")]
    Gap { end: LogPos, next_first: LogPos },
}

/// Why a command-log operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A filesystem operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Bytes in a segment that cannot be a torn tail: never skipped, always reported.
    #[error("corrupt log segment {} at byte {offset}: {reason}", path.display())]
    Corrupt { path: PathBuf, offset: u64, reason: Corruption },
    /// An earlier write or fsync failed. The log accepts nothing more: after a failed fsync
    /// the kernel may have dropped the dirty pages, so retrying could report data durable that
    /// is not. Restart the process; recovery finds what is really on disk.
    #[error("the log failed earlier ({op} {}: {source}) and accepts no more writes", path.display())]
    Failed {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    /// A payload larger than [`MAX_RECORD_BYTES`].
    #[error("record of {len} bytes exceeds the limit of {MAX_RECORD_BYTES} bytes")]
    RecordTooLarge { len: usize },
    /// Kind 0 is reserved (an all-zero record header marks unwritten space).
    #[error("record kind 0 is reserved")]
    ReservedKind,
    /// A read or truncation before the first retained record.
    #[error("record {requested} is no longer in the log (the first retained record is {first})")]
    Truncated { requested: LogPos, first: LogPos },
    /// A position past the last record written.
    #[error("record {requested} is past the end of the log ({end})")]
    PastEnd { requested: LogPos, end: LogPos },
    /// `sync_to` was asked for records not yet written (still staged, or never appended).
    #[error("cannot sync to {requested}: records are written only up to {written}")]
    NotWritten { requested: LogPos, written: LogPos },
    /// A [`LogOptions`](crate::LogOptions) value out of its allowed range.
    #[error("invalid log option {field}: {message}")]
    InvalidOption { field: &'static str, message: String },
}

impl LogError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> LogError {
        let path = path.into();
        move |source| LogError::Io { op, path, source }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, offset: u64, reason: Corruption) -> LogError {
        LogError::Corrupt { path: path.into(), offset, reason }
    }
}
