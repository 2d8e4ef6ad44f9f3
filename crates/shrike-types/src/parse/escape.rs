//! The slow path of string reading: a string with backslash escapes is unescaped into an
//! owned `String`. Kept apart from the reader so that its fast path stays small.

use crate::limits::MAX_STRING_LEN;

use super::error::Fail;
use super::reader::too_long;
use super::scan::plain_run;

/// A raw control character inside a string; JSON requires it to be escaped.
#[cold]
pub(crate) fn control_char(at: usize) -> Fail {
    Fail::syntax(at, "unescaped control character in string")
}

/// Unescapes the string whose opening quote is at `quote` and whose first backslash is at
/// `first`. Returns the string and the offset just past its closing quote.
pub(crate) fn unescape(text: &str, quote: usize, first: usize) -> Result<(String, usize), Fail> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(first.saturating_sub(quote) + 16);
    let mut run = quote + 1;
    let mut i = first;
    loop {
        // Runs start and end at ASCII bytes, so they are whole characters of valid UTF-8.
        out.push_str(text.get(run..i).unwrap_or_default());
        match bytes.get(i) {
            Some(b'"') => break,
            Some(b'\\') => i = escape(bytes, i, &mut out)?,
            Some(_) => return Err(control_char(i)),
            None => return Err(Fail::syntax(quote, "unterminated string")),
        }
        if out.len() > MAX_STRING_LEN {
            return Err(too_long(quote));
        }
        run = i;
        i += plain_run(bytes.get(i..).unwrap_or_default());
    }
    if out.len() > MAX_STRING_LEN {
        return Err(too_long(quote));
    }
    Ok((out, i + 1))
}

/// Decodes the escape whose backslash is at `at`; returns the offset after it.
fn escape(bytes: &[u8], at: usize, out: &mut String) -> Result<usize, Fail> {
    let c = match bytes.get(at + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return unicode(bytes, at, out),
        None => return Err(Fail::syntax(at, "unterminated string")),
        Some(_) => return Err(Fail::syntax(at, "invalid escape sequence")),
    };
    out.push(c);
    Ok(at + 2)
}

/// Decodes `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair, at `at`.
fn unicode(bytes: &[u8], at: usize, out: &mut String) -> Result<usize, Fail> {
    let high = hex4(bytes, at + 2).ok_or_else(|| Fail::syntax(at, "invalid \\u escape (expected 4 hex digits)"))?;
    let (code, next) = if (0xD800..0xDC00).contains(&high) {
        let low = low_surrogate(bytes, at + 6).ok_or_else(|| Fail::syntax(at, "unpaired surrogate in \\u escape"))?;
        (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), at + 12)
    } else {
        (high, at + 6)
    };
    // Rejects a lone low surrogate (DC00..DFFF), the only invalid code left at this point.
    let c = char::from_u32(code).ok_or_else(|| Fail::syntax(at, "unpaired surrogate in \\u escape"))?;
    out.push(c);
    Ok(next)
}

fn low_surrogate(bytes: &[u8], at: usize) -> Option<u32> {
    if bytes.get(at..at + 2) != Some(b"\\u") {
        return None;
    }
    hex4(bytes, at + 2).filter(|low| (0xDC00..0xE000).contains(low))
}

fn hex4(bytes: &[u8], from: usize) -> Option<u32> {
    let digits = bytes.get(from..from + 4)?;
    digits.iter().try_fold(0u32, |acc, &b| Some(acc * 16 + char::from(b).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unescaped(json: &str) -> Result<String, String> {
        let first = json.find('\\').unwrap_or(json.len() - 1);
        unescape(json, 0, first).map(|(s, _)| s).map_err(|f| f.into_error(json.as_bytes()).message)
    }

    #[test]
    fn decodes_every_escape() {
        let cases = [
            (r#""a\"b\\c\/d""#, "a\"b\\c/d"),
            (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
            (r#""\u00e9\u20AC""#, "é€"),
            (r#""x\ud83d\ude00y""#, "x😀y"),
            (r#""é\n€""#, "é\n€"),
        ];
        for (json, want) in cases {
            assert_eq!(unescaped(json).as_deref(), Ok(want), "{json}");
        }
    }

    #[test]
    fn rejects_bad_escapes() {
        let cases = [
            (r#""\x""#, "invalid escape sequence"),
            (r#""\u12""#, "invalid \\u escape (expected 4 hex digits)"),
            (r#""\u12G4""#, "invalid \\u escape (expected 4 hex digits)"),
            (r#""\ud83d""#, "unpaired surrogate in \\u escape"),
            (r#""\ud83d\u0041""#, "unpaired surrogate in \\u escape"),
            (r#""\ude00""#, "unpaired surrogate in \\u escape"),
            (r#""\n"#, "unterminated string"),
            ("\"\\n\u{1}\"", "unescaped control character in string"),
            ("\"\\", "unterminated string"),
        ];
        for (json, want) in cases {
            assert_eq!(unescaped(json), Err(want.to_owned()), "{json}");
        }
    }
}
