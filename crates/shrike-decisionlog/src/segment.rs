//! Segment files: `{seq:020}.seg`, a 24-byte header then records back to back.
//!
//! ```text
//! header: magic "SHRKDLOG" | version u16 = 1 | reserved u16 = 0 | seq u64 | crc u32 (of the 20 bytes before)
//! record: len u32 | crc u32 | payload (an encoded row, len bytes)
//! ```
//! A record's crc is CRC-32 over `offset u64 ‖ payload`: the offset is checksummed but not
//! stored, so a frame read at a wrong offset fails its check.

use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{LogError, Result};
use crate::limits::MAX_ROW_BYTES;

const MAGIC: &[u8; 8] = b"SHRKDLOG";
const VERSION: u16 = 1;
/// Bytes before the first record.
pub(crate) const HEADER: u64 = 24;
/// Bytes of a record's frame before its payload.
pub(crate) const FRAME: usize = 8;

pub(crate) fn seg_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.seg"))
}

pub(crate) fn idx_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.idx"))
}

/// The sequence number of a segment file's name, if it is one.
pub(crate) fn seq_of(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".seg")?;
    if stem.len() != 20 {
        return None;
    }
    stem.parse().ok()
}

fn header(seq: u64) -> [u8; HEADER as usize] {
    let mut h = [0u8; HEADER as usize];
    h[..8].copy_from_slice(MAGIC);
    h[8..10].copy_from_slice(&VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&seq.to_le_bytes());
    let crc = crc32fast::hash(&h[..20]);
    h[20..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Creates segment `seq` with its header; with `durable`, file and directory are synced
/// before it returns (otherwise the caller syncs them later: see `log::seal`).
pub(crate) fn create(dir: &Path, seq: u64, durable: bool) -> Result<File> {
    let path = seg_path(dir, seq);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(LogError::io("creating", &path))?;
    file.set_len(0).map_err(LogError::io("truncating", &path))?;
    std::io::Write::write_all(&mut &file, &header(seq)).map_err(LogError::io("writing", &path))?;
    if durable {
        file.sync_data().map_err(LogError::io("syncing", &path))?;
        sync_dir(dir)?;
    }
    Ok(file)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(LogError::io("syncing the directory", dir))
}

/// Appends the frame of `payload` (to be written at byte `offset` of its segment) to `out`.
pub(crate) fn frame(offset: u64, payload: &[u8], out: &mut Vec<u8>) {
    let mut h = crc32fast::Hasher::new();
    h.update(&offset.to_le_bytes());
    h.update(payload);
    // Payloads are at most MAX_ROW_BYTES.
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&h.finalize().to_le_bytes());
    out.extend_from_slice(payload);
}

fn crc_at(offset: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&offset.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// The payload of the record at `offset`, verified. `buf` is reused between reads.
pub(crate) fn read_at<'b>(file: &File, path: &Path, offset: u64, buf: &'b mut Vec<u8>) -> Result<&'b [u8]> {
    let corrupt = |reason| LogError::Corrupt { path: path.to_path_buf(), offset, reason };
    buf.resize(FRAME + 1024, 0);
    let got = read_some(file, path, offset, buf)?;
    if got < FRAME {
        return Err(corrupt("record past the end of the segment"));
    }
    let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    let crc = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
    if len == 0 || len > MAX_ROW_BYTES {
        return Err(corrupt("record length out of range"));
    }
    if got < FRAME + len {
        buf.resize(FRAME + len, 0);
        file.read_exact_at(&mut buf[got..], offset + got as u64).map_err(|_| corrupt("record cut short"))?;
    }
    let payload = &buf[FRAME..FRAME + len];
    if crc_at(offset, payload) != crc {
        return Err(corrupt("record checksum mismatch"));
    }
    Ok(payload)
}

fn read_some(file: &File, path: &Path, offset: u64, buf: &mut [u8]) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LogError::io("reading", path)(e)),
        }
    }
    Ok(got)
}

/// How a scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanEnd {
    /// Every byte was a verified record.
    Clean,
    /// From this offset on the bytes are not a record: a torn write when it is the tail.
    Torn { offset: u64, reason: &'static str },
}

/// Reads every record of segment `seq` in order, calling `f(offset, payload)`; returns
/// where the valid records end and whether bytes follow. A bad header is an error.
pub(crate) fn scan(path: &Path, seq: u64, mut f: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<(u64, ScanEnd)> {
    let file = File::open(path).map_err(LogError::io("opening", path))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut head = [0u8; HEADER as usize];
    if r.read_exact(&mut head).is_err() || head != header(seq) {
        return Err(LogError::Corrupt { path: path.to_path_buf(), offset: 0, reason: "bad segment header" });
    }
    let (mut offset, mut payload) = (HEADER, Vec::new());
    loop {
        let mut fh = [0u8; FRAME];
        match read_full(&mut r, &mut fh, path)? {
            0 => return Ok((offset, ScanEnd::Clean)),
            n if n < FRAME => return Ok((offset, ScanEnd::Torn { offset, reason: "partial record header" })),
            _ => {}
        }
        let len = u32::from_le_bytes([fh[0], fh[1], fh[2], fh[3]]) as usize;
        if len == 0 || len > MAX_ROW_BYTES {
            return Ok((offset, ScanEnd::Torn { offset, reason: "record length out of range" }));
        }
        payload.resize(len, 0);
        if read_full(&mut r, &mut payload, path)? < len {
            return Ok((offset, ScanEnd::Torn { offset, reason: "partial record" }));
        }
        if crc_at(offset, &payload) != u32::from_le_bytes([fh[4], fh[5], fh[6], fh[7]]) {
            return Ok((offset, ScanEnd::Torn { offset, reason: "record checksum mismatch" }));
        }
        f(offset, &payload)?;
        offset += (FRAME + len) as u64;
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8], path: &Path) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LogError::io("reading", path)(e)),
        }
    }
    Ok(got)
}
