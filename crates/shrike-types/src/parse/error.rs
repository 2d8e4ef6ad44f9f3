//! The public [`EventError`] and the parser's internal failure type.
//!
//! Internally a failure carries a byte offset; line and column are computed only when the
//! error leaves the parser, so the happy path never counts newlines. Field paths are attached
//! on the way out of each field reader ([`InField`]), innermost first, and only to value
//! errors: malformed JSON is reported without a field.

use std::fmt;

/// A bad event. `field` is the dotted path (`card.country`, `items[2].quantity`); the message
/// says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message} (line {line}, column {column})", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct EventError {
    pub field: Option<String>,
    pub message: String,
    pub line: u32,
    pub column: u32,
    /// The input is not well-formed JSON (or not an object). `false`: well-formed JSON with
    /// an invalid, unknown, duplicate or missing field (HTTP 422 rather than 400).
    pub malformed: bool,
}

/// Where in the event a value sits, rendered only when an error needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Path<'k> {
    /// A top-level field: `user_id`.
    Field(&'static str),
    /// A field of a top-level object: `card.country`.
    Sub(&'static str, &'static str),
    /// An item, or a field of one: `items[2]`, `items[2].quantity`.
    Item(usize, Option<&'static str>),
    /// A free attribute: `attributes.x`.
    Attr(&'k str),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Field(name) => f.write_str(name),
            Path::Sub(outer, inner) => write!(f, "{outer}.{inner}"),
            Path::Item(i, None) => write!(f, "items[{i}]"),
            Path::Item(i, Some(inner)) => write!(f, "items[{i}].{inner}"),
            Path::Attr(name) => write!(f, "attributes.{name}"),
        }
    }
}

/// A parse failure at a byte offset. Boxed so that `Result<T, Fail>` stays small on the hot
/// path, where it is returned from every value read.
#[derive(Debug)]
pub(crate) struct Fail(Box<Inner>);

#[derive(Debug)]
struct Inner {
    at: usize,
    syntax: bool,
    field: Option<String>,
    message: String,
}

impl Fail {
    /// Malformed JSON: never gets a field path.
    #[cold]
    pub(crate) fn syntax(at: usize, message: impl Into<String>) -> Fail {
        Fail(Box::new(Inner { at, syntax: true, field: None, message: message.into() }))
    }

    /// Well-formed JSON with a wrong value: gets the path of the innermost field around it.
    #[cold]
    pub(crate) fn value(at: usize, message: impl Into<String>) -> Fail {
        Fail(Box::new(Inner { at, syntax: false, field: None, message: message.into() }))
    }

    /// A value error whose field is already known (e.g. a missing required field).
    #[cold]
    pub(crate) fn field(at: usize, field: &str, message: impl Into<String>) -> Fail {
        let mut fail = Fail::value(at, message);
        fail.0.field = Some(field.to_owned());
        fail
    }

    /// The same failure, reported as malformed input (no field path).
    pub(crate) fn into_syntax(mut self) -> Fail {
        self.0.syntax = true;
        self
    }

    #[cold]
    fn attach(mut self, path: Path<'_>) -> Fail {
        if !self.0.syntax && self.0.field.is_none() {
            self.0.field = Some(path.to_string());
        }
        self
    }

    /// The public error, with the offset turned into a 1-based line and column of `input`.
    #[cold]
    pub(crate) fn into_error(self, input: &[u8]) -> EventError {
        let Inner { at, field, message, syntax } = *self.0;
        let (line, column) = line_column(input, at);
        EventError { field, message, line, column, malformed: syntax }
    }
}

/// Attaches a field path to a value error on its way out of a field reader.
pub(crate) trait InField {
    fn in_field(self, path: Path<'_>) -> Self;
}

impl<T> InField for Result<T, Fail> {
    #[inline]
    fn in_field(self, path: Path<'_>) -> Self {
        self.map_err(|fail| fail.attach(path))
    }
}

/// 1-based line and column (in characters, not bytes) of byte offset `at`.
fn line_column(input: &[u8], at: usize) -> (u32, u32) {
    let before = input.get(..at).unwrap_or(input);
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let tail = before.get(line_start..).unwrap_or_default();
    // Count characters, not bytes: UTF-8 continuation bytes are 0b10xx_xxxx.
    let column = 1 + tail.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    (saturate(line), saturate(column))
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A string value as shown in an error message: quoted, escaped, cut after 40 characters.
pub(crate) fn quote(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((cut, _)) => format!("{:?}…", s.get(..cut).unwrap_or(s)),
        None => format!("{s:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_column(b"abc", 0), (1, 1));
        assert_eq!(line_column(b"abc", 2), (1, 3));
        assert_eq!(line_column(b"a\nbc", 3), (2, 2));
        assert_eq!(line_column("é\nñx".as_bytes(), 6), (2, 3));
        assert_eq!(line_column(b"ab", 99), (1, 3));
    }

    #[test]
    fn field_paths_render_dotted() {
        assert_eq!(Path::Sub("card", "country").to_string(), "card.country");
        assert_eq!(Path::Item(2, Some("quantity")).to_string(), "items[2].quantity");
        assert_eq!(Path::Item(0, None).to_string(), "items[0]");
        assert_eq!(Path::Attr("x").to_string(), "attributes.x");
    }

    #[test]
    fn quotes_are_cut() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        let long = "x".repeat(50);
        assert_eq!(quote(&long), format!("\"{}\"…", "x".repeat(40)));
    }
}
