//! The API's response bodies. Each is the type its handler returns, so `/openapi.json`
//! (generated from these) describes exactly what is sent.

use serde::Serialize;
use shrike_types::{Decision, FeatureReading, ModelScore, NotApplied, RuleHit, Timestamp};

use super::error::FieldError;

/// One fired rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reason {
    pub rule: String,
    /// The human reason written in the policy.
    pub reason: String,
    /// `allow`, `challenge`, `review` or `block`.
    pub outcome: String,
    pub score: i32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The models the rule read, with their scores and top contributing inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelScoreOut>,
}

/// A tree model's score, explained when a fired rule read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelScoreOut {
    pub model: String,
    /// Probability 0-1 (what `model.NAME` is in rules).
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<ExplanationOut>,
}

/// Exact TreeSHAP contributions to the margin (log-odds): `expected_value` plus every
/// input's contribution is `margin`; the largest by absolute value are listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExplanationOut {
    pub margin: f64,
    pub expected_value: f64,
    pub top: Vec<ContributionOut>,
}

/// One input's share of the margin, with the value it had.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContributionOut {
    pub input: String,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
    pub contribution: f64,
}

impl From<&ModelScore> for ModelScoreOut {
    fn from(m: &ModelScore) -> Self {
        let explanation = m.explanation.as_ref().map(|e| ExplanationOut {
            margin: e.margin,
            expected_value: e.expected_value,
            top: e
                .top
                .iter()
                .map(|c| ContributionOut {
                    input: c.input.to_string(),
                    value: serde_json::to_value(&c.value).unwrap_or_default(),
                    contribution: c.contribution,
                })
                .collect(),
        });
        ModelScoreOut { model: m.model.to_string(), score: m.score, explanation }
    }
}

impl From<&RuleHit> for Reason {
    fn from(h: &RuleHit) -> Self {
        Reason {
            rule: h.rule.to_string(),
            reason: h.reason.to_string(),
            outcome: h.outcome.to_string(),
            score: h.score,
            tags: h.tags.iter().map(|t| t.to_string()).collect(),
            models: h.models.iter().map(ModelScoreOut::from).collect(),
        }
    }
}

/// A feature value a fired rule read.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Feature {
    pub name: String,
    /// A number, string, boolean, RFC 3339 time, duration text, or null when missing.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

impl From<&FeatureReading> for Feature {
    fn from(f: &FeatureReading) -> Self {
        Feature { name: f.name.to_string(), value: serde_json::to_value(&f.value).unwrap_or_default() }
    }
}

/// The answer to `POST /v1/decide`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionResponse {
    /// Identifies the decision in the log (`GET /v1/decisions/{id}`); null for a fallback.
    pub decision_id: Option<String>,
    pub event_id: String,
    /// `allow`, `challenge`, `review` or `block`.
    pub outcome: String,
    /// Sum of the fired live rules' scores, clamped to 0-100.
    pub score: u8,
    /// Fired live rules, in policy order.
    pub reasons: Vec<Reason>,
    /// Fired shadow rules: recorded, never change the outcome.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shadow_hits: Vec<Reason>,
    /// The feature values the fired rules read.
    pub features: Vec<Feature>,
    /// The scores of the models the event type's rules read (explained when a fired rule read
    /// the model).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelScoreOut>,
    pub policy_version: String,
    /// RFC 3339.
    #[schema(value_type = String)]
    pub event_time: Timestamp,
    #[schema(value_type = String)]
    pub evaluated_at: Timestamp,
    /// Time in the service, from request to answer.
    pub latency_us: u64,
    /// True when the caller's deadline could not be met and this is the fallback outcome.
    pub degraded: bool,
    /// `duplicate` (seen before: the original outcome) or `late` (decided, not applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub not_applied: Option<NotApplied>,
}

impl DecisionResponse {
    pub fn new(decision_id: Option<String>, d: Decision, latency_us: u64, degraded: bool) -> Self {
        DecisionResponse {
            decision_id,
            event_id: d.event_id.to_string(),
            outcome: d.outcome.to_string(),
            score: d.score,
            reasons: d.reasons.iter().map(Reason::from).collect(),
            shadow_hits: d.shadow_hits.iter().map(Reason::from).collect(),
            features: d.features.iter().map(Feature::from).collect(),
            models: d.models.iter().map(ModelScoreOut::from).collect(),
            policy_version: d.policy_version.to_string(),
            event_time: d.event_time,
            evaluated_at: d.evaluated_at,
            latency_us,
            degraded,
            not_applied: d.not_applied,
        }
    }
}

/// What happened to one event of a `POST /v1/events` batch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventResult {
    /// Position in the request's `events`.
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// `applied`, `duplicate`, `late` or `invalid`.
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The answer to `POST /v1/events`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IngestResponse {
    pub accepted: usize,
    pub rejected: usize,
    pub results: Vec<EventResult>,
}
