//! The snapshot file format, all integers little-endian:
//!
//! ```text
//! magic "SHRKSNAP" | version u16 = 1 | reserved u16 = 0 | pos u64 | part count u32
//! part table: per part, name length u16 | name (UTF-8) | data length u64
//! part data, in table order
//! crc u32: CRC-32 (IEEE) over every byte before it
//! ```

use std::io::{self, Write};
use std::ops::Range;

use crate::pos::LogPos;
use crate::snapshot::SnapshotCorruption;

/// The snapshot format this build writes and reads.
pub const SNAPSHOT_FORMAT_VERSION: u16 = 1;
/// Most parts in one snapshot.
pub const MAX_SNAPSHOT_PARTS: usize = 64;
/// Longest part name, in bytes.
pub const MAX_PART_NAME_BYTES: usize = 64;
const MAGIC: &[u8; 8] = b"SHRKSNAP";
const HEADER_BYTES: usize = 24;
const TRAILER_BYTES: usize = 4;

/// Why a part list cannot be written (checked before any byte is).
pub(crate) fn check_parts(parts: &[(&str, &[u8])]) -> Result<(), (String, &'static str)> {
    if parts.len() > MAX_SNAPSHOT_PARTS {
        return Err((String::new(), "too many parts"));
    }
    for (i, (name, _)) in parts.iter().enumerate() {
        if name.is_empty() || name.len() > MAX_PART_NAME_BYTES {
            return Err((name.to_string(), "a part name has 1 to 64 bytes"));
        }
        if parts[..i].iter().any(|(other, _)| other == name) {
            return Err((name.to_string(), "duplicate part name"));
        }
    }
    Ok(())
}

/// Bytes a snapshot of `parts` takes.
pub(crate) fn encoded_len(parts: &[(&str, &[u8])]) -> u64 {
    let table: usize = parts.iter().map(|(name, _)| 2 + name.len() + 8).sum();
    let data: u64 = parts.iter().map(|(_, data)| data.len() as u64).sum();
    (HEADER_BYTES + table + TRAILER_BYTES) as u64 + data
}

/// Writes a snapshot to `out`, checksum included. The parts were checked.
pub(crate) fn write(out: impl Write, pos: LogPos, parts: &[(&str, &[u8])]) -> io::Result<()> {
    let mut out = CrcWriter { inner: out, hasher: crc32fast::Hasher::new() };
    out.write_all(MAGIC)?;
    out.write_all(&SNAPSHOT_FORMAT_VERSION.to_le_bytes())?;
    out.write_all(&[0, 0])?;
    out.write_all(&pos.0.to_le_bytes())?;
    out.write_all(&(parts.len() as u32).to_le_bytes())?;
    for (name, data) in parts {
        out.write_all(&(name.len() as u16).to_le_bytes())?;
        out.write_all(name.as_bytes())?;
        out.write_all(&(data.len() as u64).to_le_bytes())?;
    }
    for (_, data) in parts {
        out.write_all(data)?;
    }
    let crc = out.hasher.clone().finalize();
    out.inner.write_all(&crc.to_le_bytes())?;
    out.inner.flush()
}

struct CrcWriter<W> {
    inner: W,
    hasher: crc32fast::Hasher,
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A decoded snapshot: its position and where each part lies in the file's bytes.
pub(crate) struct Decoded {
    pub(crate) pos: LogPos,
    pub(crate) parts: Vec<(String, Range<usize>)>,
}

/// Checks and decodes a whole snapshot file. Never panics: every length is checked against
/// the bytes that are there.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, SnapshotCorruption> {
    let body_len = bytes.len().checked_sub(TRAILER_BYTES).filter(|&n| n >= HEADER_BYTES);
    let body_len = body_len.ok_or(SnapshotCorruption::Truncated)?;
    let (body, trailer) = bytes.split_at(body_len);
    if crc32fast::hash(body).to_le_bytes() != trailer {
        return Err(SnapshotCorruption::Checksum);
    }
    let mut cursor = Cursor { bytes: body, at: 0 };
    if cursor.take(8)? != MAGIC {
        return Err(SnapshotCorruption::BadMagic);
    }
    let version = cursor.u16()?;
    if version != SNAPSHOT_FORMAT_VERSION || cursor.u16()? != 0 {
        return Err(SnapshotCorruption::Version(version));
    }
    let pos = LogPos(cursor.u64()?);
    let count = cursor.u32()? as usize;
    if count > MAX_SNAPSHOT_PARTS {
        return Err(SnapshotCorruption::Table("too many parts"));
    }
    let table = (0..count).map(|_| cursor.table_entry()).collect::<Result<Vec<_>, _>>()?;
    let parts = lay_out(table, cursor.at, body.len())?;
    Ok(Decoded { pos, parts })
}

/// Turns (name, length) entries into byte ranges from `start`; they must fill `end` exactly.
fn lay_out(
    table: Vec<(String, u64)>,
    start: usize,
    end: usize,
) -> Result<Vec<(String, Range<usize>)>, SnapshotCorruption> {
    let mut at = start;
    let mut parts = Vec::with_capacity(table.len());
    for (name, len) in table {
        if parts.iter().any(|(other, _): &(String, _)| *other == name) {
            return Err(SnapshotCorruption::Table("duplicate part name"));
        }
        let stop = usize::try_from(len).ok().and_then(|len| at.checked_add(len)).filter(|&stop| stop <= end);
        let stop = stop.ok_or(SnapshotCorruption::Table("part runs past the end of the file"))?;
        parts.push((name, at..stop));
        at = stop;
    }
    if at != end {
        return Err(SnapshotCorruption::Table("bytes after the last part"));
    }
    Ok(parts)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotCorruption> {
        let stop = self.at.checked_add(n).filter(|&stop| stop <= self.bytes.len());
        let stop = stop.ok_or(SnapshotCorruption::Table("part table runs past the end of the file"))?;
        let out = &self.bytes[self.at..stop];
        self.at = stop;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotCorruption> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, SnapshotCorruption> {
        self.array().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Result<u32, SnapshotCorruption> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, SnapshotCorruption> {
        self.array().map(u64::from_le_bytes)
    }

    fn table_entry(&mut self) -> Result<(String, u64), SnapshotCorruption> {
        let name_len = self.u16()? as usize;
        if name_len == 0 || name_len > MAX_PART_NAME_BYTES {
            return Err(SnapshotCorruption::Table("part name length out of range"));
        }
        let name = std::str::from_utf8(self.take(name_len)?)
            .map_err(|_| SnapshotCorruption::Table("part name is not UTF-8"))?;
        Ok((name.to_string(), self.u64()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(pos: u64, parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, LogPos(pos), parts).unwrap();
        assert_eq!(out.len() as u64, encoded_len(parts));
        out
    }

    #[test]
    fn round_trip() {
        let bytes = encode(42, &[("features", b"abc"), ("empty", b""), ("engine", b"xyz1")]);
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.pos, LogPos(42));
        let parts: Vec<(&str, &[u8])> = decoded.parts.iter().map(|(n, r)| (n.as_str(), &bytes[r.clone()])).collect();
        assert_eq!(parts, [("features", &b"abc"[..]), ("empty", b""), ("engine", b"xyz1")]);
    }

    #[test]
    fn every_truncation_and_bit_flip_is_rejected() {
        let bytes = encode(7, &[("a", b"hello"), ("bb", b"world!")]);
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "truncated to {len}");
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[i] ^= 1 << bit;
                assert!(decode(&bad).is_err(), "bit {bit} of byte {i}");
            }
        }
    }

    #[test]
    fn part_lists_are_checked_before_writing() {
        assert!(check_parts(&[("a", b""), ("a", b"")]).is_err());
        assert!(check_parts(&[("", b"")]).is_err());
        let long = "x".repeat(MAX_PART_NAME_BYTES + 1);
        assert!(check_parts(&[(long.as_str(), b"")]).is_err());
        assert!(check_parts(&[("features", b"1"), ("dedup", b"2")]).is_ok());
    }
}
