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
