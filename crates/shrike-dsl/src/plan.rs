//! The compiled plan: an immutable policy ready to evaluate. Built once at publish time by
//! [`crate::compile`]; the request path only reads it.
//!
//! Besides the resolved features and rules, the plan precomputes, for every event type, which
//! feature groups to touch (what to update, what to read) and which rules to run, so an event
//! does no work for features and rules that cannot concern it.

use std::sync::Arc;

use shrike_types::model::TreeModel;
use shrike_types::{Duration, EventType, KnownType, Outcome, RuleMode, Type, Value};

use crate::ir::{Expr, FeatureId, ModelId};

/// Most custom event type names a policy may reference (type sets are 64-bit masks).
pub const MAX_CUSTOM_TYPES: usize = 50;
/// Most features in one policy (feature ids are `u16`, and each costs memory per key).
pub const MAX_FEATURES: usize = 1_000;
/// Most rules in one policy.
pub const MAX_RULES: usize = 5_000;
/// Most models in one policy: scoring a 200-tree model costs about 2 µs per event, so a
/// handful already spends the latency budget.
pub const MAX_MODELS: usize = 16;

/// The windowed aggregate a feature computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Distinct,
    FirstSeen,
    LastSeen,
}

impl Aggregate {
    pub fn from_name(name: &str) -> Option<Aggregate> {
        Some(match name {
            "count" => Aggregate::Count,
            "sum" => Aggregate::Sum,
            "avg" => Aggregate::Avg,
            "min" => Aggregate::Min,
            "max" => Aggregate::Max,
            "distinct" => Aggregate::Distinct,
            "first_seen" => Aggregate::FirstSeen,
            "last_seen" => Aggregate::LastSeen,
            _ => return None,
        })
    }

    /// Whether the aggregate takes a value (`sum(amount of …)`) rather than only events.
    pub fn takes_value(self) -> bool {
        matches!(self, Aggregate::Sum | Aggregate::Avg | Aggregate::Min | Aggregate::Max | Aggregate::Distinct)
    }
}

/// A set of event types as a bit mask over [`CompiledPolicy::type_index`] values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TypeSet(pub u64);

impl TypeSet {
    pub const ALL: TypeSet = TypeSet(u64::MAX);

    pub fn contains(self, index: usize) -> bool {
        self.0 & (1u64 << index) != 0
    }

    pub fn insert(&mut self, index: usize) {
        self.0 |= 1u64 << index;
    }
}

#[derive(Clone, Debug)]
pub struct FeatureDef {
    pub name: Arc<str>,
    pub agg: Aggregate,
    /// The feature's value type when read.
    pub ty: Type,
    /// The aggregated expression and its type, for aggregates that take a value.
    pub arg: Option<(Expr, Type)>,
    pub filter: Option<Expr>,
    pub types: TypeSet,
    pub window: Duration,
    pub resolution: Duration,
    /// The key group this feature belongs to, and its index inside the group.
    pub group: usize,
    pub slot: u16,
}

/// Features that share one key expression list: one state lookup per event serves them all.
#[derive(Clone, Debug)]
pub struct GroupDef {
    pub keys: Vec<Expr>,
    pub features: Vec<FeatureId>,
}

#[derive(Clone, Debug)]
pub struct ListDef {
    pub name: Arc<str>,
    pub ty: Type,
    /// Entries written in the policy; more can be added at run time.
    pub entries: Vec<Value<'static>>,
}

#[derive(Clone, Debug)]
pub struct RuleDef {
    pub name: Arc<str>,
    pub reason: Arc<str>,
    pub condition: Expr,
    pub outcome: Outcome,
    pub score: i32,
    pub mode: RuleMode,
    pub tags: Arc<[Arc<str>]>,
    pub types: TypeSet,
    /// Features the condition reads, in id order, for the decision's `features`.
    pub reads: Vec<FeatureId>,
    /// Models whose score the condition reads, in id order.
    pub models: Vec<ModelId>,
}

/// A declared tree model: the loaded model and what each of its inputs is bound to.
#[derive(Clone)]
pub struct ModelDef {
    pub name: Arc<str>,
    /// The model file as the policy names it.
    pub file: Arc<str>,
    pub model: Arc<dyn TreeModel>,
    /// One per model input, in the model's input order.
    pub inputs: Vec<ModelInputDef>,
    /// Features the inputs read, in id order (read whenever the model is scored).
    pub reads: Vec<FeatureId>,
    /// Where the score is read from in the values rules see (after the features).
    pub slot: u16,
}

impl std::fmt::Debug for ModelDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelDef")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("digest", &self.model.digest())
            .field("inputs", &self.inputs)
            .finish()
    }
}

/// What one model input is bound to, and how its value becomes a row value.
#[derive(Clone, Debug)]
pub struct ModelInputDef {
    pub name: Arc<str>,
    pub expr: Expr,
    /// The bound expression's type.
    pub ty: Type,
    /// A categorical input: strings (and numbers, bools) map to category codes.
    pub categorical: bool,
}

/// The work one feature group does for one event type.
#[derive(Clone, Debug, Default)]
pub struct GroupWork {
    pub group: usize,
    /// Features of this group the event type may update (their filters still apply).
    pub updates: Vec<FeatureId>,
    /// Features of this group read by the event type's rules, and their slots in the group.
    pub reads: Vec<FeatureId>,
    pub read_slots: Vec<u16>,
}

/// What to do for one event type.
#[derive(Clone, Debug, Default)]
pub struct TypePlan {
    pub groups: Vec<GroupWork>,
    pub rules: Vec<u16>,
    /// Models the type's rules read, scored after the features and before the rules.
    pub models: Vec<ModelId>,
}

/// A compiled, immutable policy.
#[derive(Clone, Debug)]
pub struct CompiledPolicy {
    pub name: Arc<str>,
    /// `NAME@HASH` of the source by default; the decision service sets its own versions.
    pub version: Arc<str>,
    pub lateness: Duration,
    /// `(threshold, outcome)`, highest threshold first.
    pub thresholds: Vec<(f64, Outcome)>,
    pub attributes: Vec<(Arc<str>, Type)>,
    pub lists: Vec<ListDef>,
    pub features: Vec<FeatureDef>,
    pub groups: Vec<GroupDef>,
    pub rules: Vec<RuleDef>,
    pub models: Vec<ModelDef>,
    /// Custom event type names the policy mentions, indexed from 13.
    pub custom_types: Vec<Arc<str>>,
    /// Indexed by [`CompiledPolicy::type_index`].
    pub per_type: Vec<TypePlan>,
}

impl CompiledPolicy {
    /// Dense index of an event type: known types first, then the policy's custom types,
    /// then one slot for every other type.
    pub fn type_index(&self, t: &EventType<'_>) -> usize {
        match t {
            EventType::Known(k) => k.index(),
            EventType::Custom(name) => {
                let pos = self.custom_types.iter().position(|c| c.as_ref() == name.as_ref());
                KnownType::ALL.len() + pos.unwrap_or(self.custom_types.len())
            }
        }
    }

    /// Number of distinct type indices, including the "other" slot.
    pub fn type_count(&self) -> usize {
        KnownType::ALL.len() + self.custom_types.len() + 1
    }

    pub fn feature(&self, id: FeatureId) -> &FeatureDef {
        &self.features[id.0 as usize]
    }

    pub fn model(&self, id: ModelId) -> &ModelDef {
        &self.models[id.0 as usize]
    }

    /// Values rules read, by slot: every feature (by id), then every model's score.
    pub fn value_slots(&self) -> usize {
        self.features.len() + self.models.len()
    }

    pub fn feature_id(&self, name: &str) -> Option<FeatureId> {
        self.features.iter().position(|f| f.name.as_ref() == name).map(|i| FeatureId(i as u16))
    }

    /// The longest feature window: how long state must be kept.
    pub fn max_window(&self) -> Duration {
        self.features.iter().map(|f| f.window).max().unwrap_or_default()
    }
}
