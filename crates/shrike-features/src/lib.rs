//! # shrike-features
//!
//! Exact sliding-window aggregates over event time with bounded memory per key: the state
//! behind policy features such as `count(payment.attempt) by card.fingerprint over 10m`.
//!
//! The engine groups features by key expression and calls [`FeatureStore::apply_and_read`] once
//! per group and event; [`MemoryStore`] is the in-process implementation. Long-form semantics,
//! error bounds and measured memory per key are in `docs/features.md`.
//!
//! ## Semantics (the property tests check exactly these)
//!
//! - **Buckets.** `b(t) = floor(t / r)` (ms, `div_euclid`). A feature with window `W` and
//!   resolution `r` (`W` a multiple of `r`, `r >= 1 s`, `1 s <= W <= 400 d`) has `n = W / r`
//!   buckets. A read at event time `t` aggregates every applied event `e` with
//!   `b(t) - n < b(e) <= b(t)`, including the call's own updates: exact at bucket resolution,
//!   and correct for out-of-order events (late events land in their own bucket; reads in the
//!   past exclude later buckets).
//! - **Lateness `L`.** Updates and reads are exact for `t >= newest - L`, where `newest` is the
//!   key's newest event time (over the group). Older updates are ignored, older reads are best
//!   effort. Buckets no allowed read can reach are pruned.
//! - **Values.** `Count` → `Count` (0 when empty); `Sum` → `Num`/`Money` (0 when empty; money
//!   sums are exact `i64` micros, accumulated in `i128` and clamped); `Avg` → `Num`/`Money`
//!   (money rounded to micros half away from zero), `Min`/`Max` → missing when empty.
//!   Non-finite numbers and inputs of the wrong kind are ignored.
//! - **Distinct.** Exact up to [`DISTINCT_EXACT_CAP`] retained values per key and feature, then
//!   a sliding-window HyperLogLog with `m = 256` registers (standard error 6.5%) that answers
//!   for exactly the window `(b(t) - n, b(t)]`; back to exact once every sketched value aged out.
//! - **First/last seen.** Exact ms times of the feature's updates applied *before* this call
//!   (read before the call's own updates), over all arrivals regardless of their time. An
//!   update more than `W` after the feature's latest one restarts it (`first = last = at`),
//!   and a read more than `W` after the latest one is missing: `W` is the retention.
//! - **Memory.** One cell per non-empty bucket, at most `n + ceil(L / r)` per feature; keys
//!   idle longer than the group's longest window + `L` are dropped by [`FeatureStore::expire`].
//!
//! ## Invariants
//!
//! - No allocation per call except a new key's state (keys up to 38 bytes are stored inline)
//!   and amortised growth of a cell vector when a new bucket starts; no dynamic dispatch.
//! - A call without updates never creates a key; nothing on the request path panics.
//! - All buckets of a key are within `u32` wrapping distance of each other (see `cells`).

mod api;
mod cells;
mod codec;
mod distinct;
mod entity;
mod group;
mod hll;
mod key;
mod memory;
mod migrate;
mod prefetch;
mod snapshot;
mod spec;
mod state;
mod table;

pub use api::{AggValue, FeatureStore, Input, StoreStats, Update};
pub use distinct::DISTINCT_EXACT_CAP;
pub use group::MAX_KEYS_PER_GROUP;
pub use hll::{HLL_PRECISION, HLL_REGISTERS};
pub use key::KeyHash;
pub use memory::MemoryStore;
pub use migrate::{GroupCarry, MigrateError};
pub use prefetch::prefetch_lines;
pub use snapshot::{SNAPSHOT_VERSION, SnapshotError};
pub use spec::{
    AggKind, FeatureSpec, GroupSpec, LayoutError, MAX_FEATURES_PER_GROUP, MAX_LATENESS, MAX_WINDOW, MIN_RESOLUTION,
    MIN_WINDOW, StoreLayout, ValueKind, default_resolution,
};
pub use table::{Keyed, MAX_TABLE_ENTRIES, PrefetchTable};
