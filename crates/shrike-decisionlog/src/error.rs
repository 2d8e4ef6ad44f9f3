//! The log's errors, and how they read as records errors (what the API maps to HTTP).

use std::path::PathBuf;

use shrike_records::RecordsError;

/// What went wrong in the decision log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A file operation failed (disk full, permissions, I/O error).
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A stored byte does not verify: never a crash's torn tail (that is cut at open).
    #[error("{} at byte {offset}: {reason}", path.display())]
    Corrupt { path: PathBuf, offset: u64, reason: &'static str },
    /// A row does not fit the log's format; `field` names it.
    #[error("invalid {field}: {message}")]
    Invalid { field: &'static str, message: String },
}

/// Shorthand for results of this crate.
pub type Result<T, E = LogError> = std::result::Result<T, E>;

impl LogError {
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> LogError {
        let path = path.into();
        move |source| LogError::Io { what, path, source }
    }
}

impl From<LogError> for RecordsError {
    fn from(e: LogError) -> RecordsError {
        match e {
            LogError::Invalid { field, message } => RecordsError::InvalidInput { field: field.into(), message },
            e @ LogError::Io { .. } => RecordsError::Unavailable { source: Box::new(e) },
            e @ LogError::Corrupt { .. } => RecordsError::Internal { source: Box::new(e) },
        }
    }
}
