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

impl From<&shrike_records::DecisionRow> for DecisionSummary {
    fn from(r: &shrike_records::DecisionRow) -> Self {
        DecisionSummary {
            decision_id: r.decision_id.clone(),
            event_id: r.event_id.clone(),
            event_type: r.event_type.clone(),
            outcome: r.outcome.to_string(),
            score: r.score,
            rules: r.rules.clone(),
            policy_version: r.policy_version.clone(),
            event_time: Timestamp(r.event_time),
            evaluated_at: Timestamp(r.decided_at),
            latency_us: r.latency_us,
            answered: !r.degraded,
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
    /// `true`: the shadow policy's decisions instead of the live ones.
    pub shadow: Option<bool>,
    /// Decision time from (inclusive), RFC 3339 or epoch ms.
    pub from: Option<String>,
    /// Decision time to (exclusive), RFC 3339 or epoch ms.
    pub to: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

/// A page of decisions, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionPage {
    pub decisions: Vec<DecisionSummary>,
    /// Pass as `cursor` for the next page.
    pub next: Option<String>,
}

/// One decision with everything it recorded. The id is the event's `event_id` (a shadow
/// decision: `EVENT_ID:shadow`).
#[utoipa::path(get, path = "/v1/decisions/{id}", tag = "investigate",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn by_id(State(state): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let recent = state.recent.lock().ok().and_then(|r| r.get(&id));
    if let Some(d) = recent {
        return Ok(axum::Json(serde_json::to_value(&*d).map_err(ApiError::internal)?));
    }
    let row = state.records.decision(&id).await?.ok_or_else(|| ApiError::not_found(format!("no decision {id:?}")))?;
    let json: serde_json::Value = serde_json::from_str(&row.decision_json).map_err(ApiError::internal)?;
    Ok(axum::Json(json))
}

/// Decisions matching every given filter, newest first.
#[utoipa::path(get, path = "/v1/decisions", tag = "investigate", params(DecisionFilter),
    responses((status = 200, body = DecisionPage), (status = 422, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn query(
    State(state): State<AppState>,
    Query(f): Query<DecisionFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let limit = f.limit.unwrap_or(100);
    if limit == 0 || limit as usize > MAX_QUERY_LIMIT {
        return Err(ApiError::field("limit", format!("must be from 1 to {MAX_QUERY_LIMIT}")));
    }
    let q = shrike_records::DecisionQuery {
        entity: entity(f.entity.as_deref())?,
        outcome: outcome(f.outcome.as_deref())?,
        rule: f.rule,
        policy_version: f.policy_version,
        shadow: f.shadow.unwrap_or(false),
        from: time("from", f.from.as_deref())?.map(|t| t.0),
        to: time("to", f.to.as_deref())?.map(|t| t.0),
        limit,
        cursor: f.cursor.as_deref().map(str::parse).transpose()?,
    };
    let page = state.records.decisions(&q).await?;
    let decisions = page.items.iter().map(DecisionSummary::from).collect();
    Ok(axum::Json(DecisionPage { decisions, next: page.next.map(|c| c.to_string()) }))
}

/// Recent decisions about one entity, newest first.
pub async fn recent_about(
    state: &AppState,
    kind: EntityKind,
    id: &str,
    limit: u32,
) -> Result<Vec<DecisionSummary>, ApiError> {
    let q = shrike_records::DecisionQuery { entity: Some((kind, id.to_string())), limit, ..Default::default() };
    let page = state.records.decisions(&q).await?;
    Ok(page.items.iter().map(DecisionSummary::from).collect())
}

fn entity(text: Option<&str>) -> Result<Option<(EntityKind, String)>, ApiError> {
    let Some(e) = text else { return Ok(None) };
    let (k, id) = e.split_once(':').ok_or_else(|| ApiError::field("entity", "expected KIND:ID, e.g. device:dv_1"))?;
    let kind = crate::entity::kind(k)
        .ok_or_else(|| ApiError::field("entity", "kind must be one of user, device, ip, card, email, phone, shop"))?;
    Ok(Some((kind, id.to_string())))
}

fn outcome(text: Option<&str>) -> Result<Option<Outcome>, ApiError> {
    let Some(o) = text else { return Ok(None) };
    Outcome::from_name(o)
        .map(Some)
        .ok_or_else(|| ApiError::field("outcome", "must be allow, challenge, review or block"))
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
