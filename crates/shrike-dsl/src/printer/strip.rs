//! Span erasure, so that two parses of differently formatted text can be compared.

use crate::ast::{Expr, ExprKind, FeatureDecl, Ident, Item, ModelBinding, ModelDecl, Path, Policy, RuleDecl, Span};

const NO_SPAN: Span = Span { start: 0, end: 0 };

/// A copy of `policy` with every span set to `0..0`; two policies that differ only in layout
/// are equal after this.
pub fn strip_spans(policy: &Policy) -> Policy {
    Policy { items: policy.items.iter().map(item).collect() }
}

fn item(item: &Item) -> Item {
    match item {
        Item::Header { name, .. } => Item::Header { name: name.clone(), span: NO_SPAN },
        Item::Lateness { value, .. } => Item::Lateness { value: *value, span: NO_SPAN },
        Item::Threshold { outcome, at, .. } => Item::Threshold { outcome: ident(outcome), at: *at, span: NO_SPAN },
        Item::Attribute { name, ty, .. } => Item::Attribute { name: ident(name), ty: ident(ty), span: NO_SPAN },
        Item::List { name, ty, entries, .. } => {
            Item::List { name: ident(name), ty: ident(ty), entries: entries.as_deref().map(exprs), span: NO_SPAN }
        }
        Item::Feature(f) => Item::Feature(feature(f)),
        Item::Let { name, value, .. } => Item::Let { name: ident(name), value: expr(value), span: NO_SPAN },
        Item::Rule(r) => Item::Rule(rule(r)),
        Item::Model(m) => Item::Model(ModelDecl {
            name: ident(&m.name),
            file: (m.file.0.clone(), NO_SPAN),
            inputs: m
                .inputs
                .iter()
                .map(|b| ModelBinding {
                    input: (b.input.0.clone(), NO_SPAN),
                    value: b.value.as_ref().map(expr),
                    span: NO_SPAN,
                })
                .collect(),
            span: NO_SPAN,
        }),
    }
}

fn feature(f: &FeatureDecl) -> FeatureDecl {
    FeatureDecl {
        name: ident(&f.name),
        agg: ident(&f.agg),
        arg: f.arg.as_ref().map(expr),
        types: f.types.iter().map(path).collect(),
        filter: f.filter.as_ref().map(expr),
        keys: exprs(&f.keys),
        window: f.window,
        window_span: NO_SPAN,
        every: f.every.map(|(d, _)| (d, NO_SPAN)),
        span: NO_SPAN,
    }
}

fn rule(r: &RuleDecl) -> RuleDecl {
    RuleDecl {
        name: ident(&r.name),
        on: r.on.iter().map(path).collect(),
        when: r.when.as_ref().map(expr),
        then: r.then.as_ref().map(ident),
        score: r.score.map(|(s, _)| (s, NO_SPAN)),
        reason: r.reason.as_ref().map(|(s, _)| (s.clone(), NO_SPAN)),
        tags: r.tags.iter().map(ident).collect(),
        mode: r.mode.as_ref().map(ident),
        span: NO_SPAN,
    }
}

fn exprs(list: &[Expr]) -> Vec<Expr> {
    list.iter().map(expr).collect()
}

/// Recursion is bounded by the parser's `MAX_EXPR_DEPTH`.
fn expr(e: &Expr) -> Expr {
    let kind = match &e.kind {
        ExprKind::Path(p) => ExprKind::Path(path(p)),
        ExprKind::Call { func, args } => ExprKind::Call { func: ident(func), args: exprs(args) },
        ExprKind::Unary { op, expr: inner } => ExprKind::Unary { op: *op, expr: Box::new(expr(inner)) },
        ExprKind::Binary { op, lhs, rhs } => {
            ExprKind::Binary { op: *op, lhs: Box::new(expr(lhs)), rhs: Box::new(expr(rhs)) }
        }
        ExprKind::In { expr: inner, set, negated } => {
            ExprKind::In { expr: Box::new(expr(inner)), set: Box::new(expr(set)), negated: *negated }
        }
        ExprKind::Set(elements) => ExprKind::Set(exprs(elements)),
        ExprKind::Model(name) => ExprKind::Model(ident(name)),
        leaf => leaf.clone(),
    };
    Expr { kind, span: NO_SPAN }
}

fn path(p: &Path) -> Path {
    Path { segments: p.segments.iter().map(ident).collect(), span: NO_SPAN }
}

fn ident(i: &Ident) -> Ident {
    Ident { name: i.name.clone(), span: NO_SPAN }
}
