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
