//! Group commit: the state the writer and any number of syncer threads share.
//!
//! The writer (`CommandLog`) writes batches to the tail segment and publishes how far it has
//! written; a [`SyncHandle`] fdatasyncs the tail and publishes how far the log is durable.
//! Concurrent `sync_to` calls coalesce: while one fdatasync runs, later callers wait for it,
//! and the next one to run covers everything written by then, so N waiting callers cost one
//! fdatasync, not N.
//!
//! Invariant: `durable <= written`, and every record before `durable` is on stable storage.
//! The tail file changes only at a segment roll, after the writer has synced the old tail, so
//! syncing the current tail up to `written` makes every record before `written` durable.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::error::LogError;
use crate::pos::LogPos;

/// The tail segment, shared with syncers.
#[derive(Debug)]
pub(crate) struct TailFile {
    pub(crate) file: File,
    pub(crate) path: PathBuf,
}

/// The first write or fsync failure; sticky (see [`LogError::Failed`]).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) op: &'static str,
    pub(crate) path: PathBuf,
    pub(crate) source: Arc<io::Error>,
}

impl Failure {
    pub(crate) fn to_error(&self) -> LogError {
        LogError::Failed { op: self.op, path: self.path.clone(), source: Arc::clone(&self.source) }
    }
}

#[derive(Debug)]
struct State {
    tail: Arc<TailFile>,
    /// Records before this are written to the OS (in the page cache at least).
    written: LogPos,
    /// Records before this are on stable storage.
    durable: LogPos,
    /// An fdatasync is running; others wait for it instead of starting their own.
    syncing: bool,
    /// fdatasyncs run by `sync_to` so far.
    syncs: u64,
    failure: Option<Failure>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    synced: Condvar,
}

impl Shared {
    /// Shared state for a log whose records before `end` are all durable.
    pub(crate) fn new(tail: Arc<TailFile>, end: LogPos) -> Shared {
        let state = State { tail, written: end, durable: end, syncing: false, syncs: 0, failure: None };
        Shared { state: Mutex::new(state), synced: Condvar::new() }
    }

    // No code panics while holding the lock, and every update leaves the state consistent,
    // so a poisoned lock (a panic elsewhere in the holder's thread) is safe to keep using.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn check(&self) -> Result<(), LogError> {
        self.lock().failure.as_ref().map_or(Ok(()), |f| Err(f.to_error()))
    }

    /// Records the first failure and returns its error.
    pub(crate) fn fail(&self, op: &'static str, path: PathBuf, source: io::Error) -> LogError {
        let mut state = self.lock();
        let failure = state.failure.get_or_insert(Failure { op, path, source: Arc::new(source) }).clone();
        drop(state);
        self.synced.notify_all();
        failure.to_error()
    }

    pub(crate) fn set_written(&self, written: LogPos) {
        self.lock().written = written;
    }

    /// After a roll: the old tail is synced up to `first`, and `tail` is the new tail.
    pub(crate) fn rolled(&self, tail: Arc<TailFile>, first: LogPos) {
        let mut state = self.lock();
        state.tail = tail;
        state.durable = state.durable.max(first);
        drop(state);
        self.synced.notify_all();
    }

    pub(crate) fn durable(&self) -> LogPos {
        self.lock().durable
    }

    pub(crate) fn written(&self) -> LogPos {
        self.lock().written
    }

    pub(crate) fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    fn sync_to(&self, end: LogPos) -> Result<LogPos, LogError> {
        let mut state = self.lock();
        loop {
            if let Some(failure) = &state.failure {
                return Err(failure.to_error());
            }
            if state.durable >= end {
                return Ok(state.durable);
            }
            if end > state.written {
                return Err(LogError::NotWritten { requested: end, written: state.written });
            }
            if !state.syncing {
                break;
            }
            state = self.synced.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        state.syncing = true;
        let (tail, target) = (Arc::clone(&state.tail), state.written);
        drop(state);
        // The fdatasync runs unlocked: the writer keeps appending meanwhile.
        let result = tail.file.sync_data();
        let mut state = self.lock();
        state.syncing = false;
        state.syncs += 1;
        match result {
            Ok(()) => state.durable = state.durable.max(target),
            Err(source) => {
                let failure = Failure { op: "fdatasync", path: tail.path.clone(), source: Arc::new(source) };
                state.failure.get_or_insert(failure);
            }
        }
        let outcome = state.failure.as_ref().map_or(Ok(state.durable), |f| Err(f.to_error()));
        drop(state);
        self.synced.notify_all();
        outcome
    }
}

/// Makes written records durable from any thread while the writer keeps appending.
///
/// The service's syncer thread receives `(end, replies)` from the engine thread after each
/// written batch, calls [`sync_to(end)`](SyncHandle::sync_to), and only then releases the
/// replies: a reply is sent only for records on stable storage.
#[derive(Debug, Clone)]
pub struct SyncHandle {
    pub(crate) shared: Arc<Shared>,
}

impl SyncHandle {
    /// Blocks until every record before `end` is on stable storage; returns the durable end
    /// (`>= end`; one fdatasync may cover more than asked). `end` must not exceed the written
    /// end (`CommandLog::flush` returns it). After a failed fdatasync every call fails.
    pub fn sync_to(&self, end: LogPos) -> Result<LogPos, LogError> {
        self.shared.sync_to(end)
    }

    /// Records before this position are on stable storage.
    pub fn durable(&self) -> LogPos {
        self.shared.durable()
    }

    /// Records before this position have been written to the OS.
    pub fn written(&self) -> LogPos {
        self.shared.written()
    }

    /// fdatasyncs `sync_to` has run (segment rolls sync once more each, on the writer):
    /// requests minus this is what coalescing saved.
    pub fn syncs(&self) -> u64 {
        self.shared.syncs()
    }
}
