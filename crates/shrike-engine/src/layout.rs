//! Translating a compiled policy's features into the feature store's layout.

use shrike_dsl::plan::{Aggregate, CompiledPolicy};
use shrike_features::{AggKind, FeatureSpec, GroupSpec, StoreLayout, ValueKind};
use shrike_types::Type;

/// The store layout a policy needs: one group per key expression list, features in slot order.
pub fn store_layout(policy: &CompiledPolicy) -> StoreLayout {
    let groups = policy
        .groups
        .iter()
        .map(|g| GroupSpec { features: g.features.iter().map(|f| feature_spec(policy.feature(*f))).collect() })
        .collect();
    StoreLayout { groups, allowed_lateness: policy.lateness }
}

fn feature_spec(f: &shrike_dsl::plan::FeatureDef) -> FeatureSpec {
    let value_kind = match f.arg.as_ref().map(|(_, t)| *t) {
        Some(Type::Money) if f.agg != Aggregate::Distinct => ValueKind::Money,
        Some(Type::Number) if f.agg != Aggregate::Distinct => ValueKind::Number,
        _ => ValueKind::None,
    };
    FeatureSpec { agg: agg_kind(f.agg), value_kind, window: f.window, resolution: f.resolution }
}

fn agg_kind(a: Aggregate) -> AggKind {
    match a {
        Aggregate::Count => AggKind::Count,
        Aggregate::Sum => AggKind::Sum,
        Aggregate::Avg => AggKind::Avg,
        Aggregate::Min => AggKind::Min,
        Aggregate::Max => AggKind::Max,
        Aggregate::Distinct => AggKind::Distinct,
        Aggregate::FirstSeen => AggKind::FirstSeen,
        Aggregate::LastSeen => AggKind::LastSeen,
    }
}

/// What a feature computes, as text: its group's key expressions, aggregate, argument,
/// filter, event types (by name) and window. Two features with the same identity compute
/// the same values from the same events, whatever they are called and wherever they sit in
/// their policies; a policy swap carries their state over ([`carry_map`]).
///
/// The typed IR's `Debug` form is used because it is resolved (fields by enum, constants
/// converted, `let`s inlined). A list inside a filter appears by its index in the policy, so
/// reordering list declarations resets such features: the safe direction.
pub fn feature_identity(policy: &CompiledPolicy, f: &shrike_dsl::plan::FeatureDef) -> String {
    let keys = &policy.groups[f.group].keys;
    let types = type_names(policy, f.types);
    format!(
        "keys={keys:?} agg={:?} arg={:?} filter={:?} types={types:?} window={} resolution={}",
        f.agg,
        f.arg.as_ref().map(|(e, _)| e),
        f.filter,
        f.window.0,
        f.resolution.0
    )
}

fn type_names(policy: &CompiledPolicy, types: shrike_dsl::plan::TypeSet) -> Vec<String> {
    if types == shrike_dsl::plan::TypeSet::ALL {
        return vec!["*".into()];
    }
    let known = shrike_types::KnownType::ALL.iter().map(|k| k.name().to_string());
    let custom = policy.custom_types.iter().map(|c| c.to_string());
    let mut names: Vec<String> =
        known.chain(custom).enumerate().filter(|(i, _)| types.contains(*i)).map(|(_, n)| n).collect();
    names.sort();
    names
}

/// For each group of `new`'s layout, where its features' state comes from in `old`'s
/// layout: features with the same [`feature_identity`] (which implies the same keys) carry
/// over. Nothing carries when the allowed lateness changes (it sets what state is kept).
pub fn carry_map(old: &CompiledPolicy, new: &CompiledPolicy) -> Vec<shrike_features::GroupCarry> {
    if old.lateness != new.lateness {
        return new.groups.iter().map(|g| vec![None; g.features.len()]).collect();
    }
    let index: std::collections::HashMap<String, (usize, usize)> =
        old.features.iter().map(|f| (feature_identity(old, f), (f.group, usize::from(f.slot)))).collect();
    new.groups
        .iter()
        .map(|g| g.features.iter().map(|id| index.get(&feature_identity(new, new.feature(*id))).copied()).collect())
        .collect()
}
