//! Stage 4 of the compiler: the planner. Validates windows, groups features by key, and
//! precomputes the per-event-type work lists of [`CompiledPolicy`].

use std::collections::HashMap;
use std::sync::Arc;

use shrike_types::Duration;

use crate::ast::Span;
use crate::check::CheckedPolicy;
use crate::ir::{FeatureId, ModelId};
use crate::plan::{CompiledPolicy, GroupDef, GroupWork, MAX_FEATURES, MAX_RULES, TypePlan};

/// Shortest window.
pub const MIN_WINDOW: Duration = Duration::SECOND;
/// Longest window (a little over a year of history is never needed at once).
pub const MAX_WINDOW: Duration = Duration(400 * 86_400_000);
/// Most buckets in one window: bounds memory per key and feature.
pub const MAX_BUCKETS_PER_WINDOW: i64 = 1_440;
/// Default allowed lateness of out-of-order events.
pub const DEFAULT_LATENESS: Duration = Duration::HOUR;
/// Longest allowed lateness.
pub const MAX_LATENESS: Duration = Duration(7 * 86_400_000);

/// A planning error, e.g. a window that is not a whole number of buckets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct PlanError {
    pub message: String,
    pub span: Span,
}

/// Validates lateness, windows and limits, filling in default resolutions. Runs on every
/// checked policy, even one with type errors, so all errors are reported at once.
pub fn validate(checked: &mut CheckedPolicy) -> Vec<PlanError> {
    let mut errors = Vec::new();
    lateness(checked, &mut errors);
    for f in &mut checked.features {
        if let Err(e) = resolve_window(f) {
            errors.push(e);
        }
    }
    limits(checked, &mut errors);
    errors
}

/// Builds the plan from a checked policy that [`validate`] accepted.
pub fn plan(checked: CheckedPolicy, version_hint: &str) -> CompiledPolicy {
    let lateness = lateness(&checked, &mut Vec::new());
    let name: Arc<str> = checked.name.as_deref().unwrap_or("policy").into();
    let (features, groups) = group_features(&checked);
    let mut policy = CompiledPolicy {
        version: format!("{name}@{version_hint}").into(),
        name,
        lateness,
        thresholds: checked.thresholds,
        attributes: checked.attributes,
        lists: checked.lists,
        features,
        groups,
        rules: checked.rules,
        models: checked.models,
        custom_types: checked.custom_types,
        per_type: Vec::new(),
    };
    policy.per_type = (0..policy.type_count()).map(|t| type_plan(&policy, t)).collect();
    policy
}

fn lateness(checked: &CheckedPolicy, errors: &mut Vec<PlanError>) -> Duration {
    match checked.lateness {
        None => DEFAULT_LATENESS,
        Some((d, span)) if d.0 < 0 || d > MAX_LATENESS => {
            errors.push(PlanError { message: format!("lateness must be between 0s and {MAX_LATENESS}"), span });
            DEFAULT_LATENESS
        }
        Some((d, _)) => d,
    }
}

fn limits(checked: &CheckedPolicy, errors: &mut Vec<PlanError>) {
    if checked.features.len() > MAX_FEATURES {
        let span = checked.features[MAX_FEATURES].span;
        errors.push(PlanError { message: format!("more than {MAX_FEATURES} features"), span });
    }
    if checked.models.len() > crate::plan::MAX_MODELS {
        errors.push(PlanError {
            message: format!("more than {} models", crate::plan::MAX_MODELS),
            span: Span::default(),
        });
    }
    if checked.rules.len() > MAX_RULES {
        errors.push(PlanError { message: format!("more than {MAX_RULES} rules"), span: Span::default() });
    }
}

fn resolve_window(f: &mut crate::check::CheckedFeature) -> Result<(), PlanError> {
    let w = f.def.window;
    let err = |message: String, span| Err(PlanError { message, span });
    if w < MIN_WINDOW || w > MAX_WINDOW || w.0 % 1_000 != 0 {
        return err(format!("a window must be whole seconds from {MIN_WINDOW} to {MAX_WINDOW}"), f.window_span);
    }
    let r = if f.def.resolution.0 == 0 { w.default_resolution() } else { f.def.resolution };
    let span = f.every_span.unwrap_or(f.window_span);
    if r < Duration::SECOND || r.0 % 1_000 != 0 {
        return err("a bucket (`every`) must be whole seconds, at least 1s".into(), span);
    }
    if w.0 % r.0 != 0 {
        return err(format!("the window {w} is not a whole number of {r} buckets"), span);
    }
    if w.0 / r.0 > MAX_BUCKETS_PER_WINDOW {
        let msg = format!("{w} in {r} buckets is more than {MAX_BUCKETS_PER_WINDOW} buckets; use a wider `every`");
        return err(msg, span);
    }
    f.def.resolution = r;
    Ok(())
}

fn group_features(checked: &CheckedPolicy) -> (Vec<crate::plan::FeatureDef>, Vec<GroupDef>) {
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<GroupDef> = Vec::new();
    let mut features = Vec::with_capacity(checked.features.len());
    for (i, f) in checked.features.iter().enumerate() {
        let g = *by_key.entry(f.key_repr.as_str()).or_insert_with(|| {
            groups.push(GroupDef { keys: f.keys.clone(), features: Vec::new() });
            groups.len() - 1
        });
        let mut def = f.def.clone();
        def.group = g;
        def.slot = groups[g].features.len() as u16;
        groups[g].features.push(FeatureId(i as u16));
        features.push(def);
    }
    (features, groups)
}

/// Makes every event type read every feature of the policy, not only those its rules read,
/// so a point-in-time export sees all values at every event (`shrike features export`).
/// Updates and rules are unchanged, so decisions are the same; only reads are added (a read
/// never creates feature state).
pub fn read_every_feature(policy: &mut CompiledPolicy) {
    let all: Vec<FeatureId> = (0..policy.features.len()).map(|f| FeatureId(f as u16)).collect();
    policy.per_type = (0..policy.type_count()).map(|t| type_plan_reading(policy, t, Some(&all))).collect();
}

fn type_plan(policy: &CompiledPolicy, t: usize) -> TypePlan {
    type_plan_reading(policy, t, None)
}

/// The plan of one event type; `read_all` replaces the features its rules (and the models
/// they read) read.
fn type_plan_reading(policy: &CompiledPolicy, t: usize, read_all: Option<&[FeatureId]>) -> TypePlan {
    let rules: Vec<u16> =
        (0..policy.rules.len()).filter(|&r| policy.rules[r].types.contains(t)).map(|r| r as u16).collect();
    let mut models: Vec<ModelId> =
        rules.iter().flat_map(|&r| policy.rules[r as usize].models.iter().copied()).collect();
    models.sort();
    models.dedup();
    let mut reads: Vec<FeatureId> = match read_all {
        Some(all) => all.to_vec(),
        None => rules
            .iter()
            .flat_map(|&r| policy.rules[r as usize].reads.iter().copied())
            .chain(models.iter().flat_map(|&m| policy.model(m).reads.iter().copied()))
            .collect(),
    };
    reads.sort();
    reads.dedup();
    let groups = (0..policy.groups.len()).filter_map(|g| group_work(policy, g, t, &reads)).collect();
    TypePlan { groups, rules, models }
}

fn group_work(policy: &CompiledPolicy, g: usize, t: usize, reads: &[FeatureId]) -> Option<GroupWork> {
    let members = &policy.groups[g].features;
    let updates: Vec<FeatureId> = members.iter().copied().filter(|f| policy.feature(*f).types.contains(t)).collect();
    let group_reads: Vec<FeatureId> = members.iter().copied().filter(|f| reads.contains(f)).collect();
    if updates.is_empty() && group_reads.is_empty() {
        return None;
    }
    let read_slots = group_reads.iter().map(|f| policy.feature(*f).slot).collect();
    Some(GroupWork { group: g, updates, reads: group_reads, read_slots })
}
