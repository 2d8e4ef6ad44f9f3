//! Normalising an address part: letters lower-cased, anything that is neither alphanumeric
//! nor whitespace dropped (so `St.` = `St`, `O'Brien` = `OBrien`), runs of whitespace
//! collapsed to one space, ends trimmed.

use std::borrow::Cow;

use crate::event::Str;

/// One part, normalised; borrowed when it already is.
pub(crate) fn normalise(part: Str<'_>) -> Str<'_> {
    if is_normal(&part) {
        return part;
    }
    let mut out = String::with_capacity(part.len());
    normalise_into(&mut out, &part);
    Cow::Owned(out)
}

/// Appends `part`, normalised (see the module doc), to `out`.
#[inline]
pub(crate) fn normalise_into(out: &mut String, part: &str) {
    if is_normal(part) {
        out.push_str(part);
    } else if part.is_ascii() {
        normalise_ascii_into(out, part.as_bytes());
    } else {
        normalise_chars_into(out, part);
    }
}

/// [`normalise_chars_into`] for ASCII text, a byte at a time. For ASCII, `char::is_whitespace`
/// is exactly `\t`, `\n`, `\x0b`, `\x0c`, `\r` and space, and `char::is_alphanumeric` is
/// `is_ascii_alphanumeric`.
fn normalise_ascii_into(out: &mut String, part: &[u8]) {
    let start = out.len();
    let mut space = false;
    for &b in part {
        if matches!(b, b' ' | b'\t'..=b'\r') {
            space = out.len() > start;
        } else if b.is_ascii_alphanumeric() {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(char::from(b.to_ascii_lowercase()));
        }
    }
}

/// The general case of [`normalise_into`], a character at a time.
fn normalise_chars_into(out: &mut String, part: &str) {
    let start = out.len();
    let mut space = false;
    for c in part.chars() {
        if c.is_whitespace() {
            space = out.len() > start;
        } else if c.is_alphanumeric() {
            if space {
                out.push(' ');
                space = false;
            }
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
}

/// Whether an ASCII part is already normal: only `[a-z0-9]` and single spaces between
/// them. Non-ASCII parts are always re-normalised: the check would cost as much as the work.
///
/// Parts are mostly 4 to 16 bytes: those are checked as two overlapping words (the first
/// and the last 8 or 4 bytes), without a loop; every pair of neighbours lies within one of
/// the two words, bar the middle pair of exactly 16 bytes.
#[inline]
pub(crate) fn is_normal(part: &str) -> bool {
    let b = part.as_bytes();
    let n = b.len();
    let (first, last) = match (b.first_chunk::<8>(), b.last_chunk::<8>(), b.first_chunk::<4>(), b.last_chunk::<4>()) {
        (Some(first), Some(last), _, _) if n <= 16 => (u64::from_le_bytes(*first), u64::from_le_bytes(*last)),
        // Four to seven bytes: the high half of each word is padding that passes (`a`).
        (None, None, Some(first), Some(last)) => {
            let pad = u64::from(u32::from_le_bytes(*b"aaaa")) << 32;
            (u64::from(u32::from_le_bytes(*first)) | pad, u64::from(u32::from_le_bytes(*last)) | pad)
        }
        _ => return is_normal_bytes(b),
    };
    let (Some(spaces), Some(last_spaces)) = (normal_spaces(first), normal_spaces(last)) else {
        return false;
    };
    let middle = n == 16 && b.get(7..9) == Some(b"  ");
    let doubled = (spaces & (spaces << 8)) | (last_spaces & (last_spaces << 8));
    doubled == 0 && !middle && b.first() != Some(&b' ') && b.last() != Some(&b' ')
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each space byte of `word` (little-endian), if all its bytes are
/// `[a-z0-9 ]`; else `None`.
#[inline(always)]
fn normal_spaces(word: u64) -> Option<u64> {
    if word & HIGHS != 0 {
        return None;
    }
    // High bit of each byte that is >= c: no byte has its high bit set, so adding 0x80 - c
    // to it stays within the byte (no carry into the next).
    let at_least = |c: u8| word.wrapping_add(ONES * u64::from(0x80 - c)) & HIGHS;
    let lower = at_least(b'a') & !at_least(b'z' + 1);
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let space = at_least(b' ') & !at_least(b' ' + 1);
    (lower | digit | space == HIGHS).then_some(space)
}

/// [`is_normal`] a byte at a time: for parts shorter than 4 or longer than 16 bytes, and
/// the definition the word check is tested against.
fn is_normal_bytes(b: &[u8]) -> bool {
    // `space` starts true so that a leading space fails like a double one.
    let mut space = true;
    for &c in b {
        if c == b' ' {
            if space {
                return false;
            }
            space = true;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            space = false;
        } else {
            return false;
        }
    }
    !space || b.is_empty()
}

pub(crate) fn is_normal_key(key: &str) -> bool {
    key.split('|').all(is_normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        normalise_into(&mut out, s);
        out
    }

    #[test]
    fn normalises_parts() {
        let cases = [
            ("1 Main St.", "1 main st"),
            ("  1  main\tst ", "1 main st"),
            ("O'Brien-Str. 5", "obrienstr 5"),
            ("Straße 7 · Köln", "straße 7 köln"),
            ("Apt #5, Floor 2", "apt 5 floor 2"),
            ("a | b", "a b"),
            ("...", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(norm(raw), want, "{raw}");
            assert_eq!(norm(want), want, "idempotent: {want}");
            assert_eq!(is_normal(want), want.is_ascii(), "{want}");
        }
        assert!(!is_normal("1 Main St"));
        assert!(!is_normal(" 1"));
    }

    #[test]
    fn ascii_fast_paths_agree_with_chars() {
        let mut samples: Vec<String> = (0u8..128).map(|b| format!("a{}B {}c", char::from(b), char::from(b))).collect();
        samples.extend(
            ["", " ", "a", "a ", " a", "a  b", "a b", "1957 south rd", "96783-938", "SAO PAULO", "x\x0by", "x\x1cy"]
                .map(String::from),
        );
        for s in &samples {
            let mut chars = String::from("k|");
            normalise_chars_into(&mut chars, s);
            let mut fast = String::from("k|");
            normalise_into(&mut fast, s);
            assert_eq!(fast, chars, "{s:?}");
            let mut ascii = String::from("k|");
            normalise_ascii_into(&mut ascii, s.as_bytes());
            assert_eq!(ascii, chars, "{s:?}");
            let normal = chars.get(2..).unwrap_or_default();
            assert_eq!(is_normal(s), s == normal, "{s:?}");
        }
    }

    #[test]
    fn word_check_agrees_with_bytes() {
        let alphabet = [b'a', b'z', b'0', b'9', b' ', b' ', b'm', b'A', b'.', b'{', b'/', b':', b'`', 0x7f, 0x1f, b'|'];
        let mut state = 0x853c_49e6_748f_ea9bu64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300_000 {
            let len = (next() % 24) as usize;
            let text: Vec<u8> = (0..len).map(|_| alphabet[(next() % 16) as usize]).collect();
            let text = String::from_utf8(text).unwrap_or_default();
            assert_eq!(is_normal(&text), is_normal_bytes(text.as_bytes()), "{text:?}");
        }
        for text in
            ["", " ", "a", "a ", " a", "a  b", "abcdefgh", "abcdefg ", "abcdefg  h", "abcdefghijklmno ", "é", "abcdéf"]
        {
            assert_eq!(is_normal(text), is_normal_bytes(text.as_bytes()), "{text:?}");
        }
        assert!(!is_normal("abcdefg  ijklmno"));
        assert!(is_normal("abcdefg ijklmnop"));
    }
}
