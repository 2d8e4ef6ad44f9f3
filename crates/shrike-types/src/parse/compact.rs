//! Compact JSON copies of values: nested attribute values are kept as JSON text, and the
//! writer re-checks such text before emitting it.

use super::error::Fail;
use super::reader::Reader;

impl Reader<'_> {
    /// Reads any value and appends it to `out` as compact JSON (no whitespace; strings and
    /// numbers verbatim, so the text is valid JSON and re-reading it gives the same text).
    pub(crate) fn compact(&mut self, out: &mut String) -> Result<(), Fail> {
        match self.peek() {
            Some(b'{') => return self.compact_object(out),
            Some(b'[') => return self.compact_array(out),
            Some(b'"') => {
                let start = self.pos();
                self.string()?;
                out.push_str(self.slice(start, self.pos())?);
            }
            Some(b'-' | b'0'..=b'9') => out.push_str(self.number()?),
            Some(b't' | b'f' | b'n') => out.push_str(self.literal()?.text()),
            _ => return Err(self.unexpected()),
        }
        Ok(())
    }

    fn compact_object(&mut self, out: &mut String) -> Result<(), Fail> {
        self.enter()?;
        out.push('{');
        let mut count = 0;
        while let Some(key) = self.next_key(&mut count)? {
            if count > 1 {
                out.push(',');
            }
            out.push_str(self.slice(key.at, key.end)?);
            out.push(':');
            self.compact(out)?;
        }
        out.push('}');
        Ok(())
    }

    fn compact_array(&mut self, out: &mut String) -> Result<(), Fail> {
        self.enter()?;
        out.push('[');
        let mut count = 0;
        while self.next_element(&mut count)? {
            if count > 1 {
                out.push(',');
            }
            self.compact(out)?;
        }
        out.push(']');
        Ok(())
    }
}

/// `text` re-written as compact JSON if it is exactly one JSON value, else `None`.
pub(crate) fn compact_json(text: &str) -> Option<String> {
    let mut r = Reader::new(text);
    let mut out = String::with_capacity(text.len());
    r.compact(&mut out).ok()?;
    r.peek().is_none().then_some(out)
}

/// Whether `text` is exactly one JSON number.
pub(crate) fn is_json_number(text: &str) -> bool {
    let mut r = Reader::new(text);
    r.number().is_ok_and(|n| n.len() == text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_JSON_DEPTH;

    #[test]
    fn compacts_nested_values() {
        let text = r#" { "a" : [ 1 , true , null , "x\"y" ] , "b" : { } } "#;
        assert_eq!(compact_json(text).as_deref(), Some(r#"{"a":[1,true,null,"x\"y"],"b":{}}"#));
        assert_eq!(compact_json("[1,]"), None);
        assert_eq!(compact_json("1 2"), None);
        assert!(is_json_number("-1.5e3"));
        assert!(!is_json_number("1 "));
    }

    #[test]
    fn depth_is_capped() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1) + &"]".repeat(MAX_JSON_DEPTH + 1);
        assert_eq!(compact_json(&deep), None);
        let ok = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert_eq!(compact_json(&ok), Some(ok));
    }
}
