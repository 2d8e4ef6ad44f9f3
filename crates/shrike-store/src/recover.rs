//! Opening the log: find the segments, scan the tail segment, cut off a torn tail.
//!
//! Only the tail segment can hold a torn write: the writer fdatasyncs a segment before it
//! creates the next one. So sealed segments are checked lazily, when read (any bad byte there
//! is an error), and the tail is scanned record by record at open. At the tail's first record
//! that does not verify, the rest of the file is a torn write — and is truncated — only when
//! it looks like one ([`classify`]); otherwise opening fails with the file and byte offset.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{Corruption, LogError};
use crate::frame::{self, FRAME_HEADER_BYTES, MAX_RECORD_BYTES, TornReason};
use crate::pos::LogPos;
use crate::segment::{self, Opened, SEGMENT_HEADER_BYTES, Segment, SegmentReader, Step};

/// What opening the log found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The first retained record.
    pub first: LogPos,
    /// One past the last record kept: the next append gets this position.
    pub end: LogPos,
    /// Segment files in the log.
    pub segments: usize,
    /// Records kept in the tail segment (all of them verified by the scan).
    pub tail_records: u64,
    /// The torn write cut off the tail segment, if there was one.
    pub truncated: Option<TornTail>,
}

impl Recovery {
    /// Records kept in the whole log.
    pub fn records(&self) -> u64 {
        self.end.0 - self.first.0
    }
}

/// A torn write removed from the end of the tail segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    pub path: PathBuf,
    /// Byte offset where the torn record started; the file now ends here.
    pub offset: u64,
    /// Bytes removed.
    pub bytes: u64,
    pub reason: TornReason,
}

/// The tail segment after its scan.
pub(crate) struct ScannedTail {
    pub(crate) file: File,
    pub(crate) len: u64,
    pub(crate) end: LogPos,
    pub(crate) truncated: Option<TornTail>,
}

/// Scans the tail segment, truncates a torn end, and returns it open for appending.
pub(crate) fn recover_tail(tail: &Segment) -> Result<ScannedTail, LogError> {
    let Scan { valid_len, end, torn } = scan(tail)?;
    let path = &tail.path;
    let file = OpenOptions::new().read(true).append(true).open(path).map_err(LogError::io("open segment", path))?;
    let len = file.metadata().map_err(LogError::io("stat", path))?.len();
    if len != valid_len {
        file.set_len(valid_len).map_err(LogError::io("truncate", path))?;
    }
    if valid_len == 0 {
        use std::io::Write;
        (&file).write_all(&segment::encode_header(tail.first)).map_err(LogError::io("write segment header", path))?;
    }
    // Whatever the previous process wrote may still be only in the page cache: make all of
    // it durable now, so `durable == end` holds from the start.
    file.sync_data().map_err(LogError::io("fdatasync", path))?;
    let truncated = torn.map(|(offset, reason)| TornTail { path: path.clone(), offset, bytes: len - offset, reason });
    Ok(ScannedTail { file, len: valid_len.max(SEGMENT_HEADER_BYTES), end, truncated })
}

/// What the scan of the tail found.
struct Scan {
    /// Bytes of the tail up to the end of its last valid record (0: rewrite the header).
    valid_len: u64,
    end: LogPos,
    /// Where and why a torn end starts.
    torn: Option<(u64, TornReason)>,
}

fn scan(tail: &Segment) -> Result<Scan, LogError> {
    let torn_header = Scan { valid_len: 0, end: tail.first, torn: Some((0, TornReason::PartialSegmentHeader)) };
    let mut reader = match SegmentReader::open(tail)? {
        Opened::Reader(reader) => reader,
        Opened::BadHeader { len, all_zero, .. } if len < SEGMENT_HEADER_BYTES || all_zero => return Ok(torn_header),
        Opened::BadHeader { reason, .. } => return Err(LogError::corrupt(&tail.path, 0, reason)),
    };
    let mut payload = Vec::new();
    loop {
        match reader.step(&mut payload)? {
            Step::Record { .. } => {}
            Step::End => return Ok(Scan { valid_len: reader.offset, end: reader.next, torn: None }),
            Step::Bad { offset, reason } => {
                let torn = classify(&tail.path, reader.next, offset, reason)?;
                return Ok(Scan { valid_len: offset, end: reader.next, torn: Some((offset, torn)) });
            }
        }
    }
}

/// Decides whether the bad record at `offset` (position `pos`) of the tail starts a torn
/// write. A crash mid-write leaves a file that ends inside the record, or (after power loss)
/// zeros where sectors were never written. A record that is complete and fails its check
/// with no zero sector, or that is followed by the valid next record, is corruption.
fn classify(path: &Path, pos: LogPos, offset: u64, reason: Corruption) -> Result<TornReason, LogError> {
    let file = File::open(path).map_err(LogError::io("open segment", path))?;
    let read = |at: u64, len: u64| segment::read_at(&file, at, len as usize).map_err(LogError::io("read", path));
    let head = read(offset, FRAME_HEADER_BYTES as u64)?;
    if head.len() < FRAME_HEADER_BYTES {
        return Ok(TornReason::PartialHeader);
    }
    if head.iter().all(|&b| b == 0) {
        return Ok(TornReason::ZeroHeader);
    }
    let len = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
    if len > MAX_RECORD_BYTES as u64 {
        return Err(LogError::corrupt(path, offset, reason));
    }
    let frame_len = FRAME_HEADER_BYTES as u64 + len;
    let frame = read(offset, frame_len)?;
    if (frame.len() as u64) < frame_len {
        return Ok(TornReason::PartialRecord);
    }
    if frame::has_zero_sector(offset, &frame) && !next_is_valid(&read, pos.next(), offset + frame_len)? {
        return Ok(TornReason::ZeroSector);
    }
    Err(LogError::corrupt(path, offset, reason))
}

/// True when a valid record for `pos` starts at `offset`: then the damage before it is
/// isolated corruption, not the end of what was written.
fn next_is_valid(
    read: &impl Fn(u64, u64) -> Result<Vec<u8>, LogError>,
    pos: LogPos,
    offset: u64,
) -> Result<bool, LogError> {
    let raw = read(offset, FRAME_HEADER_BYTES as u64)?;
    let Ok(raw) = <[u8; FRAME_HEADER_BYTES]>::try_from(raw.as_slice()) else { return Ok(false) };
    let Ok(header) = frame::parse_header(&raw) else { return Ok(false) };
    let payload = read(offset + FRAME_HEADER_BYTES as u64, u64::from(header.len))?;
    Ok(payload.len() == header.len as usize && frame::verify(pos, &header, &payload).is_ok())
}
