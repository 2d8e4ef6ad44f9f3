//! Expressions, with parentheses exactly where the parser's precedence needs them.

use super::{push_fmt, write_separated};
use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

/// Binding strength, mirroring the parser's levels (higher binds tighter).
mod prec {
    pub(super) const OR: u8 = 1;
    pub(super) const AND: u8 = 2;
    pub(super) const NOT: u8 = 3;
    pub(super) const COMPARISON: u8 = 4;
    pub(super) const COALESCE: u8 = 5;
    pub(super) const ADDITIVE: u8 = 6;
    pub(super) const TERM: u8 = 7;
    pub(super) const NEG: u8 = 8;
    pub(super) const ATOM: u8 = 9;
}

pub(super) fn write_expr(out: &mut String, e: &Expr) {
    write_at(out, e, 0);
}

/// Writes `e` where the grammar expects an operand of strength `min`, parenthesising if needed.
fn write_at(out: &mut String, e: &Expr, min: u8) {
    if precedence(e) < min {
        out.push('(');
        write_bare(out, e);
        out.push(')');
    } else {
        write_bare(out, e);
    }
}

fn write_bare(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Number { text, .. } => out.push_str(text),
        ExprKind::Str(s) => write_string(out, s),
        ExprKind::Bool(b) => push_fmt(out, format_args!("{b}")),
        ExprKind::Duration(d) => push_fmt(out, format_args!("{d}")),
        ExprKind::Path(p) => out.push_str(&p.dotted()),
        ExprKind::Model(name) => push_fmt(out, format_args!("model.{}", name.name)),
        ExprKind::Call { func, args } => {
            out.push_str(&func.name);
            out.push('(');
            write_separated(out, args, ", ", write_expr);
            out.push(')');
        }
        ExprKind::Set(elements) => write_set(out, elements),
        ExprKind::Unary { op, expr } => write_unary(out, *op, expr),
        ExprKind::Binary { op, lhs, rhs } => write_binary(out, *op, lhs, rhs),
        ExprKind::In { expr, set, negated } => {
            write_at(out, expr, prec::COALESCE);
            out.push_str(if *negated { " not in " } else { " in " });
            write_at(out, set, prec::COALESCE);
        }
    }
}

fn write_unary(out: &mut String, op: UnaryOp, operand: &Expr) {
    match op {
        UnaryOp::Not => {
            out.push_str("not ");
            write_at(out, operand, prec::NOT);
        }
        UnaryOp::Neg => {
            out.push('-');
            write_at(out, operand, prec::NEG);
        }
    }
}

fn write_binary(out: &mut String, op: BinaryOp, lhs: &Expr, rhs: &Expr) {
    let p = binary_precedence(op);
    // Comparisons do not associate: both operands must bind tighter.
    let lhs_min = if p == prec::COMPARISON { p + 1 } else { p };
    write_at(out, lhs, lhs_min);
    push_fmt(out, format_args!(" {} ", op.symbol()));
    write_at(out, rhs, p + 1);
}

/// `["a", "b"]`
pub(super) fn write_set(out: &mut String, elements: &[Expr]) {
    out.push('[');
    write_separated(out, elements, ", ", write_expr);
    out.push(']');
}

/// A double-quoted string literal that lexes back to `s`.
pub(super) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => push_fmt(out, format_args!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => binary_precedence(*op),
        ExprKind::In { .. } => prec::COMPARISON,
        ExprKind::Unary { op: UnaryOp::Not, .. } => prec::NOT,
        ExprKind::Unary { op: UnaryOp::Neg, .. } => prec::NEG,
        _ => prec::ATOM,
    }
}

fn binary_precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => prec::OR,
        BinaryOp::And => prec::AND,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => prec::COMPARISON,
        BinaryOp::Coalesce => prec::COALESCE,
        BinaryOp::Add | BinaryOp::Sub => prec::ADDITIVE,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => prec::TERM,
    }
}
