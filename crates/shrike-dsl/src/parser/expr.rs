//! Expressions, by precedence from lowest to highest:
//!
//! ```text
//! expr       = and ("or" and)*
//! and        = not ("and" not)*
//! not        = "not" not | comparison
//! comparison = coalesce [cmp_op coalesce]          (non-associative)
//! cmp_op     = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in"
//! coalesce   = additive ("??" additive)*
//! additive   = term (("+" | "-") term)*
//! term       = unary (("*" | "/" | "%") unary)*
//! unary      = "-" unary | primary
//! primary    = NUMBER | STRING | DURATION | "true" | "false"
//!            | "(" expr ")" | "[" [expr ("," expr)* [","]] "]"
//!            | IDENT "(" [expr ("," expr)* [","]] ")"      (call: plain names only)
//!            | IDENT ("." IDENT)*                          (path)
//!            | "model" "." IDENT                            (a model's score)
//! ```

use super::{PResult, Parser};
use crate::ast::{BinaryOp, Expr, ExprKind, Ident, Span, UnaryOp};
use crate::lexer::{Keyword, TokenKind};

impl Parser<'_> {
    pub(super) fn expr(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::and_expr, |k| k.is_keyword(Keyword::Or).then_some(BinaryOp::Or))
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::not_expr, |k| k.is_keyword(Keyword::And).then_some(BinaryOp::And))
    }

    fn not_expr(&mut self) -> PResult<Expr> {
        let Some(start) = self.eat_kw(Keyword::Not) else {
            return self.comparison();
        };
        self.descend(start)?;
        let operand = self.not_expr()?;
        self.ascend(1);
        Ok(unary(UnaryOp::Not, start, operand))
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let lhs = self.coalesce()?;
        let Some(op) = self.comparison_op() else {
            return Ok(lhs);
        };
        let op_span = self.peek().span;
        self.bump_comparison_op(op);
        self.descend(op_span)?;
        let rhs = self.coalesce()?;
        self.ascend(1);
        if self.comparison_op().is_some() {
            let message = "comparisons cannot be chained; add parentheses, as in (a < b) == c";
            return Err(self.error_here(message));
        }
        Ok(comparison(op, lhs, rhs))
    }

    /// The comparison operator at the cursor, without consuming it.
    fn comparison_op(&self) -> Option<Comparison> {
        let op = match self.peek_kind() {
            TokenKind::EqEq => BinaryOp::Eq,
            TokenKind::NotEq => BinaryOp::Ne,
            TokenKind::Lt => BinaryOp::Lt,
            TokenKind::Le => BinaryOp::Le,
            TokenKind::Gt => BinaryOp::Gt,
            TokenKind::Ge => BinaryOp::Ge,
            TokenKind::Keyword(Keyword::In) => return Some(Comparison::In { negated: false }),
            TokenKind::Keyword(Keyword::Not) if self.nth_kind(1).is_keyword(Keyword::In) => {
                return Some(Comparison::In { negated: true });
            }
            _ => return None,
        };
        Some(Comparison::Binary(op))
    }

    fn bump_comparison_op(&mut self, op: Comparison) {
        if op == (Comparison::In { negated: true }) {
            self.bump();
        }
        self.bump();
    }

    fn coalesce(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::additive, |k| (*k == TokenKind::Coalesce).then_some(BinaryOp::Coalesce))
    }

    fn additive(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::term, |k| match k {
            TokenKind::Plus => Some(BinaryOp::Add),
            TokenKind::Minus => Some(BinaryOp::Sub),
            _ => None,
        })
    }

    fn term(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::unary, |k| match k {
            TokenKind::Star => Some(BinaryOp::Mul),
            TokenKind::Slash => Some(BinaryOp::Div),
            TokenKind::Percent => Some(BinaryOp::Rem),
            _ => None,
        })
    }

    /// `operand (op operand)*`, folded to the left. Each operator is one level of nesting.
    fn left_assoc(
        &mut self,
        operand: impl Fn(&mut Self) -> PResult<Expr>,
        op_of: fn(&TokenKind) -> Option<BinaryOp>,
    ) -> PResult<Expr> {
        let mut lhs = operand(self)?;
        let mut levels = 0;
        while let Some(op) = op_of(self.peek_kind()) {
            let op_span = self.bump().span;
            levels += 1;
            self.descend(op_span)?;
            let rhs = operand(self)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span };
        }
        self.ascend(levels);
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let Some(start) = self.eat(&TokenKind::Minus) else {
            return self.primary();
        };
        self.descend(start)?;
        let operand = self.unary()?;
        self.ascend(1);
        Ok(unary(UnaryOp::Neg, start, operand))
    }

    fn primary(&mut self) -> PResult<Expr> {
        let token = self.peek().clone();
        let kind = match token.kind {
            TokenKind::Number { value, text } => ExprKind::Number { value, text },
            TokenKind::Str(s) => ExprKind::Str(s),
            TokenKind::Duration(d) => ExprKind::Duration(d),
            TokenKind::Keyword(Keyword::True) => ExprKind::Bool(true),
            TokenKind::Keyword(Keyword::False) => ExprKind::Bool(false),
            TokenKind::LParen => return self.parenthesised(),
            TokenKind::LBracket => return self.set_literal(),
            TokenKind::Ident(_) => return self.name_or_call(),
            TokenKind::Keyword(Keyword::Model) => return self.model_score(),
            TokenKind::Keyword(Keyword::Not) => {
                let message = "expected an expression, found 'not' (to negate an operand, write `(not …)`)";
                return Err(self.error_here(message));
            }
            _ => return Err(self.expected("an expression")),
        };
        self.bump();
        Ok(Expr { kind, span: token.span })
    }

    /// `( expr )`; the result's span includes the parentheses.
    fn parenthesised(&mut self) -> PResult<Expr> {
        let open = self.bump().span;
        self.descend(open)?;
        let inner = self.expr()?;
        let close = self.expect_close(&TokenKind::RParen, open)?;
        self.ascend(1);
        Ok(Expr { kind: inner.kind, span: open.to(close) })
    }

    fn set_literal(&mut self) -> PResult<Expr> {
        let open = self.bump().span;
        let (elements, span) = self.set_elements(open)?;
        Ok(Expr { kind: ExprKind::Set(elements), span })
    }

    /// The elements and closing `]` of a set literal whose `[` (at `open`) is consumed.
    pub(super) fn set_elements(&mut self, open: Span) -> PResult<(Vec<Expr>, Span)> {
        self.delimited(open, &TokenKind::RBracket)
    }

    /// `model.NAME`.
    fn model_score(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        self.expect(&TokenKind::Dot, "'.' and a model name after 'model', as in `model.risk`")?;
        let name = self.ident("a model name after 'model.'")?;
        let span = start.to(name.span);
        Ok(Expr { kind: ExprKind::Model(name), span })
    }

    /// A path `a.b.c`, or a call `name(args)` when a plain name is followed by `(`.
    fn name_or_call(&mut self) -> PResult<Expr> {
        let first = self.ident("a name")?;
        if self.at(&TokenKind::LParen) {
            return self.call(first);
        }
        let path = self.path_rest(first)?;
        if self.at(&TokenKind::LParen) {
            let message = format!("only functions can be called, and `{}` is a path", path.dotted());
            return Err(self.error_here(message));
        }
        let span = path.span;
        Ok(Expr { kind: ExprKind::Path(path), span })
    }

    fn call(&mut self, func: Ident) -> PResult<Expr> {
        let open = self.bump().span;
        let (args, span) = self.delimited(open, &TokenKind::RParen)?;
        let span = func.span.to(span);
        Ok(Expr { kind: ExprKind::Call { func, args }, span })
    }

    /// Comma-separated expressions up to `close` (trailing comma allowed), after the opening
    /// bracket at `open`. Returns them with the span from `open` to `close`.
    fn delimited(&mut self, open: Span, close: &TokenKind) -> PResult<(Vec<Expr>, Span)> {
        self.descend(open)?;
        let mut items = Vec::new();
        let end = loop {
            if let Some(end) = self.eat(close) {
                break end;
            }
            items.push(self.expr()?);
            if self.eat(&TokenKind::Comma).is_none() {
                break self.expect_close_after_item(close, open)?;
            }
        };
        self.ascend(1);
        Ok((items, open.to(end)))
    }

    fn expect_close_after_item(&mut self, close: &TokenKind, open: Span) -> PResult<Span> {
        if self.at(close) {
            return Ok(self.bump().span);
        }
        let close = close.punct().unwrap_or("?");
        let opener = self.text(open).to_string();
        let line = self.line_of(open);
        Err(self.expected(&format!("',' or '{close}' to close '{opener}' opened at line {line}")))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Comparison {
    Binary(BinaryOp),
    In { negated: bool },
}

fn unary(op: UnaryOp, start: Span, operand: Expr) -> Expr {
    let span = start.to(operand.span);
    Expr { kind: ExprKind::Unary { op, expr: Box::new(operand) }, span }
}

fn comparison(op: Comparison, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    let (lhs, rhs) = (Box::new(lhs), Box::new(rhs));
    let kind = match op {
        Comparison::Binary(op) => ExprKind::Binary { op, lhs, rhs },
        Comparison::In { negated } => ExprKind::In { expr: lhs, set: rhs, negated },
    };
    Expr { kind, span }
}
