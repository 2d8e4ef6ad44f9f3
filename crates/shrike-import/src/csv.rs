//! A small, bounded CSV reader (RFC 4180): comma-separated, `"`-quoted fields with `""` for a
//! quote, `\n` or `\r\n` line ends. Hand-written to keep the dependency tree lean and to give
//! line numbers in errors.

use std::io::BufRead;

use crate::ImportError;

/// Longest record, in bytes: a line of the IEEE-CIS file is about 1 KiB.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// Most columns in a record.
pub const MAX_COLUMNS: usize = 4_096;

/// Reads records one at a time into reused buffers.
pub struct Reader<R> {
    input: R,
    line: Vec<u8>,
    /// The current record's unquoted fields, back to back, and where each ends.
    text: String,
    ends: Vec<usize>,
    /// Line number (from 1) where the current record starts.
    line_no: u64,
    next_line: u64,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Self {
        Reader { input, line: Vec::new(), text: String::new(), ends: Vec::new(), line_no: 0, next_line: 1 }
    }

    /// The line number where the last record read starts.
    pub fn line(&self) -> u64 {
        self.line_no
    }

    /// Reads the next record; `false` at end of input. A blank line is skipped.
    pub fn next_record(&mut self) -> Result<bool, ImportError> {
        loop {
            self.text.clear();
            self.ends.clear();
            self.line_no = self.next_line;
            if !self.read_line()? {
                return Ok(false);
            }
            if self.line.is_empty() {
                continue;
            }
            self.split()?;
            return Ok(true);
        }
    }

    /// The fields of the current record.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter().copied()).map(|(a, b)| &self.text[a..b])
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i` of the current record (`""` past the end).
    pub fn field(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else { return "" };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..end]
    }

    /// Reads one physical line without its line end into `self.line`.
    fn read_line(&mut self) -> Result<bool, ImportError> {
        self.line.clear();
        let limit = MAX_RECORD_BYTES as u64 + 2;
        let n = std::io::Read::take(&mut self.input, limit).read_until(b'\n', &mut self.line)?;
        if n == 0 {
            return Ok(false);
        }
        self.next_line += 1;
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
        } else if n as u64 == limit {
            return Err(self.syntax(format!("record longer than {MAX_RECORD_BYTES} bytes")));
        }
        Ok(true)
    }

    /// Splits `self.line` (and, inside quotes, the lines after it) into fields.
    fn split(&mut self) -> Result<(), ImportError> {
        let mut pos = 0;
        loop {
            pos = self.field_at(pos)?;
            if self.ends.len() > MAX_COLUMNS {
                return Err(self.syntax(format!("more than {MAX_COLUMNS} columns")));
            }
            if pos >= self.line.len() {
                return Ok(());
            }
            pos += 1; // the comma
            if pos == self.line.len() {
                self.ends.push(self.text.len()); // a trailing empty field
                return Ok(());
            }
        }
    }

    /// Reads one field starting at `pos`; returns the position of the comma or line end after it.
    fn field_at(&mut self, pos: usize) -> Result<usize, ImportError> {
        if self.line.get(pos) != Some(&b'"') {
            let end = self.line[pos..].iter().position(|&b| b == b',').map_or(self.line.len(), |i| pos + i);
            self.push_text(pos, end)?;
            self.ends.push(self.text.len());
            return Ok(end);
        }
        let mut at = pos + 1;
        loop {
            match self.line[at..].iter().position(|&b| b == b'"') {
                None => {
                    // A quoted line break: the field goes on on the next line.
                    self.push_text(at, self.line.len())?;
                    self.text.push('\n');
                    if self.text.len() > MAX_RECORD_BYTES || !self.read_line()? {
                        return Err(self.syntax("unterminated quoted field".into()));
                    }
                    at = 0;
                }
                Some(i) => {
                    self.push_text(at, at + i)?;
                    at += i + 1;
                    if self.line.get(at) == Some(&b'"') {
                        self.text.push('"');
                        at += 1;
                        continue;
                    }
                    if at < self.line.len() && self.line[at] != b',' {
                        return Err(self.syntax("unexpected character after a closing quote".into()));
                    }
                    self.ends.push(self.text.len());
                    return Ok(at);
                }
            }
        }
    }

    fn push_text(&mut self, from: usize, to: usize) -> Result<(), ImportError> {
        let s = std::str::from_utf8(&self.line[from..to]).map_err(|_| self.syntax("invalid UTF-8".into()))?;
        self.text.push_str(s);
        Ok(())
    }

    fn syntax(&self, message: String) -> ImportError {
        ImportError::Syntax { line: self.line_no, message }
    }
}

/// The header: column names and their positions.
pub struct Header(Vec<String>);

impl Header {
    /// Reads the first record as the header.
    pub fn read<R: BufRead>(reader: &mut Reader<R>) -> Result<Header, ImportError> {
        if !reader.next_record()? {
            return Err(ImportError::Syntax { line: 1, message: "empty file: no header".into() });
        }
        Ok(Header(reader.fields().map(|f| f.trim().to_string()).collect()))
    }

    /// Position of a required column.
    pub fn require(&self, name: &str) -> Result<usize, ImportError> {
        self.find(name).ok_or_else(|| ImportError::MissingColumn(name.to_string()))
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|c| c == name)
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn records(text: &str) -> Result<Vec<Vec<String>>, ImportError> {
        let mut r = Reader::new(text.as_bytes());
        let mut out = Vec::new();
        while r.next_record()? {
            out.push(r.fields().map(str::to_string).collect());
        }
        Ok(out)
    }

    #[test]
    fn plain_quoted_empty_and_crlf_fields() {
        let got = records("a,b,c\r\n1,,\"x,\"\"y\"\"\"\r\n\n\"2\",3,\n").unwrap();
        assert_eq!(got, vec![vec!["a", "b", "c"], vec!["1", "", "x,\"y\""], vec!["2", "3", ""]]);
    }

    #[test]
    fn quoted_line_breaks_join_lines_and_count_them() {
        let mut r = Reader::new("h\n\"a\nb\",c\nz\n".as_bytes());
        assert!(r.next_record().unwrap());
        assert!(r.next_record().unwrap());
        assert_eq!(r.field(0), "a\nb");
        assert_eq!(r.field(1), "c");
        assert!(r.next_record().unwrap());
        assert_eq!((r.line(), r.field(0)), (4, "z"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = records("a\n\"x\"y\n").unwrap_err().to_string();
        assert_eq!(e, "line 2: unexpected character after a closing quote");
        let e = records("a\n\"open\n").unwrap_err().to_string();
        assert_eq!(e, "line 2: unterminated quoted field");
        let long = format!("{}\n", "x".repeat(MAX_RECORD_BYTES + 10));
        assert!(records(&long).unwrap_err().to_string().contains("longer than"));
    }
}
