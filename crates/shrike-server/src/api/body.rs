//! Request bodies, parsed once at the boundary: the content type must be JSON (415), the body
//! at most `server.max_body_bytes` (413), the JSON well-formed (400, with line and column)
//! and every field valid (422, naming the field). Handlers receive typed values only.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use shrike_types::parse::EventError;

use super::AppState;
use super::error::{ApiError, FieldError};

/// A JSON body's raw bytes, checked for content type and size.
pub struct JsonBytes(pub Bytes);

impl FromRequest<AppState> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.config.server.max_body_bytes;
        check_content_type(req.headers())?;
        read_limited(req.into_body(), limit).await.map(JsonBytes)
    }
}

/// A JSON body deserialized into `T` (which should deny unknown fields).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let got = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = got.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(got))
    }
}

/// Reads at most `limit` bytes; a longer body is refused without reading the rest.
pub async fn read_limited(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::too_large(limit)
        } else {
            ApiError::malformed(format!("reading the body: {e}"), None, None)
        }
    })
}

/// `serde_json` with the path of the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (line, column) = (Some(inner.line()), Some(inner.column()));
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::malformed(format!("malformed JSON: {inner}"), line, column);
        }
        let field = if path == "." { String::new() } else { path };
        let message = strip_position(&inner.to_string());
        ApiError::invalid(vec![FieldError { field, message, line, column }])
    })
}

/// serde_json appends " at line L column C"; the position is given separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// An event parse error as the API reports it: malformed JSON is 400, a bad field 422.
pub fn event_error(e: &EventError) -> ApiError {
    let (line, column) = (Some(e.line as usize), Some(e.column as usize));
    if e.malformed {
        return ApiError::malformed(e.message.clone(), line, column);
    }
    let field = e.field.clone().unwrap_or_default();
    ApiError::invalid(vec![FieldError { field, message: e.message.clone(), line, column }])
}

/// Parses a duration such as `10m` or `1h30m` for a query or field.
pub fn duration(field: &str, text: &str) -> Result<shrike_types::Duration, ApiError> {
    shrike_types::Duration::parse_literal(text)
        .ok_or_else(|| ApiError::field(field, format!("expected a duration such as 10m or 24h, got {text:?}")))
}
