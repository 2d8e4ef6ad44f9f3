//! Deleting old rows in bounded chunks: each chunk is its own short statement, so writers
//! (the decision log above all) wait at most one chunk, and one call runs at most the
//! caller's number of rounds ([`RETENTION_CHUNKS_PER_CALL`] is the suggested budget).

use crate::Records;
use crate::backend::{dialect_query, on_pool};
use crate::error::Result;
use crate::limits::RETENTION_CHUNK;
#[cfg(doc)]
use crate::limits::RETENTION_CHUNKS_PER_CALL;
use crate::sql::DialectSql;

/// What one purge call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purge {
    /// Rows deleted (decisions, or list entries).
    pub deleted: u64,
    /// `false` when the call stopped at its chunk budget with rows left: call again.
    pub done: bool,
}

impl Records {
    /// Runs one chunk of `stmt` (binds: cutoff, chunk size) and returns the rows deleted.
    pub(crate) async fn purge_chunk(&self, stmt: &DialectSql, cutoff: i64) -> Result<u64> {
        let n = on_pool!(&self.pools, write, |p, Db| {
            dialect_query::<Db>(stmt).bind(cutoff).bind(i64::from(RETENTION_CHUNK)).execute(p).await?.rows_affected()
        });
        Ok(n)
    }

    /// Runs rounds of one chunk per statement, until a round in which every statement
    /// deleted fewer rows than [`RETENTION_CHUNK`] (done), or `max_chunks` rounds. `deleted`
    /// counts the rows of the last statement (the parent table; earlier ones delete its
    /// child rows, which may lag the parent by a few rounds: queries join them to parents).
    pub(crate) async fn purge(&self, stmts: &[&DialectSql], cutoff: i64, max_chunks: u32) -> Result<Purge> {
        let mut purge = Purge::default();
        for _ in 0..max_chunks {
            let mut full = false;
            for (i, stmt) in stmts.iter().enumerate() {
                let n = self.purge_chunk(stmt, cutoff).await?;
                full |= n >= u64::from(RETENTION_CHUNK);
                if i + 1 == stmts.len() {
                    purge.deleted += n;
                }
            }
            if !full {
                purge.done = true;
                break;
            }
        }
        Ok(purge)
    }
}
