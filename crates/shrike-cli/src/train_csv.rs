//! The CSV reader of `shrike train`: a header line, then one row per line, comma-separated,
//! fields optionally in double quotes (`""` inside is a quote; a quoted field cannot span
//! lines). A column is numeric when every non-empty cell parses as a number; otherwise it is
//! text, and its distinct values become category codes in order of first appearance. An
//! empty cell is missing. Two passes over the file: the first types the columns, the second
//! fills them, so no cell is kept as a string.
//!
//! Bounded: [`MAX_COLUMNS`], [`MAX_LINE_BYTES`], [`MAX_ROWS`], and [`MAX_DICTIONARY`]
//! distinct values per text column. Errors name the line (1-based, the header is line 1)
//! and the column.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
pub(crate) use shrike_model::limits::MAX_DICTIONARY;

/// Columns a CSV may have.
pub(crate) const MAX_COLUMNS: usize = 4_096;

/// Bytes in one line.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Data rows a CSV may have.
pub(crate) const MAX_ROWS: usize = 50_000_000;

/// One column's values.
pub(crate) enum Column {
    Numeric(Vec<f64>),
    /// `codes[r]` indexes `dictionary` (NaN when the cell is empty).
    Text {
        codes: Vec<f64>,
        dictionary: Vec<String>,
    },
}

pub(crate) struct Table {
    pub(crate) names: Vec<String>,
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: usize,
}

impl Table {
    pub(crate) fn index(&self, name: &str) -> Result<usize> {
        self.names.iter().position(|n| n == name).with_context(|| format!("no column `{name}` in the header"))
    }

    /// The text of a cell of a text column, or the number of a numeric one, as a string.
    pub(crate) fn cell_text(&self, col: usize, row: usize) -> Option<String> {
        match &self.columns[col] {
            Column::Numeric(v) => (!v[row].is_nan()).then(|| v[row].to_string()),
            Column::Text { codes, dictionary } => {
                let c = codes[row];
                (!c.is_nan()).then(|| dictionary[c as usize].clone())
            }
        }
    }
}

/// Reads `path`; columns named in `as_text` are read as text even when numeric. Columns in
/// `skip` (`--ignore`d) are not kept (read as missing); `time` may hold any number of distinct
/// texts (timestamps), the other text columns at most [`MAX_DICTIONARY`].
pub(crate) fn read(path: &Path, as_text: &[usize], skip: &[usize], time: Option<usize>) -> Result<Table> {
    let names = read_header(path)?;
    let mut numeric = vec![true; names.len()];
    let mut rows = 0;
    for_each_row(path, names.len(), |_, fields| {
        for (n, f) in numeric.iter_mut().zip(fields) {
            *n = *n && (f.is_empty() || parse_number(f).is_some());
        }
        rows += 1;
        Ok(())
    })?;
    for &c in as_text {
        numeric[c] = false;
    }
    for &c in skip {
        numeric[c] = true;
    }
    let mut fill: Vec<Fill> = numeric.iter().map(|&n| Fill::new(n, rows)).collect();
    for &c in skip {
        fill[c].skip = true;
    }
    if let Some(t) = time {
        fill[t].capped = false;
    }
    for_each_row(path, names.len(), |line, fields| {
        for (c, (f, field)) in fill.iter_mut().zip(fields).enumerate() {
            f.push(field)
                .with_context(|| format!("{}: line {line}, column {} (`{}`)", path.display(), c + 1, names[c]))?;
        }
        Ok(())
    })?;
    let columns = fill.into_iter().map(Fill::finish).collect();
    Ok(Table { names, columns, rows })
}

/// A column being filled.
struct Fill {
    values: Vec<f64>,
    text: Option<HashMap<String, usize>>,
    dictionary: Vec<String>,
    /// An ignored column: every value is kept as missing.
    skip: bool,
    /// Whether the dictionary is bounded by [`MAX_DICTIONARY`] (all but the time column).
    capped: bool,
}

impl Fill {
    fn new(numeric: bool, rows: usize) -> Fill {
        let text = (!numeric).then(HashMap::new);
        Fill { values: Vec::with_capacity(rows), text, dictionary: Vec::new(), skip: false, capped: true }
    }

    fn push(&mut self, field: &str) -> Result<()> {
        if field.is_empty() || self.skip {
            self.values.push(f64::NAN);
            return Ok(());
        }
        let Some(map) = &mut self.text else {
            // typed numeric in the first pass, so it parses
            self.values.push(parse_number(field).unwrap_or(f64::NAN));
            return Ok(());
        };
        let next = self.dictionary.len();
        let code = *map.entry(field.to_string()).or_insert(next);
        if code == next {
            if next == MAX_DICTIONARY && self.capped {
                bail!("more than {MAX_DICTIONARY} distinct values: an identifier? leave it out with --ignore");
            }
            self.dictionary.push(field.to_string());
        }
        self.values.push(code as f64);
        Ok(())
    }

    fn finish(self) -> Column {
        match self.text {
            None => Column::Numeric(self.values),
            Some(_) => Column::Text { codes: self.values, dictionary: self.dictionary },
        }
    }
}

/// A number as Rust reads it, except the words `inf` / `nan` (text in a CSV, not numbers).
fn parse_number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    let wordy = s.trim().trim_start_matches(['+', '-']).starts_with(|c: char| c.is_ascii_alphabetic());
    (!wordy).then_some(v)
}

/// The column names of the header line.
pub(crate) fn read_header(path: &Path) -> Result<Vec<String>> {
    let mut lines = open(path)?;
    let mut line = String::new();
    read_line(&mut lines, &mut line, 1)?;
    if line.is_empty() {
        bail!("{}: empty file, expected a header line", path.display());
    }
    let names = split(&line).with_context(|| format!("{}: line 1", path.display()))?;
    if names.len() > MAX_COLUMNS {
        bail!("{}: line 1: {} columns is more than {MAX_COLUMNS}", path.display(), names.len());
    }
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            bail!("{}: line 1, column {}: empty column name", path.display(), i + 1);
        }
        if names[..i].contains(n) {
            bail!("{}: line 1, column {}: `{n}` appears twice", path.display(), i + 1);
        }
    }
    Ok(names)
}

fn open(path: &Path) -> Result<BufReader<File>> {
    Ok(BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?))
}

/// Reads one line (without its end) into `buf`, refusing lines over [`MAX_LINE_BYTES`].
fn read_line(reader: &mut BufReader<File>, buf: &mut String, line: usize) -> Result<bool> {
    buf.clear();
    let n = reader.by_ref().take(MAX_LINE_BYTES as u64 + 1).read_line(buf).with_context(|| format!("line {line}"))?;
    if buf.len() > MAX_LINE_BYTES {
        bail!("line {line}: longer than {MAX_LINE_BYTES} bytes");
    }
    let end = buf.trim_end_matches(['\n', '\r']).len();
    buf.truncate(end);
    Ok(n > 0)
}

/// Calls `f(line, fields)` for each data row; blank lines are skipped.
fn for_each_row(path: &Path, width: usize, mut f: impl FnMut(usize, &[String]) -> Result<()>) -> Result<()> {
    let mut reader = open(path)?;
    let mut buf = String::new();
    read_line(&mut reader, &mut buf, 1)?;
    let (mut line, mut rows) = (1, 0);
    loop {
        line += 1;
        let more = read_line(&mut reader, &mut buf, line).with_context(|| path.display().to_string())?;
        if !more {
            return Ok(());
        }
        if buf.is_empty() {
            continue;
        }
        let fields = split(&buf).with_context(|| format!("{}: line {line}", path.display()))?;
        if fields.len() != width {
            bail!("{}: line {line}: {} fields, the header has {width}", path.display(), fields.len());
        }
        rows += 1;
        if rows > MAX_ROWS {
            bail!("{}: line {line}: more than {MAX_ROWS} rows", path.display());
        }
        f(line, &fields)?;
    }
}

/// Splits one line into fields; quotes as in RFC 4180 within the line.
fn split(line: &str) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => bail!("column {}: unterminated quoted field", fields.len() + 1),
                }
            }
            if !matches!(chars.peek(), None | Some(',')) {
                bail!("column {}: text after a closing quote", fields.len() + 1);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
        }
        fields.push(field);
        if fields.len() > MAX_COLUMNS {
            bail!("more than {MAX_COLUMNS} fields");
        }
        if chars.next().is_none() {
            return Ok(fields);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_fields() {
        assert_eq!(split("a,\"b,c\",,\"d\"\"e\"").unwrap(), ["a", "b,c", "", "d\"e"]);
        assert_eq!(split("").unwrap(), [""]);
        assert!(split("\"open").unwrap_err().to_string().contains("column 1: unterminated"));
        assert!(split("a,\"b\"x").unwrap_err().to_string().contains("column 2: text after"));
    }

    #[test]
    fn numbers_but_not_words() {
        assert_eq!(parse_number("1.5e3"), Some(1500.0));
        assert_eq!(parse_number("-2"), Some(-2.0));
        assert_eq!(parse_number("nan"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("DE"), None);
    }
}
