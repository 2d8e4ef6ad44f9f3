//! A strict, single-pass JSON reader over one event's text (RFC 8259, no extensions).
//!
//! The reader is a cursor: the event mapping asks for the value it expects next, so nothing
//! is tokenised twice and no tree is built. Strings without escapes and numbers are slices
//! of the input. The whole input is checked to be UTF-8 once, up front, which is what lets
//! every slice be a `&str` without a per-string check; all slice boundaries fall on ASCII
//! bytes (`"`, `\`, delimiters), so they are always character boundaries.
//!
//! Fast paths (`plain_string`, `next_field`, `fixed_bytes`, …) read the token right at the
//! cursor, as compact JSON has it: the key and element readers leave the cursor past
//! whitespace, and where there is whitespace anyway the fast path declines and the general
//! path, which skips it, decides. So whitespace changes the path taken, never the result.
//!
//! Every read is bounds-checked (`get`, never `[]`): the input is untrusted.

use std::borrow::Cow;

use crate::limits::{MAX_JSON_DEPTH, MAX_STRING_LEN};
use crate::money::Money;

use super::error::{Fail, quote};
use super::escape;
use super::keys::{KeyTable, MAX_NAME, START};
use super::object::unknown_field;
use super::scan::{digits_end, first_flagged, low_bytes, plain_len, quote_bytes, skip_ws, words16};

/// One of the three JSON literals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lit {
    True,
    False,
    Null,
}

impl Lit {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Lit::True => "true",
            Lit::False => "false",
            Lit::Null => "null",
        }
    }
}

/// An object key, with the offset of its opening quote (for errors) and of the byte after
/// its closing quote (to copy it verbatim).
pub(crate) struct Key<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) at: usize,
    pub(crate) end: usize,
}

/// The cursor. `Copy` so that an error message can look ahead without consuming.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

const KEY_START: &str = "expected '\"' to start an object key";

/// `"…"` string limit message, shared by the fast and the escaped path.
pub(crate) fn too_long(at: usize) -> Fail {
    Fail::value(at, format!("string longer than MAX_STRING_LEN ({MAX_STRING_LEN} bytes)"))
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Reader { text, pos: 0, depth: 0 }
    }

    /// Byte offset of the cursor.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn slice(&self, start: usize, end: usize) -> Result<&'a str, Fail> {
        // Unreachable for offsets this reader produces (see the module doc); an error, not a
        // panic, all the same.
        self.text.get(start..end).ok_or_else(|| Fail::syntax(start, "invalid UTF-8"))
    }

    #[inline]
    fn skip_ws(&mut self) {
        self.pos = skip_ws(self.text.as_bytes(), self.pos);
    }

    /// Whether `byte` is right at the cursor (no whitespace skipped).
    #[inline(always)]
    pub(crate) fn at(&self, byte: u8) -> bool {
        self.byte() == Some(byte)
    }

    /// Skips whitespace and returns the next byte without consuming it.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.byte()
    }

    /// Succeeds only if nothing but whitespace is left.
    pub(crate) fn finish(&mut self) -> Result<(), Fail> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Fail::syntax(self.pos, "unexpected characters after the event object")),
        }
    }

    /// The error for a byte where a value should start.
    pub(crate) fn unexpected(&self) -> Fail {
        match self.byte() {
            None => Fail::syntax(self.pos, "unexpected end of input"),
            Some(_) => Fail::syntax(self.pos, "expected a value"),
        }
    }

    /// A value of the wrong JSON type: `expected {expected}, got {what is there}`. If the
    /// value is not even valid JSON, that syntax error wins.
    pub(crate) fn type_error(&self, expected: &str) -> Fail {
        match self.describe() {
            Ok(got) => Fail::value(self.pos, format!("expected {expected}, got {got}")),
            Err(fail) => fail,
        }
    }

    fn describe(&self) -> Result<String, Fail> {
        let mut probe = *self;
        Ok(match probe.byte() {
            Some(b'"') => quote(&probe.string()?),
            Some(b'{') => "an object".into(),
            Some(b'[') => "an array".into(),
            Some(b't' | b'f' | b'n') => probe.literal()?.text().into(),
            Some(b'-' | b'0'..=b'9') => {
                let n = probe.number()?;
                if n.len() > 40 { format!("a {}-character number", n.len()) } else { n.to_owned() }
            }
            _ => return Err(self.unexpected()),
        })
    }

    /// Consumes the `{` or `[` under the cursor, one nesting level deeper.
    pub(crate) fn enter(&mut self) -> Result<(), Fail> {
        if self.depth >= MAX_JSON_DEPTH {
            let msg = format!("nesting deeper than MAX_JSON_DEPTH ({MAX_JSON_DEPTH})");
            return Err(Fail::value(self.pos, msg));
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.pos += 1;
    }

    /// Moves to the next key of an object already entered; `None` after its `}`. `count`
    /// is the number of entries read so far, starting at 0; it is incremented per key.
    /// On `Some`, the cursor is at the key's value.
    ///
    /// Works on a local offset and takes a key without escapes in one step: keys are a
    /// third of an event's tokens.
    #[inline(always)]
    pub(crate) fn next_key(&mut self, count: &mut usize) -> Result<Option<Key<'a>>, Fail> {
        let bytes = self.text.as_bytes();
        let mut i = skip_ws(bytes, self.pos);
        match bytes.get(i) {
            Some(b',') if *count > 0 => i = skip_ws(bytes, i + 1),
            Some(b'}') => {
                self.pos = i;
                return Ok(self.close());
            }
            Some(b'"') if *count == 0 => {}
            _ => {
                self.pos = i;
                let msg = if *count > 0 { "expected ',' or '}' after object value" } else { KEY_START };
                return Err(self.delimiter_error(msg));
            }
        }
        *count += 1;
        if bytes.get(i) == Some(&b'"') {
            let start = i + 1;
            let end = start + plain_len(bytes, start);
            let name = sub(self.text, start, end).filter(|n| n.len() <= MAX_STRING_LEN);
            if let (Some(b'"'), Some(b':'), Some(name)) = (bytes.get(end), bytes.get(end + 1), name) {
                self.pos = skip_ws(bytes, end + 2);
                return Ok(Some(Key { name: Cow::Borrowed(name), at: i, end: end + 1 }));
            }
        }
        self.pos = i;
        self.key_slow().map(Some)
    }

    /// [`Self::next_key`] for an object whose keys must be names of `table`: the key's index
    /// and the offset of its opening quote, `None` after the `}`; a key that is not one of
    /// the names is an "unknown field" error.
    ///
    /// The usual key (compact, plain, known) is found straight from the 16 bytes after its
    /// quote (see [`KeyTable`]), without scanning it first: a known name holds no escape and
    /// no control character, so finding its closing quote is enough.
    ///
    /// `last` is the index of the previous key (or [`START`]): the next name in the table's
    /// order is tried first (see [`KeyTable::predicted`]).
    #[inline(always)]
    pub(crate) fn next_field<const N: usize>(
        &mut self,
        last: usize,
        table: &KeyTable<N>,
    ) -> Result<Option<(usize, usize)>, Fail> {
        let first = last == START;
        // Compact JSON only: whitespace before the delimiter or the key takes the general path.
        let bytes = self.text.as_bytes();
        let i = self.pos;
        let quote = match bytes.get(i) {
            Some(b',') if !first => i + 1,
            Some(b'"') if first => i,
            Some(b'}') => {
                self.pos = i;
                self.leave();
                return Ok(None);
            }
            _ => return self.next_field_slow(first, table),
        };
        if bytes.get(quote) != Some(&b'"') {
            return self.next_field_slow(first, table);
        }
        let start = quote + 1;
        let words = words16(bytes, start);
        let (index, expected) = table.predicted(last);
        let found = if let Some(words) = words
            && words[0] & expected.mask[0] == expected.words[0]
            && words[1] & expected.mask[1] == expected.words[1]
        {
            Some((index, start + expected.len))
        } else {
            words
                .and_then(|words| known_words(bytes, start, words, table))
                .filter(|&(_, end)| bytes.get(end + 1) == Some(&b':'))
        };
        match found {
            Some((index, end)) => {
                self.pos = skip_ws(bytes, end + 2);
                Ok(Some((index, quote)))
            }
            None => self.next_field_slow(first, table),
        }
    }

    #[inline(never)]
    fn next_field_slow<const N: usize>(
        &mut self,
        first: bool,
        table: &KeyTable<N>,
    ) -> Result<Option<(usize, usize)>, Fail> {
        let Some(key) = self.next_key(&mut usize::from(!first))? else {
            return Ok(None);
        };
        match table.lookup(&key.name) {
            Some(index) => Ok(Some((index, key.at))),
            None => Err(unknown_field(&key, table.names)),
        }
    }

    /// The general case of [`Self::next_key`] from the key's opening quote (or what stands
    /// in its place): escapes, whitespace before the `:`, errors.
    #[inline(never)]
    fn key_slow(&mut self) -> Result<Key<'a>, Fail> {
        if self.byte() != Some(b'"') {
            return Err(self.delimiter_error(KEY_START));
        }
        let at = self.pos;
        let name = self.string()?;
        let end = self.pos;
        if self.peek() != Some(b':') {
            return Err(self.delimiter_error("expected ':' after object key"));
        }
        self.pos = skip_ws(self.text.as_bytes(), self.pos + 1);
        Ok(Key { name, at, end })
    }

    fn close(&mut self) -> Option<Key<'a>> {
        self.leave();
        None
    }

    /// Moves to the next element of an array already entered; `false` after its `]`.
    pub(crate) fn next_element(&mut self, count: &mut usize) -> Result<bool, Fail> {
        let next = self.peek();
        if next == Some(b']') && *count == 0 {
            self.leave();
            return Ok(false);
        }
        if *count > 0 {
            match next {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.leave();
                    return Ok(false);
                }
                _ => return Err(self.delimiter_error("expected ',' or ']' after array element")),
            }
        }
        self.skip_ws();
        *count += 1;
        Ok(true)
    }

    fn delimiter_error(&self, expected: &str) -> Fail {
        match self.byte() {
            None => Fail::syntax(self.pos, "unexpected end of input"),
            Some(_) => Fail::syntax(self.pos, expected),
        }
    }

    /// The string at the cursor if it is plain: not empty, no escapes,
    /// within limits. Consumes it only then; on `None` nothing moved and [`Self::string`] gives
    /// the full answer. The fast path of every string field. The string's opening quote is
    /// at `pos() - len - 2`.
    #[inline(always)]
    pub(crate) fn plain_string(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let i = self.pos;
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let start = i + 1;
        let len = plain_len(bytes, start);
        let end = start + len;
        if bytes.get(end) != Some(&b'"') || len == 0 || len > MAX_STRING_LEN {
            return None;
        }
        let s = sub(self.text, start, end)?;
        self.pos = end + 1;
        Some(s)
    }

    /// Consumes the string at the cursor if it is plainly one of the
    /// names of `table`, and returns its index; on `None` nothing moved.
    #[inline(always)]
    pub(crate) fn known_string<const N: usize>(&mut self, table: &KeyTable<N>) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let i = self.pos;
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let (index, end) = known_name(bytes, i + 1, table)?;
        self.pos = end + 1;
        Some(index)
    }

    /// The string at the cursor if it is exactly `N` bytes that `read`
    /// turns into a value; consumed only then. `read` must refuse `"`, `\\` and control
    /// bytes, so that what it accepts is exactly the string [`Self::string`] would read.
    /// For fixed shapes (timestamps, codes), which then need no scan.
    #[inline(always)]
    pub(crate) fn fixed_bytes<const N: usize, T>(&mut self, read: impl FnOnce(&[u8; N]) -> Option<T>) -> Option<T> {
        let bytes = self.text.as_bytes();
        let i = self.pos;
        let (Some(b'"'), Some(inner), Some(b'"')) =
            (bytes.get(i), bytes.get(i + 1..).and_then(<[u8]>::first_chunk::<N>), bytes.get(i + N + 1))
        else {
            return None;
        };
        let value = read(inner)?;
        self.pos = i + N + 2;
        Some(value)
    }

    /// The string at the cursor if it ends within 16 bytes and `read` turns its bytes into a
    /// value; consumed only then. Only the closing quote is looked for, so `read` must refuse
    /// `\\` and control bytes (as for [`Self::fixed_bytes`]).
    #[inline(always)]
    pub(crate) fn short_bytes<T>(&mut self, read: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
        let bytes = self.text.as_bytes();
        let i = self.pos;
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let [w0, w1] = words16(bytes, i + 1)?;
        let q0 = quote_bytes(w0);
        let len = if q0 != 0 { first_flagged(q0) } else { 8 + first_flagged(quote_bytes(w1)) };
        // No quote in the 16 bytes gives 16: not a short string.
        if bytes.get(i + 1 + len) != Some(&b'"') {
            return None;
        }
        let value = read(bytes.get(i + 1..i + 1 + len)?)?;
        self.pos = i + len + 2;
        Some(value)
    }

    /// [`Self::fixed_bytes`] for a string kept as it is: returns it if `accept` does (with
    /// the same rule for what `accept` may accept).
    #[inline(always)]
    pub(crate) fn fixed_str<const N: usize>(&mut self, accept: impl FnOnce(&[u8; N]) -> bool) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let i = self.pos;
        let (Some(b'"'), Some(inner), Some(b'"')) =
            (bytes.get(i), bytes.get(i + 1..).and_then(<[u8]>::first_chunk::<N>), bytes.get(i + N + 1))
        else {
            return None;
        };
        if !accept(inner) {
            return None;
        }
        let s = sub(self.text, i + 1, i + 1 + N)?;
        self.pos = i + N + 2;
        Some(s)
    }

    /// A JSON number at the cursor that is a small non-negative integer: 1 to 9 digits, no
    /// leading zero, nothing after that could continue a number. Consumed only then; the
    /// rest is left to [`Self::number`], which reads the same value for what this reads.
    #[inline(always)]
    pub(crate) fn small_uint(&mut self) -> Option<u32> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let lead = digit(bytes, start)?;
        let mut v = u32::from(lead);
        let mut i = start + 1;
        if lead != 0 {
            while let Some(d) = digit(bytes, i) {
                if i - start == 9 {
                    return None;
                }
                v = v * 10 + u32::from(d);
                i += 1;
            }
        }
        if bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.') {
            return None;
        }
        self.pos = i;
        Some(v)
    }

    /// A JSON number at the cursor that is a plain decimal amount: at
    /// most 12 integer digits and 6 decimals, no exponent. Consumed only then; anything
    /// else (including every malformed number) is left to [`Self::number`] and
    /// [`Money::parse`], which give the same value for what this reads.
    #[inline(always)]
    pub(crate) fn plain_decimal(&mut self) -> Option<Money> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let neg = bytes.get(start) == Some(&b'-');
        let first = start + usize::from(neg);
        let lead = digit(bytes, first)?;
        let mut v = i64::from(lead);
        let mut i = first + 1;
        // No digit may follow a leading 0 (`01` is not JSON).
        if lead != 0 {
            while let Some(d) = digit(bytes, i) {
                if i - first == 12 {
                    return None;
                }
                v = v * 10 + i64::from(d);
                i += 1;
            }
        }
        let mut decimals = 0;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            while let Some(d) = digit(bytes, i) {
                if decimals == 6 {
                    return None;
                }
                v = v * 10 + i64::from(d);
                decimals += 1;
                i += 1;
            }
            if decimals == 0 {
                return None;
            }
        }
        // `12abc`, `1.2.3`, `1e5`: not this shape (and perhaps not a number at all).
        if bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.') {
            return None;
        }
        let v = v * SCALE.get(decimals)?;
        self.pos = i;
        Some(Money(if neg { -v } else { v }))
    }

    /// Reads the string under the cursor (which is at its `"`). Borrowed unless it holds
    /// escapes; the plain case is inlined, the rest is in [`Self::string_slow`].
    #[inline]
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>, Fail> {
        let start = self.pos + 1;
        let bytes = self.text.as_bytes();
        let len = plain_len(bytes, start);
        if bytes.get(start + len) == Some(&b'"') && len <= MAX_STRING_LEN {
            let end = start + len;
            if let Some(s) = sub(self.text, start, end) {
                self.pos = end + 1;
                return Ok(Cow::Borrowed(s));
            }
        }
        self.string_slow(start + len)
    }

    /// The rest of [`Self::string`]: escapes, errors. `stop` is the first byte that ended
    /// the plain run.
    #[inline(never)]
    fn string_slow(&mut self, stop: usize) -> Result<Cow<'a, str>, Fail> {
        match self.text.as_bytes().get(stop) {
            Some(b'"') => Err(too_long(self.pos)),
            Some(b'\\') => {
                let (s, after) = escape::unescape(self.text, self.pos, stop)?;
                self.pos = after;
                Ok(Cow::Owned(s))
            }
            Some(_) => Err(escape::control_char(stop)),
            None => Err(Fail::syntax(self.pos, "unterminated string")),
        }
    }

    /// Reads the number under the cursor and returns its exact text.
    pub(crate) fn number(&mut self) -> Result<&'a str, Fail> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let invalid = || Fail::syntax(start, "invalid number");
        let mut i = start + usize::from(bytes.get(start) == Some(&b'-'));
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits_end(bytes, i),
            _ => return Err(invalid()),
        }
        if bytes.get(i) == Some(&b'.') {
            let j = digits_end(bytes, i + 1);
            if j == i + 1 {
                return Err(invalid());
            }
            i = j;
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            i += usize::from(matches!(bytes.get(i), Some(b'+' | b'-')));
            let j = digits_end(bytes, i);
            if j == i {
                return Err(invalid());
            }
            i = j;
        }
        // `01`, `1.2.3`, `12abc`: the number ran into something that cannot follow it.
        if bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.') {
            return Err(invalid());
        }
        self.pos = i;
        self.slice(start, i)
    }

    /// Reads `true`, `false` or `null`.
    pub(crate) fn literal(&mut self) -> Result<Lit, Fail> {
        let rest = self.text.as_bytes().get(self.pos..).unwrap_or_default();
        let lit = [Lit::True, Lit::False, Lit::Null]
            .into_iter()
            .find(|l| rest.starts_with(l.text().as_bytes()))
            .filter(|l| !rest.get(l.text().len()).is_some_and(u8::is_ascii_alphanumeric));
        match lit {
            Some(l) => {
                self.pos += l.text().len();
                Ok(l)
            }
            None => Err(Fail::syntax(self.pos, "invalid literal (expected true, false or null)")),
        }
    }

    /// Consumes `null` if that is what is under the cursor (after whitespace).
    pub(crate) fn null(&mut self) -> Result<bool, Fail> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        match self.literal()? {
            Lit::Null => Ok(true),
            _ => Err(Fail::syntax(self.pos, "invalid literal (expected true, false or null)")),
        }
    }
}

/// `text[start..end]`, if those are character boundaries. As two one-sided slices: each
/// checks one boundary, small enough to be inlined where the two-sided `get` is often
/// left as a call.
#[inline(always)]
fn sub(text: &str, start: usize, end: usize) -> Option<&str> {
    text.get(..end)?.get(start..)
}

/// `10^(6 - n)`: micros per unit of the `n`th decimal place.
const SCALE: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

#[inline(always)]
fn digit(bytes: &[u8], i: usize) -> Option<u8> {
    bytes.get(i).map(|b| b.wrapping_sub(b'0')).filter(|d| *d < 10)
}

/// The index of the name of `table` that the string at `start` (after its opening quote)
/// is, and the offset of its closing quote; `None` if it is not plainly one of the names, or
/// if fewer than 17 bytes are left (the caller's general path then decides).
#[inline(always)]
pub(crate) fn known_name<const N: usize>(bytes: &[u8], start: usize, table: &KeyTable<N>) -> Option<(usize, usize)> {
    known_words(bytes, start, words16(bytes, start)?, table)
}

/// [`known_name`] given the 16 bytes at `start` as words.
#[inline(always)]
fn known_words<const N: usize>(
    bytes: &[u8],
    start: usize,
    [w0, w1]: [u64; 2],
    table: &KeyTable<N>,
) -> Option<(usize, usize)> {
    let q0 = quote_bytes(w0);
    let (words, len) = if q0 != 0 {
        let n = first_flagged(q0);
        ([low_bytes(w0, n), 0], n)
    } else {
        let q1 = quote_bytes(w1);
        if q1 != 0 {
            let n = first_flagged(q1);
            ([w0, low_bytes(w1, n)], 8 + n)
        } else if bytes.get(start + MAX_NAME) == Some(&b'"') {
            ([w0, w1], MAX_NAME)
        } else {
            return None;
        }
    };
    Some((table.find(words, len)?, start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(s: &str) -> Option<&str> {
        let mut r = Reader::new(s);
        r.number().ok()
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        for ok in ["0", "-0", "12", "12.5", "1e9", "1E+9", "-1.25e-3"] {
            assert_eq!(number(ok), Some(ok), "{ok}");
        }
        for bad in ["-", "01", "1.", ".5", "1e", "1e+", "12abc", "1.2.3", "+1"] {
            assert_eq!(number(bad), None, "{bad}");
        }
        assert_eq!(number("12,"), Some("12"));
    }

    #[test]
    fn plain_decimals_are_read_in_place() {
        for (text, micros, len) in [("13.00", 13_000_000, 5), ("-0.5,", -500_000, 4), ("0}", 0, 1), ("7", 7_000_000, 1)]
        {
            let mut r = Reader::new(text);
            assert_eq!(r.plain_decimal(), Some(Money(micros)), "{text}");
            assert_eq!(r.pos(), len, "{text}");
        }
        for other in ["01", "1.", "1e5", "1.5E2", "12abc", "1.2.3", "-", "1.0000001", "1234567890123", "\"1\""] {
            assert_eq!(Reader::new(other).plain_decimal(), None, "{other}");
        }
    }

    proptest::proptest! {
        /// Whatever the fast path reads, the general path (`number` then `Money::parse`)
        /// reads to the same value and the same end.
        #[test]
        fn plain_decimal_agrees_with_the_general_path(
            text in "-?[0-9]{0,14}(\\.[0-9]{0,8})?([eE][+-]?[0-9]{1,3})?[,}a. ]?"
        ) {
            let mut fast = Reader::new(&text);
            if let Some(m) = fast.plain_decimal() {
                let mut general = Reader::new(&text);
                let n = general.number().ok();
                proptest::prop_assert_eq!(n.map(Money::parse), Some(Ok(m)));
                proptest::prop_assert_eq!(fast.pos(), general.pos());
            }
        }
    }

    proptest::proptest! {
        /// Whatever `small_uint` reads, `number` reads as the same digits to the same end.
        #[test]
        fn small_uint_agrees_with_number(text in "-?[0-9]{0,11}(\\.[0-9]{0,2})?([eE][0-9])?[,}a. ]?") {
            let mut fast = Reader::new(&text);
            if let Some(n) = fast.small_uint() {
                let mut general = Reader::new(&text);
                let digits = general.number().ok();
                proptest::prop_assert_eq!(digits.and_then(|d| d.parse::<u32>().ok()), Some(n));
                proptest::prop_assert_eq!(fast.pos(), general.pos());
            }
        }
    }

    #[test]
    fn small_uints_are_read_in_place() {
        for (text, n) in [("1,", 1), ("0}", 0), ("999999999", 999_999_999)] {
            assert_eq!(Reader::new(text).small_uint(), Some(n), "{text}");
        }
        for other in ["01", "1.0", "1e2", "-1", "1234567890", "12a", "\"1\""] {
            assert_eq!(Reader::new(other).small_uint(), None, "{other}");
        }
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut r = Reader::new(r#""plain" "a\nb""#);
        assert!(matches!(r.string().ok(), Some(Cow::Borrowed("plain"))));
        r.peek();
        assert!(matches!(r.string().ok(), Some(Cow::Owned(s)) if s == "a\nb"));
    }
}
