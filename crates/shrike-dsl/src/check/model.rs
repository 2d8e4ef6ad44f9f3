//! Model declarations: loading each model through the [`ModelResolver`] and checking that
//! every input is bound exactly once, to an expression of a type the input takes.
//!
//! A numeric input takes a number, money (its decimal value), a bool (1 or 0), a timestamp
//! (epoch milliseconds) or a duration (milliseconds): the values `shrike features export`
//! writes, so a model trained on an export sees the same numbers live. A categorical input
//! takes a string (its dictionary code), or a number or bool (the code of its text).

use std::collections::HashMap;
use std::sync::Arc;

use shrike_types::Type;
use shrike_types::model::{ModelInputKind, TreeModel};

use super::{CheckedPolicy, Checker, Scope};
use crate::ast::{self, Item};
use crate::ir::ModelId;
use crate::plan::{MAX_MODELS, ModelDef, ModelInputDef};

/// Loads the models a policy declares. The CLI reads files relative to the policy; the
/// service looks names up in its records store.
pub trait ModelResolver {
    /// The model `file` names, or why it cannot be loaded (shown after the file's position).
    fn resolve(&self, file: &str) -> Result<Arc<dyn TreeModel>, String>;
}

/// A resolver that has no models: [`crate::compile::compile`] uses it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoModels;

impl ModelResolver for NoModels {
    fn resolve(&self, _: &str) -> Result<Arc<dyn TreeModel>, String> {
        Err("no models are available here (compile with a model resolver)".to_string())
    }
}

/// Models already loaded, by file name (the service fetches them before compiling).
impl<S: std::hash::BuildHasher> ModelResolver for HashMap<String, Arc<dyn TreeModel>, S> {
    fn resolve(&self, file: &str) -> Result<Arc<dyn TreeModel>, String> {
        self.get(file).cloned().ok_or_else(|| "no such model".to_string())
    }
}

/// Most missing inputs named in one error.
const MAX_LISTED: usize = 5;

impl<'p> Checker<'p> {
    /// First pass: loads the model and binds its name (its score's slot is fixed later).
    pub(super) fn declare_model(&mut self, out: &mut CheckedPolicy, m: &'p ast::ModelDecl) {
        if self.models.contains_key(&m.name.name) {
            self.error(m.name.span, format!("model `{}` is declared twice", m.name.name));
            return;
        }
        if out.models.len() >= MAX_MODELS {
            self.error(m.name.span, format!("more than {MAX_MODELS} models"));
            return;
        }
        let loaded = match self.resolver.resolve(&m.file.0) {
            Ok(model) => model,
            Err(why) => {
                self.error(m.file.1, format!("cannot load model `{}` from \"{}\": {why}", m.name.name, m.file.0));
                self.models.insert(m.name.name.clone(), None);
                return;
            }
        };
        let id = ModelId(out.models.len() as u16);
        out.models.push(ModelDef {
            name: m.name.name.as_str().into(),
            file: m.file.0.as_str().into(),
            model: loaded,
            inputs: Vec::new(),
            reads: Vec::new(),
            slot: 0,
        });
        self.models.insert(m.name.name.clone(), Some(id));
    }

    /// After features and lets: each model's bindings, in the model's input order.
    pub(super) fn check_models(&mut self, policy: &'p ast::Policy, out: &mut CheckedPolicy) {
        for (i, def) in out.models.iter_mut().enumerate() {
            def.slot = (self.feature_types.len() + i) as u16;
        }
        for item in &policy.items {
            let Item::Model(m) = item else { continue };
            let Some(Some(id)) = self.models.get(&m.name.name).copied() else { continue };
            let def = &mut out.models[id.0 as usize];
            if let Some(inputs) = self.bindings(m, def.model.as_ref()) {
                let mut reads = Vec::new();
                inputs.iter().for_each(|i| i.expr.visit_features(&mut |f| reads.push(f)));
                reads.sort();
                reads.dedup();
                (def.inputs, def.reads) = (inputs, reads);
            }
        }
    }

    /// Checks every binding of `m`; the inputs when all are bound and typed.
    fn bindings(&mut self, m: &'p ast::ModelDecl, model: &dyn TreeModel) -> Option<Vec<ModelInputDef>> {
        let index: HashMap<&str, usize> = (0..model.input_count()).map(|i| (model.input_name(i), i)).collect();
        let mut bound: Vec<Option<ModelInputDef>> = vec![None; model.input_count()];
        let mut ok = true;
        for b in &m.inputs {
            let (name, span) = (&b.input.0, b.input.1);
            let Some(&i) = index.get(name.as_str()) else {
                self.error(span, format!("model `{}` has no input `{name}`{}", m.name.name, inputs_hint(model)));
                ok = false;
                continue;
            };
            if bound[i].is_some() {
                self.error(span, format!("input `{name}` of model `{}` is bound twice", m.name.name));
                ok = false;
                continue;
            }
            match self.binding_value(b, model.input_kind(i)) {
                Some(def) => bound[i] = Some(def),
                None => ok = false,
            }
        }
        let unbound: Vec<&str> =
            (0..bound.len()).filter(|&i| bound[i].is_none()).map(|i| model.input_name(i)).collect();
        if ok && !unbound.is_empty() {
            let shown: Vec<String> = unbound.iter().take(MAX_LISTED).map(|n| format!("`{n}`")).collect();
            let more = if unbound.len() > MAX_LISTED {
                format!(" and {} more", unbound.len() - MAX_LISTED)
            } else {
                String::new()
            };
            let msg = format!(
                "model `{}` leaves inputs unbound: {}{more} (bind each as `INPUT = EXPRESSION`)",
                m.name.name,
                shown.join(", ")
            );
            self.error(m.name.span, msg);
            return None;
        }
        if !ok {
            return None;
        }
        bound.into_iter().collect()
    }

    /// The expression an input is bound to, checked against the input's kind.
    fn binding_value(&mut self, b: &ast::ModelBinding, kind: ModelInputKind) -> Option<ModelInputDef> {
        let value = b.expr();
        let (expr, ty) = self.expr(&value, Scope::ModelInput)?;
        let categorical = kind == ModelInputKind::Categorical;
        let accepted = match kind {
            ModelInputKind::Numeric => {
                matches!(ty, Type::Number | Type::Money | Type::Bool | Type::Timestamp | Type::Duration)
            }
            ModelInputKind::Categorical => matches!(ty, Type::String | Type::Number | Type::Bool),
        };
        if !accepted {
            let takes = if categorical {
                "is categorical and takes a string, number or bool"
            } else {
                "is numeric and takes a number, money, bool, timestamp or duration"
            };
            self.error(value.span, format!("model input `{}` {takes}, not {ty}", b.input.0));
            return None;
        }
        Some(ModelInputDef { name: b.input.0.as_str().into(), expr, ty, categorical })
    }

    /// `model.NAME` in an expression.
    pub(super) fn model_score(&mut self, name: &ast::Ident, span: ast::Span, scope: Scope) -> super::expr::Typed {
        let id = match self.models.get(&name.name).copied() {
            Some(Some(id)) => id,
            Some(None) => return None,
            None => {
                self.error(
                    span,
                    format!(
                        "unknown model `{}`; declare it with `model {} = \"FILE\" {{ ... }}`",
                        name.name, name.name
                    ),
                );
                return None;
            }
        };
        match scope {
            Scope::Event => {
                self.error(span, "a model score cannot be read here: filters, values and keys read only the event");
                None
            }
            Scope::ModelInput => {
                self.error(span, "a model input cannot read a model score");
                None
            }
            Scope::Rule => {
                let slot = (self.feature_types.len() + id.0 as usize) as u16;
                Some((crate::ir::Expr::Model { model: id, slot }, Type::Number))
            }
        }
    }
}

/// `; its inputs are a, b, c, ...` for an unknown input name.
fn inputs_hint(model: &dyn TreeModel) -> String {
    let names: Vec<&str> = (0..model.input_count().min(MAX_LISTED)).map(|i| model.input_name(i)).collect();
    let more = if model.input_count() > MAX_LISTED { ", ..." } else { "" };
    format!("; its inputs are {}{more}", names.join(", "))
}
