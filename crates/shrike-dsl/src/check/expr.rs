//! Expressions: name resolution, typing, literal coercion and `let` inlining.

use std::borrow::Cow;
use std::sync::Arc;

use shrike_types::{Field, Money, Type, Value};

use super::{Binding, Checker, LetState, Scope};
use crate::ast::{self, BinaryOp, ExprKind, UnaryOp};
use crate::functions::Func;
use crate::ir::{ArithOp, Cidr, CmpOp, Expr, FeatureId};

/// Largest compiled regex, in bytes of the regex engine's program (`matches`).
pub const MAX_REGEX_SIZE: usize = 256 * 1024;

pub(super) type Typed = Option<(Expr, Type)>;

impl Checker<'_> {
    /// Checks an expression that must be a bool.
    pub(super) fn condition(&mut self, e: &ast::Expr, scope: Scope) -> Option<Expr> {
        let (ir, ty) = self.expr(e, scope)?;
        if ty != Type::Bool {
            self.error(e.span, format!("expected a condition (bool), found {ty}"));
            return None;
        }
        Some(ir)
    }

    pub(super) fn expr(&mut self, e: &ast::Expr, scope: Scope) -> Typed {
        match &e.kind {
            ExprKind::Number { .. } | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Duration(_) => {
                let v = self.literal(e, None)?;
                let ty = value_type(&v);
                Some((Expr::Const(v), ty))
            }
            ExprKind::Path(p) => self.path(p, scope),
            ExprKind::Call { func, args } => self.call(func, args, scope),
            ExprKind::Unary { op, expr } => self.unary(*op, expr, scope),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, scope, e.span),
            ExprKind::In { expr, set, negated } => self.membership(expr, set, *negated, scope),
            ExprKind::Set(_) => {
                self.error(e.span, "a set literal can only be used after `in`");
                None
            }
            ExprKind::Model(name) => self.model_score(name, e.span, scope),
        }
    }

    /// A literal's value; a number literal becomes exact money when `expected` is money.
    pub(super) fn literal(&mut self, e: &ast::Expr, expected: Option<Type>) -> Option<Value<'static>> {
        match &e.kind {
            ExprKind::Number { text, .. } if expected == Some(Type::Money) => self.money(text, e.span, false),
            ExprKind::Number { value, .. } => Some(Value::Num(*value)),
            ExprKind::Str(s) => Some(Value::Str(Cow::Owned(s.clone()))),
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::Duration(d) => Some(Value::Dur(*d)),
            ExprKind::Unary { op: UnaryOp::Neg, expr } => match &expr.kind {
                ExprKind::Number { text, .. } if expected == Some(Type::Money) => self.money(text, e.span, true),
                ExprKind::Number { value, .. } => Some(Value::Num(-value)),
                ExprKind::Duration(d) => Some(Value::Dur(shrike_types::Duration(-d.0))),
                _ => self.not_literal(e),
            },
            _ => self.not_literal(e),
        }
    }

    fn not_literal(&mut self, e: &ast::Expr) -> Option<Value<'static>> {
        self.error(e.span, "expected a literal value here");
        None
    }

    fn money(&mut self, text: &str, span: ast::Span, negate: bool) -> Option<Value<'static>> {
        match Money::parse(text) {
            Ok(m) => Some(Value::Money(if negate { Money(-m.0) } else { m })),
            Err(err) => {
                self.error(span, format!("not a valid amount: {err}"));
                None
            }
        }
    }

    fn path(&mut self, p: &ast::Path, scope: Scope) -> Typed {
        let name = p.dotted();
        if let (1, Some(b)) = (p.segments.len(), self.names.get(&name).cloned()) {
            return self.binding(b, p, scope);
        }
        if let Some(f) = Field::from_name(&name) {
            return Some((Expr::Field(f), f.ty()));
        }
        if let Some(attr) = name.strip_prefix("attributes.") {
            return match self.attributes.get(attr) {
                Some(Some(ty)) => Some((Expr::Attr { name: Arc::from(attr), ty: *ty }, *ty)),
                Some(None) => None,
                None => {
                    let msg = format!("unknown attribute `{attr}`; declare it with `attribute {attr}: TYPE`");
                    self.error(p.span, msg);
                    None
                }
            };
        }
        self.error(p.span, format!("unknown name `{name}`: not a field, feature, let or list"));
        None
    }

    fn binding(&mut self, b: Binding, p: &ast::Path, scope: Scope) -> Typed {
        let name = p.dotted();
        match b {
            Binding::Feature(_) if scope == Scope::Event => {
                let msg = format!("feature `{name}` cannot be read here: filters, values and keys read only the event");
                self.error(p.span, msg);
                None
            }
            Binding::Feature(id) => Some((Expr::Feature(FeatureId(id)), self.feature_types[id as usize])),
            Binding::List(..) => {
                self.error(p.span, format!("list `{name}` can only be used after `in`"));
                None
            }
            Binding::Let(i) => {
                let (ir, ty) = self.resolve_let(i)?;
                if scope == Scope::Event && ir.reads_features() {
                    let msg = format!("`{name}` reads features, so it cannot be used in a filter, value or key");
                    self.error(p.span, msg);
                    return None;
                }
                if scope == Scope::ModelInput && ir.reads_models() {
                    self.error(p.span, format!("`{name}` reads a model score, so a model input cannot use it"));
                    return None;
                }
                Some((ir, ty))
            }
        }
    }

    /// Resolves (and memoises) a `let`; a `let` that reaches itself is a cycle.
    pub(super) fn resolve_let(&mut self, i: usize) -> Typed {
        let (name, value) = (self.lets[i].0, self.lets[i].1);
        match &self.lets[i].2 {
            LetState::Done(e, t) => return Some((e.clone(), *t)),
            LetState::Failed => return None,
            LetState::InProgress => {
                self.error(name.span, format!("`{}` is defined in terms of itself (a cycle)", name.name));
                self.lets[i].2 = LetState::Failed;
                return None;
            }
            LetState::Pending => {}
        }
        self.lets[i].2 = LetState::InProgress;
        let result = self.expr(value, Scope::Rule);
        if matches!(self.lets[i].2, LetState::Failed) {
            return None;
        }
        self.lets[i].2 = match &result {
            Some((e, t)) => LetState::Done(e.clone(), *t),
            None => LetState::Failed,
        };
        result
    }

    fn unary(&mut self, op: UnaryOp, e: &ast::Expr, scope: Scope) -> Typed {
        let (ir, ty) = self.expr(e, scope)?;
        match (op, ty) {
            (UnaryOp::Not, Type::Bool) => Some((Expr::Not(Box::new(ir)), ty)),
            (UnaryOp::Neg, Type::Number | Type::Money | Type::Duration) => Some((Expr::Neg(Box::new(ir)), ty)),
            (UnaryOp::Not, _) => self.fail(e.span, format!("`not` needs a bool, found {ty}")),
            (UnaryOp::Neg, _) => self.fail(e.span, format!("cannot negate a {ty}")),
        }
    }

    fn fail(&mut self, span: ast::Span, message: String) -> Typed {
        self.error(span, message);
        None
    }

    fn binary(&mut self, op: BinaryOp, l: &ast::Expr, r: &ast::Expr, scope: Scope, span: ast::Span) -> Typed {
        let lhs = self.expr(l, scope);
        let rhs = self.expr(r, scope);
        let ((le, lt), (re, rt)) = (lhs?, rhs?);
        let ((le, lt), (re, rt)) =
            if coerces_literals(op) { self.coerce_pair(l, (le, lt), r, (re, rt))? } else { ((le, lt), (re, rt)) };
        match op {
            BinaryOp::And | BinaryOp::Or => self.logic(op, (le, lt), (re, rt), span),
            BinaryOp::Coalesce if lt == rt => Some((Expr::Coalesce(Box::new(le), Box::new(re)), lt)),
            BinaryOp::Coalesce => {
                self.fail(span, format!("both sides of `??` must have one type, found {lt} and {rt}"))
            }
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                self.comparison(op, (le, lt), (re, rt), span)
            }
            _ => self.arithmetic(op, (le, lt), (re, rt), span),
        }
    }

    /// Turns a number literal beside money into exact money (`amount > 100`). `None` when the
    /// literal is not a valid amount (already reported).
    fn coerce_pair(
        &mut self,
        l: &ast::Expr,
        lhs: (Expr, Type),
        r: &ast::Expr,
        rhs: (Expr, Type),
    ) -> Option<((Expr, Type), (Expr, Type))> {
        let lit = |e: &ast::Expr| {
            matches!(&e.kind, ExprKind::Number { .. })
                || matches!(&e.kind, ExprKind::Unary { op: UnaryOp::Neg, expr } if matches!(expr.kind, ExprKind::Number { .. }))
        };
        Some(match (lhs.1, rhs.1) {
            (Type::Money, Type::Number) if lit(r) => {
                let v = self.literal(r, Some(Type::Money))?;
                (lhs, (Expr::Const(v), Type::Money))
            }
            (Type::Number, Type::Money) if lit(l) => {
                let v = self.literal(l, Some(Type::Money))?;
                ((Expr::Const(v), Type::Money), rhs)
            }
            _ => (lhs, rhs),
        })
    }

    fn logic(&mut self, op: BinaryOp, (le, lt): (Expr, Type), (re, rt): (Expr, Type), span: ast::Span) -> Typed {
        if lt != Type::Bool || rt != Type::Bool {
            return self.fail(span, format!("`{}` needs bool on both sides, found {lt} and {rt}", op.symbol()));
        }
        let (a, b) = (Box::new(le), Box::new(re));
        Some((if op == BinaryOp::And { Expr::And(a, b) } else { Expr::Or(a, b) }, Type::Bool))
    }

    fn comparison(&mut self, op: BinaryOp, (le, lt): (Expr, Type), (re, rt): (Expr, Type), span: ast::Span) -> Typed {
        let cmp = cmp_op(op);
        if lt != rt {
            let hint = match (lt, rt) {
                (Type::Duration, Type::Number) | (Type::Number, Type::Duration) => "; write a duration such as 10m",
                (Type::Money, Type::Number) | (Type::Number, Type::Money) => {
                    "; use number(...) to compare money with a computed number"
                }
                _ => "",
            };
            return self.fail(span, format!("cannot compare {lt} with {rt}{hint}"));
        }
        let ordered = !matches!(lt, Type::Bool | Type::Ip);
        if !ordered && !matches!(cmp, CmpOp::Eq | CmpOp::Ne) {
            return self.fail(span, format!("`{}` does not apply to {lt}; use == or !=", op.symbol()));
        }
        Some((fast_cmp(cmp, le, re), Type::Bool))
    }

    fn arithmetic(&mut self, op: BinaryOp, (le, lt): (Expr, Type), (re, rt): (Expr, Type), span: ast::Span) -> Typed {
        let aop = arith_op(op);
        let ty = arith_type(aop, lt, rt);
        match ty {
            Some(t) => Some((Expr::Arith(aop, Box::new(le), Box::new(re)), t)),
            None => self.fail(span, format!("cannot apply `{}` to {lt} and {rt}", op.symbol())),
        }
    }

    fn membership(&mut self, e: &ast::Expr, set: &ast::Expr, negated: bool, scope: Scope) -> Typed {
        let (ir, ty) = self.expr(e, scope)?;
        let expr = Box::new(ir);
        match &set.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => match self.names.get(&p.dotted()).cloned() {
                Some(Binding::List(list, lty)) if lty == ty => Some((in_list(*expr, list, negated), Type::Bool)),
                Some(Binding::List(_, lty)) => {
                    self.fail(set.span, format!("list `{}` holds {lty}, not {ty}", p.dotted()))
                }
                Some(_) => self.fail(set.span, format!("`{}` is not a list", p.dotted())),
                None if Field::from_name(&p.dotted()).is_some() => {
                    self.fail(set.span, format!("`{}` is not a list", p.dotted()))
                }
                None => self.fail(set.span, format!("unknown list `{}`", p.dotted())),
            },
            // There are no ip or timestamp literals, so no set literal can hold these types.
            ExprKind::Set(_) if matches!(ty, Type::Ip | Type::Timestamp) => {
                let hint = if ty == Type::Ip { "; use an ip list or ip_in(ip, \"10.0.0.0/8\")" } else { "" };
                self.fail(set.span, format!("a set literal cannot hold {ty} values{hint}"))
            }
            ExprKind::Set(items) => {
                let set = self.set_literal(items, ty)?;
                Some((in_set(*expr, set, negated), Type::Bool))
            }
            _ => self.fail(set.span, "expected a list name or a set literal such as [\"a\", \"b\"] after `in`".into()),
        }
    }

    fn set_literal(&mut self, items: &[ast::Expr], ty: Type) -> Option<Arc<[Value<'static>]>> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            let v = self.literal(item, Some(ty))?;
            if value_type(&v) != ty {
                self.error(item.span, format!("expected a {ty} in this set, found {}", value_type(&v)));
                return None;
            }
            values.push(v);
        }
        values.sort_by(|a, b| crate::eval::compare(a, b).unwrap_or(std::cmp::Ordering::Equal));
        Some(values.into())
    }

    fn call(&mut self, func: &ast::Ident, args: &[ast::Expr], scope: Scope) -> Typed {
        match func.name.as_str() {
            "matches" => return self.matches(func, args, scope),
            "ip_in" => return self.ip_in(func, args, scope),
            _ => {}
        }
        let Some(f) = Func::from_name(&func.name) else {
            return self.fail(func.span, format!("unknown function `{}`", func.name));
        };
        let mut irs = Vec::with_capacity(args.len());
        let mut types = Vec::with_capacity(args.len());
        for a in args {
            let (e, t) = self.expr(a, scope)?;
            irs.push(e);
            types.push(t);
        }
        match f.check(&types) {
            Ok(t) => Some((Expr::Call(f, irs.into()), t)),
            Err(sig) => self.fail(func.span, format!("wrong arguments to `{}`: expected {sig}", func.name)),
        }
    }

    fn matches(&mut self, func: &ast::Ident, args: &[ast::Expr], scope: Scope) -> Typed {
        let [s, ast::Expr { kind: ExprKind::Str(pattern), span }] = args else {
            return self.fail(func.span, "expected matches(string, \"regex\") with a literal pattern".into());
        };
        let (e, t) = self.expr(s, scope)?;
        if t != Type::String {
            return self.fail(s.span, format!("matches needs a string, found {t}"));
        }
        let re = regex::RegexBuilder::new(pattern).size_limit(MAX_REGEX_SIZE).build();
        match re {
            Ok(re) => Some((Expr::Matches(Box::new(e), Arc::new(re)), Type::Bool)),
            Err(err) => self.fail(*span, format!("invalid regex: {}", regex_cause(&err.to_string()))),
        }
    }

    fn ip_in(&mut self, func: &ast::Ident, args: &[ast::Expr], scope: Scope) -> Typed {
        let [ip, ast::Expr { kind: ExprKind::Str(net), span }] = args else {
            return self.fail(func.span, "expected ip_in(ip, \"network/bits\") with a literal network".into());
        };
        let (e, t) = self.expr(ip, scope)?;
        if t != Type::Ip {
            return self.fail(ip.span, format!("ip_in needs an ip, found {t}"));
        }
        match Cidr::parse(net) {
            Some(c) => Some((Expr::IpIn(Box::new(e), c), Type::Bool)),
            None => self.fail(*span, format!("`{net}` is not a network such as \"10.0.0.0/8\"")),
        }
    }
}

/// The cause of a regex error in one line. Syntax errors are several lines (`regex parse
/// error:`, the pattern, a caret, `error: CAUSE`); the cause is the last one.
fn regex_cause(s: &str) -> &str {
    let last = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s).trim();
    last.strip_prefix("error: ").unwrap_or(last)
}

fn value_type(v: &Value<'_>) -> Type {
    match v {
        Value::Bool(_) => Type::Bool,
        Value::Num(_) | Value::Missing => Type::Number,
        Value::Money(_) => Type::Money,
        Value::Str(_) => Type::String,
        Value::Time(_) => Type::Timestamp,
        Value::Dur(_) => Type::Duration,
        Value::Ip(_) => Type::Ip,
    }
}

/// Whether a number literal beside money is read as money. Not for `*` `/` `%`: there the
/// literal is a factor (`amount * 3` is money × number → money, `amount / 2` is money).
fn coerces_literals(op: BinaryOp) -> bool {
    !matches!(op, BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem)
}

fn cmp_op(op: BinaryOp) -> CmpOp {
    match op {
        BinaryOp::Eq => CmpOp::Eq,
        BinaryOp::Ne => CmpOp::Ne,
        BinaryOp::Lt => CmpOp::Lt,
        BinaryOp::Le => CmpOp::Le,
        BinaryOp::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// A string-typed standard field (read in place by the fast paths).
fn str_field(e: &Expr) -> Option<Field> {
    match e {
        Expr::Field(f) if f.ty() == Type::String => Some(*f),
        _ => None,
    }
}

/// Uses a fast path (`feature OP number`, `string_field OP "text"`, `field OP field`) when
/// the shape allows it; the result is the same as the general `Cmp`.
fn fast_cmp(op: CmpOp, l: Expr, r: Expr) -> Expr {
    match (str_field(&l), str_field(&r)) {
        (Some(a), Some(b)) => return Expr::CmpStrFields(op, a, b),
        (Some(a), None) => {
            if let Expr::Const(Value::Str(s)) = &r {
                return Expr::CmpStrField(op, a, Arc::from(s.as_ref()));
            }
        }
        (None, Some(b)) => {
            if let Expr::Const(Value::Str(s)) = &l {
                return Expr::CmpStrField(flip(op), b, Arc::from(s.as_ref()));
            }
        }
        (None, None) => {}
    }
    match (l, r) {
        (Expr::Feature(id), Expr::Const(Value::Num(k))) => Expr::CmpFeatureNum(op, id, k),
        (Expr::Const(Value::Num(k)), Expr::Feature(id)) => Expr::CmpFeatureNum(flip(op), id, k),
        (l, r) => Expr::Cmp(op, Box::new(l), Box::new(r)),
    }
}

fn in_list(expr: Expr, list: crate::ir::ListId, negated: bool) -> Expr {
    match str_field(&expr) {
        Some(field) => Expr::StrFieldInList { field, list, negated },
        None => Expr::InList { expr: Box::new(expr), list, negated },
    }
}

fn in_set(expr: Expr, set: Arc<[Value<'static>]>, negated: bool) -> Expr {
    let strings = set.iter().all(|v| matches!(v, Value::Str(_)));
    match str_field(&expr) {
        Some(field) if strings => Expr::StrFieldInSet { field, set, negated },
        _ => Expr::InSet { expr: Box::new(expr), set, negated },
    }
}

fn arith_op(op: BinaryOp) -> ArithOp {
    match op {
        BinaryOp::Add => ArithOp::Add,
        BinaryOp::Sub => ArithOp::Sub,
        BinaryOp::Mul => ArithOp::Mul,
        BinaryOp::Div => ArithOp::Div,
        _ => ArithOp::Rem,
    }
}

/// The result type of arithmetic, mirroring [`crate::eval::arith`].
fn arith_type(op: ArithOp, l: Type, r: Type) -> Option<Type> {
    use ArithOp::*;
    use Type::*;
    Some(match (op, l, r) {
        (_, Number, Number) => Number,
        (Add | Sub, Money, Money) => Money,
        (Div, Money, Money) => Number,
        (Mul | Div, Money, Number) => Money,
        (Mul, Number, Money) => Money,
        (Add | Sub, Timestamp, Duration) => Timestamp,
        (Sub, Timestamp, Timestamp) => Duration,
        (Add | Sub, Duration, Duration) => Duration,
        (Div, Duration, Duration) => Number,
        (Mul | Div, Duration, Number) => Duration,
        _ => return None,
    })
}
