//! `/v1/policies`: versions, validation, publish (an atomic hot swap), rollback, shadow, and
//! the diff of two versions. Every change is audited (by the records store, in the same
//! transaction as the change).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use shrike_records::{Change, ModelPin, NewPolicyVersion, PolicyVersion};
use tokio::sync::oneshot;

use super::AppState;
use super::body::Json;
use super::decide::send;
use super::error::{ApiError, FieldError};
use crate::auth::Caller;
use crate::journal::{LoadedPolicy, PolicyDiagnostic};
use crate::worker::{Command, Control};

/// A policy source to check or store.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// The policy text (docs/policy-language.md).
    pub source: String,
    /// Why this version exists (stored with it).
    #[serde(default)]
    pub comment: String,
}

/// The result of validating a policy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Validation {
    pub ok: bool,
    pub name: Option<String>,
    pub features: usize,
    pub rules: usize,
    /// Compile errors with 1-based line and column.
    pub errors: Vec<PolicyDiagnostic>,
}

/// One stored version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    pub id: i64,
    pub name: String,
    /// The label decisions carry, `NAME@vID`.
    pub version: String,
    pub content_hash: String,
    /// Epoch ms.
    pub created_at: i64,
    pub created_by: String,
    pub comment: String,
    pub live: bool,
    pub shadow: bool,
}

/// The versions, newest first, and which are live and shadow.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionList {
    pub live: Option<i64>,
    pub shadow: Option<i64>,
    pub versions: Vec<VersionInfo>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// A version with its source.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub info: VersionInfo,
    pub source: String,
}

/// What a publish did to the feature state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishResult {
    pub live: i64,
    pub version: String,
    /// Features whose state carried over from the previous live policy.
    pub carried: Vec<String>,
    /// Features that start empty.
    pub fresh: Vec<String>,
}

/// `GET /v1/policies` paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// The label of version `id` of policy `name`.
pub fn label(name: &str, id: i64) -> String {
    format!("{name}@v{id}")
}

/// Compiles `source` with the newest stored model for each model file it declares; returns
/// the pins that record which models those were.
async fn compile(
    state: &AppState,
    label: &str,
    source: &str,
) -> Result<Result<(LoadedPolicy, Vec<ModelPin>), crate::journal::PolicyError>, ApiError> {
    let (files, pins, missing) = crate::models::latest_for(&state.records, source).await?;
    Ok(LoadedPolicy::compile_cached(label, source, files, &missing, &state.model_cache).map(|p| (p, pins)))
}

/// Compile errors as a 422 naming line and column.
fn invalid(e: crate::journal::PolicyError) -> ApiError {
    let errors = e
        .errors
        .into_iter()
        .map(|d| FieldError {
            field: "source".into(),
            message: format!("{} error: {}", d.stage, d.message),
            line: Some(d.line),
            column: Some(d.column),
        })
        .collect();
    ApiError::invalid(errors)
}

/// Compile a policy without storing it.
#[utoipa::path(post, path = "/v1/policies/validate", tag = "policies", request_body = PolicyBody,
    responses((status = 200, body = Validation)), security(("api_key" = ["admin"])))]
pub async fn validate(
    State(state): State<AppState>,
    Json(body): Json<PolicyBody>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(match compile(&state, "check", &body.source).await? {
        Ok((p, _)) => Validation {
            ok: true,
            name: Some(p.compiled.name.to_string()),
            features: p.compiled.features.len(),
            rules: p.compiled.rules.len(),
            errors: Vec::new(),
        },
        Err(e) => Validation { ok: false, name: None, features: 0, rules: 0, errors: e.errors },
    }))
}

/// Store a new version (it must compile). It is not live until published.
#[utoipa::path(post, path = "/v1/policies", tag = "policies", request_body = PolicyBody,
    responses((status = 201, body = VersionInfo), (status = 422, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<PolicyBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (checked, pins) = compile(&state, "check", &body.source).await?.map_err(invalid)?;
    let name = checked.compiled.name.to_string();
    let actor = caller.actor();
    let change = Change { actor: &actor, at: crate::records::now_ms() };
    let new = NewPolicyVersion { name: &name, source: &body.source, comment: &body.comment };
    let info = state.records.create_policy_version_with_models(&new, &pins, change).await?;
    let pointers = state.records.pointers().await?;
    let v = version_info(info, pointers);
    Ok((StatusCode::CREATED, axum::Json(v)))
}

fn version_info(i: shrike_records::PolicyVersionInfo, p: shrike_records::Pointers) -> VersionInfo {
    VersionInfo {
        version: label(&i.name, i.id),
        live: p.live == Some(i.id),
        shadow: p.shadow == Some(i.id),
        id: i.id,
        name: i.name,
        content_hash: i.content_hash,
        created_at: i.created_at,
        created_by: i.created_by,
        comment: i.comment,
    }
}

/// The versions, newest first, with the live and shadow pointers.
#[utoipa::path(get, path = "/v1/policies", tag = "policies", params(ListQuery),
    responses((status = 200, body = VersionList)), security(("api_key" = ["admin"])))]
pub async fn list(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<impl IntoResponse, ApiError> {
    let page = state.records.policy_versions(None, q.before, q.limit.unwrap_or(50)).await?;
    let p = state.records.pointers().await?;
    let versions = page.items.into_iter().map(|i| version_info(i, p)).collect();
    Ok(axum::Json(VersionList { live: p.live, shadow: p.shadow, versions, next: page.next }))
}

async fn fetch(state: &AppState, id: i64) -> Result<PolicyVersion, ApiError> {
    state.records.policy_version(id).await?.ok_or_else(|| ApiError::not_found(format!("policy version {id}")))
}

/// One version with its source.
#[utoipa::path(get, path = "/v1/policies/{id}", tag = "policies", params(("id" = i64, Path)),
    responses((status = 200, body = VersionDetail), (status = 404, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> Result<impl IntoResponse, ApiError> {
    let v = fetch(&state, id).await?;
    let p = state.records.pointers().await?;
    Ok(axum::Json(VersionDetail { source: v.source, info: version_info(v.info, p) }))
}

/// The version as the engine runs it: with the model bytes it was created with.
async fn loaded(state: &AppState, id: i64) -> Result<LoadedPolicy, ApiError> {
    let v = fetch(state, id).await?;
    let models = crate::models::pinned(&state.records, id).await?;
    LoadedPolicy::compile_cached(&label(&v.info.name, v.info.id), &v.source, models, &[], &state.model_cache)
        .map_err(|e| ApiError::internal(format!("stored version {id} no longer compiles: {e}")))
}

/// Swaps the engine to `policy` between two events: no request is dropped or sees a mix.
async fn swap(state: &AppState, policy: LoadedPolicy) -> Result<shrike_engine::lifecycle::SwapReport, ApiError> {
    let (reply, answer) = oneshot::channel();
    let live = policy.clone();
    send(state, Command::Control(Control::Publish { policy, reply }))?;
    let report =
        answer.await.map_err(|_| ApiError::internal("the engine dropped a publish"))?.map_err(ApiError::internal)?;
    if let Ok(mut l) = state.live.write() {
        *l = live;
    }
    Ok(report)
}

/// Make a version live: an atomic hot swap. Features computed identically by the old and
/// new versions keep their state; others start empty.
#[utoipa::path(post, path = "/v1/policies/{id}/publish", tag = "policies", params(("id" = i64, Path)),
    responses((status = 200, body = PublishResult), (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn publish(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let policy = loaded(&state, id).await?;
    let actor = caller.actor();
    state.records.publish(id, Change { actor: &actor, at: crate::records::now_ms() }).await?;
    let version = policy.version.to_string();
    let report = swap(&state, policy).await?;
    Ok(axum::Json(PublishResult { live: id, version, carried: report.carried, fresh: report.fresh }))
}

/// Make the previously live version live again.
#[utoipa::path(post, path = "/v1/policies/rollback", tag = "policies",
    responses((status = 200, body = PublishResult), (status = 409, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn rollback(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = caller.actor();
    let pointers = state.records.rollback(Change { actor: &actor, at: crate::records::now_ms() }).await?;
    let id = pointers.live.ok_or_else(|| ApiError::conflict("no version is live after the rollback"))?;
    let policy = loaded(&state, id).await?;
    let version = policy.version.to_string();
    let report = swap(&state, policy).await?;
    Ok(axum::Json(PublishResult { live: id, version, carried: report.carried, fresh: report.fresh }))
}

/// Run a version in shadow beside the live one (`DELETE /v1/policies/shadow` stops it).
/// Its decisions are logged separately and never answer a caller.
#[utoipa::path(post, path = "/v1/policies/{id}/shadow", tag = "policies", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::Problem)), security(("api_key" = ["admin"])))]
pub async fn shadow(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let policy = loaded(&state, id).await?;
    let actor = caller.actor();
    state.records.set_shadow(Some(id), Change { actor: &actor, at: crate::records::now_ms() }).await?;
    set_shadow(&state, Some(policy)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stop the shadow policy.
#[utoipa::path(delete, path = "/v1/policies/shadow", tag = "policies", responses((status = 204)),
    security(("api_key" = ["admin"])))]
pub async fn unshadow(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = caller.actor();
    state.records.set_shadow(None, Change { actor: &actor, at: crate::records::now_ms() }).await?;
    set_shadow(&state, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_shadow(state: &AppState, policy: Option<LoadedPolicy>) -> Result<(), ApiError> {
    let (reply, answer) = oneshot::channel();
    send(state, Command::Control(Control::SetShadow { policy, reply }))?;
    answer.await.map_err(|_| ApiError::internal("the engine dropped a request"))?.map_err(ApiError::internal)
}

/// `from` and `to` version ids.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    pub from: i64,
    pub to: i64,
}

/// What changed between two versions, declaration by declaration.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyDiff {
    pub from: String,
    pub to: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Unchanged features whose state a publish from `from` to `to` would carry over.
    pub carried_features: Vec<String>,
    /// The canonical source lines only in `from` (`-`) or only in `to` (`+`).
    pub lines: Vec<String>,
}

/// The difference of two versions.
#[utoipa::path(get, path = "/v1/policies/diff", tag = "policies", params(DiffQuery),
    responses((status = 200, body = PolicyDiff), (status = 404, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn diff(State(state): State<AppState>, Query(q): Query<DiffQuery>) -> Result<impl IntoResponse, ApiError> {
    let (a, b) = (fetch(&state, q.from).await?, fetch(&state, q.to).await?);
    let (pa, pb) = (loaded(&state, q.from).await?, loaded(&state, q.to).await?);
    let d = crate::diff::diff_compiled(&a.source, &b.source, &pa.compiled, &pb.compiled).map_err(ApiError::internal)?;
    Ok(axum::Json(PolicyDiff {
        from: label(&a.info.name, a.info.id),
        to: label(&b.info.name, b.info.id),
        added: d.added,
        removed: d.removed,
        changed: d.changed,
        carried_features: d.carried,
        lines: d.lines,
    }))
}
