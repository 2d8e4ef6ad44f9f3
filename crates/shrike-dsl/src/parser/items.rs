//! Top-level declarations.
//!
//! ```text
//! item      = "policy" STRING
//!           | "lateness" DURATION
//!           | "score" IDENT "at" ["-"] NUMBER
//!           | "attribute" IDENT ":" IDENT
//!           | "list" IDENT ":" IDENT ["=" "[" [expr ("," expr)* [","]] "]"]
//!           | "feature" IDENT "=" IDENT "(" agg_body ")" "by" expr ("," expr)*
//!                 "over" DURATION ["every" DURATION]
//!           | "let" IDENT "=" expr
//!           | "model" IDENT "=" STRING "{" binding* "}"
//!           | rule                                   (see `rule.rs`)
//! binding   = path ["=" expr] | STRING "=" expr      (a path alone binds the input so named
//!                                                     to that name)
//! agg_body  = [expr "of"] types ["where" expr]
//! types     = "*" | path ("|" path)*
//! ```
//!
//! An aggregate's first operand is read as the event types unless `of` follows it: the parser
//! takes the types branch when the body starts with `*`, or with a path that is followed by
//! neither `of` nor anything that would continue an expression (`(`, an operator, `and`, …).

use shrike_types::Duration;

use super::{PResult, Parser};
use crate::ast::{Expr, FeatureDecl, Ident, Item, ModelBinding, ModelDecl, Path, Span};
use crate::lexer::{Keyword, TokenKind};

/// A value with the span of the literal it was read from, as the AST stores them.
type Spanned<T> = (T, Span);

const DECLARATIONS: &str = "policy, lateness, score, attribute, list, feature, let, model or rule";

impl Parser<'_> {
    pub(super) fn item(&mut self) -> PResult<Item> {
        let TokenKind::Keyword(kw) = self.peek_kind() else {
            return Err(self.expected(&format!("a declaration ({DECLARATIONS})")));
        };
        match kw {
            Keyword::Policy => self.header(),
            Keyword::Lateness => self.lateness(),
            Keyword::Score => self.threshold(),
            Keyword::Attribute => self.attribute(),
            Keyword::List => self.list(),
            Keyword::Feature => self.feature().map(Item::Feature),
            Keyword::Let => self.let_item(),
            Keyword::Model => self.model().map(Item::Model),
            Keyword::Rule => self.rule().map(Item::Rule),
            _ => Err(self.expected(&format!("a declaration ({DECLARATIONS})"))),
        }
    }

    fn header(&mut self) -> PResult<Item> {
        let start = self.bump().span;
        let name = self.string("the policy name as a string after 'policy'")?.0;
        Ok(Item::Header { name, span: self.span_from(start) })
    }

    fn lateness(&mut self) -> PResult<Item> {
        let start = self.bump().span;
        let value = self.duration("a duration such as 1h after 'lateness'")?.0;
        Ok(Item::Lateness { value, span: self.span_from(start) })
    }

    fn threshold(&mut self) -> PResult<Item> {
        let start = self.bump().span;
        let outcome = self.ident("an outcome after 'score', as in `score review at 60`")?;
        self.expect_kw(Keyword::At, "'at' and a score, as in `score review at 60`")?;
        let at = self.signed_number("a number after 'at'")?.0;
        Ok(Item::Threshold { outcome, at, span: self.span_from(start) })
    }

    fn attribute(&mut self) -> PResult<Item> {
        let start = self.bump().span;
        let name = self.ident("an attribute name after 'attribute'")?;
        self.expect(&TokenKind::Colon, "':' and a type after the attribute name")?;
        let ty = self.ident("a type name such as string")?;
        Ok(Item::Attribute { name, ty, span: self.span_from(start) })
    }

    fn list(&mut self) -> PResult<Item> {
        let start = self.bump().span;
        let name = self.ident("a list name after 'list'")?;
        self.expect(&TokenKind::Colon, "':' and a type after the list name")?;
        let ty = self.ident("a type name such as string")?;
        let mut entries = None;
        if self.eat(&TokenKind::Assign).is_some() {
            let open = self.expect(&TokenKind::LBracket, "'[' to start the list entries")?;
            entries = Some(self.set_elements(open)?.0);
        }
        Ok(Item::List { name, ty, entries, span: self.span_from(start) })
    }

    fn let_item(&mut self) -> PResult<Item> {
        let start = self.bump().span;
        let name = self.ident("a name after 'let'")?;
        self.expect(&TokenKind::Assign, "'=' after the name")?;
        let value = self.expr()?;
        Ok(Item::Let { name, value, span: self.span_from(start) })
    }

    fn model(&mut self) -> PResult<ModelDecl> {
        let start = self.bump().span;
        let name = self.ident("a model name after 'model'")?;
        self.expect(&TokenKind::Assign, "'=' after the model name")?;
        let file = self.string("the model file as a string, as in `model risk = \"risk.json\" { ... }`")?;
        let open = self.expect(&TokenKind::LBrace, &format!("'{{' to start the inputs of model `{}`", name.name))?;
        let mut inputs = Vec::new();
        while self.eat(&TokenKind::RBrace).is_none() {
            if self.at(&TokenKind::Eof) {
                self.expect_close(&TokenKind::RBrace, open)?;
            }
            inputs.push(self.binding()?);
        }
        Ok(ModelDecl { name, file, inputs, span: self.span_from(start) })
    }

    /// `input = expr`, `"input name" = expr` or the shorthand `input`.
    fn binding(&mut self) -> PResult<ModelBinding> {
        const WHAT: &str = "a model input (`input = expression`, or a feature or field name) or '}'";
        let (input, quoted) = match self.peek_kind() {
            TokenKind::Str(_) => (self.string(WHAT)?, true),
            TokenKind::Ident(_) => {
                let path = self.path(WHAT)?;
                ((path.dotted(), path.span), false)
            }
            _ => return Err(self.expected(WHAT)),
        };
        let start = input.1;
        if self.eat(&TokenKind::Assign).is_none() {
            if quoted {
                return Err(self.expected("'=' and an expression after a quoted input name"));
            }
            return Ok(ModelBinding { input, value: None, span: start });
        }
        let value = self.expr()?;
        Ok(ModelBinding { input, value: Some(value), span: self.span_from(start) })
    }

    fn feature(&mut self) -> PResult<FeatureDecl> {
        let start = self.bump().span;
        let name = self.ident("a feature name after 'feature'")?;
        self.expect(&TokenKind::Assign, "'=' after the feature name")?;
        let agg = self.ident("an aggregate such as count or sum")?;
        let (arg, types, filter) = self.aggregate_body(&agg)?;
        let by = "'by' and the key the feature is counted per, such as user_id";
        self.expect_kw(Keyword::By, by)?;
        let keys = self.comma_separated(Self::expr)?;
        let ((window, window_span), every) = self.window()?;
        let span = self.span_from(start);
        Ok(FeatureDecl { name, agg, arg, types, filter, keys, window, window_span, every, span })
    }

    /// `( [ARG of] TYPES [where FILTER] )` after the aggregate's name.
    fn aggregate_body(&mut self, agg: &Ident) -> PResult<(Option<Expr>, Vec<Path>, Option<Expr>)> {
        let open = self.expect(&TokenKind::LParen, &format!("'(' after '{}'", agg.name))?;
        let (arg, types) = self.aggregated()?;
        let filter = self.eat_kw(Keyword::Where).map(|_| self.expr()).transpose()?;
        self.expect_close(&TokenKind::RParen, open)?;
        Ok((arg, types, filter))
    }

    /// `over WINDOW [every RESOLUTION]`.
    fn window(&mut self) -> PResult<(Spanned<Duration>, Option<Spanned<Duration>>)> {
        self.expect_kw(Keyword::Over, "'over' and a window such as 10m")?;
        let window = self.duration("a window such as 10m after 'over'")?;
        let every =
            self.eat_kw(Keyword::Every).map(|_| self.duration("a duration such as 10s after 'every'")).transpose()?;
        Ok((window, every))
    }

    /// `[ARG of] TYPES` inside an aggregate's parentheses.
    fn aggregated(&mut self) -> PResult<(Option<Expr>, Vec<Path>)> {
        if self.at_event_types() {
            return Ok((None, self.event_types()?));
        }
        let arg = self.expr()?;
        self.expect_kw(Keyword::Of, "'of' and the event types after the aggregated expression")?;
        Ok((Some(arg), self.event_types()?))
    }

    /// Whether the aggregate body starts with event types rather than an aggregated expression:
    /// `*`, or a path not followed by `of` or by something that continues an expression.
    fn at_event_types(&self) -> bool {
        if self.at(&TokenKind::Star) {
            return true;
        }
        let mut i = 0;
        while matches!(self.nth_kind(i), TokenKind::Ident(_)) {
            i += 1;
            if !matches!(self.nth_kind(i), TokenKind::Dot) {
                break;
            }
            i += 1;
        }
        i > 0 && !continues_expression(self.nth_kind(i))
    }

    /// `*` (every type, returned as no paths) or `a.b | c.d`.
    fn event_types(&mut self) -> PResult<Vec<Path>> {
        if self.eat(&TokenKind::Star).is_some() {
            return Ok(Vec::new());
        }
        const WHAT: &str = "an event type such as payment.attempt, or '*'";
        let mut types = vec![self.path(WHAT)?];
        while self.eat(&TokenKind::Pipe).is_some() {
            types.push(self.path("an event type after '|'")?);
        }
        if !self.at(&TokenKind::RParen) && !self.at_kw(Keyword::Where) {
            return Err(self.expected("'|', 'where' or ')' after the event types"));
        }
        Ok(types)
    }

    // ----- literal operands of declarations -----

    pub(super) fn string(&mut self, what: &str) -> PResult<Spanned<String>> {
        if let TokenKind::Str(value) = self.peek_kind() {
            let value = value.clone();
            return Ok((value, self.bump().span));
        }
        Err(self.expected(what))
    }

    fn duration(&mut self, what: &str) -> PResult<Spanned<Duration>> {
        if let TokenKind::Duration(d) = self.peek_kind() {
            let d = *d;
            return Ok((d, self.bump().span));
        }
        Err(self.expected(what))
    }

    /// A number literal with an optional leading minus: `60`, `-20`, `2.5`.
    pub(super) fn signed_number(&mut self, what: &str) -> PResult<Spanned<f64>> {
        let minus =
            matches!(self.peek_kind(), TokenKind::Minus) && matches!(self.nth_kind(1), TokenKind::Number { .. });
        let start = match minus {
            true => Some(self.bump().span),
            false => None,
        };
        let TokenKind::Number { value, .. } = self.peek_kind() else {
            return Err(self.expected(what));
        };
        let value = if minus { -*value } else { *value };
        let end = self.bump().span;
        Ok((value, start.unwrap_or(end).to(end)))
    }
}

/// Whether `kind` after a path makes the path part of a larger expression (or an `of` operand).
fn continues_expression(kind: &TokenKind) -> bool {
    use TokenKind as T;
    match kind {
        T::Keyword(kw) => matches!(kw, Keyword::Of | Keyword::And | Keyword::Or | Keyword::In | Keyword::Not),
        T::LParen | T::Dot | T::EqEq | T::NotEq | T::Lt | T::Le | T::Gt | T::Ge => true,
        T::Plus | T::Minus | T::Star | T::Slash | T::Percent | T::Coalesce => true,
        _ => false,
    }
}
