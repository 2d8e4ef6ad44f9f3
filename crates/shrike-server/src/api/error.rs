//! Every error the API returns, in one place: `application/problem+json` (RFC 9457) with the
//! status, a title, a human detail and, for bad input, the fields at fault (with line and
//! column for JSON and policy text). Internal errors never carry their cause to the client;
//! it is logged instead.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's path, e.g. `timestamp` or `card.fingerprint` (empty for the whole body).
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// The problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem, e.g. `/problems/invalid-field`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An API error: what the handler decided the client should hear.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub slug: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, slug: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { status, slug, detail: detail.into(), errors: Vec::new(), retry_after: None }
    }

    /// 400: the body is not well-formed JSON.
    pub fn malformed(detail: impl Into<String>, line: Option<usize>, column: Option<usize>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", detail);
        let message = e.detail.clone();
        e.errors.push(FieldError { field: String::new(), message, line, column });
        e
    }

    /// 422: well-formed, but a field is invalid.
    pub fn invalid(errors: Vec<FieldError>) -> ApiError {
        let detail = match errors.as_slice() {
            [one] if one.field.is_empty() => one.message.clone(),
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        ApiError { errors, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-field", detail) }
    }

    /// 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        let e = FieldError { field: field.into(), message: message.into(), line: None, column: None };
        ApiError::invalid(vec![e])
    }

    pub fn unsupported_media_type(got: &str) -> ApiError {
        let detail = format!("expected Content-Type: application/json, got {got:?}");
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", detail)
    }

    pub fn too_large(limit: usize) -> ApiError {
        let detail = format!("the body is larger than the limit of {limit} bytes (server.max_body_bytes)");
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", detail)
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", what)
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 503 with `Retry-After`: at capacity or shutting down.
    pub fn unavailable(detail: impl Into<String>, retry_after: u32) -> ApiError {
        let e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail);
        ApiError { retry_after: Some(retry_after), ..e }
    }

    /// 500. `cause` is logged, not sent.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server could not complete the request")
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.slug),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<shrike_records::RecordsError> for ApiError {
    /// Records errors in API terms; an internal cause is logged, never sent.
    fn from(e: shrike_records::RecordsError) -> ApiError {
        use shrike_records::RecordsError as R;
        match e {
            R::NotFound { what } => ApiError::not_found(what),
            R::Conflict { message, .. } => ApiError::conflict(message),
            R::InvalidInput { field, message } => ApiError::field(&field, message),
            R::Unavailable { source } => {
                tracing::warn!(error = %source, "records database unavailable");
                ApiError::unavailable("the records database is unavailable", 1)
            }
            other => ApiError::internal(other),
        }
    }
}
