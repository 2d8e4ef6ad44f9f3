//! Lists: named sets of values (blocked e-mails, risky BINs, trusted devices) with optional
//! expiry. The record store is their source of truth; the engine (or Redis, in scale-out
//! mode) loads them with [`Records::scan_list_entries`].
//!
//! Adding a value that is already in the list replaces its expiry, time and author (an
//! upsert), so re-importing a list is idempotent.

use std::fmt;
use std::str::FromStr;

use crate::audit::{Change, audit_in_tx};
use crate::backend::{Dialect, on_pool, query};
use crate::error::{RecordsError, Result};
use crate::limits::{
    MAX_IMPORT_ROWS, MAX_LIST_NAME_LEN, MAX_LIST_VALUE_LEN, MAX_LISTS, MAX_PAGE_SIZE, SMALL_ROWS_PER_STATEMENT,
};
use crate::page::Page;
use crate::retention::Purge;
use crate::row::{RowGet, decode_all};
use crate::sql::{DialectSql, Sql, sql};
use crate::{Backend, Records, validate};

/// A value to put in a list.
#[derive(Clone, Copy, Debug)]
pub struct ListValue<'a> {
    pub value: &'a str,
    /// Epoch ms after which the entry no longer counts; `None`: never expires.
    pub expires_at: Option<i64>,
}

/// A stored list entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ListEntry {
    pub list: String,
    pub value: String,
    pub expires_at: Option<i64>,
    pub added_at: i64,
    pub added_by: String,
}

/// A list and how many entries it holds (expired ones included until purged).
#[derive(Clone, Debug, PartialEq)]
pub struct ListSummary {
    pub list: String,
    pub entries: u64,
}

/// A position in the scan of all lists: `(list, value)`. Text form `LIST:VALUE` (list names
/// contain no `:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCursor {
    pub list: String,
    pub value: String,
}

impl fmt::Display for ListCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.list, self.value)
    }
}

impl FromStr for ListCursor {
    type Err = RecordsError;

    fn from_str(s: &str) -> Result<Self> {
        let (list, value) = s.split_once(':').ok_or_else(|| RecordsError::invalid("cursor", "expected LIST:VALUE"))?;
        Ok(ListCursor { list: list.into(), value: value.into() })
    }
}

const UPSERT_STANDARD: &str = " ON CONFLICT (list, value) DO UPDATE SET expires_at = excluded.expires_at, \
     added_at = excluded.added_at, added_by = excluded.added_by";
const UPSERT_MYSQL: &str = " ON DUPLICATE KEY UPDATE expires_at = VALUES(expires_at), \
     added_at = VALUES(added_at), added_by = VALUES(added_by)";

static DELETE_ENTRY: Sql = sql!("DELETE FROM list_entries WHERE list = ? AND value = ?");
static PURGE_EXPIRED: DialectSql = DialectSql {
    standard: sql!(
        "DELETE FROM list_entries WHERE (list, value) IN \
         (SELECT list, value FROM list_entries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"
    ),
    mysql: sql!("DELETE FROM list_entries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?"),
};
static SUMMARIES: Sql = sql!("SELECT list, COUNT(*) AS entries FROM list_entries GROUP BY list ORDER BY list LIMIT ?");

const COLUMNS: &str = "SELECT list, value, expires_at, added_at, added_by FROM list_entries";

fn decode(r: &impl RowGet) -> Result<ListEntry> {
    Ok(ListEntry {
        list: r.text("list")?,
        value: r.text("value")?,
        expires_at: r.opt_int("expires_at")?,
        added_at: r.int("added_at")?,
        added_by: r.text("added_by")?,
    })
}

fn check_list(list: &str) -> Result<()> {
    validate::name("list", list, MAX_LIST_NAME_LEN)
}

/// Checks an import and keeps the last occurrence of each value: one multi-row upsert may
/// not touch a row twice (PostgreSQL rejects it).
fn dedup_values<'a>(values: &[ListValue<'a>]) -> Result<Vec<ListValue<'a>>> {
    if values.len() > MAX_IMPORT_ROWS {
        return Err(RecordsError::invalid("entries", format!("more than {MAX_IMPORT_ROWS} rows")));
    }
    let mut seen = std::collections::HashMap::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        validate::exact(&format!("entries[{i}].value"), v.value, MAX_LIST_VALUE_LEN)?;
        seen.insert(v.value, i);
    }
    let mut keep: Vec<usize> = seen.into_values().collect();
    keep.sort_unstable();
    Ok(keep.into_iter().map(|i| values[i]).collect())
}

/// A multi-row upsert of `rows` into `list`.
fn push_upsert<DB: Dialect>(b: &mut sqlx::QueryBuilder<DB>, list: &str, rows: &[ListValue<'_>], change: Change<'_>)
where
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    b.push("INSERT INTO list_entries (list, value, expires_at, added_at, added_by) ");
    b.push_values(rows, |mut t, v| {
        t.push_bind(list.to_owned())
            .push_bind(v.value.to_owned())
            .push_bind(v.expires_at)
            .push_bind(change.at)
            .push_bind(change.actor.to_owned());
    });
    b.push(if DB::BACKEND == Backend::MySql { UPSERT_MYSQL } else { UPSERT_STANDARD });
}

impl Records {
    /// Adds `value` to `list`, or replaces its expiry if present (audited as `list.add`).
    pub async fn add_list_entry(&self, list: &str, value: ListValue<'_>, change: Change<'_>) -> Result<()> {
        change.check()?;
        check_list(list)?;
        validate::exact("value", value.value, MAX_LIST_VALUE_LEN)?;
        let target = format!("list:{list}");
        let detail = serde_json::json!({ "value": value.value, "expires_at": value.expires_at });
        on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let mut b = sqlx::QueryBuilder::<Db>::new("");
            push_upsert(&mut b, list, &[value], change);
            b.build().execute(&mut *tx).await?;
            audit_in_tx!(tx, Db, change, "list.add", target.as_str(), detail);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes `value` from `list` (audited as `list.remove`); `NotFound` if absent.
    pub async fn remove_list_entry(&self, list: &str, value: &str, change: Change<'_>) -> Result<()> {
        change.check()?;
        check_list(list)?;
        validate::exact("value", value, MAX_LIST_VALUE_LEN)?;
        let target = format!("list:{list}");
        on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let done = query::<Db>(&DELETE_ENTRY).bind(list).bind(value).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(RecordsError::not_found(format!("value in list {list}")));
            }
            audit_in_tx!(tx, Db, change, "list.remove", target.as_str(), serde_json::json!({ "value": value }));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Adds or replaces up to [`MAX_IMPORT_ROWS`] values in one transaction (audited once as
    /// `list.import` with the row count). Returns the number of distinct values written.
    pub async fn import_list_entries(&self, list: &str, values: &[ListValue<'_>], change: Change<'_>) -> Result<u64> {
        change.check()?;
        check_list(list)?;
        let rows = dedup_values(values)?;
        let target = format!("list:{list}");
        let detail = serde_json::json!({ "rows": rows.len() });
        on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            for chunk in rows.chunks(SMALL_ROWS_PER_STATEMENT) {
                let mut b = sqlx::QueryBuilder::<Db>::new("");
                push_upsert(&mut b, list, chunk, change);
                // Chunk sizes vary; do not fill the statement cache with one-off texts.
                b.build().persistent(chunk.len() == SMALL_ROWS_PER_STATEMENT).execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, Db, change, "list.import", target.as_str(), detail);
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }

    /// Entries of one list in value order (expired ones included until purged); `after` is
    /// the last value of the previous page.
    pub async fn list_entries(&self, list: &str, after: Option<&str>, limit: u32) -> Result<Page<ListEntry, String>> {
        check_list(list)?;
        validate::limit(limit, MAX_PAGE_SIZE)?;
        let items = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new(COLUMNS);
            b.push(" WHERE list = ").push_bind(list.to_owned());
            if let Some(v) = after {
                b.push(" AND value > ").push_bind(v.to_owned());
            }
            b.push(" ORDER BY value LIMIT ").push_bind(i64::from(limit) + 1);
            decode_all(&b.build().fetch_all(p).await?, decode)?
        });
        Ok(Page::from_overfetch(items, limit, |e| e.value.clone()))
    }

    /// Entries of all lists that are live at `live_at` (no expiry, or expiry after it), in
    /// `(list, value)` order: what the engine loads at start-up, page by page.
    pub async fn scan_list_entries(
        &self,
        live_at: i64,
        after: Option<&ListCursor>,
        limit: u32,
    ) -> Result<Page<ListEntry, ListCursor>> {
        validate::limit(limit, MAX_PAGE_SIZE)?;
        let items = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new(COLUMNS);
            b.push(" WHERE (expires_at IS NULL OR expires_at > ").push_bind(live_at).push(")");
            if let Some(c) = after {
                b.push(" AND (list > ").push_bind(c.list.clone());
                b.push(" OR (list = ").push_bind(c.list.clone());
                b.push(" AND value > ").push_bind(c.value.clone()).push("))");
            }
            b.push(" ORDER BY list, value LIMIT ").push_bind(i64::from(limit) + 1);
            decode_all(&b.build().fetch_all(p).await?, decode)?
        });
        Ok(Page::from_overfetch(items, limit, |e| ListCursor { list: e.list.clone(), value: e.value.clone() }))
    }

    /// The lists and their sizes, by name; at most [`MAX_LISTS`].
    pub async fn lists(&self) -> Result<Vec<ListSummary>> {
        on_pool!(&self.pools, read, |p, Db| {
            let rows = query::<Db>(&SUMMARIES).bind(i64::from(MAX_LISTS)).fetch_all(p).await?;
            decode_all(&rows, |r| {
                let n = r.int("entries")?;
                Ok(ListSummary { list: r.text("list")?, entries: u64::try_from(n).unwrap_or(0) })
            })
        })
    }

    /// Deletes entries that expired at or before `now`, at most `max_chunks` chunks of
    /// [`crate::limits::RETENTION_CHUNK`] rows (not audited: expiry was decided when the
    /// entry was added); call again while `done` is false.
    pub async fn purge_expired_list_entries(&self, now: i64, max_chunks: u32) -> Result<Purge> {
        self.purge(&[&PURGE_EXPIRED], now, max_chunks).await
    }
}
