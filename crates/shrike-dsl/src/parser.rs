//! Stage 2 of the policy compiler: tokens → [`ast::Policy`].
//!
//! A hand-written recursive-descent parser. The grammar is written down in the module docs of
//! `items` (declarations), `rule` (rule bodies) and `expr` (expressions). It stops at the
//! first error.
//!
//! Invariants:
//! - Never panics, on any input (checked by property tests and the `policy_parse` fuzz target).
//! - Every node's span covers exactly the source text it was parsed from (a parenthesised
//!   expression's span includes its parentheses).
//! - Every expression tree is at most about [`MAX_EXPR_DEPTH`] levels high, so every recursive
//!   pass over it (printer, checker, compiler, `Drop`) has a bounded stack.

mod expr;
mod items;
mod rule;

use crate::ast::{self, Ident, Path, Span};
use crate::diagnostic::line_col;
use crate::lexer::{self, Keyword, LexError, Token, TokenKind};

/// Deepest nesting of expressions (parentheses, unary operators, operands of binary operators,
/// call arguments, set elements). Real rules nest a handful of levels; the cap keeps the
/// parser's recursion and every later tree walk far from the stack limit.
pub const MAX_EXPR_DEPTH: usize = 64;

/// Most top-level declarations in one policy. A large marketplace policy has a few hundred;
/// the cap bounds compile time and the size of the compiled plan.
pub const MAX_ITEMS: usize = 10_000;

/// How much of an offending token an error message quotes.
const MAX_QUOTED_CHARS: usize = 24;

/// A syntax error. `Display` is the message alone; render it with
/// [`crate::diagnostic::render`] to show the position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl From<LexError> for ParseError {
    fn from(e: LexError) -> ParseError {
        ParseError { message: e.message, span: e.span }
    }
}

type PResult<T> = Result<T, ParseError>;

/// Parses a whole policy source.
pub fn parse(source: &str) -> Result<ast::Policy, ParseError> {
    let tokens = lexer::lex(source)?;
    let mut parser = Parser { source, tokens, pos: 0, depth: 0 };
    parser.policy()
}

struct Parser<'a> {
    source: &'a str,
    /// Never empty: the lexer always ends the list with `Eof`.
    tokens: Vec<Token>,
    /// Index of the next token; never past the final `Eof`.
    pos: usize,
    /// Current expression nesting, checked against [`MAX_EXPR_DEPTH`].
    depth: usize,
}

impl Parser<'_> {
    fn policy(&mut self) -> PResult<ast::Policy> {
        let mut items = Vec::new();
        while !self.at(&TokenKind::Eof) {
            if items.len() == MAX_ITEMS {
                let message = format!("too many declarations (the limit is {MAX_ITEMS})");
                return Err(self.error_here(message));
            }
            items.push(self.item()?);
        }
        Ok(ast::Policy { items })
    }

    // ----- token cursor -----

    fn peek(&self) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[self.pos.min(last)]
    }

    fn peek_kind(&self) -> &TokenKind {
        &self.peek().kind
    }

    /// The kind of the token `n` places ahead (`Eof` past the end).
    fn nth_kind(&self, n: usize) -> &TokenKind {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.pos + n).min(last)].kind
    }

    /// Consumes and returns the next token; at `Eof` it stays put.
    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    /// End offset of the last consumed token.
    fn prev_end(&self) -> u32 {
        self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)).map_or(0, |t| t.span.end)
    }

    /// The span from `start` to the end of the last consumed token.
    fn span_from(&self, start: Span) -> Span {
        Span { start: start.start, end: self.prev_end().max(start.end) }
    }

    fn at(&self, kind: &TokenKind) -> bool {
        self.peek_kind() == kind
    }

    fn at_kw(&self, kw: Keyword) -> bool {
        self.peek_kind().is_keyword(kw)
    }

    fn eat(&mut self, kind: &TokenKind) -> Option<Span> {
        self.at(kind).then(|| self.bump().span)
    }

    fn eat_kw(&mut self, kw: Keyword) -> Option<Span> {
        self.at_kw(kw).then(|| self.bump().span)
    }

    /// Consumes `kind` or fails with "expected {what}, found …".
    fn expect(&mut self, kind: &TokenKind, what: &str) -> PResult<Span> {
        self.eat(kind).ok_or_else(|| self.expected(what))
    }

    fn expect_kw(&mut self, kw: Keyword, what: &str) -> PResult<Span> {
        self.eat_kw(kw).ok_or_else(|| self.expected(what))
    }

    /// Consumes the closing `kind` of a bracket opened at `open`.
    fn expect_close(&mut self, kind: &TokenKind, open: Span) -> PResult<Span> {
        let close = kind.punct().unwrap_or("?");
        let opener = self.text(open);
        let line = self.line_of(open);
        self.expect(kind, &format!("'{close}' to close '{opener}' opened at line {line}"))
    }

    // ----- names -----

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match &self.peek().kind {
            TokenKind::Ident(name) => {
                let name = name.clone();
                Ok(Ident { name, span: self.bump().span })
            }
            TokenKind::Keyword(kw) => {
                let message =
                    format!("expected {what}, found keyword '{}' (keywords cannot be used as names)", kw.as_str());
                Err(self.error_here(message))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// A dotted path `a.b.c`.
    fn path(&mut self, what: &str) -> PResult<Path> {
        let first = self.ident(what)?;
        self.path_rest(first)
    }

    /// The `.b.c` after the first segment of a path.
    fn path_rest(&mut self, first: Ident) -> PResult<Path> {
        let mut segments = vec![first];
        while self.eat(&TokenKind::Dot).is_some() {
            segments.push(self.ident("a name after '.'")?);
        }
        let span = segments[0].span.to(segments[segments.len() - 1].span);
        Ok(Path { segments, span })
    }

    /// One or more `item`s separated by commas.
    fn comma_separated<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut items = vec![item(self)?];
        while self.eat(&TokenKind::Comma).is_some() {
            items.push(item(self)?);
        }
        Ok(items)
    }

    // ----- errors -----

    fn error_here(&self, message: impl Into<String>) -> ParseError {
        ParseError { message: message.into(), span: self.peek().span }
    }

    fn expected(&self, what: &str) -> ParseError {
        self.error_here(format!("expected {what}, found {}", self.found()))
    }

    /// The next token as quoted in messages: `'over'`, `'5'`, `end of input`.
    fn found(&self) -> String {
        let token = self.peek();
        if token.kind == TokenKind::Eof {
            return "end of input".to_string();
        }
        let text = self.text(token.span);
        let mut quoted: String = text.chars().take(MAX_QUOTED_CHARS).collect();
        if quoted.len() < text.len() {
            quoted.push('…');
        }
        format!("'{quoted}'")
    }

    /// The source text of a span (spans come from the lexer, so they are on char boundaries).
    fn text(&self, span: Span) -> &str {
        self.source.get(span.start as usize..span.end as usize).unwrap_or_default()
    }

    fn line_of(&self, span: Span) -> usize {
        line_col(self.source, span.start).0
    }

    /// Enters one level of expression nesting.
    fn descend(&mut self, at: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_EXPR_DEPTH {
            let message = format!("expression is nested too deeply (the limit is {MAX_EXPR_DEPTH} levels)");
            return Err(ParseError { message, span: at });
        }
        Ok(())
    }

    fn ascend(&mut self, levels: usize) {
        self.depth = self.depth.saturating_sub(levels);
    }
}

#[cfg(test)]
mod tests;
