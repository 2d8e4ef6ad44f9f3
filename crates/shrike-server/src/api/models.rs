//! `/v1/models`: tree model files. An upload stores the exact bytes under a name (a newer
//! row when the name exists, audited as `model.put`); a policy version created afterwards
//! that declares a model file with that name (its last path component) runs with it, and
//! keeps running with it whatever is uploaded later (docs/models.md).

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use shrike_records::limits::MAX_MODEL_BYTES;
use shrike_records::{Change, ModelInfo, NewModel};

use super::AppState;
use super::body::read_limited;
use super::error::{ApiError, FieldError};
use crate::auth::Caller;

/// A stored model file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelOut {
    pub id: i64,
    pub name: String,
    /// SHA-256 of the bytes, hex.
    pub content_hash: String,
    pub size: i64,
    /// Epoch ms.
    pub created_at: i64,
    pub created_by: String,
    pub comment: String,
}

/// What an upload stored, with what the file holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelUploaded {
    #[serde(flatten)]
    pub model: ModelOut,
    /// `shrike-train`, `lightgbm v4`, ...
    pub source: String,
    pub trees: usize,
    /// The inputs, in row order, as `name` and `numeric` / `categorical`.
    pub inputs: Vec<ModelInputOut>,
    /// Whether the file keeps its training score histogram (the PSI metric needs it).
    pub reference_histogram: bool,
}

/// One model input.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelInputOut {
    pub name: String,
    pub kind: String,
}

/// Stored models, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelPage {
    pub models: Vec<ModelOut>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// `PUT /v1/models/{name}` options.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// Why this model exists (stored with it).
    pub comment: Option<String>,
}

/// `GET /v1/models` filter and paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ModelQuery {
    /// Only models stored under this name.
    pub name: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

fn out(m: ModelInfo) -> ModelOut {
    ModelOut {
        id: m.id,
        name: m.name,
        content_hash: m.content_hash,
        size: m.size,
        created_at: m.created_at,
        created_by: m.created_by,
        comment: m.comment,
    }
}

/// Store a model file (the body: a `shrike-model` JSON file, at most 12 MiB). It must load:
/// a file that does not is a 422 naming the field or the JSON line and column.
#[utoipa::path(put, path = "/v1/models/{name}", tag = "models", params(("name" = String, Path), UploadQuery),
    request_body(content = String, content_type = "application/json", description = "The model file"),
    responses((status = 201, body = ModelUploaded), (status = 413, body = super::error::Problem),
        (status = 422, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let bytes = read_limited(body, MAX_MODEL_BYTES).await?;
    let model = shrike_model::Model::from_json(&bytes).map_err(model_error)?;
    let actor = caller.actor();
    let change = Change { actor: &actor, at: crate::records::now_ms() };
    let new = NewModel { name: &name, bytes: &bytes, comment: q.comment.as_deref().unwrap_or("") };
    let info = state.records.put_model(&new, change).await?;
    let inputs = model
        .inputs()
        .iter()
        .map(|i| ModelInputOut {
            name: i.name.clone(),
            kind: if i.is_categorical() { "categorical" } else { "numeric" }.into(),
        })
        .collect();
    let uploaded = ModelUploaded {
        model: out(info),
        source: model.source().to_string(),
        trees: model.ensemble().num_trees(),
        inputs,
        reference_histogram: model.score_histogram().is_some(),
    };
    Ok((StatusCode::CREATED, axum::Json(uploaded)))
}

/// A model file that does not load, as a 422 with its position or field.
fn model_error(e: shrike_model::ModelError) -> ApiError {
    let (field, line, column) = match &e {
        shrike_model::ModelError::Json { line, column, .. } => (String::new(), Some(*line), Some(*column)),
        shrike_model::ModelError::Invalid { field, .. } => (field.clone(), None, None),
        _ => (String::new(), None, None),
    };
    ApiError::invalid(vec![FieldError { field, message: format!("not a model file: {e}"), line, column }])
}

/// The stored models, newest first.
#[utoipa::path(get, path = "/v1/models", tag = "models", params(ModelQuery),
    responses((status = 200, body = ModelPage)), security(("api_key" = ["admin"])))]
pub async fn list(State(state): State<AppState>, Query(q): Query<ModelQuery>) -> Result<impl IntoResponse, ApiError> {
    let page = state.records.models(q.name.as_deref(), q.before, q.limit.unwrap_or(50)).await?;
    Ok(axum::Json(ModelPage { models: page.items.into_iter().map(out).collect(), next: page.next }))
}
