//! # shrike-store
//!
//! Durability of embedded mode: the service applies *commands* (accepted events, policy
//! swaps, list changes) in one total order on one engine thread; each command is appended to
//! the [`CommandLog`] before its effect is acknowledged, and the state is periodically written
//! as a [`Snapshots`] entry at a log position. After a crash, state = the latest snapshot + the
//! records logged after its position, replayed through the same deterministic engine.
//!
//! - [`DataDir`] locks the data directory (one process per directory).
//! - [`CommandLog`]: segmented append-only files, a checksum per record, one `write` per batch,
//!   group commit through [`SyncHandle::sync_to`] from a syncer thread, torn-tail recovery at
//!   open, verified replay with [`CommandLog::read_from`], [`CommandLog::truncate_before`].
//! - [`Snapshots`]: atomic, checksummed, several kept, with fallback to an older one.
//!
//! Formats, recovery rules and the measured cost of group commit are in `docs/storage.md`.
//!
//! ## Invariants
//!
//! - **Acknowledged means durable.** `sync_to(end)` returns only once records before `end`
//!   are on stable storage (fdatasync); the durable records are always a prefix of the log.
//! - **Only the tail can be torn.** A segment is fdatasynced before the next one is created,
//!   so damage anywhere but the end of the last segment is an error naming the file and byte
//!   offset, never skipped. A torn tail is cut off at open and reported in [`Recovery`].
//! - **No panic on file content**, and no record is ever returned whose checksum fails.
//! - **A failed write or fsync is final** ([`LogError::Failed`]): no retry can make pages the
//!   kernel may have dropped durable again; the process restarts and recovers.
//! - Synchronous and std-only (no async runtime): the service wraps it.

mod dir;
mod error;
mod frame;
mod log;
mod pos;
mod reader;
mod recover;
mod segment;
mod snapshot;
mod sync;

pub use dir::{DataDir, DirLock, LOCK_FILE, LOG_DIR, LockError, SNAPSHOT_DIR};
pub use error::{Corruption, LogError};
pub use frame::{FRAME_HEADER_BYTES, MAX_RECORD_BYTES, TornReason};
pub use log::{
    CommandLog, DEFAULT_SEGMENT_BYTES, LogOptions, LogStats, MAX_SEGMENT_BYTES, MAX_STAGED_BYTES, MIN_SEGMENT_BYTES,
};
pub use pos::LogPos;
pub use reader::{LogReader, Record, RecordRef};
pub use recover::{Recovery, TornTail};
pub use segment::{SEGMENT_HEADER_BYTES, SEGMENT_VERSION};
pub use snapshot::{
    DEFAULT_KEEP_SNAPSHOTS, Latest, MAX_KEEP_SNAPSHOTS, MAX_PART_NAME_BYTES, MAX_SNAPSHOT_BYTES, MAX_SNAPSHOT_PARTS,
    SNAPSHOT_FORMAT_VERSION, Snapshot, SnapshotCorruption, SnapshotError, SnapshotOptions, Snapshots, Written,
};
pub use sync::SyncHandle;

#[cfg(test)]
mod tests {
    /// The engine thread owns the log, a syncer thread holds handles, a snapshot writer may
    /// run elsewhere: all must cross threads.
    #[test]
    fn handles_cross_threads() {
        fn send<T: Send>() {}
        fn shared<T: Send + Sync + Clone>() {}
        send::<super::CommandLog>();
        send::<super::Snapshots>();
        send::<super::Snapshot>();
        shared::<super::SyncHandle>();
        shared::<super::DataDir>();
    }
}
