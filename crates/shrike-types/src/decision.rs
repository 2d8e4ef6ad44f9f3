//! The decision: the answer to one event, with everything needed to explain and replay it.

use std::sync::Arc;

use crate::outcome::Outcome;
use crate::time::Timestamp;
use crate::value::Value;

/// One rule that fired.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RuleHit {
    pub rule: Arc<str>,
    /// The human reason written in the policy.
    pub reason: Arc<str>,
    pub outcome: Outcome,
    pub score: i32,
    #[serde(skip_serializing_if = "<[Arc<str>]>::is_empty")]
    pub tags: Arc<[Arc<str>]>,
}

/// A feature value a fired rule read, as the rule saw it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FeatureReading {
    pub name: Arc<str>,
    pub value: Value<'static>,
}

/// Why an event was not applied to the feature state (its decision is still computed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotApplied {
    /// The same `event_id` was seen before; the original outcome and score are returned.
    Duplicate,
    /// Older than the watermark minus the allowed lateness.
    Late,
}

/// The answer to one event. Deterministic for a given policy version and event stream.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Decision {
    pub event_id: Arc<str>,
    pub outcome: Outcome,
    /// Sum of the fired live rules' scores, clamped to 0–100.
    pub score: u8,
    /// Fired live rules, in policy order.
    pub reasons: Vec<RuleHit>,
    /// Fired shadow rules; never change outcome or score.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shadow_hits: Vec<RuleHit>,
    /// The feature values the fired rules (live and shadow) read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<FeatureReading>,
    pub policy_version: Arc<str>,
    pub event_time: Timestamp,
    /// When the engine evaluated the event, from the injected clock.
    pub evaluated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<NotApplied>,
}
