//! Rule declarations.
//!
//! ```text
//! rule   = "rule" IDENT "{" clause* "}"
//! clause = "on" path ("," path)*
//!        | "when" expr
//!        | "then" IDENT
//!        | "score" ["-"] NUMBER
//!        | "reason" STRING
//!        | "tags" IDENT ("," IDENT)*
//!        | "shadow" | "live"
//! ```
//!
//! Clauses may come in any order, each at most once (`shadow` and `live` together count as one
//! clause, the mode). A repeated clause is reported at its second occurrence.

use super::{PResult, Parser};
use crate::ast::{Ident, RuleDecl, Span};
use crate::lexer::{Keyword, TokenKind};

const CLAUSES: &str = "on, when, then, score, reason, tags, shadow or live";

impl Parser<'_> {
    pub(super) fn rule(&mut self) -> PResult<RuleDecl> {
        let start = self.bump().span;
        let name = self.ident("a rule name after 'rule'")?;
        let open = self.expect(&TokenKind::LBrace, &format!("'{{' to start rule `{}`", name.name))?;
        let mut rule = RuleDecl {
            name,
            on: Vec::new(),
            when: None,
            then: None,
            score: None,
            reason: None,
            tags: Vec::new(),
            mode: None,
            span: start,
        };
        while self.eat(&TokenKind::RBrace).is_none() {
            self.clause(&mut rule, open)?;
        }
        rule.span = self.span_from(start);
        Ok(rule)
    }

    /// One clause of the body of `rule`, whose `{` is at `open`.
    fn clause(&mut self, rule: &mut RuleDecl, open: Span) -> PResult<()> {
        let kw = match self.peek_kind() {
            TokenKind::Keyword(kw) => *kw,
            TokenKind::Eof => return self.expect_close(&TokenKind::RBrace, open).map(drop),
            _ => return Err(self.expected(&format!("a rule clause ({CLAUSES}) or '}}'"))),
        };
        match kw {
            Keyword::On => self.on_clause(rule),
            Keyword::When => self.when_clause(rule),
            Keyword::Then => self.then_clause(rule),
            Keyword::Score => self.score_clause(rule),
            Keyword::Reason => self.reason_clause(rule),
            Keyword::Tags => self.tags_clause(rule),
            Keyword::Shadow | Keyword::Live => self.mode_clause(rule),
            _ => Err(self.expected(&format!("a rule clause ({CLAUSES}) or '}}'"))),
        }
    }

    /// Consumes the clause keyword, failing if the clause was already given.
    fn clause_keyword(&mut self, rule: &RuleDecl, seen: bool) -> PResult<Span> {
        if seen {
            let keyword = self.text(self.peek().span).to_string();
            let message = format!("duplicate `{keyword}` clause in rule `{}`", rule.name.name);
            return Err(self.error_here(message));
        }
        Ok(self.bump().span)
    }

    fn on_clause(&mut self, rule: &mut RuleDecl) -> PResult<()> {
        self.clause_keyword(rule, !rule.on.is_empty())?;
        rule.on = self.comma_separated(|p| p.path("an event type such as payment.attempt"))?;
        Ok(())
    }

    fn when_clause(&mut self, rule: &mut RuleDecl) -> PResult<()> {
        self.clause_keyword(rule, rule.when.is_some())?;
        rule.when = Some(self.expr()?);
        Ok(())
    }

    fn then_clause(&mut self, rule: &mut RuleDecl) -> PResult<()> {
        self.clause_keyword(rule, rule.then.is_some())?;
        rule.then = Some(self.ident("an outcome after 'then'")?);
        Ok(())
    }

    fn score_clause(&mut self, rule: &mut RuleDecl) -> PResult<()> {
        self.clause_keyword(rule, rule.score.is_some())?;
        rule.score = Some(self.signed_number("a number after 'score'")?);
        Ok(())
    }

    fn reason_clause(&mut self, rule: &mut RuleDecl) -> PResult<()> {
        self.clause_keyword(rule, rule.reason.is_some())?;
        rule.reason = Some(self.string("a string after 'reason'")?);
        Ok(())
    }

    fn tags_clause(&mut self, rule: &mut RuleDecl) -> PResult<()> {
        self.clause_keyword(rule, !rule.tags.is_empty())?;
        rule.tags = self.comma_separated(|p| p.ident("a tag name"))?;
        Ok(())
    }

    /// `shadow` or `live`; a second mode is a duplicate even when it differs from the first.
    fn mode_clause(&mut self, rule: &mut RuleDecl) -> PResult<()> {
        if let Some(mode) = &rule.mode {
            let message = format!("duplicate mode in rule `{}`: it is already `{}`", rule.name.name, mode.name);
            return Err(self.error_here(message));
        }
        let span = self.bump().span;
        rule.mode = Some(Ident { name: self.text(span).to_string(), span });
        Ok(())
    }
}
