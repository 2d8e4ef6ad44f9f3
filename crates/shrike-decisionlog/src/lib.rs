//! # shrike-decisionlog
//!
//! The embedded mode's decision log: every decision the service makes, appended at the
//! engine's peak rate and queried newest first by id, entity (user, device, ip, card, email,
//! phone, shop), outcome, fired rule, policy version, shadow or live, and time, with keyset
//! pages. docs/records.md ("The embedded decision log") has the design and the figures.
//!
//! Layout: a directory of segments (`{seq}.seg`: checksummed records, append-only); the
//! segment being written keeps its index in memory (a hash of chains, newest first); a
//! sealed segment's index is a sorted file (`{seq}.idx`) searched with `pread`s. Retention
//! deletes whole segments.
//!
//! Invariants:
//! - One writer appends (the service's engine thread); an `append` that returned is in the
//!   page cache and visible to every query (survives `kill -9`; a background fdatasync every
//!   [`limits::SYNC_INTERVAL_MS`] bounds what a power loss takes).
//! - Only the newest segment can end in a torn write; it is cut at open. Any other bad byte
//!   is an error naming the file and offset, never a wrong row: every row read is verified
//!   against its checksum and every filter is checked on the row itself.
//! - The crate never reads a clock; times are the rows' own.
//! - Memory is bounded by the segment being written (its index) and at most
//!   [`limits::MAX_PENDING_SEALS`] segments being sealed; sealed indexes live on disk.

mod error;
mod fileindex;
mod keys;
pub mod limits;
mod log;
mod memindex;
mod query;
mod row;
mod segment;

pub use error::{LogError, Result};
pub use log::{Appended, DecisionLog, Options, Recovery};
pub use row::RowRef;

use shrike_records::{DecisionCursor, DecisionQuery, DecisionRow, DecisionStore, Page, Purge};

impl DecisionStore for DecisionLog {
    fn insert(&self, rows: &[DecisionRow]) -> shrike_records::Result<u64> {
        Ok(DecisionLog::insert(self, rows)?)
    }

    fn get(&self, decision_id: &str) -> shrike_records::Result<Option<DecisionRow>> {
        Ok(DecisionLog::get(self, decision_id)?)
    }

    fn query(&self, q: &DecisionQuery) -> shrike_records::Result<Page<DecisionRow, DecisionCursor>> {
        Ok(DecisionLog::query(self, q)?)
    }

    fn delete_before(&self, before: i64, max_chunks: u32) -> shrike_records::Result<Purge> {
        Ok(DecisionLog::delete_before(self, before, max_chunks)?)
    }
}
