//! Builds zen contexts from what Shrike's evaluator sees for one event: the event fields the
//! rule conditions read, the captured feature values, the event time and the lists. Built once
//! per event, outside the timed loops (zen's best case: a prebuilt context).

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use shrike_dsl::CompiledPolicy;
use shrike_dsl::eval::{EvalCtx, NoLists, eval};
use shrike_dsl::ir::Expr;
use shrike_types::money::MONEY_SCALE_DIGITS;
use shrike_types::{Event, Value};
use zen_expression::Variable;
use zen_expression::variable::Symbol;

/// What every context holds, resolved from the policy once.
pub(crate) struct ContextBuilder {
    /// `(dotted path, leaf expression)` of every event field a rule condition reads.
    fields: Vec<(String, Expr)>,
    features: Vec<Symbol>,
    /// `lists.NAME` arrays, shared by every context (zen variables are reference-counted).
    lists: Variable,
}

impl ContextBuilder {
    pub(crate) fn new(policy: &CompiledPolicy) -> ContextBuilder {
        let mut fields = Vec::new();
        for rule in &policy.rules {
            collect_fields(&rule.condition, &mut fields);
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields.dedup_by(|a, b| a.0 == b.0);
        for pair in fields.windows(2) {
            let (outer, inner) = (&pair[0].0, &pair[1].0);
            assert!(!inner.starts_with(&format!("{outer}.")), "`{outer}` and `{inner}` cannot both be zen paths");
        }
        let features = policy.features.iter().map(|f| Symbol::from(f.name.as_ref())).collect();
        ContextBuilder { fields, features, lists: lists(policy) }
    }

    /// The context for `event` with `features` (indexed by `FeatureId`).
    pub(crate) fn build(&self, event: &Event<'_>, features: &[Value<'static>]) -> Variable {
        let ctx = Variable::empty_object();
        let shrike = EvalCtx { event, features: &[], lists: &NoLists };
        for (path, leaf) in &self.fields {
            ctx.dot_insert(path, to_variable(&eval(leaf, &shrike)));
        }
        for (name, value) in self.features.iter().zip(features) {
            ctx.dot_insert(name, to_variable(value));
        }
        ctx.dot_insert("now", Variable::Number(Decimal::from(event.timestamp.0)));
        ctx.dot_insert("lists", self.lists.clone());
        ctx
    }
}

/// Adds the event fields and attributes `expr` reads to `out`.
fn collect_fields(expr: &Expr, out: &mut Vec<(String, Expr)>) {
    expr.visit_fields(&mut |f| out.push((f.name().to_string(), Expr::Field(f))));
    collect_attrs(expr, out);
}

/// Adds the attributes `expr` reads (`visit_fields` covers the standard fields).
fn collect_attrs(expr: &Expr, out: &mut Vec<(String, Expr)>) {
    match expr {
        Expr::Attr { name, .. } => out.push((format!("attributes.{name}"), expr.clone())),
        Expr::Not(e) | Expr::Neg(e) | Expr::Matches(e, _) | Expr::IpIn(e, _) => collect_attrs(e, out),
        Expr::InList { expr, .. } | Expr::InSet { expr, .. } => collect_attrs(expr, out),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) | Expr::Coalesce(a, b) => {
            collect_attrs(a, out);
            collect_attrs(b, out);
        }
        Expr::Call(_, args) => args.iter().for_each(|a| collect_attrs(a, out)),
        _ => {}
    }
}

/// `{ NAME: [entries] }` for the policy's lists (their inline entries; the benchmark adds
/// none at run time, like the engine it is compared with).
fn lists(policy: &CompiledPolicy) -> Variable {
    let obj = Variable::empty_object();
    for list in &policy.lists {
        let entries = list.entries.iter().map(to_variable).collect();
        obj.dot_insert(&list.name, Variable::from_array(entries));
    }
    obj
}

/// Shrike value → zen value: missing is `null`, money an exact decimal, times and durations
/// epoch milliseconds.
fn to_variable(value: &Value<'_>) -> Variable {
    match value {
        Value::Missing => Variable::Null,
        Value::Bool(b) => Variable::Bool(*b),
        Value::Num(n) => Decimal::from_f64(*n).map_or(Variable::Null, Variable::Number),
        Value::Money(m) => Variable::Number(Decimal::new(m.0, MONEY_SCALE_DIGITS)),
        Value::Str(s) => Variable::String(Symbol::from(s.as_ref())),
        Value::Time(t) => Variable::Number(Decimal::from(t.0)),
        Value::Dur(d) => Variable::Number(Decimal::from(d.0)),
        Value::Ip(ip) => Variable::String(Symbol::from(ip.to_string().as_str())),
    }
}
