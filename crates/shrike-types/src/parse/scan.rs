//! Byte-level scanning shared by the reader and the writer. Strings are most of an event's
//! bytes, so their scan is the hottest loop of the parser.

/// Length of the leading run of `bytes` that needs no attention inside a string: no `"`,
/// no `\\`, no control character. Strings are most of an event's bytes, so this looks at
/// eight bytes per step (SWAR: bit tricks on a `u64`) and only then byte by byte.
#[inline(always)]
pub(crate) fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bit set in each byte of `v` that is zero; exact up to the first such byte, which
    // is all we read.
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut done = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let quote = zero_bytes(word ^ (ONES * u64::from(b'"')));
        let backslash = zero_bytes(word ^ (ONES * u64::from(b'\\')));
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        let found = quote | backslash | control;
        if found != 0 {
            return done + (found.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    let tail = chunks.remainder();
    done + tail.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(tail.len())
}

/// `a == b` for short byte strings (object keys, type names) without a call to `memcmp`:
/// lengths first, then two overlapping 8- or 4-byte words. Longer strings use `==`.
#[inline(always)]
pub(crate) fn eq_short(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 16 {
        return a == b;
    }
    if n >= 8 {
        return word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8);
    }
    if n >= 4 {
        return word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

#[inline(always)]
fn word8(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_le_bytes)
}

#[inline(always)]
fn word4(s: &[u8], at: usize) -> u32 {
    s.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(0, u32::from_le_bytes)
}

/// Two little-endian words that, with the length, identify a key of at most 16 bytes: the
/// first and the last 8 bytes (overlapping) from 8 bytes on, the first and the last 4 from
/// 4 bytes on, else the bytes themselves.
#[inline(always)]
pub(crate) fn key_words(k: &[u8]) -> (u64, u64) {
    let n = k.len();
    let word = |at: usize, len: usize| {
        let mut bytes = [0u8; 8];
        if let (Some(dst), Some(src)) = (bytes.get_mut(..len), k.get(at..at + len)) {
            dst.copy_from_slice(src);
        }
        u64::from_le_bytes(bytes)
    };
    if n >= 8 {
        (word(0, 8), word(n - 8, 8))
    } else if n >= 4 {
        (word(0, 4), word(n - 4, 4))
    } else {
        (word(0, n), 0)
    }
}

/// [`key_words`] at compile time.
pub(crate) const fn const_key_words(k: &[u8]) -> (u64, u64) {
    const fn word(k: &[u8], at: usize, len: usize) -> u64 {
        let mut w = 0u64;
        let mut i = len;
        while i > 0 {
            i -= 1;
            w = (w << 8) | k[at + i] as u64;
        }
        w
    }
    let n = k.len();
    if n >= 8 {
        (word(k, 0, 8), word(k, n - 8, 8))
    } else if n >= 4 {
        (word(k, 0, 4), word(k, n - 4, 4))
    } else {
        (word(k, 0, n), 0)
    }
}

#[inline]
pub(crate) fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
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
    fn eq_short_agrees_with_eq() {
        let words: Vec<Vec<u8>> = (0..40)
            .flat_map(|len| {
                let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                let mut variants = vec![base.clone()];
                for pos in 0..len {
                    let mut v = base.clone();
                    v[pos] ^= 0x20;
                    variants.push(v);
                }
                variants
            })
            .collect();
        for a in &words {
            for b in &words {
                assert_eq!(eq_short(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn plain_run_stops_at_the_first_special_byte() {
        let specials = [b'"', b'\\', 0x00, 0x1f, b'\n'];
        for len in 0..20 {
            for &special in &specials {
                for pos in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = special;
                    // Bytes that must not stop the run, placed after the stop.
                    if pos + 1 < len {
                        bytes[pos + 1] = 0x80;
                    }
                    assert_eq!(plain_run(&bytes), pos, "len {len}, {special:#x} at {pos}");
                }
                assert_eq!(plain_run(&vec![b'a'; len]), len);
            }
        }
        assert_eq!(plain_run("é€😀 !~\x7f\u{ff}\"".as_bytes()), "é€😀 !~\x7f\u{ff}".len());
    }
}
