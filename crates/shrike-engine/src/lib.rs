//! # shrike-engine
//!
//! Orchestration: for one event, idempotency and lateness checks, feature updates and reads
//! through a [`shrike_features::FeatureStore`], tree models ([`models`]), rule evaluation with
//! [`shrike_dsl::eval`], and outcome resolution — producing a [`shrike_types::Decision`]. Also the replay loop shared by
//! the CLI, the service and backtests, so online and offline run the same code.
//!
//! Invariants:
//! - Deterministic: the same policy and event stream give the same decisions; time comes from
//!   events and the injected clock only.
//! - Never depends on an HTTP framework or a storage backend; state is behind traits.

pub mod batch;
pub mod dedup;
pub mod engine;
pub mod entity;
pub mod keys;
pub mod layout;
pub mod lifecycle;
pub mod lists;
pub mod model_files;
pub mod models;
pub mod replay;
pub mod resolve;
pub mod shared;
pub mod stats;

pub use engine::{Applied, Engine};
pub use layout::store_layout;
