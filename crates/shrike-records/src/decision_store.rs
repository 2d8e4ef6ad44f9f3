//! The seam for another decision-log store. The SQL tables are the decision log of the
//! scale-out mode (MariaDB/PostgreSQL) and of an in-memory SQLite; the embedded mode puts
//! its decisions in a store built for its write rate (`shrike-decisionlog`) and attaches it
//! with [`crate::Records::with_decision_store`]. Callers of [`crate::Records`] do not see
//! the difference: the same methods, checks, pages and errors.

use std::sync::Arc;

use crate::decisions::{DecisionCursor, DecisionQuery, DecisionRow};
use crate::error::Result;
use crate::page::Page;
use crate::retention::Purge;

/// A decision log. Its methods are synchronous and may block on disk for a few
/// milliseconds; `Records` calls them on tokio's blocking pool. Inputs arrive checked
/// (`check_batch`, `check_query`), so a store sees only rows and queries within the bounds
/// of [`crate::limits`].
pub trait DecisionStore: Send + Sync + std::fmt::Debug + 'static {
    /// Stores the rows whose `decision_id` is not stored yet; returns how many were new.
    fn insert(&self, rows: &[DecisionRow]) -> Result<u64>;
    /// One decision by id.
    fn get(&self, decision_id: &str) -> Result<Option<DecisionRow>>;
    /// Decisions matching every set filter, newest first by `(decided_at, decision_id)`,
    /// at most `q.limit`, with `next` set exactly when more rows match.
    fn query(&self, q: &DecisionQuery) -> Result<Page<DecisionRow, DecisionCursor>>;
    /// Deletes decisions decided before `before`, at most `max_chunks` units of bounded
    /// work per call (`done` false: call again).
    fn delete_before(&self, before: i64, max_chunks: u32) -> Result<Purge>;
}

/// Runs a store call on the blocking pool (a query reads files; it must not hold up the
/// async workers that serve decisions).
pub(crate) async fn blocking<T: Send + 'static>(
    store: &Arc<dyn DecisionStore>,
    f: impl FnOnce(&dyn DecisionStore) -> Result<T> + Send + 'static,
) -> Result<T> {
    let store = Arc::clone(store);
    match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
        Ok(r) => r,
        Err(e) => Err(crate::error::RecordsError::Internal { source: Box::new(e) }),
    }
}
