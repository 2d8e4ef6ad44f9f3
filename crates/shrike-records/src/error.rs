//! One error type for every records operation, classified by who is at fault and whether a
//! retry helps. `Display` texts are safe to show an API client: they never contain SQL,
//! driver messages or connection URLs; those stay in [`std::error::Error::source`] for logs.

use std::error::Error as StdError;

/// A boxed underlying error, kept for logs only.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What went wrong in a records operation.
///
/// The decision service maps these to HTTP: `NotFound` 404, `Conflict` 409, `InvalidInput`
/// 422, `Unavailable` 503 (and the degraded mode), `Internal` 500.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordsError {
    /// The target does not exist, e.g. `policy version 12`.
    #[error("{what} not found")]
    NotFound { what: String },
    /// The change contradicts the stored state, e.g. a duplicate key or nothing to roll back.
    #[error("{message}")]
    Conflict {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The caller's input is out of bounds or malformed; `field` names it
    /// (`rows[3].decision_id`, `value`, `limit`, …).
    #[error("invalid {field}: {message}")]
    InvalidInput { field: String, message: String },
    /// The database cannot be reached or is overloaded (connection refused or lost, pool
    /// exhausted, lock wait timed out, disk full). Retrying later may succeed.
    #[error("records database unavailable")]
    Unavailable {
        #[source]
        source: BoxError,
    },
    /// A bug or a corrupt stored row; the source says which.
    #[error("internal records error")]
    Internal {
        #[source]
        source: BoxError,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = RecordsError> = std::result::Result<T, E>;

impl RecordsError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        RecordsError::InvalidInput { field: field.into(), message: message.into() }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        RecordsError::NotFound { what: what.into() }
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        RecordsError::Conflict { message: message.into(), source: None }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        RecordsError::Internal { source: message.into().into() }
    }

    /// Whether the service should treat this as the database being down (degraded mode,
    /// spool and retry) rather than as a problem with the request.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, RecordsError::Unavailable { .. })
    }
}

impl From<sqlx::Error> for RecordsError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match err {
            E::Database(db) => from_database(db),
            E::Io(_) | E::Tls(_) | E::Protocol(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
                RecordsError::Unavailable { source: Box::new(err) }
            }
            E::Migrate(m) => from_migrate(*m),
            other => RecordsError::Internal { source: Box::new(other) },
        }
    }
}

fn from_migrate(err: sqlx::migrate::MigrateError) -> RecordsError {
    match err {
        sqlx::migrate::MigrateError::Execute(e) => RecordsError::from(e),
        other => RecordsError::Internal { source: Box::new(other) },
    }
}

impl From<sqlx::migrate::MigrateError> for RecordsError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        from_migrate(err)
    }
}

fn from_database(db: Box<dyn sqlx::error::DatabaseError>) -> RecordsError {
    use sqlx::error::ErrorKind as K;
    if is_transient(db.as_ref()) {
        return RecordsError::Unavailable { source: Box::new(sqlx::Error::Database(db)) };
    }
    let message = match db.kind() {
        K::UniqueViolation => "a record with the same key already exists",
        K::ForeignKeyViolation => "the change refers to a record that does not exist",
        _ => return RecordsError::Internal { source: Box::new(sqlx::Error::Database(db)) },
    };
    RecordsError::Conflict { message: message.into(), source: Some(Box::new(sqlx::Error::Database(db))) }
}

/// Database errors that mean "down or overloaded, try again", per backend.
fn is_transient(db: &dyn sqlx::error::DatabaseError) -> bool {
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        // Lock wait timeout, deadlock, too many connections, shutdown in progress, server
        // gone / lost, connection killed, read-only (fail-over in progress).
        return matches!(my.number(), 1205 | 1213 | 1040 | 1053 | 2006 | 2013 | 1927 | 1290 | 1836);
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let code: i64 = db.code().and_then(|c| c.parse().ok()).unwrap_or(0);
        // Primary result codes: BUSY, LOCKED, IOERR, FULL, CANTOPEN.
        return matches!(code & 0xff, 5 | 6 | 10 | 13 | 14);
    }
    let state = db.code().unwrap_or_default();
    // PostgreSQL SQLSTATE classes: connection exception, insufficient resources, operator
    // intervention (shutdown), serialization failure, deadlock, read-only transaction.
    state.starts_with("08")
        || state.starts_with("53")
        || state.starts_with("57P")
        || state == "40001"
        || state == "40P01"
        || state == "25006"
}
