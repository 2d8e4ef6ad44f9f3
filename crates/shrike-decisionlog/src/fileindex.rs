//! The index of a sealed segment: `{seq:020}.idx`, every posting `(key, at, off)` sorted,
//! found by binary search with `pread`s (nothing of it is held in memory, so the log's
//! memory does not grow with its size; the page cache keeps the hot parts).
//!
//! ```text
//! header: magic "SHRKDIDX" | version u16 = 1 | reserved u16 | entries u64 | rows u64 |
//!         min_at i64 | max_at i64 | crc u32 (of the 44 bytes before)
//! entry:  key u64 | at i64 | off u32                         (20 bytes, sorted)
//! ```
//! Entries are not checksummed: a damaged entry can only point at a wrong offset, whose
//! record then fails its own checksum (reported as corruption), or hide a posting.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::{LogError, Result};
use crate::limits::INDEX_CHUNK;
use crate::memindex::Meta;

const MAGIC: &[u8; 8] = b"SHRKDIDX";
const HEADER: u64 = 48;
const ENTRY: u64 = 20;

fn header(entries: u64, meta: &Meta) -> [u8; HEADER as usize] {
    let mut h = [0u8; HEADER as usize];
    h[..8].copy_from_slice(MAGIC);
    h[8..10].copy_from_slice(&1u16.to_le_bytes());
    h[12..20].copy_from_slice(&entries.to_le_bytes());
    h[20..28].copy_from_slice(&meta.rows.to_le_bytes());
    h[28..36].copy_from_slice(&meta.min_at.to_le_bytes());
    h[36..44].copy_from_slice(&meta.max_at.to_le_bytes());
    let crc = crc32fast::hash(&h[..44]);
    h[44..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Writes the index durably: to `PATH.tmp`, fsync, rename, fsync the directory.
pub(crate) fn write(path: &Path, entries: &[(u64, i64, u32)], meta: &Meta) -> Result<()> {
    let tmp = path.with_extension("idx.tmp");
    let file = File::create(&tmp).map_err(LogError::io("creating", &tmp))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let io = LogError::io("writing", &tmp);
    let written = (|| {
        w.write_all(&header(entries.len() as u64, meta))?;
        for (key, at, off) in entries {
            w.write_all(&key.to_le_bytes())?;
            w.write_all(&at.to_le_bytes())?;
            w.write_all(&off.to_le_bytes())?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    })();
    written.map_err(io)?;
    std::fs::rename(&tmp, path).map_err(LogError::io("renaming", &tmp))?;
    crate::segment::sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// A sealed index: entry count, the segment's meta from the header, and every
/// [`FENCE`]th entry's `(key, at)`, so that finding a key costs one binary search in memory
/// and one `pread` of a block (~8 KiB of memory per million postings).
#[derive(Debug)]
pub(crate) struct FileIndex {
    pub(crate) entries: u64,
    pub(crate) meta: Meta,
    fences: Vec<(u64, i64)>,
}

/// Entries per fence block.
const FENCE: u64 = 1024;

/// Reads and verifies the header of the index at `path`.
pub(crate) fn open(path: &Path) -> Result<FileIndex> {
    let file = File::open(path).map_err(LogError::io("opening", path))?;
    let mut h = [0u8; HEADER as usize];
    file.read_exact_at(&mut h, 0).map_err(LogError::io("reading", path))?;
    let int = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().unwrap_or_default());
    let entries = int(12);
    let len = file.metadata().map_err(LogError::io("reading", path))?.len();
    let crc_ok = crc32fast::hash(&h[..44]).to_le_bytes() == h[44..48];
    if &h[..8] != MAGIC || !crc_ok || len != HEADER + entries * ENTRY {
        return Err(LogError::Corrupt { path: path.to_path_buf(), offset: 0, reason: "bad index header or size" });
    }
    let meta = Meta { rows: int(20), min_at: int(28) as i64, max_at: int(36) as i64, monotone: false };
    let fences = (0..entries.div_ceil(FENCE)).map(|b| entry(&file, path, b * FENCE)).collect::<Result<_>>()?;
    Ok(FileIndex { entries, meta, fences })
}

fn entry(file: &File, path: &Path, i: u64) -> Result<(u64, i64)> {
    let mut b = [0u8; 16];
    file.read_exact_at(&mut b, HEADER + i * ENTRY).map_err(LogError::io("reading", path))?;
    let (k, a) = b.split_at(8);
    Ok((u64::from_le_bytes(k.try_into().unwrap_or_default()), i64::from_le_bytes(a.try_into().unwrap_or_default())))
}

/// The first entry index whose `(key, at)` is not below `target` (or above it, with
/// `inclusive`): the fences narrow it to one block, read with one `pread`.
fn bound(file: &File, path: &Path, idx: &FileIndex, target: (u64, i64), inclusive: bool) -> Result<u64> {
    let before = |e: &(u64, i64)| *e < target || (inclusive && *e == target);
    // Fence j-1 is before the target and fence j is not: the bound is in between.
    let j = idx.fences.partition_point(before) as u64;
    if j == 0 {
        return Ok(0);
    }
    let (lo, hi) = ((j - 1) * FENCE, (j * FENCE).min(idx.entries));
    let mut buf = vec![0u8; ((hi - lo) * ENTRY) as usize];
    file.read_exact_at(&mut buf, HEADER + lo * ENTRY).map_err(LogError::io("reading", path))?;
    let keys: Vec<(u64, i64)> = buf
        .chunks_exact(ENTRY as usize)
        .map(|e| {
            let k = u64::from_le_bytes(e[..8].try_into().unwrap_or_default());
            (k, i64::from_le_bytes(e[8..16].try_into().unwrap_or_default()))
        })
        .collect();
    Ok(lo + keys.partition_point(before) as u64)
}

/// The postings of one key with `lo <= at <= hi`, read newest first in chunks.
pub(crate) struct FileCursor {
    file: File,
    start: u64,
    end: u64,
}

impl FileCursor {
    pub(crate) fn new(path: &Path, idx: &FileIndex, key: u64, lo: i64, hi: i64) -> Result<FileCursor> {
        let file = File::open(path).map_err(LogError::io("opening", path))?;
        let start = bound(&file, path, idx, (key, lo), false)?;
        let end = bound(&file, path, idx, (key, hi), true)?.max(start);
        Ok(FileCursor { file, start, end })
    }

    /// The next (older) chunk of `(at, off)`, newest first; empty at the end.
    pub(crate) fn next_chunk(&mut self, path: &Path, out: &mut Vec<(i64, u32)>) -> Result<()> {
        let n = (self.end - self.start).min(INDEX_CHUNK as u64);
        if n == 0 {
            return Ok(());
        }
        let first = self.end - n;
        let mut buf = vec![0u8; (n * ENTRY) as usize];
        self.file.read_exact_at(&mut buf, HEADER + first * ENTRY).map_err(LogError::io("reading", path))?;
        for e in buf.chunks_exact(ENTRY as usize).rev() {
            let at = i64::from_le_bytes(e[8..16].try_into().unwrap_or_default());
            let off = u32::from_le_bytes(e[16..20].try_into().unwrap_or_default());
            out.push((at, off));
        }
        self.end = first;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_bounds_agree_with_a_linear_search_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.idx");
        // 5,000 entries over 37 keys with repeated times: many fence blocks, runs across them.
        let mut entries: Vec<(u64, i64, u32)> =
            (0..5000u32).map(|i| (u64::from(i % 37), i64::from(i % 101), i)).collect();
        entries.sort_unstable();
        write(&path, &entries, &Meta::default()).unwrap();
        let idx = open(&path).unwrap();
        let file = File::open(&path).unwrap();
        for key in [0u64, 5, 36, 40] {
            for at in [-1i64, 0, 50, 100, 200] {
                for inclusive in [false, true] {
                    let want = entries
                        .iter()
                        .filter(|e| (e.0, e.1) < (key, at) || (inclusive && (e.0, e.1) == (key, at)))
                        .count();
                    assert_eq!(
                        bound(&file, &path, &idx, (key, at), inclusive).unwrap(),
                        want as u64,
                        "{key} {at} {inclusive}"
                    );
                }
            }
        }
    }
}
