//! API keys. Only the SHA-256 of a key is stored. A key is 256 bits from the operating
//! system's random source, so a fast unsalted hash is enough: nobody can search a 2^256
//! space, and a stolen table gives no usable key. Lookups compare hashes inside the
//! database's unique index.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::audit::{Change, audit_in_tx};
use crate::backend::{Dialect, insert, on_pool, query};
use crate::error::{RecordsError, Result};
use crate::limits::{MAX_KEY_NAME_LEN, MAX_PAGE_SIZE};
use crate::page::Page;
use crate::row::{RowGet, decode_all};
use crate::sql::{InsertSql, Sql, insert_sql, sql};
use crate::{Records, validate};

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Decide,
    Ingest,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Admin, Scope::Decide, Scope::Ingest];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Decide => "decide",
            Scope::Ingest => "ingest",
            Scope::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Scope::Decide => 1,
            Scope::Ingest => 2,
            Scope::Admin => 4,
        }
    }
}

/// A set of scopes. Text form: names joined by `,` in alphabetical order (`admin,decide`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub fn with(self, s: Scope) -> Scopes {
        Scopes(self.0 | s.bit())
    }

    pub fn contains(self, s: Scope) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        iter.into_iter().fold(Scopes::default(), Scopes::with)
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::name).collect();
        f.write_str(&names.join(","))
    }
}

impl FromStr for Scopes {
    type Err = RecordsError;

    /// Parses `decide,admin` (any order, white space around names allowed).
    fn from_str(s: &str) -> Result<Self> {
        let mut scopes = Scopes::default();
        for name in s.split(',').map(str::trim) {
            let scope = Scope::ALL.into_iter().find(|sc| sc.name() == name).ok_or_else(|| {
                RecordsError::invalid("scopes", format!("unknown scope {name:?}: use decide, ingest or admin"))
            })?;
            scopes = scopes.with(scope);
        }
        Ok(scopes)
    }
}

/// A plaintext API key: shown once to whoever creates it, never stored. `Debug` hides it.
pub struct SecretKey(String);

impl SecretKey {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// Prefix of generated keys, so a leaked key is recognisable in logs and scanners.
pub const KEY_PREFIX: &str = "shk_";

/// The stored form of a key: SHA-256 of its full text, lower-case hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHash(String);

impl KeyHash {
    /// Hashes a presented key (e.g. from `Authorization: Bearer KEY`).
    pub fn of(key: &str) -> KeyHash {
        KeyHash(hex::encode(Sha256::digest(key.as_bytes())))
    }

    /// Takes a hash computed elsewhere (64 lower-case hex digits).
    pub fn from_hex(hex: &str) -> Result<KeyHash> {
        let ok = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(KeyHash(hex.to_owned()))
        } else {
            Err(RecordsError::invalid("hash", "must be 64 lower-case hex digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new random key (`shk_` + 64 hex digits = 256 bits from the OS) and its hash.
pub fn generate_key() -> Result<(SecretKey, KeyHash)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RecordsError::internal(format!("OS random source failed: {e}")))?;
    let key = format!("{KEY_PREFIX}{}", hex::encode(bytes));
    let hash = KeyHash::of(&key);
    Ok((SecretKey(key), hash))
}

/// A key to store.
#[derive(Clone, Copy, Debug)]
pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub scopes: Scopes,
    pub hash: &'a KeyHash,
}

/// A stored key, without its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl ApiKey {
    /// Whether the key is usable at all (scopes are checked separately).
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

static INSERT_KEY: InsertSql =
    insert_sql!("INSERT INTO api_keys (name, key_hash, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, NULL)");
static KEY_BY_HASH: Sql = sql!("SELECT id, name, scopes, created_at, revoked_at FROM api_keys WHERE key_hash = ?");
static KEY_BY_ID: Sql = sql!("SELECT id, name, scopes, created_at, revoked_at FROM api_keys WHERE id = ?");
static REVOKE: Sql = sql!("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
static PAGE: Sql =
    sql!("SELECT id, name, scopes, created_at, revoked_at FROM api_keys WHERE id > ? ORDER BY id LIMIT ?");

fn decode(r: &impl RowGet) -> Result<ApiKey> {
    let scopes = r.text("scopes")?.parse().map_err(|e: RecordsError| RecordsError::Internal { source: Box::new(e) })?;
    Ok(ApiKey {
        id: r.int("id")?,
        name: r.text("name")?,
        scopes,
        created_at: r.int("created_at")?,
        revoked_at: r.opt_int("revoked_at")?,
    })
}

impl Records {
    /// Stores a key (audited as `key.create`). `Conflict` if the hash is already stored.
    pub async fn create_key(&self, k: &NewApiKey<'_>, change: Change<'_>) -> Result<ApiKey> {
        change.check()?;
        validate::text("name", k.name, MAX_KEY_NAME_LEN)?;
        if k.scopes.is_empty() {
            return Err(RecordsError::invalid("scopes", "a key needs at least one scope"));
        }
        let scopes = k.scopes.to_string();
        let id = on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let q = insert::<Db>(&INSERT_KEY).bind(k.name).bind(k.hash.as_str()).bind(scopes.as_str()).bind(change.at);
            let id = Db::insert_id(&mut tx, q).await.map_err(|e| match RecordsError::from(e) {
                RecordsError::Conflict { source, .. } => {
                    RecordsError::Conflict { message: "a key with this hash already exists".into(), source }
                }
                other => other,
            })?;
            let detail = serde_json::json!({ "name": k.name, "scopes": scopes });
            audit_in_tx!(tx, Db, change, "key.create", format!("key:{id}").as_str(), detail);
            tx.commit().await?;
            id
        });
        Ok(ApiKey { id, name: k.name.into(), scopes: k.scopes, created_at: change.at, revoked_at: None })
    }

    /// The key with this hash, revoked or not (the caller checks [`ApiKey::is_active`]).
    pub async fn key_by_hash(&self, hash: &KeyHash) -> Result<Option<ApiKey>> {
        on_pool!(&self.pools, read, |p, Db| {
            let row = query::<Db>(&KEY_BY_HASH).bind(hash.as_str()).fetch_optional(p).await?;
            row.as_ref().map(decode).transpose()
        })
    }

    /// Revokes a key (audited as `key.revoke`). `NotFound` if unknown, `Conflict` if
    /// already revoked.
    pub async fn revoke_key(&self, id: i64, change: Change<'_>) -> Result<ApiKey> {
        change.check()?;
        on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let Some(row) = query::<Db>(&KEY_BY_ID).bind(id).fetch_optional(&mut *tx).await? else {
                return Err(RecordsError::not_found(format!("key {id}")));
            };
            let mut key = decode(&row)?;
            let done = query::<Db>(&REVOKE).bind(change.at).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(RecordsError::conflict(format!("key {id} is already revoked")));
            }
            audit_in_tx!(
                tx,
                Db,
                change,
                "key.revoke",
                format!("key:{id}").as_str(),
                serde_json::json!({ "name": key.name })
            );
            tx.commit().await?;
            key.revoked_at = Some(change.at);
            Ok(key)
        })
    }

    /// Keys by id (oldest first), without hashes; `after` is the last id of the previous page.
    pub async fn keys(&self, after: Option<i64>, limit: u32) -> Result<Page<ApiKey, i64>> {
        validate::limit(limit, MAX_PAGE_SIZE)?;
        let items = on_pool!(&self.pools, read, |p, Db| {
            let rows =
                query::<Db>(&PAGE).bind(after.unwrap_or(i64::MIN)).bind(i64::from(limit) + 1).fetch_all(p).await?;
            decode_all(&rows, decode)?
        });
        Ok(Page::from_overfetch(items, limit, |k| k.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_in_any_order_and_print_canonically() {
        let s: Scopes = "decide, admin".parse().unwrap();
        assert!(s.contains(Scope::Admin) && s.contains(Scope::Decide) && !s.contains(Scope::Ingest));
        assert_eq!(s.to_string(), "admin,decide");
        assert!(matches!("root".parse::<Scopes>(), Err(RecordsError::InvalidInput { field, .. }) if field == "scopes"));
    }

    #[test]
    fn generated_keys_are_distinct_and_hash_to_their_stored_form() {
        let (k1, h1) = generate_key().unwrap();
        let (k2, h2) = generate_key().unwrap();
        assert_ne!(k1.expose(), k2.expose());
        assert_eq!(k1.expose().len(), KEY_PREFIX.len() + 64);
        assert_eq!(KeyHash::of(k1.expose()), h1);
        assert_ne!(h1, h2);
        assert!(!format!("{k1:?}").contains(&k1.expose()[4..]));
    }

    #[test]
    fn key_hash_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        assert_eq!(KeyHash::of("abc").as_str(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
