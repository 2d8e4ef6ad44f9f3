//! Stage 1 of the policy compiler: source text → [`Token`]s.
//!
//! Invariants:
//! - The token list always ends with exactly one [`TokenKind::Eof`].
//! - Every token's span is the exact source text it was read from, on char boundaries.
//! - Whitespace (ASCII) and `#` comments separate tokens and are otherwise dropped.
//! - Input larger than [`MAX_SOURCE_BYTES`] is rejected before any work is done.

pub mod token;

use shrike_types::Duration;

use crate::ast::Span;
pub use token::{Keyword, Token, TokenKind};

/// Largest policy source accepted, in bytes. A policy is written by people; a megabyte is
/// far beyond any real one and keeps compile time and AST memory bounded.
pub const MAX_SOURCE_BYTES: usize = 1024 * 1024;

/// Longest string literal, in bytes after escapes are resolved. Reasons and list entries are
/// short; the cap matches the longest string value an event may carry.
pub const MAX_STRING_BYTES: usize = 4 * 1024;

/// Units a duration literal may end with.
const DURATION_UNITS: [&str; 6] = ["ms", "s", "m", "h", "d", "w"];

/// A malformed token. `Display` is the message alone; render it with
/// [`crate::diagnostic::render`] to show the position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LexError {
    pub message: String,
    pub span: Span,
}

impl LexError {
    fn new(message: impl Into<String>, start: usize, end: usize) -> LexError {
        LexError { message: message.into(), span: Span::new(start, end) }
    }
}

/// Splits `source` into tokens, ending with [`TokenKind::Eof`].
pub fn lex(source: &str) -> Result<Vec<Token>, LexError> {
    if source.len() > MAX_SOURCE_BYTES {
        let message = format!("policy source is {} bytes; the limit is {MAX_SOURCE_BYTES} bytes", source.len());
        return Err(LexError::new(message, 0, 0));
    }
    let mut lexer = Lexer { src: source, pos: 0, tokens: Vec::new() };
    lexer.skip_bom();
    while let Some(c) = lexer.skip_trivia() {
        lexer.token(c)?;
    }
    let end = source.len();
    lexer.tokens.push(Token { kind: TokenKind::Eof, span: Span::new(end, end) });
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + ahead).copied()
    }

    fn skip_bom(&mut self) {
        if self.src.starts_with('\u{feff}') {
            self.pos = '\u{feff}'.len_utf8();
        }
    }

    /// Skips whitespace and comments; returns the next significant char, if any.
    fn skip_trivia(&mut self) -> Option<char> {
        loop {
            let c = self.peek()?;
            if c == '#' {
                let rest = &self.src[self.pos..];
                self.pos += rest.find('\n').unwrap_or(rest.len());
            } else if c.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                return Some(c);
            }
        }
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token { kind, span: Span::new(start, self.pos) });
    }

    /// Reads one token starting with `c`.
    fn token(&mut self, c: char) -> Result<(), LexError> {
        let start = self.pos;
        if c.is_ascii_alphabetic() || c == '_' {
            self.word(start);
        } else if c.is_ascii_digit() {
            self.number(start)?;
        } else if c == '"' {
            let text = self.string(start)?;
            self.push(TokenKind::Str(text), start);
        } else {
            let kind = self.punct(c)?;
            self.push(kind, start);
        }
        Ok(())
    }

    fn eat_while(&mut self, pred: impl Fn(u8) -> bool) {
        while self.peek_at(0).is_some_and(&pred) {
            self.pos += 1;
        }
    }

    fn word(&mut self, start: usize) {
        self.eat_while(is_ident_byte);
        let text = &self.src[start..self.pos];
        let kind = match Keyword::from_word(text) {
            Some(kw) => TokenKind::Keyword(kw),
            None => TokenKind::Ident(text.to_string()),
        };
        self.push(kind, start);
    }

    /// Punctuation and operators; anything else is an unknown character.
    fn punct(&mut self, c: char) -> Result<TokenKind, LexError> {
        let two = self.src.get(self.pos..self.pos + 2);
        let double = match two {
            Some("==") => Some(TokenKind::EqEq),
            Some("!=") => Some(TokenKind::NotEq),
            Some("<=") => Some(TokenKind::Le),
            Some(">=") => Some(TokenKind::Ge),
            Some("??") => Some(TokenKind::Coalesce),
            _ => None,
        };
        if let Some(kind) = double {
            self.pos += 2;
            return Ok(kind);
        }
        let kind = single_punct(c).ok_or_else(|| self.unknown_char(c))?;
        self.pos += 1;
        Ok(kind)
    }

    fn unknown_char(&self, c: char) -> LexError {
        let hint = match c {
            '!' => " (use `not` to negate, `!=` to compare)",
            '?' => " (did you mean `??`?)",
            '&' => " (use `and`)",
            '\'' => " (strings use double quotes)",
            _ => "",
        };
        let shown = if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() };
        let message = format!("unknown character '{shown}'{hint}");
        LexError::new(message, self.pos, self.pos + c.len_utf8())
    }

    /// A number (`5`, `0.5`, `1e3`) or a duration (`10m`).
    fn number(&mut self, start: usize) -> Result<(), LexError> {
        self.eat_while(|b| b.is_ascii_digit());
        let integer_end = self.pos;
        if self.peek_at(0) == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            self.eat_while(|b| b.is_ascii_digit());
        }
        self.exponent();
        let number_end = self.pos;
        self.eat_while(is_ident_byte);
        if self.pos > number_end {
            let kind = self.duration(start, integer_end, number_end)?;
            self.push(kind, start);
            return Ok(());
        }
        let text = &self.src[start..self.pos];
        let value: f64 = text.parse().map_err(|_| self.invalid_number(start))?;
        if !value.is_finite() {
            let message = format!("number '{text}' is too large");
            return Err(LexError::new(message, start, self.pos));
        }
        self.push(TokenKind::Number { value, text: text.to_string() }, start);
        Ok(())
    }

    /// Consumes `e3`, `E-2`, `e+10` if a digit follows the marker and sign.
    fn exponent(&mut self) {
        if !matches!(self.peek_at(0), Some(b'e' | b'E')) {
            return;
        }
        let sign = usize::from(matches!(self.peek_at(1), Some(b'+' | b'-')));
        if self.peek_at(1 + sign).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1 + sign;
            self.eat_while(|b| b.is_ascii_digit());
        }
    }

    /// The text `start..pos` is a number with a letter suffix starting at `number_end`.
    fn duration(&self, start: usize, integer_end: usize, number_end: usize) -> Result<TokenKind, LexError> {
        let text = &self.src[start..self.pos];
        let unit = &self.src[number_end..self.pos];
        if !DURATION_UNITS.contains(&unit) {
            if unit.starts_with(|c: char| c.is_ascii_alphabetic()) && integer_end == number_end {
                let message = format!("unknown unit '{unit}' in '{text}'; durations end with ms, s, m, h, d or w");
                return Err(LexError::new(message, start, self.pos));
            }
            return Err(self.invalid_number(start));
        }
        if integer_end != number_end {
            let message = format!("a duration must be a whole number of units, found '{text}'");
            return Err(LexError::new(message, start, self.pos));
        }
        match Duration::parse_literal(text) {
            Some(d) => Ok(TokenKind::Duration(d)),
            None => {
                let message = format!("duration '{text}' is too large");
                Err(LexError::new(message, start, self.pos))
            }
        }
    }

    fn invalid_number(&self, start: usize) -> LexError {
        let message = format!("invalid number '{}'", &self.src[start..self.pos]);
        LexError::new(message, start, self.pos)
    }

    /// A double-quoted string; returns its value with escapes resolved.
    fn string(&mut self, start: usize) -> Result<String, LexError> {
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.peek().filter(|c| *c != '\n') else {
                let end = self.pos;
                return Err(LexError::new("unterminated string", start, end));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => break,
                '\\' => value.push(self.escape()?),
                _ => value.push(c),
            }
            if value.len() > MAX_STRING_BYTES {
                let message = format!("string literal is longer than {MAX_STRING_BYTES} bytes");
                return Err(LexError::new(message, start, self.pos));
            }
        }
        Ok(value)
    }

    /// The char after a backslash (already consumed).
    fn escape(&mut self) -> Result<char, LexError> {
        let start = self.pos - 1;
        let Some(c) = self.peek().filter(|c| *c != '\n') else {
            return Err(LexError::new("unterminated string", start, self.pos));
        };
        self.pos += c.len_utf8();
        match c {
            '"' => Ok('"'),
            '\\' => Ok('\\'),
            'n' => Ok('\n'),
            't' => Ok('\t'),
            'u' => self.unicode_escape(start),
            _ => {
                let message = format!("unknown escape '\\{c}' in string (use \\\", \\\\, \\n, \\t or \\u{{…}})");
                Err(LexError::new(message, start, self.pos))
            }
        }
    }

    /// `\u{1F600}`: one to six hex digits naming a Unicode scalar value.
    fn unicode_escape(&mut self, start: usize) -> Result<char, LexError> {
        let rest = &self.src[self.pos..];
        let digits = rest.strip_prefix('{').and_then(|r| r.split_once('}')).map(|(d, _)| d);
        let hex = digits.filter(|d| (1..=6).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_hexdigit()));
        match hex.and_then(|d| u32::from_str_radix(d, 16).ok()).and_then(char::from_u32) {
            Some(c) => {
                self.pos += hex.map_or(0, str::len) + 2;
                Ok(c)
            }
            None => {
                let message = "invalid unicode escape; expected \\u{…} with 1 to 6 hex digits";
                Err(LexError::new(message, start, self.pos))
            }
        }
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn single_punct(c: char) -> Option<TokenKind> {
    let kind = match c {
        '(' => TokenKind::LParen,
        ')' => TokenKind::RParen,
        '{' => TokenKind::LBrace,
        '}' => TokenKind::RBrace,
        '[' => TokenKind::LBracket,
        ']' => TokenKind::RBracket,
        ',' => TokenKind::Comma,
        '.' => TokenKind::Dot,
        ':' => TokenKind::Colon,
        '=' => TokenKind::Assign,
        '<' => TokenKind::Lt,
        '>' => TokenKind::Gt,
        '+' => TokenKind::Plus,
        '-' => TokenKind::Minus,
        '*' => TokenKind::Star,
        '/' => TokenKind::Slash,
        '%' => TokenKind::Percent,
        '|' => TokenKind::Pipe,
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests;
