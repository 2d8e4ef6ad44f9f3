//! `POST /v1/decide` and `POST /v1/events`: the paths platform services call.

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use bytes::Bytes;
use shrike_types::clock::Stopwatch;
use shrike_types::parse::parse_event;
use shrike_types::{Decision, RuleHit};
use tokio::sync::oneshot;

use super::AppState;
use super::body::{JsonBytes, event_error, parse_json};
use super::error::{ApiError, FieldError};
use super::types::{DecisionResponse, EventResult, IngestResponse};
use crate::worker::{Command, DecideRequest, Decided, IngestRequest, Refused};

/// The header in which a caller gives its time budget for one decision, in milliseconds.
pub const DEADLINE_HEADER: &str = "x-shrike-deadline-ms";
/// Longest deadline a caller may ask for.
pub const MAX_DEADLINE_MS: u64 = 60_000;

/// Decide one event.
#[utoipa::path(post, path = "/v1/decide", tag = "decide",
    request_body(content = Object, description = "One event (docs/events.md)", content_type = "application/json"),
    params(("X-Shrike-Deadline-Ms" = Option<u64>, Header, description = "Time budget in ms; past it the configured fallback outcome is answered, marked degraded")),
    responses(
        (status = 200, body = DecisionResponse),
        (status = 400, body = super::error::Problem, description = "Malformed JSON"),
        (status = 413, body = super::error::Problem), (status = 415, body = super::error::Problem),
        (status = 422, body = super::error::Problem, description = "A field is invalid"),
        (status = 503, body = super::error::Problem, description = "At capacity: retry after Retry-After seconds")),
    security(("api_key" = ["decide"])))]
pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
) -> Result<impl IntoResponse, ApiError> {
    let received = Stopwatch::start();
    let deadline = deadline(&headers, state.config.engine.default_deadline_ms)?;
    if let Err(e) = parse_event(&body) {
        return Err(event_error(&e));
    }
    let (reply, answer) = oneshot::channel();
    send(&state, Command::Decide(DecideRequest { body, received, reply }))?;
    let outcome = match deadline {
        Some(budget) => tokio::time::timeout(budget.saturating_sub(elapsed(received)), answer).await.ok(),
        None => Some(answer.await),
    };
    match outcome {
        Some(Ok(decided)) => Ok(axum::Json(response(decided, received))),
        Some(Err(_)) => Err(ApiError::internal("the engine dropped a request")),
        None => {
            state.metrics.degraded.inc();
            Ok(axum::Json(fallback(&state, received)))
        }
    }
}

fn elapsed(since: Stopwatch) -> Duration {
    Duration::from_nanos(since.elapsed_nanos())
}

/// The caller's deadline, or the configured default.
fn deadline(headers: &HeaderMap, default_ms: Option<u64>) -> Result<Option<Duration>, ApiError> {
    let Some(v) = headers.get(DEADLINE_HEADER) else { return Ok(default_ms.map(Duration::from_millis)) };
    let ms = v.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok()).filter(|ms| (1..=MAX_DEADLINE_MS).contains(ms));
    match ms {
        Some(ms) => Ok(Some(Duration::from_millis(ms))),
        None => Err(ApiError::field(
            "X-Shrike-Deadline-Ms",
            format!("expected whole milliseconds from 1 to {MAX_DEADLINE_MS}, got {v:?}"),
        )),
    }
}

/// Queues a command, mapping a full queue to 503.
pub(crate) fn send(state: &AppState, cmd: Command) -> Result<(), ApiError> {
    let retry = state.config.server.retry_after_secs;
    state.engine.send(cmd).map_err(|r| {
        state.metrics.shed.inc();
        match r {
            Refused::Full => ApiError::unavailable("the decision engine is at capacity", retry),
            Refused::Stopped => ApiError::unavailable("the service is shutting down", retry),
        }
    })
}

fn response(d: Decided, received: Stopwatch) -> DecisionResponse {
    DecisionResponse::new(Some(d.decision_id), d.decision, received.elapsed_nanos() / 1_000, d.degraded)
}

/// The answer when the engine cannot meet the deadline: the configured outcome, marked
/// degraded. The event is still applied when the engine reaches it.
fn fallback(state: &AppState, received: Stopwatch) -> DecisionResponse {
    let outcome = state.config.engine.fallback_outcome;
    let reason = RuleHit {
        rule: "deadline_fallback".into(),
        reason: "The engine could not answer within the caller's deadline; fallback outcome".into(),
        outcome,
        score: 0,
        tags: std::sync::Arc::from([]),
        models: Vec::new(),
    };
    let d = Decision {
        event_id: "".into(),
        outcome,
        score: 0,
        reasons: vec![reason],
        shadow_hits: Vec::new(),
        features: Vec::new(),
        models: Vec::new(),
        policy_version: state.live_version(),
        event_time: shrike_types::Timestamp(0),
        evaluated_at: shrike_types::Timestamp(0),
        not_applied: None,
    };
    DecisionResponse::new(None, d, received.elapsed_nanos() / 1_000, true)
}

/// `POST /v1/echo` (only with `server.bench_echo`): parses the event as `/v1/decide` does and
/// returns it re-serialized, without touching the engine.
pub async fn echo(JsonBytes(body): JsonBytes) -> Result<impl IntoResponse, ApiError> {
    let event = parse_event(&body).map_err(|e| event_error(&e))?;
    let json = shrike_types::parse::to_json(&event);
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], json))
}

/// The body of `POST /v1/events`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestBody {
    /// Events (docs/events.md), at most `server.max_batch_events`.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Box<serde_json::value::RawValue>>,
}

/// Apply a batch of events to the features, without decisions. Idempotent by `event_id`.
#[utoipa::path(post, path = "/v1/events", tag = "decide", request_body = IngestBody,
    responses((status = 200, body = IngestResponse), (status = 400, body = super::error::Problem),
        (status = 413, body = super::error::Problem), (status = 422, body = super::error::Problem),
        (status = 503, body = super::error::Problem)),
    security(("api_key" = ["ingest"])))]
pub async fn ingest(State(state): State<AppState>, JsonBytes(body): JsonBytes) -> Result<impl IntoResponse, ApiError> {
    let parsed: IngestBody = parse_json(&body)?;
    let max = state.config.server.max_batch_events;
    if parsed.events.len() > max {
        return Err(ApiError::field("events", format!("{} events, more than the limit of {max}", parsed.events.len())));
    }
    let mut results: Vec<EventResult> = Vec::with_capacity(parsed.events.len());
    let mut bodies = Vec::new();
    for (i, raw) in parsed.events.iter().enumerate() {
        match parse_event(raw.get().as_bytes()) {
            Ok(e) => {
                results.push(EventResult {
                    index: i,
                    event_id: Some(e.event_id.to_string()),
                    status: None,
                    errors: vec![],
                });
                bodies.push(Bytes::copy_from_slice(raw.get().as_bytes()));
            }
            Err(e) => {
                let field = e.field.clone().unwrap_or_default();
                let err = FieldError { field, message: e.message.clone(), line: None, column: None };
                results.push(EventResult {
                    index: i,
                    event_id: None,
                    status: Some("invalid".into()),
                    errors: vec![err],
                });
            }
        }
    }
    if !bodies.is_empty() {
        let (reply, answer) = oneshot::channel();
        send(&state, Command::Ingest(IngestRequest { bodies, reply }))?;
        let applied = answer.await.map_err(|_| ApiError::internal("the engine dropped a request"))?;
        let mut applied = applied.into_iter();
        for r in results.iter_mut().filter(|r| r.status.is_none()) {
            r.status = applied
                .next()
                .map(|a| serde_json::to_value(a).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default());
        }
    }
    let accepted = results.iter().filter(|r| r.errors.is_empty()).count();
    Ok(axum::Json(IngestResponse { accepted, rejected: results.len() - accepted, results }))
}
