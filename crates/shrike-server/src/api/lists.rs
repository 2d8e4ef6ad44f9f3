//! `/v1/lists`: named lists (block, allow, watch) with per-entry expiry. The records store is
//! the source of truth; every change also reaches the engine through its queue (journaled,
//! in order with events), so the next decision sees it.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use shrike_records::{Change, ListValue};
use shrike_types::Timestamp;
use tokio::sync::oneshot;

use super::AppState;
use super::body::Json;
use super::decide::send;
use super::error::{ApiError, FieldError};
use crate::auth::Caller;
use crate::worker::{Command, Control};

/// Rows of one CSV import.
pub const MAX_IMPORT_ROWS: usize = shrike_records::limits::MAX_IMPORT_ROWS;

/// An entry to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    pub value: String,
    /// When the entry stops counting: RFC 3339 or epoch ms. Exclusive with `ttl`.
    pub expires_at: Option<String>,
    /// How long from now the entry counts, e.g. `30d`. Exclusive with `expires_at`.
    pub ttl: Option<String>,
}

/// One stored entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub value: String,
    pub expires_at: Option<i64>,
    pub added_at: i64,
    pub added_by: String,
}

/// A page of a list's entries, by value.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryPage {
    pub list: String,
    pub entries: Vec<Entry>,
    /// Pass as `after` for the next page.
    pub next: Option<String>,
}

/// Every list and its size.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListIndex {
    pub lists: Vec<ListSize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListSize {
    pub list: String,
    pub entries: u64,
}

/// Paging of entries.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// The result of a CSV import.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub imported: u64,
}

fn expiry(body: &EntryBody) -> Result<Option<i64>, ApiError> {
    match (&body.expires_at, &body.ttl) {
        (Some(_), Some(_)) => Err(ApiError::field("ttl", "give expires_at or ttl, not both")),
        (Some(t), None) => Ok(super::decisions::time("expires_at", Some(t))?.map(|t| t.0)),
        (None, Some(d)) => Ok(Some(crate::records::now_ms() + super::body::duration("ttl", d)?.0)),
        (None, None) => Ok(None),
    }
}

/// Tells the engine; it holds lists in memory for the decision path.
async fn to_engine(
    state: &AppState,
    control: impl FnOnce(oneshot::Sender<Result<(), String>>) -> Control,
) -> Result<(), ApiError> {
    let (reply, answer) = oneshot::channel();
    send(state, Command::Control(control(reply)))?;
    answer
        .await
        .map_err(|_| ApiError::internal("the engine dropped a request"))?
        .map_err(|e| ApiError::field("value", e))
}

/// Add (or re-add with a new expiry) an entry.
#[utoipa::path(post, path = "/v1/lists/{list}/entries", tag = "lists", params(("list" = String, Path)),
    request_body = EntryBody, responses((status = 204), (status = 422, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn add(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(list): Path<String>,
    Json(body): Json<EntryBody>,
) -> Result<impl IntoResponse, ApiError> {
    let expires_at = expiry(&body)?;
    let actor = caller.actor();
    let change = Change { actor: &actor, at: crate::records::now_ms() };
    state.records.add_list_entry(&list, ListValue { value: &body.value, expires_at }, change).await?;
    let (l, value, expires) = (list.clone(), body.value.clone(), expires_at.map(Timestamp));
    to_engine(&state, |reply| Control::ListAdd { list: l, value, expires, reply }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove an entry.
#[utoipa::path(delete, path = "/v1/lists/{list}/entries/{value}", tag = "lists",
    params(("list" = String, Path), ("value" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::Problem)), security(("api_key" = ["admin"])))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((list, value)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = caller.actor();
    state.records.remove_list_entry(&list, &value, Change { actor: &actor, at: crate::records::now_ms() }).await?;
    let (reply, answer) = oneshot::channel();
    send(&state, Command::Control(Control::ListRemove { list, value, reply }))?;
    answer.await.map_err(|_| ApiError::internal("the engine dropped a request"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import entries from CSV: one `value[,expires_at]` per line (`expires_at` RFC 3339 or
/// epoch ms); a header line `value,expires_at` is skipped. All or nothing.
#[utoipa::path(post, path = "/v1/lists/{list}/import", tag = "lists", params(("list" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 422, body = super::error::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn import(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(list): Path<String>,
    body: axum::body::Bytes,
) -> Result<impl IntoResponse, ApiError> {
    if body.len() > state.config.server.max_body_bytes {
        return Err(ApiError::too_large(state.config.server.max_body_bytes));
    }
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::malformed("the CSV is not UTF-8", None, None))?;
    let rows = parse_csv(text)?;
    let values: Vec<ListValue<'_>> = rows.iter().map(|(v, e)| ListValue { value: v, expires_at: *e }).collect();
    let actor = caller.actor();
    let n = state
        .records
        .import_list_entries(&list, &values, Change { actor: &actor, at: crate::records::now_ms() })
        .await?;
    for (value, expires) in rows {
        let l = list.clone();
        to_engine(&state, |reply| Control::ListAdd { list: l, value, expires: expires.map(Timestamp), reply }).await?;
    }
    Ok(axum::Json(Imported { imported: n }))
}

/// `value[,expires_at]` lines; errors name the line and column.
fn parse_csv(text: &str) -> Result<Vec<(String, Option<i64>)>, ApiError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || (i == 0 && line.trim().eq_ignore_ascii_case("value,expires_at")) {
            continue;
        }
        if rows.len() >= MAX_IMPORT_ROWS {
            return Err(ApiError::field("body", format!("more than {MAX_IMPORT_ROWS} rows")));
        }
        let (value, exp) = match line.split_once(',') {
            Some((v, e)) => (v.trim(), Some(e.trim())),
            None => (line.trim(), None),
        };
        let at = |column: usize, message: String| {
            ApiError::invalid(vec![FieldError {
                field: "body".into(),
                message,
                line: Some(i + 1),
                column: Some(column),
            }])
        };
        if value.is_empty() {
            return Err(at(1, "empty value".into()));
        }
        let expires = match exp.filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => match super::decisions::time("expires_at", Some(e)) {
                Ok(t) => t.map(|t| t.0),
                Err(_) => {
                    return Err(at(value.len() + 2, format!("expires_at: expected RFC 3339 or epoch ms, got {e:?}")));
                }
            },
        };
        rows.push((value.to_string(), expires));
    }
    Ok(rows)
}

/// Every list and its size.
#[utoipa::path(get, path = "/v1/lists", tag = "lists", responses((status = 200, body = ListIndex)),
    security(("api_key" = ["admin"])))]
pub async fn index(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let lists = state.records.lists().await?;
    Ok(axum::Json(ListIndex {
        lists: lists.into_iter().map(|l| ListSize { list: l.list, entries: l.entries }).collect(),
    }))
}

/// One list's entries by value.
#[utoipa::path(get, path = "/v1/lists/{list}", tag = "lists", params(("list" = String, Path), PageQuery),
    responses((status = 200, body = EntryPage)), security(("api_key" = ["admin"])))]
pub async fn entries(
    State(state): State<AppState>,
    Path(list): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let page = state.records.list_entries(&list, q.after.as_deref(), q.limit.unwrap_or(100)).await?;
    let entries = page
        .items
        .into_iter()
        .map(|e| Entry { value: e.value, expires_at: e.expires_at, added_at: e.added_at, added_by: e.added_by })
        .collect();
    Ok(axum::Json(EntryPage { list, entries, next: page.next }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_and_errors() {
        let rows = parse_csv("value,expires_at\nfp_1\nfp_2,1700000000000\n\nfp_3,2026-01-01T00:00:00Z\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], ("fp_2".into(), Some(1_700_000_000_000)));
        let err = parse_csv("a\nb,tomorrow\n").unwrap_err();
        assert_eq!(err.errors[0].line, Some(2));
        assert_eq!(err.errors[0].column, Some(3));
        assert!(err.detail.contains("tomorrow"));
    }
}
