//! API keys: `Authorization: Bearer KEY` on every `/v1` route, checked against the SHA-256
//! hashes in the records store (keys themselves are never stored), with the scope each route
//! needs: `decide`, `ingest` or `admin` (admin may do everything). No key or an unknown or
//! revoked one is 401; a valid key without the scope is 403. Lookups are cached briefly so
//! a decision does not wait for the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shrike_records::{ApiKey, KeyHash, Records, Scope, Scopes};
use shrike_types::clock::Stopwatch;

use crate::api::AppState;
use crate::api::error::ApiError;

/// How long a key found in the records store is trusted before it is looked up again (so a
/// revocation takes effect within this time on every node).
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(30);
/// How long an unknown key is remembered as unknown.
pub const UNKNOWN_KEY_TTL: Duration = Duration::from_secs(5);
/// Most keys cached; past it the cache starts over.
pub const MAX_CACHED_KEYS: usize = 10_000;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: Option<i64>,
    pub name: String,
    pub scopes: Scopes,
}

impl Caller {
    /// The actor recorded in the audit log: `key:ID:NAME`, or `anonymous` with auth off.
    pub fn actor(&self) -> String {
        match self.key_id {
            Some(id) => format!("key:{id}:{}", self.name),
            None => "anonymous".into(),
        }
    }

    fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(scope) || self.scopes.contains(Scope::Admin)
    }
}

/// The key checker with its cache.
pub struct Auth {
    records: Records,
    required: bool,
    cache: Mutex<HashMap<String, (Option<Caller>, Stopwatch)>>,
}

impl Auth {
    pub fn new(records: Records, required: bool) -> Auth {
        Auth { records, required, cache: Mutex::new(HashMap::new()) }
    }

    /// The caller a request's headers identify.
    pub async fn caller(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        if !self.required {
            let all = [Scope::Admin, Scope::Decide, Scope::Ingest].into_iter().collect();
            return Ok(Caller { key_id: None, name: "anonymous".into(), scopes: all });
        }
        let key = bearer(headers)?;
        let hash = KeyHash::of(key);
        if let Some(hit) = self.cached(hash.as_str()) {
            return hit.ok_or_else(unknown_key);
        }
        let found = self.records.key_by_hash(&hash).await.map_err(|e| match e {
            shrike_records::RecordsError::Unavailable { .. } => {
                ApiError::unavailable("the key store is unavailable", 1)
            }
            other => ApiError::internal(other),
        })?;
        let caller =
            found.filter(ApiKey::is_active).map(|k| Caller { key_id: Some(k.id), name: k.name, scopes: k.scopes });
        self.remember(hash.as_str(), caller.clone());
        caller.ok_or_else(unknown_key)
    }

    fn cached(&self, hash: &str) -> Option<Option<Caller>> {
        let cache = self.cache.lock().ok()?;
        let (caller, at) = cache.get(hash)?;
        let ttl = if caller.is_some() { KEY_CACHE_TTL } else { UNKNOWN_KEY_TTL };
        (at.elapsed_secs_f64() < ttl.as_secs_f64()).then(|| caller.clone())
    }

    fn remember(&self, hash: &str, caller: Option<Caller>) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_CACHED_KEYS {
                cache.clear();
            }
            cache.insert(hash.to_string(), (caller, Stopwatch::start()));
        }
    }

    /// Forgets every cached key (after a revocation through this node's API).
    pub fn forget(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }
}

fn unknown_key() -> ApiError {
    ApiError::unauthorized("the API key is unknown or revoked")
}

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let Some(v) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized("missing Authorization: Bearer KEY header"));
    };
    let v = v.to_str().map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
    match v.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty() => Ok(key.trim()),
        _ => Err(ApiError::unauthorized("expected Authorization: Bearer KEY")),
    }
}

/// Middleware: the request's caller must hold `scope`; the caller goes into the request's
/// extensions for the handlers (audit actor).
pub async fn require(State((state, scope)): State<(AppState, Scope)>, mut req: Request, next: Next) -> Response {
    let caller = match state.auth.caller(req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if !caller.may(scope) {
        let msg = format!("this key lacks the {} scope (it has: {})", scope.name(), caller.scopes);
        return ApiError::forbidden(msg).into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Creates an admin key when the store holds no active key at all, so a fresh service can
/// be administered: the key goes to `DATA_DIR/bootstrap-admin.key` (mode 0600), never to
/// logs. Returns the file written, if any.
pub async fn bootstrap(records: &Records, data_dir: &std::path::Path) -> Result<Option<std::path::PathBuf>, String> {
    let page = records.keys(None, 100).await.map_err(|e| e.to_string())?;
    if page.items.iter().any(ApiKey::is_active) {
        return Ok(None);
    }
    let (secret, hash) = shrike_records::generate_key().map_err(|e| e.to_string())?;
    let scopes = [Scope::Admin].into_iter().collect();
    let new = shrike_records::NewApiKey { name: "bootstrap-admin", scopes, hash: &hash };
    let change = shrike_records::Change { actor: "bootstrap", at: crate::records::now_ms() };
    records.create_key(&new, change).await.map_err(|e| e.to_string())?;
    let path = data_dir.join("bootstrap-admin.key");
    write_private(&path, secret.expose()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(path))
}

fn write_private(path: &std::path::Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    writeln!(f, "{secret}")?;
    f.sync_all()
}
