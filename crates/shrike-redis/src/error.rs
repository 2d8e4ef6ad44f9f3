//! Errors of the shared state.

/// Why the shared state could not be reached or used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The configuration is unusable (no URL, a bad URL). Never shows the URL: it may hold a
    /// password.
    #[error("state: {0}")]
    Config(String),
    /// Redis could not be reached, timed out or failed (the degraded mode's trigger).
    #[error("Redis unavailable: {0}")]
    Unavailable(String),
    /// The batch's claims expired (it took longer than `pending_ttl`) or were taken over:
    /// nothing of it was written. Redis itself is fine.
    #[error("claims lost before the commit: {0}")]
    Fenced(String),
    /// Redis answered something this client does not understand.
    #[error("unexpected Redis reply: {0}")]
    Protocol(&'static str),
}

impl StateError {
    pub(crate) fn url(e: redis::RedisError) -> StateError {
        StateError::Config(format!("bad Redis URL ({:?})", e.kind()))
    }
}

impl From<redis::RedisError> for StateError {
    fn from(e: redis::RedisError) -> Self {
        StateError::Unavailable(e.to_string())
    }
}
