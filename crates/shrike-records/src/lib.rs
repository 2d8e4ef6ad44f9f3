//! # shrike-records
//!
//! Shrike's records: policy versions and the live/shadow pointers, tree model files, lists,
//! labels, API keys,
//! the audit log and the decision log, stored in SQLite (embedded, the default), MariaDB /
//! MySQL or PostgreSQL, chosen by one URL (see [`Records::open`]). docs/records.md describes
//! the schema, indexes, bounds, retention and measured rates.
//!
//! Invariants:
//! - The crate never reads wall time: every timestamp (epoch ms) comes from the caller.
//! - Policy, list and key changes are written with their audit row in one transaction.
//! - Every input is bounded by a named constant in [`limits`]; bad input is
//!   [`RecordsError::InvalidInput`] naming the field, before any SQL runs.
//! - Error texts never carry SQL, driver messages or URLs (those stay in `source()`).
//! - All SQL is static text with bound parameters (or built by `sqlx::QueryBuilder` from
//!   fixed fragments); no input is ever formatted into a statement.

mod audit;
mod backend;
mod decision_log;
mod decision_store;
mod decisions;
mod entity;
mod error;
mod keys;
mod labels;
pub mod limits;
mod lists;
mod migrations;
mod models;
mod open;
mod page;
mod policies;
mod retention;
mod row;
mod sql;
mod validate;

pub use audit::{AuditEntry, AuditQuery, Change, NewAuditEntry};
pub use backend::Backend;
pub use decision_store::DecisionStore;
pub use decisions::{DecisionCursor, DecisionQuery, DecisionRow, check_batch, check_query};
pub use entity::{Entities, EntityKind};
pub use error::{BoxError, RecordsError, Result};
pub use keys::{ApiKey, KEY_PREFIX, KeyHash, NewApiKey, Scope, Scopes, SecretKey, generate_key};
pub use labels::{Label, LabelQuery, NewLabel};
pub use lists::{ListCursor, ListEntry, ListSummary, ListValue};
pub use migrations::SCHEMA_VERSION;
pub use models::{ModelInfo, ModelPin, NewModel, StoredModel, model_hash};
pub use open::{
    DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_SQLITE_READERS, OpenOptions, RECORDS_FILE,
    SQLITE_BUSY_TIMEOUT, SQLITE_WAL_AUTOCHECKPOINT_PAGES, SQLITE_WRITER_CACHE_KIB, SqliteSync, default_url,
};
pub use page::{Page, TimeCursor};
pub use policies::{
    NewPolicyVersion, PointerAction, PointerChange, Pointers, PolicyVersion, PolicyVersionInfo, Slot, content_hash,
};
pub use retention::Purge;

/// A handle on an open records database. Cheap to clone (the pools are shared); all
/// methods are `async` and their futures are `Send`, so the service can hold one `Records`
/// in its state and call it from any task.
#[derive(Clone, Debug)]
pub struct Records {
    pools: backend::Pools,
    /// Where decisions go instead of the `decisions` table, if a store is attached.
    decisions: Option<std::sync::Arc<dyn DecisionStore>>,
}

impl Records {
    /// The same records with the decision log kept in `store` instead of the SQL tables
    /// (the embedded mode's decision log; docs/records.md).
    pub fn with_decision_store(mut self, store: std::sync::Arc<dyn DecisionStore>) -> Records {
        self.decisions = Some(store);
        self
    }
}
