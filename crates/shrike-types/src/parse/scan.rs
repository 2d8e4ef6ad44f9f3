//! Byte-level scanning shared by the reader and the writer. Strings are most of an event's
//! bytes, so their scan is the hottest loop of the parser.

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// High bit set in each byte of `v` that is zero; exact up to the first such byte, which is
/// all the scans read (borrows only run upwards from a zero byte).
#[inline(always)]
const fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// [`zero_bytes`] of the `"` bytes of a little-endian word.
#[inline(always)]
pub(crate) const fn quote_bytes(word: u64) -> u64 {
    zero_bytes(word ^ (ONES * b'"' as u64))
}

/// The bytes of a little-endian word that end a plain string run: `"`, `\\` or a control
/// character (exact up to the first, as [`zero_bytes`]).
#[inline(always)]
const fn special_bytes(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote_bytes(word) | zero_bytes(word ^ (ONES * b'\\' as u64)) | control
}

/// Index of the first byte flagged in a non-zero [`zero_bytes`]-style mask.
#[inline(always)]
pub(crate) const fn first_flagged(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The low `n` bytes of a word (`n < 8`).
#[inline(always)]
pub(crate) const fn low_bytes(word: u64, n: usize) -> u64 {
    word & ((1u64 << (8 * (n % 8))) - 1)
}

/// The 16 bytes at `at` as two little-endian words; `None` within 16 bytes of the end.
#[inline(always)]
pub(crate) fn words16(bytes: &[u8], at: usize) -> Option<[u64; 2]> {
    let chunk = bytes.get(at..)?.first_chunk::<16>()?;
    let word = u128::from_le_bytes(*chunk);
    Some([word as u64, (word >> 64) as u64])
}

/// Length of the leading run of `bytes` that needs no attention inside a string: no `"`,
/// no `\\`, no control character. Strings are most of an event's bytes, so this looks at
/// eight bytes per step (SWAR: bit tricks on a `u64`) and only then byte by byte.
#[inline(always)]
pub(crate) fn plain_run(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut done = 0;
    for chunk in chunks.by_ref() {
        let found = special_bytes(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        if found != 0 {
            return done + first_flagged(found);
        }
        done += 8;
    }
    let tail = chunks.remainder();
    done + tail.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(tail.len())
}

/// [`plain_run`] of `bytes[start..]`, for the short strings most values are: the first 16
/// bytes are two words straight from one load, without the loop.
#[inline(always)]
pub(crate) fn plain_len(bytes: &[u8], start: usize) -> usize {
    let Some([w0, w1]) = words16(bytes, start) else {
        return plain_run(bytes.get(start..).unwrap_or_default());
    };
    let found = special_bytes(w0);
    if found != 0 {
        return first_flagged(found);
    }
    let found = special_bytes(w1);
    if found != 0 {
        return 8 + first_flagged(found);
    }
    16 + plain_run(bytes.get(start + 16..).unwrap_or_default())
}

/// The offset of the first non-whitespace byte at or after `i`. Inline for the usual case,
/// a token right there (events are mostly compact JSON).
#[inline(always)]
pub(crate) fn skip_ws(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(&b) if b > b' ' => i,
        None => i,
        Some(_) => skip_ws_run(bytes, i),
    }
}

#[inline(never)]
fn skip_ws_run(bytes: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(i) {
        i += 1;
    }
    i
}

pub(crate) fn digits_end(bytes: &[u8], from: usize) -> usize {
    let tail = bytes.get(from..).unwrap_or_default();
    from + tail.iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_run_stops_at_the_first_special_byte() {
        let specials = [b'"', b'\\', 0x00, 0x1f, b'\n'];
        for len in 0..40 {
            for &special in &specials {
                for pos in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = special;
                    // Bytes that must not stop the run, placed after the stop.
                    if pos + 1 < len {
                        bytes[pos + 1] = 0x80;
                    }
                    assert_eq!(plain_run(&bytes), pos, "len {len}, {special:#x} at {pos}");
                    for before in 0..3 {
                        let mut shifted = vec![b'x'; before];
                        shifted.extend_from_slice(&bytes);
                        assert_eq!(plain_len(&shifted, before), pos, "len {len}, {special:#x} at {pos}");
                    }
                }
                assert_eq!(plain_run(&vec![b'a'; len]), len);
            }
        }
        assert_eq!(plain_run("é€😀 !~\x7f\u{ff}\"".as_bytes()), "é€😀 !~\x7f\u{ff}".len());
    }
}
