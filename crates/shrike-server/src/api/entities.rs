//! `GET /v1/entities/{kind}/{id}`: what Shrike knows of one entity now.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Serialize;
use tokio::sync::oneshot;

use super::AppState;
use super::decide::send;
use super::decisions::{DecisionSummary, recent_about};
use super::error::ApiError;
use super::types::Feature;
use crate::worker::{Command, Control};

/// Recent decisions listed with an entity.
pub const ENTITY_DECISIONS: u32 = 20;

/// An entity's current feature values, list memberships and recent decisions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntityResponse {
    pub kind: String,
    pub id: String,
    /// Every feature keyed by this entity alone, as a decision would read it now.
    pub features: Vec<Feature>,
    /// Lists holding this id now.
    pub lists: Vec<String>,
    /// The newest decisions about it, newest first.
    pub decisions: Vec<DecisionSummary>,
}

#[utoipa::path(get, path = "/v1/entities/{kind}/{id}", tag = "investigate",
    params(("kind" = String, Path, description = "user, device, ip, card, email, phone or shop"),
        ("id" = String, Path, description = "The entity's id (a card's fingerprint)")),
    responses((status = 200, body = EntityResponse), (status = 422, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn entity(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let k = crate::entity::kind(&kind)
        .ok_or_else(|| ApiError::field("kind", "must be one of user, device, ip, card, email, phone, shop"))?;
    let value =
        crate::entity::value(k, &id).ok_or_else(|| ApiError::field("id", format!("{id:?} is not an IP address")))?;
    let (reply, answer) = oneshot::channel();
    send(&state, Command::Control(Control::Entity { kind: k, value, reply }))?;
    let view = answer.await.map_err(|_| ApiError::internal("the engine dropped a request"))?;
    let decisions = recent_about(&state, k, &id, ENTITY_DECISIONS).await?;
    Ok(axum::Json(EntityResponse {
        kind,
        id,
        features: view.features.iter().map(Feature::from).collect(),
        lists: view.lists,
        decisions,
    }))
}
