//! The evaluator: runs typed IR against one event, the feature values computed for it and
//! the lists. Missing values follow SQL's three-valued logic (docs/policy-language.md):
//! comparisons and arithmetic with a missing operand give missing, `false and missing` is
//! false, `true or missing` is true, `not missing` is missing, and a rule fires or a filter
//! passes only when its condition is exactly `true`.

use std::borrow::Cow;
use std::cmp::Ordering;

use shrike_types::{Duration, Event, Money, Timestamp, Type, Value};

use crate::functions::Func;
use crate::ir::{ArithOp, CmpOp, Expr, ListId};
use shrike_types::event::AttrValue;

/// Read access to the named lists, at the event's time (entries may expire).
pub trait ListLookup {
    fn contains(&self, list: ListId, value: &Value<'_>, at: Timestamp) -> bool;
    /// Whether the list holds no entry at all (expired ones included): `contains` is then
    /// false for every value.
    fn is_empty(&self, list: ListId) -> bool {
        let _ = list;
        false
    }
}

/// Lists with no entries: for checking and for policies that declare none.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLists;

impl ListLookup for NoLists {
    fn contains(&self, _: ListId, _: &Value<'_>, _: Timestamp) -> bool {
        false
    }
}

/// Everything an expression can read.
pub struct EvalCtx<'e, 'a> {
    pub event: &'e Event<'a>,
    /// The values rules read, by slot: features by [`crate::ir::FeatureId`], then the models'
    /// scores ([`crate::plan::ModelDef::slot`]). Only the features the plan marked as read
    /// for this event type, and the models it scores, are filled in.
    pub features: &'e [Value<'static>],
    pub lists: &'e dyn ListLookup,
}

/// Evaluates a condition: `true` only when the result is exactly `Bool(true)`.
pub fn is_true(expr: &Expr, ctx: &EvalCtx<'_, '_>) -> bool {
    truth(expr, ctx) == Some(true)
}

/// A condition's value in three-valued logic: `Some(b)` for `Bool(b)`, `None` for anything
/// else (missing). Exactly `as_bool(eval(expr))`, without building a [`Value`] for the
/// connectives and comparisons that rules and filters are made of: they return in a
/// register instead of through memory, from a smaller function.
pub fn truth(expr: &Expr, ctx: &EvalCtx<'_, '_>) -> Option<bool> {
    match expr {
        Expr::And(a, b) => match truth(a, ctx) {
            Some(false) => Some(false),
            Some(true) => truth(b, ctx),
            None => truth(b, ctx).filter(|b| !b),
        },
        Expr::Or(a, b) => match truth(a, ctx) {
            Some(true) => Some(true),
            Some(false) => truth(b, ctx),
            None => truth(b, ctx).filter(|b| *b),
        },
        Expr::CmpFeatureNum(op, id, k) => match &ctx.features[id.0 as usize] {
            Value::Num(n) => cmp_truth(*op, n.partial_cmp(k)),
            _ => None,
        },
        Expr::StrFieldInList { field, list, negated } => {
            let s = field.get_str(ctx.event)?;
            if ctx.lists.is_empty(*list) {
                return Some(*negated);
            }
            Some(ctx.lists.contains(*list, &Value::Str(Cow::Borrowed(s)), ctx.event.timestamp) != *negated)
        }
        Expr::CmpStrField(op, field, k) => cmp_truth(*op, Some(field.get_str(ctx.event)?.cmp(k))),
        Expr::CmpStrFields(op, a, b) => {
            let (x, y) = (a.get_str(ctx.event)?, b.get_str(ctx.event)?);
            cmp_truth(*op, Some(x.cmp(y)))
        }
        Expr::StrFieldInSet { field, set, negated } => {
            let s = field.get_str(ctx.event)?;
            Some(set_contains(set, &Value::Str(Cow::Borrowed(s))) != *negated)
        }
        Expr::Cmp(op, a, b) => cmp_truth(*op, compare(&eval(a, ctx), &eval(b, ctx))),
        Expr::Not(e) => truth(e, ctx).map(|b| !b),
        Expr::Call(Func::IsMissing, args) => Some(args.first().is_none_or(|a| eval(a, ctx).is_missing())),
        _ => match eval(expr, ctx) {
            Value::Bool(b) => Some(b),
            _ => None,
        },
    }
}

/// Evaluates an expression. This is the interpreter's dispatch `match`: only the arms that
/// rules run on every event are here, so the function stays small (few saved registers, a
/// small frame); the rest are in [`eval_more`].
pub fn eval<'e>(expr: &'e Expr, ctx: &EvalCtx<'e, '_>) -> Value<'e> {
    match expr {
        Expr::Const(v) => borrow(v),
        Expr::Field(f) => f.get(ctx.event),
        Expr::Feature(id) => borrow(&ctx.features[id.0 as usize]),
        Expr::CmpFeatureNum(op, id, k) => match &ctx.features[id.0 as usize] {
            Value::Num(n) => cmp_result(*op, n.partial_cmp(k)),
            _ => Value::Missing,
        },
        Expr::And(a, b) => and(a, b, ctx),
        Expr::Or(a, b) => or(a, b, ctx),
        Expr::Cmp(op, a, b) => cmp_result(*op, compare(&eval(a, ctx), &eval(b, ctx))),
        Expr::InList { expr, list, negated } => in_list(expr, *list, *negated, ctx),
        Expr::StrFieldInList { field, list, negated } => match field.get_str(ctx.event) {
            None => Value::Missing,
            Some(_) if ctx.lists.is_empty(*list) => Value::Bool(*negated),
            Some(s) => {
                Value::Bool(ctx.lists.contains(*list, &Value::Str(Cow::Borrowed(s)), ctx.event.timestamp) != *negated)
            }
        },
        Expr::CmpStrField(op, field, k) => match field.get_str(ctx.event) {
            Some(s) => cmp_result(*op, Some(s.cmp(k))),
            None => Value::Missing,
        },
        Expr::CmpStrFields(op, a, b) => match (a.get_str(ctx.event), b.get_str(ctx.event)) {
            (Some(x), Some(y)) => cmp_result(*op, Some(x.cmp(y))),
            _ => Value::Missing,
        },
        Expr::StrFieldInSet { field, set, negated } => match field.get_str(ctx.event) {
            Some(s) => Value::Bool(set_contains(set, &Value::Str(Cow::Borrowed(s))) != *negated),
            None => Value::Missing,
        },
        _ => eval_more(expr, ctx),
    }
}

/// The arms of [`eval`] that are not on every event's path.
#[inline(never)]
fn eval_more<'e>(expr: &'e Expr, ctx: &EvalCtx<'e, '_>) -> Value<'e> {
    match expr {
        Expr::Attr { name, ty } => attr(ctx.event, name, *ty),
        Expr::Not(e) => match eval(e, ctx) {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Missing,
        },
        Expr::Neg(e) => negate(eval(e, ctx)),
        Expr::Arith(op, a, b) => arith(*op, eval(a, ctx), eval(b, ctx)),
        Expr::Coalesce(a, b) => match eval(a, ctx) {
            Value::Missing => eval(b, ctx),
            v => v,
        },
        Expr::InSet { expr, set, negated } => match eval(expr, ctx) {
            Value::Missing => Value::Missing,
            v => Value::Bool(set_contains(set, &v) != *negated),
        },
        Expr::Call(func, args) => call(*func, args, ctx),
        Expr::Matches(e, re) => match eval(e, ctx) {
            Value::Str(s) => Value::Bool(re.is_match(&s)),
            _ => Value::Missing,
        },
        Expr::IpIn(e, net) => match eval(e, ctx) {
            Value::Ip(ip) => Value::Bool(net.contains(ip)),
            _ => Value::Missing,
        },
        Expr::Model { slot, .. } => ctx.features.get(usize::from(*slot)).map_or(Value::Missing, borrow),
        // The hot arms, should `eval` ever hand one over.
        other => eval(other, ctx),
    }
}

/// `expr in list`: missing stays missing; an empty list (an allowlist nobody filled yet)
/// answers without hashing the value.
fn in_list<'e>(expr: &'e Expr, list: ListId, negated: bool, ctx: &EvalCtx<'e, '_>) -> Value<'e> {
    match eval(expr, ctx) {
        Value::Missing => Value::Missing,
        _ if ctx.lists.is_empty(list) => Value::Bool(negated),
        v => Value::Bool(ctx.lists.contains(list, &v, ctx.event.timestamp) != negated),
    }
}

fn borrow<'e>(v: &'e Value<'static>) -> Value<'e> {
    match v {
        Value::Str(s) => Value::Str(Cow::Borrowed(s)),
        other => other.clone(),
    }
}

fn and<'e>(a: &'e Expr, b: &'e Expr, ctx: &EvalCtx<'e, '_>) -> Value<'e> {
    match eval(a, ctx) {
        Value::Bool(false) => Value::Bool(false),
        Value::Bool(true) => as_bool(eval(b, ctx)),
        _ => match eval(b, ctx) {
            Value::Bool(false) => Value::Bool(false),
            _ => Value::Missing,
        },
    }
}

fn or<'e>(a: &'e Expr, b: &'e Expr, ctx: &EvalCtx<'e, '_>) -> Value<'e> {
    match eval(a, ctx) {
        Value::Bool(true) => Value::Bool(true),
        Value::Bool(false) => as_bool(eval(b, ctx)),
        _ => match eval(b, ctx) {
            Value::Bool(true) => Value::Bool(true),
            _ => Value::Missing,
        },
    }
}

fn as_bool<'e>(v: Value<'e>) -> Value<'e> {
    match v {
        Value::Bool(b) => Value::Bool(b),
        _ => Value::Missing,
    }
}

fn call<'e>(func: crate::functions::Func, args: &'e [Expr], ctx: &EvalCtx<'e, '_>) -> Value<'e> {
    // Every built-in takes one or two arguments (the checker enforces it).
    let mut vals = [Value::Missing, Value::Missing];
    for (slot, a) in vals.iter_mut().zip(args) {
        *slot = eval(a, ctx);
    }
    func.eval(&mut vals[..args.len().min(2)], ctx.event.timestamp)
}

/// Orders two values of the same type; `None` when either is missing or they are unordered.
pub fn compare(a: &Value<'_>, b: &Value<'_>) -> Option<Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(y),
        (Value::Money(x), Value::Money(y)) => Some(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Value::Time(x), Value::Time(y)) => Some(x.cmp(y)),
        (Value::Dur(x), Value::Dur(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Ip(x), Value::Ip(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn cmp_truth(op: CmpOp, ord: Option<Ordering>) -> Option<bool> {
    let o = ord?;
    Some(match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    })
}

fn cmp_result<'e>(op: CmpOp, ord: Option<Ordering>) -> Value<'e> {
    let Some(o) = ord else { return Value::Missing };
    Value::Bool(match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    })
}

fn set_contains(set: &[Value<'static>], v: &Value<'_>) -> bool {
    if let Value::Str(s) = v {
        // String sets are sorted by the checker.
        return set
            .binary_search_by(|probe| match probe {
                Value::Str(p) => p.as_ref().cmp(s.as_ref()),
                _ => Ordering::Less,
            })
            .is_ok();
    }
    set.iter().any(|m| compare(m, v) == Some(Ordering::Equal))
}

fn negate(v: Value<'_>) -> Value<'_> {
    match v {
        Value::Num(n) => Value::Num(-n),
        Value::Money(m) => Value::Money(Money(m.0.saturating_neg())),
        Value::Dur(d) => Value::Dur(Duration(d.0.saturating_neg())),
        _ => Value::Missing,
    }
}

/// Arithmetic over the typed combinations the checker admits; division by zero is missing.
pub fn arith<'e>(op: ArithOp, a: Value<'e>, b: Value<'e>) -> Value<'e> {
    use Value::*;
    match (a, b) {
        (Num(x), Num(y)) => num_op(op, x, y).map_or(Missing, Num),
        (Money(x), Money(y)) => money_money(op, x, y),
        (Money(x), Num(y)) => scale_money(op, x, y),
        (Num(x), Money(y)) if op == ArithOp::Mul => scale_money(op, y, x),
        (Time(t), Dur(d)) => match op {
            ArithOp::Add => Time(t.plus(d)),
            ArithOp::Sub => Time(t.minus(d)),
            _ => Missing,
        },
        (Time(x), Time(y)) if op == ArithOp::Sub => Dur(x.since(y)),
        (Dur(x), Dur(y)) => dur_dur(op, x, y),
        (Dur(x), Num(y)) => num_op(op, x.0 as f64, y).map_or(Missing, |v| Dur(Duration(v as i64))),
        _ => Missing,
    }
}

fn num_op(op: ArithOp, x: f64, y: f64) -> Option<f64> {
    let r = match op {
        ArithOp::Add => x + y,
        ArithOp::Sub => x - y,
        ArithOp::Mul => x * y,
        ArithOp::Div if y == 0.0 => return None,
        ArithOp::Div => x / y,
        ArithOp::Rem if y == 0.0 => return None,
        ArithOp::Rem => x % y,
    };
    r.is_finite().then_some(r)
}

fn money_money<'e>(op: ArithOp, x: Money, y: Money) -> Value<'e> {
    match op {
        ArithOp::Add => Value::Money(x.saturating_add(y)),
        ArithOp::Sub => Value::Money(x.saturating_sub(y)),
        ArithOp::Div if y.0 == 0 => Value::Missing,
        ArithOp::Div => Value::Num(x.0 as f64 / y.0 as f64),
        _ => Value::Missing,
    }
}

fn scale_money<'e>(op: ArithOp, x: Money, y: f64) -> Value<'e> {
    let r = match op {
        ArithOp::Mul => x.0 as f64 * y,
        ArithOp::Div if y == 0.0 => return Value::Missing,
        ArithOp::Div => x.0 as f64 / y,
        _ => return Value::Missing,
    };
    if r.is_finite() { Value::Money(Money(r.round() as i64)) } else { Value::Missing }
}

fn dur_dur<'e>(op: ArithOp, x: Duration, y: Duration) -> Value<'e> {
    match op {
        ArithOp::Add => Value::Dur(Duration(x.0.saturating_add(y.0))),
        ArithOp::Sub => Value::Dur(Duration(x.0.saturating_sub(y.0))),
        ArithOp::Div if y.0 == 0 => Value::Missing,
        ArithOp::Div => Value::Num(x.0 as f64 / y.0 as f64),
        _ => Value::Missing,
    }
}

/// Reads a free attribute as its declared type; a value of another shape is missing.
fn attr<'e>(event: &'e Event<'_>, name: &str, ty: Type) -> Value<'e> {
    let Some(v) = event.attribute(name) else { return Value::Missing };
    match (ty, v) {
        (Type::String, AttrValue::String(s)) => Value::Str(Cow::Borrowed(s)),
        (Type::String, AttrValue::Number(s)) => Value::Str(Cow::Borrowed(s)),
        (Type::Bool, AttrValue::Bool(b)) => Value::Bool(*b),
        // Like arithmetic, a number is finite: "NaN", "inf" or 1e400 is missing.
        (Type::Number, AttrValue::Number(s) | AttrValue::String(s)) => {
            s.parse().ok().filter(|n: &f64| n.is_finite()).map_or(Value::Missing, Value::Num)
        }
        (Type::Money, AttrValue::Number(s) | AttrValue::String(s)) => {
            Money::parse(s).map_or(Value::Missing, Value::Money)
        }
        (Type::Duration, AttrValue::Number(s)) => s.parse().map_or(Value::Missing, |ms| Value::Dur(Duration(ms))),
        (Type::Timestamp, AttrValue::Number(s)) => s.parse().map_or(Value::Missing, |ms| Value::Time(Timestamp(ms))),
        (Type::Timestamp, AttrValue::String(s)) => Timestamp::parse_rfc3339(s).map_or(Value::Missing, Value::Time),
        (Type::Ip, AttrValue::String(s)) => s.parse().map_or(Value::Missing, Value::Ip),
        _ => Value::Missing,
    }
}
