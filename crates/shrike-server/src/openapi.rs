//! The OpenAPI document, generated from the handlers' own request and response types.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api::{decide, decisions, entities, error, keys, labels, lists, models, ops, policies, types};

#[derive(OpenApi)]
#[openapi(
    info(title = "Shrike decision API", description = "Real-time risk decisions for marketplaces. See docs/api.md."),
    paths(
        decide::decide, decide::ingest,
        decisions::by_id, decisions::query, entities::entity,
        policies::validate, policies::create, policies::list, policies::get, policies::publish,
        policies::rollback, policies::shadow, policies::unshadow, policies::diff,
        lists::index, lists::entries, lists::add, lists::remove, lists::import,
        labels::create, labels::list,
        keys::create, keys::list, keys::revoke, keys::audit,
        models::upload, models::list,
        ops::healthz, ops::readyz, ops::metrics, ops::openapi,
    ),
    components(schemas(
        types::DecisionResponse, types::Reason, types::Feature, types::IngestResponse, types::EventResult,
        decide::IngestBody, error::Problem, error::FieldError,
        decisions::DecisionSummary, decisions::DecisionPage, entities::EntityResponse,
        policies::PolicyBody, policies::Validation, policies::VersionInfo, policies::VersionList,
        policies::VersionDetail, policies::PublishResult, policies::PolicyDiff, crate::journal::PolicyDiagnostic,
        lists::EntryBody, lists::Entry, lists::EntryPage, lists::ListIndex, lists::ListSize, lists::Imported,
        labels::LabelBody, labels::LabelOut, labels::LabelPage, labels::EntityRef,
        keys::KeyBody, keys::KeyOut, keys::KeyPage, keys::AuditOut, keys::AuditPage,
        models::ModelOut, models::ModelUploaded, models::ModelInputOut, models::ModelPage,
        types::ModelScoreOut, types::ExplanationOut, types::ContributionOut,
    )),
    modifiers(&ApiKey),
    tags(
        (name = "decide", description = "Decisions and ingestion"),
        (name = "investigate", description = "The decision log and entities"),
        (name = "policies", description = "Policy versions and their lifecycle"),
        (name = "lists", description = "Block, allow and watch lists"),
        (name = "labels", description = "Fraud and not-fraud labels"),
        (name = "keys", description = "API keys and the audit log"),
        (name = "models", description = "Tree model files policies declare"),
        (name = "operations", description = "Health and metrics"),
    )
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
