//! [`SharedStore`]: the engine's `FeatureStore` over Redis, for the scale-out mode.
//!
//! Design: each `(group, key)` is one Redis string holding the key's state in the embedded
//! store's own encoding ([`MemoryStore::export_key`]), so windows, lateness, distinct counts
//! and first/last seen are computed by exactly the code of the embedded mode. Around each
//! engine batch:
//!
//! 1. [`SharedStore::begin`]: one pipelined round trip (per Redis node) `GET`s every key the
//!    batch touches and claims every event id (`SET NX GET`) into a per-batch cache (a
//!    `MemoryStore`);
//! 2. the engine decides the batch on the cache (`apply_and_read` as usual; calls that
//!    update a key are recorded);
//! 3. [`SharedStore::commit`]: one round trip writes every updated key with a compare-and-set
//!    script on the write token read in step 1, and records each event's outcome in its
//!    claim. A key another node wrote in between comes back with its current value: the
//!    batch's recorded calls for that key are applied again on top of it and written again
//!    (a further round trip, only for such keys), so no update is lost or applied twice.
//!
//! When Redis cannot be reached the store is *degraded*: reads are missing, updates are
//! dropped, nothing is claimed; it tries again after `retry_after`.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use redis::Value;
use shrike_features::{AggValue, FeatureStore, KeyHash, MemoryStore, StoreLayout, StoreStats, Update};
use shrike_types::Timestamp;
use shrike_types::clock::Stopwatch;

use crate::conn::{Conn, Op};
use crate::error::StateError;
use crate::names::{self, Claim};

mod atomic;
mod commit;
mod migrate;

pub use commit::{MAX_CAS_ROUNDS, MAX_KEYS_PER_SCRIPT};

/// How the shared state is reached and kept.
#[derive(Debug, Clone)]
pub struct StateOptions {
    /// Key prefix, so several deployments (or tests) can share one Redis.
    pub prefix: String,
    /// Longest wait for one round trip; past it the batch is decided degraded.
    pub timeout: Duration,
    /// After a failure, batches are decided degraded without trying Redis for this long.
    pub retry_after: Duration,
    /// Added to each group's longest window + lateness to make its keys' TTL (a margin for
    /// event time running behind wall time).
    pub ttl_margin: Duration,
    /// How long an event id is remembered for idempotency.
    pub claim_ttl: Duration,
    /// How long a claim stays pending (its node deciding it) before it expires: an event
    /// whose node died mid-batch can be claimed again after this. A batch that takes longer
    /// is not committed (fenced) and answered degraded.
    pub pending_ttl: Duration,
}

/// What a commit did, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Keys written.
    pub written: usize,
    /// Writes retried because another node wrote the key first.
    pub conflicts: usize,
    /// Round trips taken (1 without conflicts).
    pub rounds: usize,
}

/// One recorded call that updated a key: what to apply again after a conflict.
struct Call {
    group: usize,
    key: KeyHash,
    at: Timestamp,
    updates: std::ops::Range<usize>,
}

/// Per group: its identity (names its keys) and its keys' TTL.
struct GroupInfo {
    id: u64,
    ttl_ms: u64,
}

/// The feature store of a scale-out node: a per-batch cache of Redis state.
pub struct SharedStore {
    conn: Conn,
    runtime: tokio::runtime::Handle,
    options: StateOptions,
    layout: StoreLayout,
    groups: Vec<GroupInfo>,
    cache: MemoryStore,
    /// The write token of each key loaded for this batch (empty: absent in Redis).
    loaded: HashMap<(usize, KeyHash), Vec<u8>>,
    calls: Vec<Call>,
    updates: Vec<Update>,
    node: u64,
    batch: u64,
    writes: u64,
    down: Option<Stopwatch>,
    /// Stored values that did not decode (another version, damage) and were started afresh.
    pub unreadable: u64,
    /// Per group, where keys absent under its name take their state from after a swap.
    migrations: Vec<Option<migrate::Migration>>,
}

impl SharedStore {
    /// A store for `layout`, whose group `g` is identified by `identities[g]` (text that
    /// changes whenever what the group computes changes, e.g. its features' identities).
    pub fn new(
        layout: StoreLayout,
        identities: &[String],
        conn: Conn,
        runtime: tokio::runtime::Handle,
        options: StateOptions,
    ) -> Result<SharedStore, StateError> {
        let cache = MemoryStore::new(layout.clone()).map_err(|e| StateError::Config(e.to_string()))?;
        let groups = group_infos(&layout, identities, options.ttl_margin);
        let node = std::collections::hash_map::RandomState::new().build_hasher().finish();
        Ok(SharedStore {
            conn,
            runtime,
            options,
            layout,
            groups,
            cache,
            loaded: HashMap::new(),
            calls: Vec::new(),
            updates: Vec::new(),
            node,
            batch: 0,
            writes: 0,
            down: None,
            unreadable: 0,
            migrations: Vec::new(),
        })
    }

    /// Serves another layout (a new policy): groups with the same identity keep their keys;
    /// a changed group's keys get new names, and take the state of the features `carry` maps
    /// (per new group, `(old group, old feature)` per feature, as `MemoryStore::migrate`) from
    /// the old names when first touched (`migrate.rs`). Old names expire by TTL.
    pub fn relayout(
        &mut self,
        layout: StoreLayout,
        identities: &[String],
        carry: &[shrike_features::GroupCarry],
    ) -> Result<(), StateError> {
        let cache = MemoryStore::new(layout.clone()).map_err(|e| StateError::Config(e.to_string()))?;
        let groups = group_infos(&layout, identities, self.options.ttl_margin);
        let old_ids: Vec<u64> = self.groups.iter().map(|g| g.id).collect();
        let new_ids: Vec<u64> = groups.iter().map(|g| g.id).collect();
        let carry = if layout.allowed_lateness == self.layout.allowed_lateness { carry } else { &[] };
        self.migrations = migrate::plan(&self.layout, &old_ids, &layout, &new_ids, carry);
        self.groups = groups;
        self.cache = cache;
        self.layout = layout;
        Ok(())
    }

    /// This node's random identity (in its claims, write tokens and list-feed entries).
    pub fn node(&self) -> u64 {
        self.node
    }

    /// Whether the current batch is decided without Redis (reads missing, nothing applied).
    pub fn is_degraded(&self) -> bool {
        self.down.is_some()
    }

    /// The layout this store serves.
    pub fn layout(&self) -> &StoreLayout {
        &self.layout
    }

    /// Starts a batch: loads every `(group, key)` in `keys` and claims every event id in
    /// `ids`, in one round trip. On failure the batch is degraded (and the error returned).
    pub fn begin(&mut self, keys: &[(usize, KeyHash)], ids: &[u128]) -> Result<Vec<Claim>, StateError> {
        self.cache.clear();
        self.loaded.clear();
        self.calls.clear();
        self.updates.clear();
        self.batch += 1;
        if self.down.as_ref().is_some_and(|t| t.elapsed_nanos() < self.options.retry_after.as_nanos() as u64) {
            return Err(StateError::Unavailable("recently unreachable; retrying later".into()));
        }
        let result = self.load(keys, ids);
        self.down = match &result {
            Ok(_) => None,
            Err(_) => Some(Stopwatch::start()),
        };
        result
    }

    fn load(&mut self, keys: &[(usize, KeyHash)], ids: &[u128]) -> Result<Vec<Claim>, StateError> {
        let mut unique: Vec<(usize, KeyHash)> = Vec::with_capacity(keys.len());
        for &k in keys {
            if k.0 < self.groups.len() && self.loaded.insert(k, Vec::new()).is_none() {
                unique.push(k);
            }
        }
        let mut ops: Vec<Op> = unique.iter().map(|&(g, k)| self.get_op(g, k)).collect();
        // Keys of a group renamed by a swap: also read under the old name (`migrate.rs`).
        let moved: Vec<(usize, KeyHash, u64)> =
            unique.iter().filter_map(|&(g, k)| self.migrations.get(g)?.as_ref().map(|m| (g, k, m.old_id))).collect();
        ops.extend(moved.iter().map(|&(_, k, old)| self.get_named(names::state_key(&self.options.prefix, old, k))));
        ops.extend(ids.iter().map(|&id| self.claim_op(id)));
        let replies = self.run(&ops)?;
        let (states, rest) = replies.split_at(unique.len());
        let (olds, claims) = rest.split_at(moved.len());
        for (&(g, k), reply) in unique.iter().zip(states) {
            self.put_loaded(g, k, reply)?;
        }
        for (&(g, k, _), old) in moved.iter().zip(olds) {
            self.carry_over(g, k, old);
        }
        claims.iter().map(|r| self.read_claim(r)).collect()
    }

    fn state_name(&self, group: usize, key: KeyHash) -> Vec<u8> {
        names::state_key(&self.options.prefix, self.groups[group].id, key)
    }

    /// A key absent under its group's new name starts from its old name's carried state.
    fn carry_over(&mut self, group: usize, key: KeyHash, old: &Value) {
        let absent = self.loaded.get(&(group, key)).is_some_and(Vec::is_empty);
        let (Value::BulkString(old), true) = (old, absent) else { return };
        let carried = self.migrations.get(group).and_then(|m| m.as_ref()?.carry(old));
        if let Some(state) = carried
            && self.cache.import_key(group, &state).is_err()
        {
            self.unreadable += 1;
        }
    }

    fn get_op(&self, group: usize, key: KeyHash) -> Op {
        self.get_named(self.state_name(group, key))
    }

    fn get_named(&self, name: Vec<u8>) -> Op {
        let mut cmd = redis::cmd("GET");
        cmd.arg(&name);
        Op::new(name, cmd)
    }

    fn claim_op(&self, id: u128) -> Op {
        let name = names::claim_key(&self.options.prefix, id);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&name).arg(names::pending_value(self.node, self.batch));
        cmd.arg("NX").arg("GET").arg("PX").arg(self.options.pending_ttl.as_millis() as u64);
        Op::new(name, cmd)
    }

    /// Puts a `GET` reply into the cache and remembers its write token.
    fn put_loaded(&mut self, group: usize, key: KeyHash, reply: &Value) -> Result<(), StateError> {
        let bytes = match reply {
            Value::Nil => return Ok(()),
            Value::BulkString(b) => b,
            Value::ServerError(e) => return Err(StateError::Unavailable(e.to_string())),
            _ => return Err(StateError::Protocol("GET of a state key")),
        };
        let (token, state) = names::split_value(bytes);
        self.loaded.insert((group, key), token.to_vec());
        let imported = state.map(|s| self.cache.import_key(group, s));
        if !matches!(imported, Some(Ok(k)) if k == key) {
            // Unreadable, of another version or another key's: the key starts afresh (the
            // next write replaces it) and the caller sees it counted.
            self.unreadable += 1;
        }
        Ok(())
    }

    fn read_claim(&self, reply: &Value) -> Result<Claim, StateError> {
        match reply {
            Value::Nil | Value::Okay => Ok(Claim::Ours),
            Value::BulkString(b) => Ok(names::read_claim(Some(b), self.node, self.batch)),
            Value::ServerError(e) => Err(StateError::Unavailable(e.to_string())),
            _ => Err(StateError::Protocol("SET NX GET of a claim")),
        }
    }

    fn run(&mut self, ops: &[Op]) -> Result<Vec<Value>, StateError> {
        let timeout = self.options.timeout;
        let conn = &mut self.conn;
        let replies = self.runtime.block_on(async move { tokio::time::timeout(timeout, conn.run(ops)).await });
        match replies {
            Ok(r) => r,
            Err(_) => Err(StateError::Unavailable(format!("no reply within {} ms", timeout.as_millis()))),
        }
    }
}

fn group_infos(layout: &StoreLayout, identities: &[String], margin: Duration) -> Vec<GroupInfo> {
    let lateness = layout.allowed_lateness.0;
    let groups = layout.groups.iter().zip(identities);
    groups
        .map(|(g, id)| {
            let longest = g.features.iter().map(|f| f.window.0).max().unwrap_or(0);
            let ttl = longest.saturating_add(lateness).saturating_add(margin.as_millis() as i64);
            GroupInfo { id: group_id(id, layout), ttl_ms: ttl.max(1) as u64 }
        })
        .collect()
}

/// A group's identity as a number: its text and the store layout (lateness included).
fn group_id(identity: &str, layout: &StoreLayout) -> u64 {
    let text = format!("{identity}|lateness={}", layout.allowed_lateness.0);
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

impl FeatureStore for SharedStore {
    fn apply_and_read(
        &mut self,
        group: usize,
        key: KeyHash,
        at: Timestamp,
        updates: &[Update],
        reads: &[u16],
        out: &mut [AggValue],
    ) {
        if self.down.is_some() {
            out.iter_mut().for_each(|v| *v = AggValue::Missing);
            return;
        }
        if !updates.is_empty() {
            let start = self.updates.len();
            self.updates.extend_from_slice(updates);
            self.calls.push(Call { group, key, at, updates: start..self.updates.len() });
        }
        self.cache.apply_and_read(group, key, at, updates, reads, out);
    }

    /// Keys expire in Redis by TTL (window + lateness + margin), not by sweeps.
    fn expire(&mut self, _watermark: Timestamp) -> usize {
        0
    }

    /// The current batch's cache only: Redis holds the state (see `INFO keyspace`).
    fn stats(&self) -> StoreStats {
        self.cache.stats()
    }
}
