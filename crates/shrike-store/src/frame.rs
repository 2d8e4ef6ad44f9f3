//! Record framing: `[len u32][crc u32][kind u8][payload; len]`, little-endian.
//!
//! `crc` is CRC-32 (IEEE) over `pos u64 ‖ len u32 ‖ kind u8 ‖ payload`. The position is not
//! stored but is part of the checksum, so a record read at the wrong position (a stale or
//! misplaced frame) fails its check. Kind 0 is reserved: an all-zero header is unwritten
//! space, never a record.

use crate::error::Corruption;
use crate::pos::LogPos;

/// Bytes of a record header.
pub const FRAME_HEADER_BYTES: usize = 9;
/// Largest record payload. A policy swap carries up to `shrike_dsl`'s `MAX_SOURCE_BYTES`
/// (1 MiB) of source plus its metadata, and an event at most `MAX_EVENT_BYTES` (64 KiB); the
/// limit leaves room for both and bounds what recovery allocates for one record.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;
/// Torn writes leave whole device sectors unwritten (zero); see [`classify_torn`].
pub(crate) const SECTOR_BYTES: u64 = 512;

/// A decoded record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) len: u32,
    pub(crate) crc: u32,
    pub(crate) kind: u8,
}

impl Header {
    pub(crate) fn frame_bytes(&self) -> u64 {
        FRAME_HEADER_BYTES as u64 + u64::from(self.len)
    }
}

/// Appends one framed record to `buf`. The caller has checked kind and length.
pub(crate) fn encode(buf: &mut Vec<u8>, pos: LogPos, kind: u8, payload: &[u8]) {
    debug_assert!(kind != 0 && payload.len() <= MAX_RECORD_BYTES);
    let len = payload.len() as u32;
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&checksum(pos, len, kind, payload).to_le_bytes());
    buf.push(kind);
    buf.extend_from_slice(payload);
}

pub(crate) fn checksum(pos: LogPos, len: u32, kind: u8, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&pos.0.to_le_bytes());
    hasher.update(&len.to_le_bytes());
    hasher.update(&[kind]);
    hasher.update(payload);
    hasher.finalize()
}

/// Decodes a header; the length and kind are checked here, the checksum by [`verify`].
pub(crate) fn parse_header(bytes: &[u8; FRAME_HEADER_BYTES]) -> Result<Header, Corruption> {
    let [l0, l1, l2, l3, c0, c1, c2, c3, kind] = *bytes;
    let header = Header { len: u32::from_le_bytes([l0, l1, l2, l3]), crc: u32::from_le_bytes([c0, c1, c2, c3]), kind };
    if header.kind == 0 {
        return Err(Corruption::ReservedKind);
    }
    if header.len as usize > MAX_RECORD_BYTES {
        return Err(Corruption::RecordTooLarge(header.len));
    }
    Ok(header)
}

pub(crate) fn verify(pos: LogPos, header: &Header, payload: &[u8]) -> Result<(), Corruption> {
    if checksum(pos, header.len, header.kind, payload) == header.crc { Ok(()) } else { Err(Corruption::Checksum) }
}

/// Why the end of the last segment was judged a torn write (and truncated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TornReason {
    /// Fewer bytes than a record header remain.
    PartialHeader,
    /// The header's length runs past the end of the file.
    PartialRecord,
    /// The header is all zeros: space the file system extended but never wrote.
    ZeroHeader,
    /// The record fails its check and holds a sector-aligned run of zeros (a sector the
    /// device never wrote), and the bytes after it are not the next record.
    ZeroSector,
    /// The segment file is shorter than its header, or its header is all zeros: the crash
    /// happened while the segment was being created.
    PartialSegmentHeader,
}

/// True when some piece of `frame` (which starts at file offset `offset`), cut at device
/// sector boundaries, is all zeros — the trace a torn multi-sector write leaves (the rule
/// etcd's WAL uses). A checksum failure without such a trace is corruption, not a tear.
pub(crate) fn has_zero_sector(offset: u64, frame: &[u8]) -> bool {
    let first = (SECTOR_BYTES - offset % SECTOR_BYTES) as usize;
    let (head, rest) = frame.split_at(first.min(frame.len()));
    std::iter::once(head).chain(rest.chunks(SECTOR_BYTES as usize)).any(|chunk| chunk.iter().all(|&b| b == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(frame: &[u8]) -> Result<Header, Corruption> {
        let bytes: [u8; FRAME_HEADER_BYTES] = frame[..FRAME_HEADER_BYTES].try_into().unwrap();
        parse_header(&bytes)
    }

    #[test]
    fn encode_then_parse_and_verify() {
        let mut buf = Vec::new();
        encode(&mut buf, LogPos(7), 3, b"hello");
        assert_eq!(buf.len(), FRAME_HEADER_BYTES + 5);
        let header = header_of(&buf).unwrap();
        assert_eq!((header.len, header.kind), (5, 3));
        assert_eq!(verify(LogPos(7), &header, &buf[FRAME_HEADER_BYTES..]), Ok(()));
        // The position is part of the checksum: the same bytes at another position fail.
        assert_eq!(verify(LogPos(8), &header, &buf[FRAME_HEADER_BYTES..]), Err(Corruption::Checksum));
    }

    #[test]
    fn header_rejects_reserved_kind_and_oversized_length() {
        assert_eq!(parse_header(&[0; FRAME_HEADER_BYTES]), Err(Corruption::ReservedKind));
        let mut big = [0u8; FRAME_HEADER_BYTES];
        big[..4].copy_from_slice(&(MAX_RECORD_BYTES as u32 + 1).to_le_bytes());
        big[8] = 1;
        assert_eq!(parse_header(&big), Err(Corruption::RecordTooLarge(MAX_RECORD_BYTES as u32 + 1)));
    }

    #[test]
    fn zero_sector_pieces_follow_file_offsets() {
        let mut frame = vec![1u8; 1200];
        assert!(!has_zero_sector(0, &frame));
        // File offset 500: pieces are [500, 512), [512, 1024), [1024, 1536) ∩ frame.
        frame[12..524].fill(0);
        assert!(has_zero_sector(500, &frame));
        assert!(!has_zero_sector(501, &frame), "the zero run is not a whole piece at this offset");
        frame[12..524].fill(1);
        frame[..12].fill(0);
        assert!(has_zero_sector(500, &frame), "the partial first piece counts");
    }
}
