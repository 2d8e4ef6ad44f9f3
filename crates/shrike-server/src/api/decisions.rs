//! The decision log: `GET /v1/decisions/{id}` and the filtered query `GET /v1/decisions`.

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use shrike_types::{Outcome, Timestamp};

use super::AppState;
use super::error::ApiError;
use crate::entity::EntityKind;
use crate::sink::LoggedDecision;

/// Most decisions one query returns.
pub const MAX_QUERY_LIMIT: usize = 1_000;

/// One logged decision in a listing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionSummary {
    pub decision_id: String,
    pub event_id: String,
    pub event_type: String,
    pub outcome: String,
    pub score: u8,
    pub rules: Vec<String>,
    pub policy_version: String,
    #[schema(value_type = String)]
    pub event_time: Timestamp,
    #[schema(value_type = String)]
    pub evaluated_at: Timestamp,
    pub latency_us: u64,
    /// False when the caller was answered with the fallback outcome first.
    pub answered: bool,
}

impl From<&LoggedDecision> for DecisionSummary {
    fn from(d: &LoggedDecision) -> Self {
        let x = &d.decision;
        DecisionSummary {
            decision_id: d.decision_id.clone(),
            event_id: x.event_id.to_string(),
            event_type: d.entities.event_type.clone(),
            outcome: x.outcome.to_string(),
            score: x.score,
            rules: x.reasons.iter().map(|r| r.rule.to_string()).collect(),
            policy_version: x.policy_version.to_string(),
            event_time: x.event_time,
            evaluated_at: x.evaluated_at,
            latency_us: d.latency_us,
            answered: d.answered,
        }
    }
}

/// Filters of `GET /v1/decisions`; all optional, combined with "and".
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DecisionFilter {
    /// `KIND:ID`, e.g. `device:dv_1` (kinds: user, device, ip, card, email, phone, shop).
    pub entity: Option<String>,
    /// `allow`, `challenge`, `review` or `block`.
    pub outcome: Option<String>,
    /// A rule that fired.
    pub rule: Option<String>,
    pub policy_version: Option<String>,
    /// Event time from (inclusive), RFC 3339 or epoch ms.
    pub from: Option<String>,
    /// Event time to (exclusive), RFC 3339 or epoch ms.
    pub to: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// A page of decisions, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionPage {
    pub decisions: Vec<DecisionSummary>,
}

/// One decision with everything it recorded.
#[utoipa::path(get, path = "/v1/decisions/{id}", tag = "investigate",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn by_id(State(state): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let found = state.recent.lock().ok().and_then(|r| r.get(&id));
    match found {
        Some(d) => Ok(axum::Json(serde_json::to_value(&*d).map_err(ApiError::internal)?)),
        None => Err(ApiError::not_found(format!("no decision {id:?}"))),
    }
}

/// Decisions matching every given filter, newest first.
#[utoipa::path(get, path = "/v1/decisions", tag = "investigate", params(DecisionFilter),
    responses((status = 200, body = DecisionPage), (status = 422, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn query(
    State(state): State<AppState>,
    Query(f): Query<DecisionFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let filter = Parsed::from(&f)?;
    let limit = f.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_QUERY_LIMIT {
        return Err(ApiError::field("limit", format!("must be from 1 to {MAX_QUERY_LIMIT}")));
    }
    let found = state.recent.lock().map(|r| r.scan(limit, |d| filter.keeps(d))).unwrap_or_default();
    Ok(axum::Json(DecisionPage { decisions: found.iter().map(|d| DecisionSummary::from(&**d)).collect() }))
}

/// Recent decisions about one entity.
pub fn recent_about(state: &AppState, kind: EntityKind, id: &str, limit: usize) -> Vec<DecisionSummary> {
    let found = state.recent.lock().map(|r| r.scan(limit, |d| d.entities.get(kind) == Some(id))).unwrap_or_default();
    found.iter().map(|d| DecisionSummary::from(&**d)).collect()
}

struct Parsed {
    entity: Option<(EntityKind, String)>,
    outcome: Option<Outcome>,
    rule: Option<String>,
    policy_version: Option<String>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl Parsed {
    fn from(f: &DecisionFilter) -> Result<Parsed, ApiError> {
        let entity = match &f.entity {
            None => None,
            Some(e) => {
                let (k, id) =
                    e.split_once(':').ok_or_else(|| ApiError::field("entity", "expected KIND:ID, e.g. device:dv_1"))?;
                let kind = EntityKind::from_name(k).ok_or_else(|| {
                    ApiError::field("entity", "kind must be one of user, device, ip, card, email, phone, shop")
                })?;
                Some((kind, id.to_string()))
            }
        };
        let outcome = match &f.outcome {
            None => None,
            Some(o) => Some(
                Outcome::from_name(o)
                    .ok_or_else(|| ApiError::field("outcome", "must be allow, challenge, review or block"))?,
            ),
        };
        Ok(Parsed {
            entity,
            outcome,
            rule: f.rule.clone(),
            policy_version: f.policy_version.clone(),
            from: time("from", f.from.as_deref())?,
            to: time("to", f.to.as_deref())?,
        })
    }

    fn keeps(&self, d: &LoggedDecision) -> bool {
        let x = &d.decision;
        self.entity.as_ref().is_none_or(|(k, id)| d.entities.get(*k) == Some(id.as_str()))
            && self.outcome.is_none_or(|o| x.outcome == o)
            && self.rule.as_ref().is_none_or(|r| x.reasons.iter().any(|h| *h.rule == **r))
            && self.policy_version.as_ref().is_none_or(|v| *x.policy_version == **v)
            && self.from.is_none_or(|t| x.event_time >= t)
            && self.to.is_none_or(|t| x.event_time < t)
    }
}

/// An RFC 3339 time or epoch milliseconds.
pub fn time(field: &str, text: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    let Some(t) = text else { return Ok(None) };
    if let Ok(ms) = t.parse::<i64>() {
        return Ok(Some(Timestamp(ms)));
    }
    Timestamp::parse_rfc3339(t)
        .map(Some)
        .ok_or_else(|| ApiError::field(field, format!("expected RFC 3339 or epoch milliseconds, got {t:?}")))
}
