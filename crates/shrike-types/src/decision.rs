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
    /// The models the rule's condition read, with their scores and top contributors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelScore>,
}

/// A tree model's score for the event; with its explanation when a fired rule read it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ModelScore {
    pub model: Arc<str>,
    /// The model's probability, 0 to 1 (what `model.NAME` reads in rules).
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Arc<ModelExplanation>>,
}

/// Why a model scored as it did: exact TreeSHAP contributions to the margin (log-odds).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ModelExplanation {
    /// The score as log-odds: `expected_value` plus every input's contribution.
    pub margin: f64,
    /// The margin of an average training row.
    pub expected_value: f64,
    /// The inputs with the largest contributions by absolute value, largest first.
    pub top: Vec<Contribution>,
}

/// One input's share of a model's margin.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Contribution {
    pub input: Arc<str>,
    /// The value the input had, as the policy computed it (missing when absent).
    pub value: Value<'static>,
    pub contribution: f64,
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

/// An event id as a decision carries it: ids of up to [`EventId::INLINE`] bytes (nearly all)
/// are held inline, so a decision costs no allocation for its id; longer ones share an
/// `Arc<str>`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EventId(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Inline { len: u8, bytes: [u8; EventId::INLINE] },
    Shared(Arc<str>),
}

impl EventId {
    /// Longest id held inline.
    pub const INLINE: usize = 30;

    pub fn new(id: &str) -> EventId {
        if id.len() <= EventId::INLINE {
            let mut bytes = [0u8; EventId::INLINE];
            bytes[..id.len()].copy_from_slice(id.as_bytes());
            // len <= INLINE (30) fits in a u8.
            EventId(Repr::Inline { len: id.len() as u8, bytes })
        } else {
            EventId(Repr::Shared(Arc::from(id)))
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // The inline bytes are a copy of a `&str` cut at its length: always UTF-8.
            Repr::Inline { len, bytes } => std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default(),
            Repr::Shared(s) => s,
        }
    }
}

impl std::ops::Deref for EventId {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for EventId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl From<&str> for EventId {
    fn from(s: &str) -> Self {
        EventId::new(s)
    }
}

impl serde::Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The answer to one event. Deterministic for a given policy version and event stream.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Decision {
    pub event_id: EventId,
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
    /// The scores of the models the event type's rules read; explained for the models a
    /// fired rule (live or shadow) read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelScore>,
    pub policy_version: Arc<str>,
    pub event_time: Timestamp,
    /// When the engine evaluated the event, from the injected clock.
    pub evaluated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<NotApplied>,
}

#[cfg(test)]
mod tests {
    use super::EventId;

    #[test]
    fn ids_round_trip_inline_or_shared() {
        for id in ["", "e1", "é-ü", &"x".repeat(30), &"y".repeat(31), &"é".repeat(40)] {
            let e = EventId::new(id);
            assert_eq!(e.as_str(), id);
            assert_eq!(e, EventId::new(id));
            assert_eq!(serde_json::to_string(&e).unwrap(), serde_json::to_string(id).unwrap());
        }
    }
}
