//! `/v1/keys` (admin): create (the key is shown once), list, revoke. And the audit log.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use shrike_records::{AuditQuery, Change, NewApiKey, Scopes};

use super::AppState;
use super::body::Json;
use super::decisions::time;
use super::error::ApiError;
use crate::auth::Caller;

/// A key to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    pub name: String,
    /// Any of `decide`, `ingest`, `admin`.
    pub scopes: Vec<String>,
}

/// A stored key (never its secret, never its hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyOut {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// Only in the answer to its creation: the key itself, to pass as `Authorization: Bearer KEY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl KeyOut {
    fn of(k: shrike_records::ApiKey, key: Option<String>) -> KeyOut {
        KeyOut {
            id: k.id,
            name: k.name,
            scopes: k.scopes.iter().map(|s| s.name().to_string()).collect(),
            created_at: k.created_at,
            revoked_at: k.revoked_at,
            key,
        }
    }
}

/// Create a key. The answer is the only time the key is shown.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = KeyBody,
    responses((status = 201, body = KeyOut), (status = 422, body = super::error::Problem)), security(("api_key" = ["admin"])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<KeyBody>,
) -> Result<impl IntoResponse, ApiError> {
    let scopes: Scopes = b.scopes.join(",").parse()?;
    if scopes.is_empty() {
        return Err(ApiError::field("scopes", "give at least one of decide, ingest, admin"));
    }
    let (secret, hash) = shrike_records::generate_key()?;
    let actor = caller.actor();
    let k = state
        .records
        .create_key(
            &NewApiKey { name: &b.name, scopes, hash: &hash },
            Change { actor: &actor, at: crate::records::now_ms() },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(KeyOut::of(k, Some(secret.expose().to_string())))))
}

/// Keys, by id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyPage {
    pub keys: Vec<KeyOut>,
    pub next: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KeyQuery {
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// List keys.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", params(KeyQuery), responses((status = 200, body = KeyPage)),
    security(("api_key" = ["admin"])))]
pub async fn list(State(state): State<AppState>, Query(q): Query<KeyQuery>) -> Result<impl IntoResponse, ApiError> {
    let page = state.records.keys(q.after, q.limit.unwrap_or(100)).await?;
    Ok(axum::Json(KeyPage { keys: page.items.into_iter().map(|k| KeyOut::of(k, None)).collect(), next: page.next }))
}

/// Revoke a key (within `auth::KEY_CACHE_TTL` on other nodes; at once on this one).
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys", params(("id" = i64, Path)),
    responses((status = 200, body = KeyOut), (status = 404, body = super::error::Problem)), security(("api_key" = ["admin"])))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = caller.actor();
    let k = state.records.revoke_key(id, Change { actor: &actor, at: crate::records::now_ms() }).await?;
    state.auth.forget();
    Ok(axum::Json(KeyOut::of(k, None)))
}

/// Filters of `GET /v1/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// e.g. `policy:live`, `list:blocked_cards`, `key:3`.
    pub target: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One audited change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditOut {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditOut>,
    pub next: Option<String>,
}

/// Every policy, list and key change: who, when, what; newest first.
#[utoipa::path(get, path = "/v1/audit", tag = "keys", params(AuditFilter), responses((status = 200, body = AuditPage)),
    security(("api_key" = ["admin"])))]
pub async fn audit(State(state): State<AppState>, Query(f): Query<AuditFilter>) -> Result<impl IntoResponse, ApiError> {
    let q = AuditQuery {
        target: f.target,
        from: time("from", f.from.as_deref())?.map(|t| t.0),
        to: time("to", f.to.as_deref())?.map(|t| t.0),
        limit: f.limit.unwrap_or(100),
        cursor: f.cursor.as_deref().map(str::parse).transpose()?,
    };
    let page = state.records.audit(&q).await?;
    let entries = page
        .items
        .into_iter()
        .map(|e| AuditOut { id: e.id, at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail })
        .collect();
    Ok(axum::Json(AuditPage { entries, next: page.next.map(|c| c.to_string()) }))
}
