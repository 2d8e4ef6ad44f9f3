//! Rendering of compile errors as `path:line:column: message`, the source line and a caret.

use std::fmt::Write as _;

use crate::ast::Span;

/// 1-based line and column (columns count characters, not bytes).
pub fn line_col(source: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders one error the way compilers do:
///
/// ```text
/// policy.shrike:12:8: unknown feature `card_atempts_10m`
///    |
/// 12 |   when card_atempts_10m >= 5
///    |        ^^^^^^^^^^^^^^^^
/// ```
pub fn render(path: &str, source: &str, span: Span, message: &str) -> String {
    let (line, column) = line_col(source, span.start);
    let text = source.lines().nth(line - 1).unwrap_or("");
    let width = line.to_string().len();
    let line_chars = text.chars().count();
    let caret_len = caret_length(source, span).clamp(1, line_chars.saturating_sub(column - 1).max(1));
    let mut out = String::new();
    let _ = writeln!(out, "{path}:{line}:{column}: {message}");
    let _ = writeln!(out, "{:width$} |", "");
    let _ = writeln!(out, "{line:width$} | {text}");
    let _ = write!(out, "{:width$} | {}{}", "", " ".repeat(column - 1), "^".repeat(caret_len));
    out
}

fn caret_length(source: &str, span: Span) -> usize {
    let start = floor_char_boundary(source, (span.start as usize).min(source.len()));
    let end = floor_char_boundary(source, (span.end as usize).min(source.len())).max(start);
    source[start..end].chars().take_while(|c| *c != '\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span() {
        let src = "rule a {\n  when x >= 5\n}\n";
        let start = src.find('x').unwrap();
        let out = render("p.shrike", src, Span::new(start, start + 1), "unknown name `x`");
        assert_eq!(out, "p.shrike:2:8: unknown name `x`\n  |\n2 |   when x >= 5\n  |        ^");
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("é x", 3), (1, 3));
        assert_eq!(line_col("a\nb", 2), (2, 1));
    }
}
