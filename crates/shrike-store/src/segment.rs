//! Segment files: `log/{first:020}.log`, a 24-byte header, then records back to back.
//!
//! Header: `magic "SHRKLOG\0" | version u16 | reserved u16 = 0 | first u64 | crc u32`, the crc
//! being CRC-32 over the 20 bytes before it. `first` is the position of the segment's first
//! record and equals the number in the file name.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{Corruption, LogError};
use crate::frame::{self, FRAME_HEADER_BYTES};
use crate::pos::LogPos;

/// Bytes of a segment header.
pub const SEGMENT_HEADER_BYTES: u64 = 24;
/// The segment format this build writes and reads.
pub const SEGMENT_VERSION: u16 = 1;
const MAGIC: &[u8; 8] = b"SHRKLOG\0";
const EXTENSION: &str = "log";
/// Read-ahead of the segment reader: recovery reads sequentially.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// One segment of the log, as the writer and readers know it.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) first: LogPos,
    pub(crate) path: PathBuf,
}

pub(crate) fn file_name(first: LogPos) -> String {
    format!("{:020}.{EXTENSION}", first.0)
}

/// The first position named by a segment file name, or `None` for any other file.
pub(crate) fn parse_name(name: &str) -> Option<LogPos> {
    let digits = name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(LogPos)
}

/// Segments in `dir`, ordered by first position.
pub(crate) fn list(dir: &Path) -> Result<Vec<Segment>, LogError> {
    let mut segments = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(LogError::io("list", dir))? {
        let entry = entry.map_err(LogError::io("list", dir))?;
        if let Some(first) = entry.file_name().to_str().and_then(parse_name) {
            segments.push(Segment { first, path: entry.path() });
        }
    }
    segments.sort_by_key(|s| s.first);
    Ok(segments)
}

pub(crate) fn encode_header(first: LogPos) -> [u8; SEGMENT_HEADER_BYTES as usize] {
    let mut header = [0u8; SEGMENT_HEADER_BYTES as usize];
    header[..8].copy_from_slice(MAGIC);
    header[8..10].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
    header[12..20].copy_from_slice(&first.0.to_le_bytes());
    let crc = crc32fast::hash(&header[..20]);
    header[20..].copy_from_slice(&crc.to_le_bytes());
    header
}

pub(crate) fn check_header(bytes: &[u8; SEGMENT_HEADER_BYTES as usize], name: LogPos) -> Result<(), Corruption> {
    if bytes[..8] != *MAGIC {
        return Err(Corruption::BadMagic);
    }
    if crc32fast::hash(&bytes[..20]).to_le_bytes() != bytes[20..24] {
        return Err(Corruption::HeaderChecksum);
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != SEGMENT_VERSION || bytes[10..12] != [0, 0] {
        return Err(Corruption::Version(version));
    }
    let header = LogPos(bytes[12..20].iter().rev().fold(0, |acc, &b| acc << 8 | u64::from(b)));
    if header != name {
        return Err(Corruption::FirstMismatch { header, name });
    }
    Ok(())
}

/// Creates a new segment starting at `first`, with its header written and synced. The caller
/// syncs the directory.
pub(crate) fn create(dir: &Path, first: LogPos) -> Result<(File, PathBuf), LogError> {
    let path = dir.join(file_name(first));
    let mut file = OpenOptions::new()
        .create_new(true)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(LogError::io("create segment", &path))?;
    file.write_all(&encode_header(first)).map_err(LogError::io("write segment header", &path))?;
    file.sync_data().map_err(LogError::io("fdatasync", &path))?;
    Ok((file, path))
}

/// Reads `len` bytes at `offset`, or fewer at the end of the file.
pub(crate) fn read_at(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        match file.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// What [`SegmentReader::step`] found at the current offset.
#[derive(Debug)]
pub(crate) enum Step {
    /// A verified record; its payload is in the buffer passed to `step`.
    Record { pos: LogPos, kind: u8 },
    /// The file ends exactly here.
    End,
    /// The bytes here are not a valid record (the reader stays at `offset`).
    Bad { offset: u64, reason: Corruption },
}

/// Sequential, verifying reader of one segment's records.
#[derive(Debug)]
pub(crate) struct SegmentReader {
    pub(crate) path: PathBuf,
    file: BufReader<File>,
    /// Byte offset of the next record.
    pub(crate) offset: u64,
    /// File length when opened: the log is not written while it is read.
    pub(crate) len: u64,
    /// Position of the next record.
    pub(crate) next: LogPos,
}

/// The result of opening a segment: a reader, or the header's problem.
pub(crate) enum Opened {
    Reader(SegmentReader),
    BadHeader { reason: Corruption, all_zero: bool, len: u64 },
}

impl SegmentReader {
    pub(crate) fn open(segment: &Segment) -> Result<Opened, LogError> {
        let path = &segment.path;
        let file = File::open(path).map_err(LogError::io("open segment", path))?;
        let len = file.metadata().map_err(LogError::io("stat", path))?.len();
        let bytes = read_at(&file, 0, SEGMENT_HEADER_BYTES as usize).map_err(LogError::io("read", path))?;
        let all_zero = bytes.iter().all(|&b| b == 0);
        let Ok(header) = <[u8; SEGMENT_HEADER_BYTES as usize]>::try_from(bytes.as_slice()) else {
            return Ok(Opened::BadHeader { reason: Corruption::ShortHeader, all_zero, len });
        };
        if let Err(reason) = check_header(&header, segment.first) {
            return Ok(Opened::BadHeader { reason, all_zero, len });
        }
        let mut file = file;
        file.seek(SeekFrom::Start(SEGMENT_HEADER_BYTES)).map_err(LogError::io("seek", path))?;
        let file = BufReader::with_capacity(READ_BUFFER_BYTES, file);
        let reader = SegmentReader { path: path.clone(), file, offset: SEGMENT_HEADER_BYTES, len, next: segment.first };
        Ok(Opened::Reader(reader))
    }

    /// Opens a segment whose header must be valid (any segment but a recovering tail).
    pub(crate) fn open_valid(segment: &Segment) -> Result<SegmentReader, LogError> {
        match SegmentReader::open(segment)? {
            Opened::Reader(reader) => Ok(reader),
            Opened::BadHeader { reason, .. } => Err(LogError::corrupt(&segment.path, 0, reason)),
        }
    }

    /// Reads and verifies the record at the current offset into `payload`.
    pub(crate) fn step(&mut self, payload: &mut Vec<u8>) -> Result<Step, LogError> {
        let offset = self.offset;
        let rest = self.len - offset;
        if rest == 0 {
            return Ok(Step::End);
        }
        if rest < FRAME_HEADER_BYTES as u64 {
            return Ok(Step::Bad { offset, reason: Corruption::Incomplete });
        }
        let mut raw = [0u8; FRAME_HEADER_BYTES];
        self.file.read_exact(&mut raw).map_err(LogError::io("read", &self.path))?;
        let header = match frame::parse_header(&raw) {
            Ok(header) => header,
            Err(reason) => return Ok(self.bad(offset, reason)),
        };
        if header.frame_bytes() > rest {
            return Ok(self.bad(offset, Corruption::Incomplete));
        }
        payload.resize(header.len as usize, 0);
        self.file.read_exact(payload).map_err(LogError::io("read", &self.path))?;
        if let Err(reason) = frame::verify(self.next, &header, payload) {
            return Ok(self.bad(offset, reason));
        }
        self.offset += header.frame_bytes();
        let pos = self.next;
        self.next = pos.next();
        Ok(Step::Record { pos, kind: header.kind })
    }

    /// A bad record ends sequential reading: the buffered reader's position is no longer
    /// meaningful, so it is marked as exhausted.
    fn bad(&mut self, offset: u64, reason: Corruption) -> Step {
        self.len = offset;
        Step::Bad { offset, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_other_files() {
        assert_eq!(file_name(LogPos(42)), "00000000000000000042.log");
        assert_eq!(parse_name("00000000000000000042.log"), Some(LogPos(42)));
        for other in ["42.log", "00000000000000000042.log.tmp", "0000000000000000004x.log", "LOCK", ".log"] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn header_round_trip_and_checks() {
        let header = encode_header(LogPos(9));
        assert_eq!(check_header(&header, LogPos(9)), Ok(()));
        assert_eq!(
            check_header(&header, LogPos(8)),
            Err(Corruption::FirstMismatch { header: LogPos(9), name: LogPos(8) })
        );
        let mut bad = header;
        bad[13] ^= 1;
        assert_eq!(check_header(&bad, LogPos(9)), Err(Corruption::HeaderChecksum));
        bad = header;
        bad[0] = b'X';
        assert_eq!(check_header(&bad, LogPos(9)), Err(Corruption::BadMagic));
    }
}
