//! Reading one CSV cell as a typed value, with errors naming the line and column.

use std::borrow::Cow;

use shrike_types::{AttrValue, Money};

use crate::ImportError;

/// Where a cell is, for errors.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub line: u64,
    pub column: &'a str,
}

impl At<'_> {
    pub(crate) fn error(&self, message: String) -> ImportError {
        ImportError::Cell { line: self.line, column: self.column.to_string(), message }
    }
}

/// A finite number, or `None` for an empty cell.
pub(crate) fn number(cell: &str, at: At<'_>) -> Result<Option<f64>, ImportError> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(at.error(format!("expected a number, got {cell:?}"))),
    }
}

/// A whole number written as text without a fraction (`150.0` → `150`), for identifiers
/// that pandas wrote as floats; other text is kept as it is. Empty is `""`.
pub(crate) fn id_text(cell: &str) -> Cow<'_, str> {
    let cell = cell.trim();
    match cell.strip_suffix(".0") {
        Some(int) if !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit() || b == b'-') => Cow::Borrowed(int),
        _ => Cow::Borrowed(cell),
    }
}

/// A 0/1 label (`1`, `1.0`, `"1"`).
pub(crate) fn flag(cell: &str, at: At<'_>) -> Result<bool, ImportError> {
    match cell.trim() {
        "1" | "1.0" => Ok(true),
        "0" | "0.0" => Ok(false),
        other => Err(at.error(format!("expected 0 or 1, got {other:?}"))),
    }
}

/// An exact amount from its decimal text (never through a float).
pub(crate) fn money(cell: &str, at: At<'_>) -> Result<Option<Money>, ImportError> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    Money::parse(cell).map(Some).map_err(|e| at.error(format!("expected a decimal amount, got {cell:?}: {e}")))
}

/// Seconds (possibly fractional, e.g. `406.0`) as whole milliseconds.
pub(crate) fn seconds_ms(cell: &str, at: At<'_>) -> Result<i64, ImportError> {
    match number(cell, at)? {
        Some(s) if (0.0..1e12).contains(&s) => Ok((s * 1000.0).round() as i64),
        Some(s) => Err(at.error(format!("expected seconds from 0 to 1e12, got {s}"))),
        None => Err(at.error("required value is empty".into())),
    }
}

/// A free attribute from a cell: a finite number is a JSON number in its shortest exact
/// form, anything else a string; an empty cell is no attribute.
pub(crate) fn attribute(cell: &str) -> Option<AttrValue<'static>> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    Some(match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => AttrValue::Number(Cow::Owned(format!("{v}"))),
        _ => AttrValue::String(Cow::Owned(cell.to_string())),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const AT: At<'static> = At { line: 7, column: "X" };

    #[test]
    fn cells() {
        assert_eq!(id_text("150.0"), "150");
        assert_eq!(id_text("W"), "W");
        assert_eq!(id_text(""), "");
        assert_eq!(money("68.5", AT).unwrap(), Some(Money(68_500_000)));
        assert_eq!(seconds_ms("86400", AT).unwrap(), 86_400_000);
        assert_eq!(seconds_ms("0.5", AT).unwrap(), 500);
        assert!(flag("1.0", AT).unwrap());
        assert_eq!(flag("yes", AT).unwrap_err().to_string(), "line 7, column X: expected 0 or 1, got \"yes\"");
        assert_eq!(number("abc", AT).unwrap_err().to_string(), "line 7, column X: expected a number, got \"abc\"");
        assert_eq!(attribute("1.0"), Some(AttrValue::Number("1".into())));
        assert_eq!(attribute("-1.3598071336738"), Some(AttrValue::Number("-1.3598071336738".into())));
        assert_eq!(attribute("W"), Some(AttrValue::String("W".into())));
        assert_eq!(attribute(" "), None);
    }
}
