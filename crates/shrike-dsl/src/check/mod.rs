//! Stage 3 of the compiler: the type checker. Resolves every name (fields, attributes,
//! features, lets, lists), checks types, inlines `let`s (rejecting cycles), and produces typed
//! IR. It reports every error it can find, not just the first.

mod decl;
mod expr;
mod model;

use std::collections::HashMap;

use shrike_types::{Duration, Outcome, Type};

use crate::ast::{self, Span};
use crate::ir::{ListId, ModelId};
use crate::plan::{FeatureDef, ListDef, ModelDef, RuleDef};

pub use decl::{check, check_with};
pub use expr::MAX_REGEX_SIZE;
pub use model::{ModelResolver, NoModels};

/// A type or name error, with the span it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TypeError {
    pub message: String,
    pub span: Span,
}

/// A feature after checking, before the planner groups it by key.
#[derive(Debug, Clone)]
pub struct CheckedFeature {
    pub def: FeatureDef,
    pub keys: Vec<crate::ir::Expr>,
    /// A canonical rendering of the key expressions: features with equal ones share a group.
    pub key_repr: String,
    pub window_span: Span,
    pub every_span: Option<Span>,
    pub span: Span,
}

/// The checker's output; [`crate::plan`] turns it into a [`crate::plan::CompiledPolicy`].
#[derive(Debug, Clone, Default)]
pub struct CheckedPolicy {
    pub name: Option<String>,
    pub lateness: Option<(Duration, Span)>,
    pub thresholds: Vec<(f64, Outcome)>,
    pub attributes: Vec<(std::sync::Arc<str>, Type)>,
    pub lists: Vec<ListDef>,
    pub features: Vec<CheckedFeature>,
    pub rules: Vec<RuleDef>,
    pub models: Vec<ModelDef>,
    pub custom_types: Vec<std::sync::Arc<str>>,
}

/// What a name in an expression refers to.
#[derive(Debug, Clone)]
enum Binding {
    Feature(u16),
    Let(usize),
    List(ListId, Type),
}

/// Resolution state of a `let`, for inlining and cycle detection.
#[derive(Debug, Clone)]
enum LetState {
    Pending,
    InProgress,
    Done(crate::ir::Expr, Type),
    Failed,
}

/// Where an expression appears: decides whether features may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Rule conditions and lets: features, lists and event fields.
    Rule,
    /// Feature filters, values and keys: event fields and lists only (they run while the
    /// features are being updated).
    Event,
    /// Model inputs: like rules, but no model scores (a model is scored before the rules).
    ModelInput,
}

/// Shared state of one checking run.
struct Checker<'p> {
    names: HashMap<String, Binding>,
    lets: Vec<(&'p ast::Ident, &'p ast::Expr, LetState)>,
    /// Declared attributes; `None` when the declared type is unknown (already reported).
    attributes: HashMap<String, Option<Type>>,
    feature_types: Vec<Type>,
    /// Declared models; `None` when the model could not be loaded (already reported).
    models: HashMap<String, Option<ModelId>>,
    resolver: &'p dyn ModelResolver,
    errors: Vec<TypeError>,
}

impl Checker<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(TypeError { message: message.into(), span });
    }
}
