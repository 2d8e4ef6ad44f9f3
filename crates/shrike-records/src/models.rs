//! Tree model files and the models each policy version was created with.
//!
//! A model is stored as the exact bytes uploaded, immutable; uploading under an existing name
//! adds a newer row, and a policy version created afterwards uses it. A policy version pins
//! the model rows it was compiled with (`policy_models`), so publishing or rolling back to it
//! later scores with exactly those bytes, whatever was uploaded since.

use sha2::{Digest, Sha256};

use crate::audit::{Change, audit_in_tx};
use crate::backend::{Dialect, insert, on_pool, query};
use crate::error::{RecordsError, Result};
use crate::limits::{
    MAX_COMMENT_LEN, MAX_MODEL_BYTES, MAX_MODEL_FILE_LEN, MAX_MODEL_NAME_LEN, MAX_MODELS_PER_POLICY, MAX_PAGE_SIZE,
};
use crate::page::Page;
use crate::policies::{INSERT_VERSION, NewPolicyVersion, PolicyVersionInfo, check_new, content_hash};
use crate::row::{RowGet, decode_all};
use crate::sql::{InsertSql, Sql, insert_sql, sql};
use crate::{Records, validate};

/// A model file to store.
#[derive(Clone, Debug)]
pub struct NewModel<'a> {
    /// `[a-z0-9_.-]`, e.g. `payment-risk.model.json`: the file name policies refer to.
    pub name: &'a str,
    /// The model file, stored verbatim.
    pub bytes: &'a [u8],
    pub comment: &'a str,
}

/// A stored model without its bytes (for listings).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    pub id: i64,
    pub name: String,
    /// SHA-256 of the bytes, lower-case hex.
    pub content_hash: String,
    pub size: i64,
    pub created_at: i64,
    pub created_by: String,
    pub comment: String,
}

/// A stored model with its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredModel {
    pub info: ModelInfo,
    pub bytes: Vec<u8>,
}

/// A model file a policy version refers to and the stored model it was compiled with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelPin {
    /// The file as the policy names it (`models/risk.json`).
    pub file: String,
    pub model_id: i64,
}

static INSERT_MODEL: InsertSql = insert_sql!(
    "INSERT INTO models (name, content_hash, bytes, size, created_at, created_by, comment) VALUES (?, ?, ?, ?, ?, ?, ?)"
);
static SELECT_MODEL: Sql =
    sql!("SELECT id, name, content_hash, bytes, size, created_at, created_by, comment FROM models WHERE id = ?");
static LATEST_MODEL: Sql = sql!(
    "SELECT id, name, content_hash, bytes, size, created_at, created_by, comment FROM models WHERE name = ? ORDER BY id DESC LIMIT 1"
);
static MODEL_EXISTS: Sql = sql!("SELECT id FROM models WHERE id = ?");
static INSERT_PIN: Sql = sql!("INSERT INTO policy_models (version_id, file, model_id) VALUES (?, ?, ?)");
static SELECT_PINS: Sql = sql!("SELECT file, model_id FROM policy_models WHERE version_id = ? ORDER BY file");

fn decode_info(r: &impl RowGet) -> Result<ModelInfo> {
    Ok(ModelInfo {
        id: r.int("id")?,
        name: r.text("name")?,
        content_hash: r.text("content_hash")?,
        size: r.int("size")?,
        created_at: r.int("created_at")?,
        created_by: r.text("created_by")?,
        comment: r.text("comment")?,
    })
}

fn decode_model(r: &impl RowGet) -> Result<StoredModel> {
    Ok(StoredModel { info: decode_info(r)?, bytes: r.bytes("bytes")? })
}

fn check_model(m: &NewModel<'_>, change: &Change<'_>) -> Result<()> {
    change.check()?;
    validate::name("name", m.name, MAX_MODEL_NAME_LEN)?;
    if m.bytes.is_empty() || m.bytes.len() > MAX_MODEL_BYTES {
        return Err(RecordsError::invalid("bytes", format!("must be 1 to {MAX_MODEL_BYTES} bytes")));
    }
    validate::bounded("comment", m.comment, MAX_COMMENT_LEN)
}

fn check_pins(pins: &[ModelPin]) -> Result<()> {
    if pins.len() > MAX_MODELS_PER_POLICY {
        return Err(RecordsError::invalid("models", format!("more than {MAX_MODELS_PER_POLICY}")));
    }
    for (i, p) in pins.iter().enumerate() {
        validate::text("models.file", &p.file, MAX_MODEL_FILE_LEN)?;
        if pins[..i].iter().any(|q| q.file == p.file) {
            return Err(RecordsError::invalid("models.file", format!("`{}` appears twice", p.file)));
        }
    }
    Ok(())
}

/// SHA-256 of model bytes, lower-case hex.
pub fn model_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Records {
    /// Stores a model file (audited as `model.put`); a newer row if the name exists.
    pub async fn put_model(&self, m: &NewModel<'_>, change: Change<'_>) -> Result<ModelInfo> {
        check_model(m, &change)?;
        let hash = model_hash(m.bytes);
        let size = m.bytes.len() as i64;
        let id = on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let q = insert::<Db>(&INSERT_MODEL)
                .bind(m.name)
                .bind(hash.as_str())
                .bind(m.bytes)
                .bind(size)
                .bind(change.at)
                .bind(change.actor)
                .bind(m.comment);
            let id = Db::insert_id(&mut tx, q).await?;
            let detail =
                serde_json::json!({ "name": m.name, "content_hash": hash, "size": size, "comment": m.comment });
            audit_in_tx!(tx, Db, change, "model.put", format!("model:{id}").as_str(), detail);
            tx.commit().await?;
            id
        });
        Ok(ModelInfo {
            id,
            name: m.name.into(),
            content_hash: hash,
            size,
            created_at: change.at,
            created_by: change.actor.into(),
            comment: m.comment.into(),
        })
    }

    /// Stored models newest first, optionally of one name; `before` is the last id of the
    /// previous page.
    pub async fn models(&self, name: Option<&str>, before: Option<i64>, limit: u32) -> Result<Page<ModelInfo, i64>> {
        validate::limit(limit, MAX_PAGE_SIZE)?;
        if let Some(n) = name {
            validate::name("name", n, MAX_MODEL_NAME_LEN)?;
        }
        let items = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, name, content_hash, size, created_at, created_by, comment FROM models WHERE 1 = 1",
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
        Ok(Page::from_overfetch(items, limit, |m| m.id))
    }

    /// The newest model stored under `name`.
    pub async fn latest_model(&self, name: &str) -> Result<Option<StoredModel>> {
        validate::name("name", name, MAX_MODEL_NAME_LEN)?;
        on_pool!(&self.pools, read, |p, Db| {
            let row = query::<Db>(&LATEST_MODEL).bind(name).fetch_optional(p).await?;
            row.as_ref().map(decode_model).transpose()
        })
    }

    /// One stored model with its bytes.
    pub async fn model(&self, id: i64) -> Result<Option<StoredModel>> {
        on_pool!(&self.pools, read, |p, Db| {
            let row = query::<Db>(&SELECT_MODEL).bind(id).fetch_optional(p).await?;
            row.as_ref().map(decode_model).transpose()
        })
    }

    /// Stores a new policy version with the models it was compiled with, in one transaction
    /// (audited as `policy.create`, the pins in the detail).
    pub async fn create_policy_version_with_models(
        &self,
        v: &NewPolicyVersion<'_>,
        pins: &[ModelPin],
        change: Change<'_>,
    ) -> Result<PolicyVersionInfo> {
        check_new(v, &change)?;
        check_pins(pins)?;
        let hash = content_hash(v.source);
        let pinned: serde_json::Value =
            pins.iter().map(|p| serde_json::json!({ p.file.as_str(): p.model_id })).collect();
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
            for pin in pins {
                if query::<Db>(&MODEL_EXISTS).bind(pin.model_id).fetch_optional(&mut *tx).await?.is_none() {
                    return Err(RecordsError::not_found(format!("model {}", pin.model_id)));
                }
                query::<Db>(&INSERT_PIN).bind(id).bind(pin.file.as_str()).bind(pin.model_id).execute(&mut *tx).await?;
            }
            let detail = serde_json::json!({
                "name": v.name, "content_hash": hash, "comment": v.comment, "models": pinned
            });
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

    /// The models policy version `version` was created with, by file.
    pub async fn policy_models(&self, version: i64) -> Result<Vec<ModelPin>> {
        on_pool!(&self.pools, read, |p, Db| {
            let rows = query::<Db>(&SELECT_PINS).bind(version).fetch_all(p).await?;
            decode_all(&rows, |r| Ok(ModelPin { file: r.text("file")?, model_id: r.int("model_id")? }))
        })
    }
}
