//! `POST /v1/labels` (an event or entity marked fraud or not) and `GET /v1/labels`. A fraud
//! label also becomes a `label` event at the time it was known, so features over labels
//! (`count(label) by card.fingerprint over 90d`) see it live exactly as backtests do
//! (docs/backtest.md, "Late labels").

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use shrike_records::{EntityKind, LabelQuery, NewLabel};
use tokio::sync::oneshot;

use super::AppState;
use super::body::Json;
use super::decide::send;
use super::decisions::time;
use super::error::ApiError;
use crate::auth::Caller;
use crate::worker::{Command, IngestRequest};

/// An entity a label names.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityRef {
    /// user, device, ip, card, email, phone or shop.
    pub kind: String,
    pub id: String,
}

/// A label to record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelBody {
    /// The labelled event (its decision's entities are labelled too).
    pub event_id: Option<String>,
    pub entity: Option<EntityRef>,
    pub fraud: bool,
    /// e.g. `chargeback`, `ato`, `promo_abuse`, `false_positive`.
    pub kind: String,
    /// Where it came from, e.g. `psp:stripe`, `analyst:alice`.
    pub source: String,
    /// When the labelled activity happened (RFC 3339 or epoch ms); default now.
    pub at: Option<String>,
    /// When it became known; default now. Features see it from then on.
    pub known_at: Option<String>,
}

/// A stored label.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LabelOut {
    pub id: i64,
    pub event_id: Option<String>,
    pub entity: Option<EntityRef>,
    pub fraud: bool,
    pub kind: String,
    pub source: String,
    pub at: i64,
    pub known_at: i64,
}

impl From<shrike_records::Label> for LabelOut {
    fn from(l: shrike_records::Label) -> Self {
        LabelOut {
            id: l.id,
            event_id: l.event_id,
            entity: l.entity.map(|(k, id)| EntityRef { kind: k.name().into(), id }),
            fraud: l.fraud,
            kind: l.kind,
            source: l.source,
            at: l.at,
            known_at: l.known_at,
        }
    }
}

fn entity(e: &Option<EntityRef>) -> Result<Option<(EntityKind, &str)>, ApiError> {
    match e {
        None => Ok(None),
        Some(r) => {
            let k = crate::entity::kind(&r.kind).ok_or_else(|| {
                ApiError::field("entity.kind", "must be one of user, device, ip, card, email, phone, shop")
            })?;
            Ok(Some((k, r.id.as_str())))
        }
    }
}

/// Record a label.
#[utoipa::path(post, path = "/v1/labels", tag = "labels", request_body = LabelBody,
    responses((status = 201, body = LabelOut), (status = 422, body = super::error::Problem)),
    security(("api_key" = ["ingest"])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(_caller): Extension<Caller>,
    Json(b): Json<LabelBody>,
) -> Result<impl IntoResponse, ApiError> {
    let now = crate::records::now_ms();
    let at = time("at", b.at.as_deref())?.map_or(now, |t| t.0);
    let known_at = time("known_at", b.known_at.as_deref())?.map_or(now, |t| t.0);
    let ent = entity(&b.entity)?;
    let new = NewLabel {
        event_id: b.event_id.as_deref(),
        entity: ent,
        fraud: b.fraud,
        kind: &b.kind,
        source: &b.source,
        at,
        known_at,
    };
    let label = state.records.add_label(&new).await?;
    if label.fraud {
        feed(&state, &label).await?;
    }
    Ok((StatusCode::CREATED, axum::Json(LabelOut::from(label))))
}

/// Applies a fraud label to the features as a `label` event at its `known_at`, carrying the
/// labelled decision's entities (or the labelled entity).
async fn feed(state: &AppState, l: &shrike_records::Label) -> Result<(), ApiError> {
    let mut fields = serde_json::Map::new();
    if let Some(id) = &l.event_id
        && let Some(row) = state.records.decision(id).await?
    {
        for k in EntityKind::ALL {
            if let Some(v) = row.entities.get(k) {
                put(&mut fields, k, v);
            }
        }
    }
    if let Some((k, v)) = &l.entity {
        put(&mut fields, *k, v);
    }
    let id = l.event_id.clone().unwrap_or_else(|| format!("label{}", l.id));
    fields.insert("event_id".into(), format!("label:{id}").into());
    fields.insert("type".into(), "label".into());
    fields.insert("timestamp".into(), l.known_at.into());
    fields.insert("status".into(), l.kind.clone().into());
    let body = Bytes::from(serde_json::Value::Object(fields).to_string());
    let (reply, answer) = oneshot::channel();
    send(state, Command::Ingest(IngestRequest { bodies: vec![body], reply }))?;
    answer.await.map_err(|_| ApiError::internal("the engine dropped a request"))?;
    Ok(())
}

fn put(fields: &mut serde_json::Map<String, serde_json::Value>, k: EntityKind, v: &str) {
    let name = match k {
        EntityKind::User => "user_id",
        EntityKind::Device => "device_id",
        EntityKind::Ip => "ip",
        EntityKind::Email => "email",
        EntityKind::Phone => "phone",
        EntityKind::Shop => "shop_id",
        EntityKind::Card => {
            fields.insert("card".into(), serde_json::json!({ "fingerprint": v }));
            return;
        }
    };
    fields.insert(name.into(), v.into());
}

/// Filters of `GET /v1/labels`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LabelFilter {
    pub event_id: Option<String>,
    /// `KIND:ID`.
    pub entity: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A page of labels, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LabelPage {
    pub labels: Vec<LabelOut>,
    pub next: Option<String>,
}

/// Labels matching the filters, newest first.
#[utoipa::path(get, path = "/v1/labels", tag = "labels", params(LabelFilter),
    responses((status = 200, body = LabelPage)), security(("api_key" = ["admin"])))]
pub async fn list(State(state): State<AppState>, Query(f): Query<LabelFilter>) -> Result<impl IntoResponse, ApiError> {
    let entity = match &f.entity {
        None => None,
        Some(e) => {
            let (k, id) = e.split_once(':').ok_or_else(|| ApiError::field("entity", "expected KIND:ID"))?;
            let kind = crate::entity::kind(k).ok_or_else(|| ApiError::field("entity", "unknown entity kind"))?;
            Some((kind, id.to_string()))
        }
    };
    let cursor = f.cursor.as_deref().map(str::parse).transpose()?;
    let q = LabelQuery {
        event_id: f.event_id,
        entity,
        from: time("from", f.from.as_deref())?.map(|t| t.0),
        to: time("to", f.to.as_deref())?.map(|t| t.0),
        limit: f.limit.unwrap_or(100),
        cursor,
    };
    let page = state.records.labels(&q).await?;
    Ok(axum::Json(LabelPage {
        labels: page.items.into_iter().map(LabelOut::from).collect(),
        next: page.next.map(|c| c.to_string()),
    }))
}
