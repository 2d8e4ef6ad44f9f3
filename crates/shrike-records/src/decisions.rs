//! The decision log: one row per decision, written in batches, queried by id, entity,
//! outcome, fired rule, policy version, event id and time, newest first.
//!
//! Inserts are idempotent by `decision_id`: a row whose id is already stored is skipped, so
//! a batch re-sent after an unacknowledged commit (the service's disk spool replaying) is
//! harmless. Ids must therefore be unique per decision; a shadow decision gets its own id.
//! There is no index on `event_id` (each random-key index costs insert throughput): derive
//! the decision id from the event id (`EVENT_ID`, `EVENT_ID:shadow`) and a decision is found
//! by its event with [`crate::Records::decision`].

use std::fmt;
use std::str::FromStr;

use shrike_types::Outcome;
use shrike_types::limits::{MAX_EVENT_ID_LEN, MAX_TYPE_NAME_LEN};

use crate::entity::{Entities, EntityKind};
use crate::error::{RecordsError, Result};
use crate::limits::{
    MAX_DECISION_BATCH, MAX_DECISION_ID_LEN, MAX_DECISION_JSON_BYTES, MAX_ENTITY_ID_LEN, MAX_POLICY_VERSION_LEN,
    MAX_RULE_NAME_LEN, MAX_RULES_PER_DECISION,
};
use crate::validate;

/// One decision as the log stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRow {
    /// Unique per decision (e.g. a ULID, or the event id plus `:shadow`).
    pub decision_id: String,
    pub event_id: String,
    pub event_type: String,
    pub event_time: i64,
    pub decided_at: i64,
    pub outcome: Outcome,
    pub score: u8,
    pub policy_version: String,
    /// Answered with the fallback outcome (deadline missed, dependency down).
    pub degraded: bool,
    /// Made by the shadow policy; never returned to the caller of `/v1/decide`.
    pub shadow: bool,
    pub latency_us: u64,
    pub entities: Entities,
    /// Names of the fired rules.
    pub rules: Vec<String>,
    /// The full decision as JSON text, stored verbatim.
    pub decision_json: String,
}

/// A position in the newest-first decision log: `(decided_at, decision_id)`. Text form
/// `DECIDED_AT:DECISION_ID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionCursor {
    pub decided_at: i64,
    pub decision_id: String,
}

impl fmt::Display for DecisionCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.decided_at, self.decision_id)
    }
}

impl FromStr for DecisionCursor {
    type Err = RecordsError;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || RecordsError::invalid("cursor", "expected DECIDED_AT:DECISION_ID");
        let (at, id) = s.split_once(':').ok_or_else(bad)?;
        let decided_at = at.parse().map_err(|_| bad())?;
        validate::exact("cursor", id, MAX_DECISION_ID_LEN)?;
        Ok(DecisionCursor { decided_at, decision_id: id.into() })
    }
}

/// Filter for [`crate::Records::decisions`]; every set field must match. `shadow` picks the
/// live (`false`) or the shadow (`true`) decisions. `decided_at` in `[from, to)`.
#[derive(Clone, Debug, Default)]
pub struct DecisionQuery {
    pub entity: Option<(EntityKind, String)>,
    pub outcome: Option<Outcome>,
    pub rule: Option<String>,
    pub policy_version: Option<String>,
    pub shadow: bool,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: u32,
    pub cursor: Option<DecisionCursor>,
}

/// Checks a batch; errors name the row, e.g. `rows[3].decision_id`.
pub fn check_batch(rows: &[DecisionRow]) -> Result<()> {
    if rows.len() > MAX_DECISION_BATCH {
        return Err(RecordsError::invalid("rows", format!("more than {MAX_DECISION_BATCH} rows in one batch")));
    }
    for (i, r) in rows.iter().enumerate() {
        check_row(r).map_err(|e| match e {
            RecordsError::InvalidInput { field, message } => {
                RecordsError::InvalidInput { field: format!("rows[{i}].{field}"), message }
            }
            other => other,
        })?;
    }
    Ok(())
}

fn check_row(r: &DecisionRow) -> Result<()> {
    validate::exact("decision_id", &r.decision_id, MAX_DECISION_ID_LEN)?;
    validate::exact("event_id", &r.event_id, MAX_EVENT_ID_LEN)?;
    validate::token("event_type", &r.event_type, MAX_TYPE_NAME_LEN)?;
    validate::exact("policy_version", &r.policy_version, MAX_POLICY_VERSION_LEN)?;
    if r.score > 100 {
        return Err(RecordsError::invalid("score", "must be between 0 and 100"));
    }
    if i64::try_from(r.latency_us).is_err() {
        return Err(RecordsError::invalid("latency_us", "out of range"));
    }
    for kind in EntityKind::ALL {
        if let Some(id) = r.entities.get(kind) {
            validate::exact(&format!("entities.{}", kind.name()), id, MAX_ENTITY_ID_LEN)?;
        }
    }
    if r.rules.len() > MAX_RULES_PER_DECISION {
        return Err(RecordsError::invalid("rules", format!("more than {MAX_RULES_PER_DECISION} rules")));
    }
    for (j, rule) in r.rules.iter().enumerate() {
        validate::token(&format!("rules[{j}]"), rule, MAX_RULE_NAME_LEN)?;
    }
    validate::json("decision_json", &r.decision_json, MAX_DECISION_JSON_BYTES)
}

/// Checks a query's bounds and filters.
pub fn check_query(q: &DecisionQuery) -> Result<()> {
    validate::limit(q.limit, crate::limits::MAX_DECISION_PAGE_SIZE)?;
    validate::range(q.from, q.to)?;
    if let Some((_, id)) = &q.entity {
        validate::exact("entity_id", id, MAX_ENTITY_ID_LEN)?;
    }
    if let Some(rule) = &q.rule {
        validate::token("rule", rule, MAX_RULE_NAME_LEN)?;
    }
    if let Some(v) = &q.policy_version {
        validate::exact("policy_version", v, MAX_POLICY_VERSION_LEN)?;
    }
    Ok(())
}
