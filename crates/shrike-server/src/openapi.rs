//! The OpenAPI document, generated from the handlers' own request and response types.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api::{decide, decisions, entities, error, ops, types};

#[derive(OpenApi)]
#[openapi(
    info(title = "Shrike decision API", description = "Real-time risk decisions for marketplaces. See docs/api.md."),
    paths(decide::decide, decide::ingest, decisions::by_id, decisions::query, entities::entity, ops::healthz, ops::readyz, ops::metrics, ops::openapi),
    components(schemas(types::DecisionResponse, types::Reason, types::Feature, types::IngestResponse,
        types::EventResult, decide::IngestBody, error::Problem, error::FieldError, decisions::DecisionSummary,
        decisions::DecisionPage, entities::EntityResponse)),
    modifiers(&ApiKey),
    tags((name = "decide", description = "Decisions and ingestion"), (name = "investigate", description = "The decision log and entities"), (name = "operations", description = "Health and metrics"))
)]
pub struct ApiDoc;

/// `Authorization: Bearer KEY`.
struct ApiKey;

impl utoipa::Modify for ApiKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        openapi.components.get_or_insert_with(Default::default).add_security_scheme("api_key", scheme);
    }
}

/// The document as JSON text.
pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
