//! Field checks shared by every operation. Each names the field it rejects.

use crate::error::{RecordsError, Result};

/// Non-empty text of at most `max` bytes without control characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() {
        return Err(RecordsError::invalid(field, "must not be empty"));
    }
    bounded(field, value, max)
}

/// Text (possibly empty) of at most `max` bytes without control characters.
pub(crate) fn bounded(field: &str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(RecordsError::invalid(field, format!("longer than {max} bytes")));
    }
    if value.chars().any(char::is_control) {
        return Err(RecordsError::invalid(field, "contains a control character"));
    }
    Ok(())
}

/// A name: `[a-z0-9_.-]`, starting with a letter or digit, at most `max` bytes.
pub(crate) fn name(field: &str, value: &str, max: usize) -> Result<()> {
    text(field, value, max)?;
    let ok_char = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-');
    let first_ok = value.as_bytes()[0].is_ascii_alphanumeric();
    if !first_ok || !value.bytes().all(ok_char) {
        return Err(RecordsError::invalid(field, "must be lower-case letters, digits, '_', '.' or '-'"));
    }
    Ok(())
}

/// An identifier-like token (rule names): ASCII letters, digits, `_`, `.`, `-`, `:`.
pub(crate) fn token(field: &str, value: &str, max: usize) -> Result<()> {
    text(field, value, max)?;
    let ok_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b':');
    if !value.bytes().all(ok_char) {
        return Err(RecordsError::invalid(field, "must be ASCII letters, digits, '_', '.', '-' or ':'"));
    }
    Ok(())
}

/// Text that is compared exactly (list values, ids): also no surrounding white space, which
/// MariaDB's PAD SPACE collations would otherwise ignore in comparisons and unique keys.
pub(crate) fn exact(field: &str, value: &str, max: usize) -> Result<()> {
    text(field, value, max)?;
    if value.trim() != value {
        return Err(RecordsError::invalid(field, "must not start or end with white space"));
    }
    Ok(())
}

/// A page size between 1 and `max`.
pub(crate) fn limit(limit: u32, max: u32) -> Result<()> {
    if limit == 0 || limit > max {
        return Err(RecordsError::invalid("limit", format!("must be between 1 and {max}")));
    }
    Ok(())
}

/// A time range `[from, to)` whose ends, when both given, are in order.
pub(crate) fn range(from: Option<i64>, to: Option<i64>) -> Result<()> {
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(RecordsError::invalid("from", "is after `to`")),
        _ => Ok(()),
    }
}

/// JSON text no larger than `max` bytes.
pub(crate) fn json(field: &str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(RecordsError::invalid(field, format!("longer than {max} bytes")));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(value)
        .map(|_| ())
        .map_err(|e| RecordsError::invalid(field, format!("not valid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(r: Result<()>) -> String {
        match r {
            Err(RecordsError::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn names_reject_upper_case_and_punctuation() {
        assert!(name("list", "blocked_emails-2.v1", 64).is_ok());
        assert_eq!(field_of(name("list", "Blocked", 64)), "list");
        assert_eq!(field_of(name("list", "_x", 64)), "list");
        assert_eq!(field_of(name("list", "a b", 64)), "list");
        assert_eq!(field_of(name("list", "", 64)), "list");
    }

    #[test]
    fn exact_values_reject_padding_and_controls() {
        assert!(exact("value", "a@b.c", 10).is_ok());
        assert_eq!(field_of(exact("value", " a", 10)), "value");
        assert_eq!(field_of(exact("value", "a\n", 10)), "value");
        assert_eq!(field_of(exact("value", "a\u{7}b", 10)), "value");
        assert_eq!(field_of(exact("value", "abcdefghijk", 10)), "value");
    }

    #[test]
    fn json_must_parse() {
        assert!(json("detail", r#"{"a":[1,2]}"#, 100).is_ok());
        assert_eq!(field_of(json("detail", "{", 100)), "detail");
        assert_eq!(field_of(json("detail", "[1]", 2)), "detail");
    }
}
