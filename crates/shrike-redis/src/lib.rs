//! # shrike-redis
//!
//! The scale-out mode's shared state on Redis (one node or a cluster): windowed feature
//! state behind the engine's `FeatureStore` seam ([`SharedStore`]), idempotency claims by
//! event id across nodes, and the list change feed. Many stateless `shrike serve` nodes share
//! one Redis and give the decisions one node would give (docs/scale-out.md).
//!
//! Invariants:
//! - Feature state is the embedded store's own per-key encoding, computed by the embedded
//!   code: no second implementation of windows to drift.
//! - One pipelined round trip per engine batch per Redis node to load, one to commit (more
//!   only for keys another node wrote in between).
//! - Every key has a TTL; memory per key is the embedded store's (bounded by the window, not
//!   the event rate).

mod conn;
mod error;
pub mod names;
pub mod slot;
mod store;

/// The Redis client this crate speaks through, for callers that build their own commands.
pub use redis;

pub use conn::{Conn, Op};
pub use error::StateError;
pub use names::Claim;
pub use store::{CommitStats, MAX_CAS_ROUNDS, MAX_KEYS_PER_SCRIPT, SharedStore, StateOptions};
