//! An engine's life beyond deciding: replacing its policy in place (hot swap), and saving and
//! restoring its whole state (snapshots) so that a restart continues exactly where it left off.

use std::sync::Arc;

use shrike_dsl::plan::CompiledPolicy;
use shrike_features::{MemoryStore, MigrateError, SnapshotError};
use shrike_types::Timestamp;
use shrike_types::clock::Clock;

use crate::dedup::{Dedup, DedupError};
use crate::engine::Engine;
use crate::layout::{carry_map, store_layout};
use crate::stats::EngineStats;

/// Why a swap or a restore failed. The engine is unchanged after a failed swap.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("feature state cannot move to the new policy: {0}")]
    Migrate(#[from] MigrateError),
    #[error("feature snapshot: {0}")]
    Features(#[from] SnapshotError),
    #[error("dedup snapshot: {0}")]
    Dedup(#[from] DedupError),
    #[error("engine snapshot: {0}")]
    Meta(&'static str),
    #[error("the snapshot was taken under policy version {taken}, not {given}")]
    PolicyMismatch { taken: String, given: String },
}

/// What a swap kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SwapReport {
    /// Features of the new policy whose state carried over from the old one.
    pub carried: Vec<String>,
    /// Features of the new policy that start empty.
    pub fresh: Vec<String>,
}

/// An engine's whole state as bytes, with the policy version it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSnapshot {
    pub policy_version: String,
    pub features: Vec<u8>,
    pub dedup: Vec<u8>,
    /// Watermark and expiry period, 16 bytes.
    pub meta: Vec<u8>,
}

impl Engine<MemoryStore> {
    /// Replaces the policy. Features of the new policy that compute exactly what a feature of
    /// the old one computed ([`crate::layout::feature_identity`]) keep their state; others
    /// start empty. Idempotency memory, watermark and list entries are kept; lists are bound
    /// to the new policy. Between two events, so no event sees a mix of policies.
    pub fn swap_policy(&mut self, new: Arc<CompiledPolicy>) -> Result<SwapReport, LifecycleError> {
        let carry = carry_map(&self.policy, &new);
        let layout = store_layout(&new);
        self.store.check_migration(&layout, &carry)?;
        let placeholder = MemoryStore::new(store_layout(&self.policy)).map_err(MigrateError::from)?;
        let old = std::mem::replace(&mut self.store, placeholder);
        // Cannot fail after `check_migration`; were it to, the engine keeps an empty store
        // of the old layout rather than a half-moved one.
        self.store = old.migrate(layout, &carry)?;
        let report = swap_report(&new, &carry);
        self.lists.bind(&new);
        self.stats = EngineStats::new(&new);
        self.scratch = crate::engine::Scratch::for_policy(&new);
        self.policy = new;
        Ok(report)
    }

    /// The whole state: features, idempotency memory, watermark.
    pub fn snapshot(&self) -> EngineSnapshot {
        let mut meta = Vec::with_capacity(16);
        meta.extend_from_slice(&self.watermark.0.to_le_bytes());
        meta.extend_from_slice(&self.last_expiry_period.to_le_bytes());
        EngineSnapshot {
            policy_version: self.policy.version.to_string(),
            features: self.store.snapshot(),
            dedup: self.dedup.snapshot(),
            meta,
        }
    }

    /// An engine for `policy` in the state `snap` recorded; the policy must be the version the
    /// snapshot was taken under. List entries are not part of it (the service reloads them).
    pub fn restore(
        policy: Arc<CompiledPolicy>,
        snap: &EngineSnapshot,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LifecycleError> {
        if snap.policy_version != *policy.version {
            let given = policy.version.to_string();
            return Err(LifecycleError::PolicyMismatch { taken: snap.policy_version.clone(), given });
        }
        let store = MemoryStore::restore(store_layout(&policy), &snap.features)?;
        let (watermark, period) = match (snap.meta.get(..8), snap.meta.get(8..16)) {
            (Some(w), Some(p)) if snap.meta.len() == 16 => (word(w), word(p)),
            _ => return Err(LifecycleError::Meta("expected 16 bytes")),
        };
        let retention = crate::engine::dedup_retention(&policy);
        let dedup = Dedup::restore(retention, &snap.dedup)?;
        let mut engine = Engine::new(policy, store, clock);
        engine.dedup = dedup;
        engine.watermark = Timestamp(watermark);
        engine.last_expiry_period = period;
        Ok(engine)
    }
}

fn word(b: &[u8]) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    i64::from_le_bytes(a)
}

fn swap_report(new: &CompiledPolicy, carry: &[shrike_features::GroupCarry]) -> SwapReport {
    let mut report = SwapReport::default();
    for f in &new.features {
        let kept = carry.get(f.group).and_then(|g| g.get(usize::from(f.slot))).is_some_and(Option::is_some);
        let name = f.name.to_string();
        if kept { report.carried.push(name) } else { report.fresh.push(name) }
    }
    report
}
