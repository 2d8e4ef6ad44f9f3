//! Declarations: names, attributes, lists, features, rules and policy settings.

use std::collections::HashMap;
use std::sync::Arc;

use shrike_types::{Field, KnownType, Outcome, RuleMode, Type, Value};

use super::{Binding, CheckedFeature, CheckedPolicy, Checker, LetState, ModelResolver, NoModels, Scope, TypeError};
use crate::ast::{self, Item, Span};
use crate::ir::{Cidr, ListId};
use crate::plan::{Aggregate, FeatureDef, ListDef, MAX_CUSTOM_TYPES, RuleDef, TypeSet};

/// Checks a parsed policy that declares no models ([`check_with`] and [`NoModels`]).
pub fn check(policy: &ast::Policy) -> (CheckedPolicy, Vec<TypeError>) {
    check_with(policy, &NoModels)
}

/// Checks a parsed policy, loading its models through `models`. Returns what could be
/// checked together with every error found, so that the planner can still report its own
/// errors (windows, limits) for a policy with type errors; the policy is usable only when the
/// error list is empty.
pub fn check_with(policy: &ast::Policy, models: &dyn ModelResolver) -> (CheckedPolicy, Vec<TypeError>) {
    let mut ck = Checker {
        names: HashMap::new(),
        lets: Vec::new(),
        attributes: HashMap::new(),
        feature_types: Vec::new(),
        models: HashMap::new(),
        resolver: models,
        errors: Vec::new(),
    };
    let mut out = CheckedPolicy::default();
    ck.declare(policy, &mut out);
    ck.check_features(policy, &mut out);
    ck.check_lists(policy, &mut out);
    for i in 0..ck.lets.len() {
        ck.resolve_let(i);
    }
    ck.check_models(policy, &mut out);
    ck.check_rules(policy, &mut out);
    (out, ck.errors)
}

impl<'p> Checker<'p> {
    /// First pass: settings, attributes and the names of features, lets and lists.
    fn declare(&mut self, policy: &'p ast::Policy, out: &mut CheckedPolicy) {
        let mut feature_count = 0u16;
        for item in &policy.items {
            match item {
                Item::Header { name, span } => self.header(out, name, *span),
                Item::Lateness { value, span } => out.lateness = Some((*value, *span)),
                Item::Threshold { outcome, at, span } => self.threshold(out, outcome, *at, *span),
                Item::Attribute { name, ty, .. } => self.attribute(out, name, ty),
                Item::List { name, ty, .. } => {
                    let ty = self.list_type(ty);
                    let id = ListId(out.lists.len() as u16);
                    out.lists.push(ListDef { name: name.name.as_str().into(), ty, entries: Vec::new() });
                    self.bind(name, Binding::List(id, ty));
                }
                Item::Feature(f) => {
                    self.bind(&f.name, Binding::Feature(feature_count));
                    feature_count += 1;
                }
                Item::Let { name, value, .. } => {
                    self.bind(name, Binding::Let(self.lets.len()));
                    self.lets.push((name, value, LetState::Pending));
                }
                Item::Model(m) => self.declare_model(out, m),
                Item::Rule(_) => {}
            }
        }
    }

    fn header(&mut self, out: &mut CheckedPolicy, name: &str, span: Span) {
        if out.name.is_some() {
            self.error(span, "the policy name is declared twice");
        }
        out.name = Some(name.to_string());
    }

    fn threshold(&mut self, out: &mut CheckedPolicy, outcome: &ast::Ident, at: f64, span: Span) {
        match Outcome::from_name(&outcome.name) {
            Some(Outcome::Allow) | None => {
                self.error(outcome.span, "expected challenge, review or block after `score`")
            }
            Some(o) if !(0.0..=100.0).contains(&at) => {
                let _ = o;
                self.error(span, "a score threshold must be between 0 and 100")
            }
            Some(o) if out.thresholds.iter().any(|(_, p)| *p == o) => {
                self.error(span, format!("the `{o}` threshold is declared twice"))
            }
            Some(o) => {
                out.thresholds.push((at, o));
                out.thresholds.sort_by(|a, b| b.0.total_cmp(&a.0));
            }
        }
    }

    fn attribute(&mut self, out: &mut CheckedPolicy, name: &ast::Ident, ty: &ast::Ident) {
        let t = self.type_name(ty);
        if self.attributes.insert(name.name.clone(), t).is_some() {
            self.error(name.span, format!("attribute `{}` is declared twice", name.name));
        }
        if let Some(t) = t {
            out.attributes.push((name.name.as_str().into(), t));
        }
    }

    fn type_name(&mut self, ty: &ast::Ident) -> Option<Type> {
        let t = Type::from_name(&ty.name);
        if t.is_none() {
            let msg =
                format!("unknown type `{}`; expected bool, number, money, string, timestamp, duration or ip", ty.name);
            self.error(ty.span, msg);
        }
        t
    }

    /// A list's element type: string, number, money or ip (docs/policy-language.md).
    fn list_type(&mut self, ty: &ast::Ident) -> Type {
        match self.type_name(ty) {
            Some(t @ (Type::String | Type::Number | Type::Money | Type::Ip)) => t,
            Some(t) => {
                self.error(ty.span, format!("a list holds string, number, money or ip values, not {t}"));
                t
            }
            None => Type::String,
        }
    }

    fn bind(&mut self, name: &ast::Ident, binding: Binding) {
        if Field::from_name(&name.name).is_some() {
            self.error(name.span, format!("`{}` is an event field; choose another name", name.name));
        } else if self.names.insert(name.name.clone(), binding).is_some() {
            self.error(name.span, format!("`{}` is declared twice", name.name));
        }
    }

    /// Second pass: features (which may read only the event and lists).
    fn check_features(&mut self, policy: &'p ast::Policy, out: &mut CheckedPolicy) {
        for item in &policy.items {
            if let Item::Feature(f) = item {
                let checked = self.feature(f, &mut out.custom_types);
                let ty = checked.as_ref().map_or(Type::Number, |c| c.def.ty);
                let id = self.feature_types.len() as u16;
                self.feature_types.push(ty);
                self.names.insert(f.name.name.clone(), Binding::Feature(id));
                if let Some(c) = checked {
                    out.features.push(c);
                }
            }
        }
    }

    fn feature(&mut self, f: &'p ast::FeatureDecl, custom: &mut Vec<Arc<str>>) -> Option<CheckedFeature> {
        let Some(agg) = Aggregate::from_name(&f.agg.name) else {
            let msg = format!(
                "unknown aggregate `{}`; expected count, sum, avg, min, max, distinct, first_seen or last_seen",
                f.agg.name
            );
            self.error(f.agg.span, msg);
            return None;
        };
        let arg = self.feature_arg(f, agg)?;
        let ty = match (agg, &arg) {
            (Aggregate::Count | Aggregate::Distinct, _) => Type::Number,
            (Aggregate::FirstSeen | Aggregate::LastSeen, _) => Type::Timestamp,
            (_, Some((_, t))) => *t,
            (_, None) => Type::Number,
        };
        let types = self.type_set(&f.types, custom);
        let filter = f.filter.as_ref().and_then(|e| self.condition(e, Scope::Event));
        let keys = self.keys(f)?;
        let key_repr = format!("{keys:?}");
        let def = FeatureDef {
            name: f.name.name.as_str().into(),
            agg,
            ty,
            arg,
            filter,
            types,
            window: f.window,
            resolution: f.every.map_or(shrike_types::Duration(0), |(d, _)| d),
            group: 0,
            slot: 0,
        };
        let every_span = f.every.map(|(_, s)| s);
        Some(CheckedFeature { def, keys, key_repr, window_span: f.window_span, every_span, span: f.span })
    }

    fn feature_arg(&mut self, f: &'p ast::FeatureDecl, agg: Aggregate) -> Option<Option<(crate::ir::Expr, Type)>> {
        match (&f.arg, agg.takes_value()) {
            (None, false) => Some(None),
            (None, true) => {
                let msg = format!("`{}` needs a value, e.g. `{}(amount of order.create)`", f.agg.name, f.agg.name);
                self.error(f.agg.span, msg);
                None
            }
            (Some(a), false) => {
                let msg = format!("`{}` counts events and takes no value; remove `of`", f.agg.name);
                self.error(a.span, msg);
                None
            }
            (Some(a), true) => {
                let (e, t) = self.expr(a, Scope::Event)?;
                let numeric = matches!(t, Type::Number | Type::Money);
                if agg != Aggregate::Distinct && !numeric {
                    self.error(a.span, format!("`{}` needs a number or money value, found {t}", f.agg.name));
                    return None;
                }
                Some(Some((e, t)))
            }
        }
    }

    fn keys(&mut self, f: &'p ast::FeatureDecl) -> Option<Vec<crate::ir::Expr>> {
        let mut keys = Vec::new();
        for k in &f.keys {
            let (e, t) = self.expr(k, Scope::Event)?;
            if t == Type::Bool {
                self.error(k.span, "a key must identify an entity; a bool cannot");
                return None;
            }
            keys.push(e);
        }
        Some(keys)
    }

    /// Maps event type names to a [`TypeSet`]; an empty list means every type.
    pub(super) fn type_set(&mut self, paths: &[ast::Path], custom: &mut Vec<Arc<str>>) -> TypeSet {
        if paths.is_empty() {
            return TypeSet::ALL;
        }
        let mut set = TypeSet::default();
        for p in paths {
            if let Some(i) = self.type_index(p, custom) {
                set.insert(i);
            }
        }
        set
    }

    fn type_index(&mut self, p: &ast::Path, custom: &mut Vec<Arc<str>>) -> Option<usize> {
        let name = p.dotted();
        if let Some(k) = KnownType::from_name(&name) {
            return Some(k.index());
        }
        let namespace = name.split('.').next().unwrap_or("");
        let similar: Vec<&str> =
            KnownType::ALL.iter().map(|k| k.name()).filter(|k| k.split('.').next() == Some(namespace)).collect();
        if !similar.is_empty() {
            let msg = format!("unknown event type `{name}`; did you mean {}?", similar.join(" or "));
            self.error(p.span, msg);
            return None;
        }
        let pos = match custom.iter().position(|c| c.as_ref() == name) {
            Some(pos) => pos,
            None if custom.len() >= MAX_CUSTOM_TYPES => {
                self.error(p.span, format!("more than {MAX_CUSTOM_TYPES} custom event types"));
                return None;
            }
            None => {
                custom.push(name.as_str().into());
                custom.len() - 1
            }
        };
        Some(KnownType::ALL.len() + pos)
    }

    /// Third pass: inline list entries.
    fn check_lists(&mut self, policy: &'p ast::Policy, out: &mut CheckedPolicy) {
        let mut index = 0;
        for item in &policy.items {
            if let Item::List { entries, .. } = item {
                let ty = out.lists[index].ty;
                // A list of a type lists cannot hold is already reported; its entries are not.
                let valid = matches!(ty, Type::String | Type::Number | Type::Money | Type::Ip);
                for e in entries.iter().flatten().filter(|_| valid) {
                    if let Some(v) = self.list_entry(e, ty) {
                        out.lists[index].entries.push(v);
                    }
                }
                index += 1;
            }
        }
    }

    fn list_entry(&mut self, e: &ast::Expr, ty: Type) -> Option<Value<'static>> {
        let v = self.literal(e, Some(ty))?;
        match (&v, ty) {
            (Value::Str(s), Type::Ip) if Cidr::parse(s).is_some() => Some(v),
            (Value::Str(_), Type::Ip) => {
                self.error(e.span, "expected an IP address or network such as \"10.0.0.0/8\"");
                None
            }
            (Value::Str(_), Type::String) | (Value::Num(_), Type::Number) | (Value::Money(_), Type::Money) => Some(v),
            _ => {
                self.error(e.span, format!("a list of {ty} cannot hold this entry"));
                None
            }
        }
    }

    /// Last pass: rules.
    fn check_rules(&mut self, policy: &'p ast::Policy, out: &mut CheckedPolicy) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for item in &policy.items {
            if let Item::Rule(r) = item {
                if seen.insert(&r.name.name, r.name.span).is_some() {
                    self.error(r.name.span, format!("rule `{}` is declared twice", r.name.name));
                }
                if let Some(rule) = self.rule(r, &mut out.custom_types) {
                    out.rules.push(rule);
                }
            }
        }
    }

    fn rule(&mut self, r: &'p ast::RuleDecl, custom: &mut Vec<Arc<str>>) -> Option<RuleDef> {
        let types = self.type_set(&r.on, custom);
        let Some(when) = &r.when else {
            self.error(r.name.span, format!("rule `{}` has no `when` condition", r.name.name));
            return None;
        };
        let condition = self.condition(when, Scope::Rule);
        let outcome = self.rule_outcome(r)?;
        let score = self.rule_score(r);
        let mode = self.rule_mode(r);
        let condition = condition?;
        let mut reads = Vec::new();
        condition.visit_features(&mut |id| reads.push(id));
        reads.sort();
        reads.dedup();
        let mut models = Vec::new();
        condition.visit_models(&mut |id| models.push(id));
        models.sort();
        models.dedup();
        let tags: Vec<Arc<str>> = r.tags.iter().map(|t| Arc::from(t.name.as_str())).collect();
        Some(RuleDef {
            name: r.name.name.as_str().into(),
            reason: r.reason.as_ref().map_or(r.name.name.as_str(), |(s, _)| s.as_str()).into(),
            condition,
            outcome,
            score,
            mode,
            tags: tags.into(),
            types,
            reads,
            models,
        })
    }

    fn rule_outcome(&mut self, r: &ast::RuleDecl) -> Option<Outcome> {
        let Some(then) = &r.then else {
            self.error(r.name.span, format!("rule `{}` has no `then` outcome", r.name.name));
            return None;
        };
        let o = Outcome::from_name(&then.name);
        if o.is_none() {
            let msg = format!("unknown outcome `{}`; expected allow, challenge, review or block", then.name);
            self.error(then.span, msg);
        }
        o
    }

    fn rule_score(&mut self, r: &ast::RuleDecl) -> i32 {
        match r.score {
            None => 0,
            Some((s, span)) if s.fract() != 0.0 || !(-100.0..=100.0).contains(&s) => {
                self.error(span, "a rule's score must be a whole number from -100 to 100");
                0
            }
            Some((s, _)) => s as i32,
        }
    }

    fn rule_mode(&mut self, r: &ast::RuleDecl) -> RuleMode {
        match r.mode.as_ref().map(|m| m.name.as_str()) {
            Some("shadow") => RuleMode::Shadow,
            _ => RuleMode::Live,
        }
    }
}
