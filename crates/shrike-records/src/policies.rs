//! Policy versions and the `live` / `shadow` pointers.
//!
//! A version is immutable once created. `publish` pushes a version onto the live history;
//! `rollback` pops the newest publish that has not been undone, so repeated rollbacks walk
//! back through earlier live versions (a publish after a rollback starts a new top).
//! Every pointer change is one transaction with its history row and its audit row.

use sha2::{Digest, Sha256};

use crate::audit::{Change, audit_in_tx};
use crate::backend::{Dialect, insert, on_pool, query};
use crate::error::{RecordsError, Result};
use crate::limits::{MAX_COMMENT_LEN, MAX_PAGE_SIZE, MAX_POLICY_NAME_LEN, MAX_POLICY_SOURCE_BYTES};
use crate::page::Page;
use crate::row::{RowGet, decode_all};
use crate::sql::{InsertSql, Sql, insert_sql, sql};
use crate::{Records, validate};

/// A policy version to create.
#[derive(Clone, Debug)]
pub struct NewPolicyVersion<'a> {
    /// `[a-z0-9_.-]`, e.g. `marketplace`.
    pub name: &'a str,
    /// The policy source text, stored verbatim.
    pub source: &'a str,
    pub comment: &'a str,
}

/// A stored policy version with its source.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyVersion {
    pub info: PolicyVersionInfo,
    pub source: String,
}

/// A policy version without its source (for listings).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyVersionInfo {
    pub id: i64,
    pub name: String,
    /// SHA-256 of the source text, lower-case hex.
    pub content_hash: String,
    pub created_at: i64,
    pub created_by: String,
    pub comment: String,
}

/// The two pointers into the versions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pointers {
    pub live: Option<i64>,
    pub shadow: Option<i64>,
}

/// Which pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Live,
    Shadow,
}

impl Slot {
    pub fn name(self) -> &'static str {
        match self {
            Slot::Live => "live",
            Slot::Shadow => "shadow",
        }
    }
}

/// What moved a pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointerAction {
    Publish,
    Rollback,
    /// Shadow set or cleared.
    SetShadow,
}

impl PointerAction {
    fn name(self) -> &'static str {
        match self {
            PointerAction::Publish => "publish",
            PointerAction::Rollback => "rollback",
            PointerAction::SetShadow => "set_shadow",
        }
    }

    fn from_name(s: &str) -> Result<Self> {
        match s {
            "publish" => Ok(PointerAction::Publish),
            "rollback" => Ok(PointerAction::Rollback),
            "set_shadow" => Ok(PointerAction::SetShadow),
            other => Err(RecordsError::internal(format!("unknown pointer action {other:?} in history"))),
        }
    }
}

/// One pointer change in the history.
#[derive(Clone, Debug, PartialEq)]
pub struct PointerChange {
    pub id: i64,
    pub slot: Slot,
    pub action: PointerAction,
    /// The version the pointer moved to (`None`: shadow cleared).
    pub version_id: Option<i64>,
    /// The version it pointed at before.
    pub previous_id: Option<i64>,
    /// For a publish: whether a later rollback undid it.
    pub undone: bool,
    pub at: i64,
    pub actor: String,
}

/// SHA-256 of a policy source, lower-case hex: the version's content hash.
pub fn content_hash(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))
}

static SELECT_VERSION: Sql =
    sql!("SELECT id, name, source, content_hash, created_at, created_by, comment FROM policy_versions WHERE id = ?");
static VERSION_EXISTS: Sql = sql!("SELECT id FROM policy_versions WHERE id = ?");
static SELECT_POINTERS: Sql = sql!("SELECT slot, version_id FROM policy_pointers");
static SELECT_POINTER: Sql = sql!("SELECT version_id FROM policy_pointers WHERE slot = ?");
static UPDATE_POINTER: Sql =
    sql!("UPDATE policy_pointers SET version_id = ?, changed_at = ?, changed_by = ? WHERE slot = ?");
static INSERT_HISTORY: Sql = sql!(
    "INSERT INTO policy_pointer_history (slot, action, version_id, previous_id, undone, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)"
);
static TOP_PUBLISH: Sql = sql!(
    "SELECT id, version_id, previous_id FROM policy_pointer_history WHERE slot = 'live' AND action = 'publish' AND undone = ? ORDER BY id DESC LIMIT 1"
);
static MARK_UNDONE: Sql = sql!("UPDATE policy_pointer_history SET undone = ? WHERE id = ?");

fn decode_info(r: &impl RowGet) -> Result<PolicyVersionInfo> {
    Ok(PolicyVersionInfo {
        id: r.int("id")?,
        name: r.text("name")?,
        content_hash: r.text("content_hash")?,
        created_at: r.int("created_at")?,
        created_by: r.text("created_by")?,
        comment: r.text("comment")?,
    })
}

fn decode_version(r: &impl RowGet) -> Result<PolicyVersion> {
    Ok(PolicyVersion { info: decode_info(r)?, source: r.text("source")? })
}

fn decode_change(r: &impl RowGet) -> Result<PointerChange> {
    let slot = match r.text("slot")?.as_str() {
        "live" => Slot::Live,
        "shadow" => Slot::Shadow,
        other => return Err(RecordsError::internal(format!("unknown pointer slot {other:?} in history"))),
    };
    Ok(PointerChange {
        id: r.int("id")?,
        slot,
        action: PointerAction::from_name(&r.text("action")?)?,
        version_id: r.opt_int("version_id")?,
        previous_id: r.opt_int("previous_id")?,
        undone: r.flag("undone")?,
        at: r.int("at")?,
        actor: r.text("actor")?,
    })
}

pub(crate) fn check_new(v: &NewPolicyVersion<'_>, change: &Change<'_>) -> Result<()> {
    change.check()?;
    validate::name("name", v.name, MAX_POLICY_NAME_LEN)?;
    if v.source.len() > MAX_POLICY_SOURCE_BYTES {
        return Err(RecordsError::invalid("source", format!("longer than {MAX_POLICY_SOURCE_BYTES} bytes")));
    }
    if v.source.contains('\0') {
        return Err(RecordsError::invalid("source", "contains a NUL byte"));
    }
    validate::bounded("comment", v.comment, MAX_COMMENT_LEN)
}

/// Pointer moves, shared by `publish`, `rollback` and `set_shadow`.
struct Move {
    slot: Slot,
    action: PointerAction,
    to: Option<i64>,
    from: Option<i64>,
}

impl Move {
    fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({ "from": self.from, "to": self.to })
    }
}

pub(crate) static INSERT_VERSION: InsertSql = insert_sql!(
    "INSERT INTO policy_versions (name, source, content_hash, created_at, created_by, comment) VALUES (?, ?, ?, ?, ?, ?)"
);

/// Inside a write transaction `$tx` of type `$Db`: the version a pointer holds.
macro_rules! pointer_of {
    ($tx:expr, $Db:ty, $slot:expr) => {{
        let row = query::<$Db>(&SELECT_POINTER).bind($slot.name()).fetch_one(&mut *$tx).await?;
        row.opt_int("version_id")?
    }};
}

/// Inside a write transaction: `NotFound` unless policy version `$id` exists.
macro_rules! require_version {
    ($tx:expr, $Db:ty, $id:expr) => {{
        let id: i64 = $id;
        if query::<$Db>(&VERSION_EXISTS).bind(id).fetch_optional(&mut *$tx).await?.is_none() {
            return Err(RecordsError::not_found(format!("policy version {id}")));
        }
    }};
}

/// Inside a write transaction: moves a pointer, appends its history row and audit row,
/// and evaluates to the pointers after the move.
macro_rules! apply_move {
    ($tx:expr, $Db:ty, $m:expr, $change:expr) => {{
        let (m, change): (&Move, Change<'_>) = ($m, $change);
        query::<$Db>(&UPDATE_POINTER)
            .bind(m.to)
            .bind(change.at)
            .bind(change.actor)
            .bind(m.slot.name())
            .execute(&mut *$tx)
            .await?;
        query::<$Db>(&INSERT_HISTORY)
            .bind(m.slot.name())
            .bind(m.action.name())
            .bind(m.to)
            .bind(m.from)
            .bind(false)
            .bind(change.at)
            .bind(change.actor)
            .execute(&mut *$tx)
            .await?;
        let action = format!("policy.{}", m.action.name());
        let target = format!("policy:{}", m.slot.name());
        audit_in_tx!($tx, $Db, change, action.as_str(), target.as_str(), m.audit_detail());
        let rows = query::<$Db>(&SELECT_POINTERS).fetch_all(&mut *$tx).await?;
        pointers_from(&rows)?
    }};
}

fn pointers_from<R: RowGet>(rows: &[R]) -> Result<Pointers> {
    let mut p = Pointers::default();
    for r in rows {
        match r.text("slot")?.as_str() {
            "live" => p.live = r.opt_int("version_id")?,
            "shadow" => p.shadow = r.opt_int("version_id")?,
            _ => {}
        }
    }
    Ok(p)
}

impl Records {
    /// Stores a new immutable policy version (audited as `policy.create`).
    pub async fn create_policy_version(
        &self,
        v: &NewPolicyVersion<'_>,
        change: Change<'_>,
    ) -> Result<PolicyVersionInfo> {
        check_new(v, &change)?;
        let hash = content_hash(v.source);
        let id = on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let q = insert::<Db>(&INSERT_VERSION)
                .bind(v.name)
                .bind(v.source)
                .bind(hash.as_str())
                .bind(change.at)
                .bind(change.actor)
                .bind(v.comment);
            let id = Db::insert_id(&mut tx, q).await?;
            let detail = serde_json::json!({ "name": v.name, "content_hash": hash, "comment": v.comment });
            audit_in_tx!(tx, Db, change, "policy.create", format!("policy_version:{id}").as_str(), detail);
            tx.commit().await?;
            id
        });
        Ok(PolicyVersionInfo {
            id,
            name: v.name.into(),
            content_hash: hash,
            created_at: change.at,
            created_by: change.actor.into(),
            comment: v.comment.into(),
        })
    }

    /// One version with its source.
    pub async fn policy_version(&self, id: i64) -> Result<Option<PolicyVersion>> {
        on_pool!(&self.pools, read, |p, Db| {
            let row = query::<Db>(&SELECT_VERSION).bind(id).fetch_optional(p).await?;
            row.as_ref().map(decode_version).transpose()
        })
    }

    /// Versions newest first (by id), optionally of one policy name; `before` is the last id
    /// of the previous page.
    pub async fn policy_versions(
        &self,
        name: Option<&str>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Page<PolicyVersionInfo, i64>> {
        validate::limit(limit, MAX_PAGE_SIZE)?;
        if let Some(n) = name {
            validate::name("name", n, MAX_POLICY_NAME_LEN)?;
        }
        let items = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, name, content_hash, created_at, created_by, comment FROM policy_versions WHERE 1 = 1",
            );
            if let Some(n) = name {
                b.push(" AND name = ").push_bind(n.to_owned());
            }
            if let Some(id) = before {
                b.push(" AND id < ").push_bind(id);
            }
            b.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit) + 1);
            decode_all(&b.build().fetch_all(p).await?, decode_info)?
        });
        Ok(Page::from_overfetch(items, limit, |v| v.id))
    }

    /// The current live and shadow versions.
    pub async fn pointers(&self) -> Result<Pointers> {
        on_pool!(&self.pools, read, |p, Db| pointers_from(&query::<Db>(&SELECT_POINTERS).fetch_all(p).await?))
    }

    /// Makes `version` live (audited as `policy.publish`). `Conflict` if it already is.
    pub async fn publish(&self, version: i64, change: Change<'_>) -> Result<Pointers> {
        change.check()?;
        on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            require_version!(tx, Db, version);
            let from = pointer_of!(tx, Db, Slot::Live);
            if from == Some(version) {
                return Err(RecordsError::conflict(format!("policy version {version} is already live")));
            }
            let m = Move { slot: Slot::Live, action: PointerAction::Publish, to: Some(version), from };
            let pointers = apply_move!(tx, Db, &m, change);
            tx.commit().await?;
            Ok(pointers)
        })
    }

    /// Undoes the newest publish that is not yet undone: live goes back to the version that
    /// was live before it (audited as `policy.rollback`). `Conflict` when there is none.
    pub async fn rollback(&self, change: Change<'_>) -> Result<Pointers> {
        change.check()?;
        on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let top = query::<Db>(&TOP_PUBLISH).bind(false).fetch_optional(&mut *tx).await?;
            let Some(top) = top else {
                return Err(RecordsError::conflict("no publish to roll back"));
            };
            let (top_id, to) = (top.int("id")?, top.opt_int("previous_id")?);
            if to.is_none() {
                return Err(RecordsError::conflict("no earlier live version to roll back to"));
            }
            let from = pointer_of!(tx, Db, Slot::Live);
            if from != top.opt_int("version_id")? {
                return Err(RecordsError::internal("live pointer disagrees with the publish history"));
            }
            query::<Db>(&MARK_UNDONE).bind(true).bind(top_id).execute(&mut *tx).await?;
            let m = Move { slot: Slot::Live, action: PointerAction::Rollback, to, from };
            let pointers = apply_move!(tx, Db, &m, change);
            tx.commit().await?;
            Ok(pointers)
        })
    }

    /// Sets (or with `None` clears) the shadow version (audited as `policy.set_shadow`).
    pub async fn set_shadow(&self, version: Option<i64>, change: Change<'_>) -> Result<Pointers> {
        change.check()?;
        on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            if let Some(v) = version {
                require_version!(tx, Db, v);
            }
            let from = pointer_of!(tx, Db, Slot::Shadow);
            let m = Move { slot: Slot::Shadow, action: PointerAction::SetShadow, to: version, from };
            let pointers = apply_move!(tx, Db, &m, change);
            tx.commit().await?;
            Ok(pointers)
        })
    }

    /// Pointer changes of one slot, newest first; `before` is the last id of the previous page.
    pub async fn pointer_history(
        &self,
        slot: Slot,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Page<PointerChange, i64>> {
        validate::limit(limit, MAX_PAGE_SIZE)?;
        let items = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, slot, action, version_id, previous_id, undone, at, actor FROM policy_pointer_history WHERE slot = ",
            );
            b.push_bind(slot.name());
            if let Some(id) = before {
                b.push(" AND id < ").push_bind(id);
            }
            b.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit) + 1);
            decode_all(&b.build().fetch_all(p).await?, decode_change)?
        });
        Ok(Page::from_overfetch(items, limit, |c| c.id))
    }
}
