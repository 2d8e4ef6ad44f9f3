//! The journal on disk: [`shrike_store::CommandLog`] plus [`shrike_store::Snapshots`] in the
//! data directory, with one of two commit policies (`durability.sync`):
//!
//! - `background` (default): `commit` writes the batch (one `write`), so an acknowledged
//!   command survives a process crash (`kill -9`: the kernel holds the pages); a syncer
//!   thread fdatasyncs every `durability.sync_interval_ms`, which bounds what a power loss
//!   can take.
//! - `before_ack`: `commit` returns only after fdatasync (group commit: one per engine
//!   batch), so an acknowledged command also survives a power loss, at the latency of the
//!   disk's fsync (docs/storage.md has the measured cost).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use shrike_store::{CommandLog, DataDir, LogError, LogPos, Snapshots, SyncHandle};

use crate::config::SyncPolicy;
use crate::journal::{Journal, Kind};

/// The file journal of one data directory.
pub struct FileJournal {
    log: CommandLog,
    snapshots: Snapshots,
    policy: SyncPolicy,
    syncer: Option<Syncer>,
}

impl FileJournal {
    pub fn new(
        log: CommandLog,
        snapshots: Snapshots,
        policy: SyncPolicy,
        interval: Duration,
    ) -> io::Result<FileJournal> {
        let syncer = match policy {
            SyncPolicy::Background => Some(Syncer::start(log.sync_handle(), interval)?),
            SyncPolicy::BeforeAck => None,
        };
        Ok(FileJournal { log, snapshots, policy, syncer })
    }

    pub fn log(&self) -> &CommandLog {
        &self.log
    }
}

fn io_err(e: LogError) -> io::Error {
    io::Error::other(e.to_string())
}

impl Journal for FileJournal {
    fn append(&mut self, kind: Kind, payloads: &[&[u8]]) -> io::Result<u64> {
        let first = self.log.end();
        for p in payloads {
            self.log.stage(kind as u8, p).map_err(io_err)?;
        }
        Ok(first.0)
    }

    fn commit(&mut self) -> io::Result<()> {
        match self.policy {
            SyncPolicy::Background => self.log.flush().map(drop).map_err(io_err),
            SyncPolicy::BeforeAck => self.log.sync().map(drop).map_err(io_err),
        }
    }

    fn snapshot(&mut self, parts: &[(&str, &[u8])]) -> io::Result<u64> {
        let pos = self.log.sync().map_err(io_err)?;
        self.snapshots.write(pos, parts).map_err(|e| io::Error::other(e.to_string()))?;
        // Keep the log back to the oldest snapshot kept, so falling back to it can replay.
        if let Some(oldest) = self.snapshots.oldest().map_err(|e| io::Error::other(e.to_string()))? {
            self.log.truncate_before(oldest).map_err(io_err)?;
        }
        Ok(pos.0)
    }
}

impl Drop for FileJournal {
    fn drop(&mut self) {
        if let Some(s) = self.syncer.take() {
            s.stop();
        }
        if let Err(e) = self.log.sync() {
            tracing::error!(error = %e, "final journal sync failed");
        }
    }
}

/// The background fdatasync thread of the `background` policy.
struct Syncer {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Syncer {
    fn start(handle: SyncHandle, interval: Duration) -> io::Result<Syncer> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new().name("shrike-fsync".into()).spawn(move || {
            while !flag.load(Ordering::Acquire) {
                std::thread::sleep(interval);
                let written = handle.written();
                if written > handle.durable()
                    && let Err(e) = handle.sync_to(written)
                {
                    tracing::error!(error = %e, "background fsync failed");
                    return;
                }
            }
        })?;
        Ok(Syncer { stop, thread })
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Release);
        let _ = self.thread.join();
    }
}

/// Opens the data directory's log and snapshots (taking its lock).
pub fn open_store(dir: &std::path::Path) -> Result<(DataDir, CommandLog, shrike_store::Recovery, Snapshots), String> {
    let data = DataDir::open(dir).map_err(|e| e.to_string())?;
    let (log, recovery) = CommandLog::open(&data, shrike_store::LogOptions::default()).map_err(|e| e.to_string())?;
    let snapshots = Snapshots::open(&data, shrike_store::SnapshotOptions::default()).map_err(|e| e.to_string())?;
    Ok((data, log, recovery, snapshots))
}

/// The position type, for callers that only need the number.
pub fn pos(p: LogPos) -> u64 {
    p.0
}
