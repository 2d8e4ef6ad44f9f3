//! Log positions.

use std::fmt;

/// The sequence number of a record in the [`CommandLog`](crate::CommandLog), from 0, one per
/// record, never reused once written.
///
/// A position also names the boundary *before* its record, and every "end" in this crate is
/// exclusive: a log whose `end()` is `LogPos(10)` holds records `0..10`, `sync_to(LogPos(10))`
/// makes records `0..10` durable, and a snapshot taken at `LogPos(10)` includes the effects
/// of records `0..10` exactly, so recovery replays from record 10.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPos(pub u64);

impl LogPos {
    /// The position after this one.
    pub const fn next(self) -> LogPos {
        LogPos(self.0 + 1)
    }
}

impl fmt::Display for LogPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
