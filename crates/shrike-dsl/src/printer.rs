//! AST → canonical policy source.
//!
//! The output is the one formatting every policy has: one declaration per line, rule bodies
//! indented by two spaces with clauses in a fixed order (`on`, `when`, `then`, `score`,
//! `reason`, `tags`, mode), a blank line between declarations of different kinds and around
//! rules, and parentheses only where precedence needs them.
//!
//! Invariant: for every policy `p` produced by [`crate::parser::parse`],
//! `strip_spans(&parse(&print(&p))?) == strip_spans(&p)`. ASTs built by hand must keep the
//! parser's shape for this to hold (e.g. a `Number`'s text is a non-negative literal).

mod expr;
mod strip;

use std::fmt::Write as _;

use crate::ast::{FeatureDecl, Item, ModelDecl, Path, Policy, RuleDecl};
pub use strip::strip_spans;

/// Prints `policy` in canonical form, ending with a newline (empty policy: empty string).
pub fn print(policy: &Policy) -> String {
    let mut out = String::new();
    let mut previous: Option<&Item> = None;
    for item in &policy.items {
        if previous.is_some_and(|p| blank_line_between(p, item)) {
            out.push('\n');
        }
        write_item(&mut out, item);
        out.push('\n');
        previous = Some(item);
    }
    out
}

fn blank_line_between(a: &Item, b: &Item) -> bool {
    let is_rule = |i: &Item| matches!(i, Item::Rule(_) | Item::Model(_));
    is_rule(a) || is_rule(b) || std::mem::discriminant(a) != std::mem::discriminant(b)
}

fn write_item(out: &mut String, item: &Item) {
    match item {
        Item::Header { name, .. } => {
            out.push_str("policy ");
            expr::write_string(out, name);
        }
        Item::Lateness { value, .. } => push_fmt(out, format_args!("lateness {value}")),
        Item::Threshold { outcome, at, .. } => {
            push_fmt(out, format_args!("score {} at {at}", outcome.name));
        }
        Item::Attribute { name, ty, .. } => {
            push_fmt(out, format_args!("attribute {}: {}", name.name, ty.name));
        }
        Item::List { name, ty, entries, .. } => {
            push_fmt(out, format_args!("list {}: {}", name.name, ty.name));
            if let Some(entries) = entries {
                out.push_str(" = ");
                expr::write_set(out, entries);
            }
        }
        Item::Feature(feature) => write_feature(out, feature),
        Item::Let { name, value, .. } => {
            push_fmt(out, format_args!("let {} = ", name.name));
            expr::write_expr(out, value);
        }
        Item::Rule(rule) => write_rule(out, rule),
        Item::Model(model) => write_model(out, model),
    }
}

fn write_model(out: &mut String, m: &ModelDecl) {
    push_fmt(out, format_args!("model {} = ", m.name.name));
    expr::write_string(out, &m.file.0);
    out.push_str(" {\n");
    for b in &m.inputs {
        out.push_str("  ");
        write_input_name(out, &b.input.0);
        if let Some(value) = &b.value {
            out.push_str(" = ");
            expr::write_expr(out, value);
        }
        out.push('\n');
    }
    out.push('}');
}

/// An input name bare when it lexes back as a path (`amount`, `card.country`), else quoted.
fn write_input_name(out: &mut String, name: &str) {
    let word = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && crate::lexer::Keyword::from_word(w).is_none()
    };
    if name.split('.').all(word) {
        out.push_str(name);
    } else {
        expr::write_string(out, name);
    }
}

fn write_feature(out: &mut String, f: &FeatureDecl) {
    push_fmt(out, format_args!("feature {} = {}(", f.name.name, f.agg.name));
    if let Some(arg) = &f.arg {
        expr::write_expr(out, arg);
        out.push_str(" of ");
    }
    write_types(out, &f.types);
    if let Some(filter) = &f.filter {
        out.push_str(" where ");
        expr::write_expr(out, filter);
    }
    out.push_str(") by ");
    write_separated(out, &f.keys, ", ", expr::write_expr);
    push_fmt(out, format_args!(" over {}", f.window));
    if let Some((every, _)) = &f.every {
        push_fmt(out, format_args!(" every {every}"));
    }
}

/// `*` for every type, else `a.b | c.d`.
fn write_types(out: &mut String, types: &[Path]) {
    if types.is_empty() {
        out.push('*');
    }
    write_separated(out, types, " | ", |out, p| out.push_str(&p.dotted()));
}

fn write_rule(out: &mut String, r: &RuleDecl) {
    push_fmt(out, format_args!("rule {} {{\n", r.name.name));
    if !r.on.is_empty() {
        out.push_str("  on ");
        write_separated(out, &r.on, ", ", |out, p| out.push_str(&p.dotted()));
        out.push('\n');
    }
    if let Some(when) = &r.when {
        out.push_str("  when ");
        expr::write_expr(out, when);
        out.push('\n');
    }
    write_rule_tail(out, r);
    out.push('}');
}

/// The clauses after `when`.
fn write_rule_tail(out: &mut String, r: &RuleDecl) {
    if let Some(then) = &r.then {
        push_fmt(out, format_args!("  then {}\n", then.name));
    }
    if let Some((score, _)) = &r.score {
        push_fmt(out, format_args!("  score {score}\n"));
    }
    if let Some((reason, _)) = &r.reason {
        out.push_str("  reason ");
        expr::write_string(out, reason);
        out.push('\n');
    }
    if !r.tags.is_empty() {
        out.push_str("  tags ");
        write_separated(out, &r.tags, ", ", |out, t| out.push_str(&t.name));
        out.push('\n');
    }
    if let Some(mode) = &r.mode {
        push_fmt(out, format_args!("  {}\n", mode.name));
    }
}

fn write_separated<T>(out: &mut String, items: &[T], sep: &str, mut write: impl FnMut(&mut String, &T)) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        write(out, item);
    }
}

fn push_fmt(out: &mut String, args: std::fmt::Arguments<'_>) {
    // Writing to a String cannot fail.
    let _ = out.write_fmt(args);
}

#[cfg(test)]
mod tests;
