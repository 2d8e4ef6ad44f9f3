//! The data directory and its lock: one process per directory.
//!
//! Layout: `DIR/LOCK` (advisory lock, holder's pid inside), `DIR/log/` (segments),
//! `DIR/snapshots/`. The lock is `flock(2)` through std's `File::try_lock`: the kernel drops
//! it when the holder exits, however it exits (`kill -9` included), so there is no stale
//! lock to clean up. The pid in the file is for the error message only.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Name of the lock file in the data directory.
pub const LOCK_FILE: &str = "LOCK";
/// Subdirectory of the command log.
pub const LOG_DIR: &str = "log";
/// Subdirectory of the snapshots.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// Longest pid text read back from a lock file for the error message.
const MAX_PID_TEXT: u64 = 32;

/// Why a data directory cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process (or another `DataDir` in this one) holds the directory.
    #[error("data directory {} is in use by another process{}", dir.display(), holder_text(*pid))]
    Held { dir: PathBuf, pid: Option<u32> },
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn holder_text(pid: Option<u32>) -> String {
    pid.map_or(String::new(), |pid| format!(" (pid {pid})"))
}

/// The held lock; released when the last [`DataDir`], log or snapshot store using it drops.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// A locked data directory. Cheap to clone; the log and snapshot store keep the lock alive.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
    lock: Arc<DirLock>,
}

impl DataDir {
    /// Creates `root` (and its `log/` and `snapshots/`) if missing, and locks it.
    pub fn open(root: impl AsRef<Path>) -> Result<DataDir, LockError> {
        let root = root.as_ref().to_path_buf();
        let io = |op, path: &Path| {
            let path = path.to_path_buf();
            move |source| LockError::Io { op, path, source }
        };
        std::fs::create_dir_all(&root).map_err(io("create directory", &root))?;
        let lock_path = root.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io("open", &lock_path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::Held { pid: read_pid(&mut file), dir: root });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &lock_path)(e)),
        }
        file.set_len(0).map_err(io("truncate", &lock_path))?;
        writeln!(file, "{}", std::process::id()).map_err(io("write", &lock_path))?;
        for sub in [LOG_DIR, SNAPSHOT_DIR] {
            std::fs::create_dir_all(root.join(sub)).map_err(io("create directory", &root.join(sub)))?;
        }
        sync_dir(&root).map_err(io("fsync directory", &root))?;
        Ok(DataDir { root, lock: Arc::new(DirLock { _file: file }) })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn log_dir(&self) -> PathBuf {
        self.root.join(LOG_DIR)
    }

    pub fn snapshot_dir(&self) -> PathBuf {
        self.root.join(SNAPSHOT_DIR)
    }

    pub(crate) fn lock(&self) -> Arc<DirLock> {
        Arc::clone(&self.lock)
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.take(MAX_PID_TEXT).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// fsyncs a directory, making created, renamed and deleted entries in it durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
