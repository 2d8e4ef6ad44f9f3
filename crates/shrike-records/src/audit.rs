//! The audit log: who changed what, when. Policy, list and key changes write their audit
//! row in the same transaction as the change itself, so the log can neither miss a change
//! nor record one that was rolled back. The service appends other actions with
//! [`Records::append_audit`].

use crate::backend::{on_pool, query};
use crate::error::Result;
use crate::limits::{MAX_ACTOR_LEN, MAX_AUDIT_ACTION_LEN, MAX_AUDIT_DETAIL_BYTES, MAX_AUDIT_TARGET_LEN, MAX_PAGE_SIZE};
use crate::page::{Page, TimeCursor};
use crate::row::{RowGet, decode_all};
use crate::sql::{Sql, sql};
use crate::{Records, validate};

/// Who makes a change and when (epoch ms, from the caller's clock).
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// The API key id or name, or `cli` for the command line.
    pub actor: &'a str,
    pub at: i64,
}

impl Change<'_> {
    pub(crate) fn check(&self) -> Result<()> {
        validate::text("actor", self.actor, MAX_ACTOR_LEN)
    }
}

/// One audit row to append.
#[derive(Clone, Debug)]
pub struct NewAuditEntry<'a> {
    pub change: Change<'a>,
    /// Dotted verb, e.g. `policy.publish`, `list.add`, `key.revoke`.
    pub action: &'a str,
    /// What was changed, e.g. `policy:live`, `list:blocked_emails`, `key:3`.
    pub target: &'a str,
    /// Details as JSON (an object by convention).
    pub detail: &'a serde_json::Value,
}

/// A stored audit row.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}

/// Filter for [`Records::audit`]: newest first, `at` in `[from, to)`.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub target: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: u32,
    pub cursor: Option<TimeCursor>,
}

pub(crate) static INSERT_AUDIT: Sql =
    sql!("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)");

/// Checks an audit row and serialises its detail.
pub(crate) fn prepare(e: &NewAuditEntry<'_>) -> Result<String> {
    e.change.check()?;
    validate::name("action", e.action, MAX_AUDIT_ACTION_LEN)?;
    validate::text("target", e.target, MAX_AUDIT_TARGET_LEN)?;
    let detail = e.detail.to_string();
    validate::json("detail", &detail, MAX_AUDIT_DETAIL_BYTES)?;
    Ok(detail)
}

/// Appends an audit row inside an open transaction `$tx` of database type `$Db`.
macro_rules! audit_in_tx {
    ($tx:expr, $Db:ty, $change:expr, $action:expr, $target:expr, $detail:expr) => {{
        let change: $crate::audit::Change<'_> = $change;
        let detail: ::std::string::String = ($detail).to_string();
        $crate::backend::query::<$Db>(&$crate::audit::INSERT_AUDIT)
            .bind(change.at)
            .bind(change.actor)
            .bind($action)
            .bind($target)
            .bind(detail)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use audit_in_tx;

fn decode(r: &impl RowGet) -> Result<AuditEntry> {
    let detail = r.text("detail")?;
    Ok(AuditEntry {
        id: r.int("id")?,
        at: r.int("at")?,
        actor: r.text("actor")?,
        action: r.text("action")?,
        target: r.text("target")?,
        detail: serde_json::from_str(&detail).map_err(|e| crate::RecordsError::Internal { source: Box::new(e) })?,
    })
}

impl Records {
    /// Appends one audit row (for actions other than the policy, list and key changes,
    /// which this crate audits itself).
    pub async fn append_audit(&self, entry: &NewAuditEntry<'_>) -> Result<()> {
        let detail = prepare(entry)?;
        on_pool!(&self.pools, write, |p, Db| {
            query::<Db>(&INSERT_AUDIT)
                .bind(entry.change.at)
                .bind(entry.change.actor)
                .bind(entry.action)
                .bind(entry.target)
                .bind(detail)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Audit rows, newest first, filtered by target and time range.
    pub async fn audit(&self, q: &AuditQuery) -> Result<Page<AuditEntry, TimeCursor>> {
        validate::limit(q.limit, MAX_PAGE_SIZE)?;
        validate::range(q.from, q.to)?;
        if let Some(t) = &q.target {
            validate::text("target", t, MAX_AUDIT_TARGET_LEN)?;
        }
        let rows = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, at, actor, action, target, detail FROM audit_log WHERE 1 = 1",
            );
            if let Some(t) = &q.target {
                b.push(" AND target = ").push_bind(t.clone());
            }
            push_time_filter(&mut b, "at", "id", q.from, q.to, q.cursor);
            b.push(" ORDER BY at DESC, id DESC LIMIT ").push_bind(i64::from(q.limit) + 1);
            let rows = b.build().fetch_all(p).await?;
            decode_all(&rows, decode)?
        });
        Ok(Page::from_overfetch(rows, q.limit, |e| TimeCursor { at: e.at, id: e.id }))
    }
}

/// Appends `AND at >= from AND at < to` and the keyset condition "strictly older than the
/// cursor" for a log ordered by `(at DESC, id DESC)`.
pub(crate) fn push_time_filter<DB>(
    b: &mut sqlx::QueryBuilder<DB>,
    at: &str,
    id: &str,
    from: Option<i64>,
    to: Option<i64>,
    cursor: Option<TimeCursor>,
) where
    DB: sqlx::Database,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    if let Some(from) = from {
        b.push(format_args!(" AND {at} >= ")).push_bind(from);
    }
    if let Some(to) = to {
        b.push(format_args!(" AND {at} < ")).push_bind(to);
    }
    if let Some(c) = cursor {
        // The redundant `at <= c.at` gives every planner a plain range bound on the index.
        b.push(format_args!(" AND {at} <= ")).push_bind(c.at);
        b.push(format_args!(" AND ({at} < ")).push_bind(c.at);
        b.push(format_args!(" OR {id} < ")).push_bind(c.id).push(")");
    }
}
