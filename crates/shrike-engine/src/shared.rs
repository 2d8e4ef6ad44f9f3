//! What a shared (remote) feature store needs from the engine around a batch: the keys the
//! batch will touch, computed before any of its events is decided, so that the store can
//! load them all in one round trip and write them back in one after the batch (the
//! scale-out mode, `shrike-redis`). The engine itself stays synchronous and storage-agnostic:
//! `decide_batch` runs unchanged on whatever the store loaded.

use shrike_features::{FeatureStore, KeyHash};
use shrike_types::Event;

use crate::Engine;
use crate::batch::Prepared;

impl<S: FeatureStore> Engine<S> {
    /// The store, for a caller that loads and commits it around batches.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Appends to `out` every `(group, key)` that deciding `events` will pass to the store
    /// (in event order, repeats included; an event with a missing key value touches none for
    /// that group). A pure function of the policy, the lists and the events: no state changes.
    pub fn batch_keys(&mut self, events: &[Event<'_>], out: &mut Vec<(usize, KeyHash)>) {
        let mut p = Prepared::default();
        for event in events {
            self.prepare(event, &mut p);
            let groups = &self.policy.per_type[p.type_index].groups;
            out.extend(groups.iter().zip(&p.keys).filter_map(|(w, k)| k.map(|k| (w.group, k))));
        }
    }

    /// The `(group, key)` pairs that [`Engine::entity_features`] reads for `field = value`.
    pub fn entity_keys(&self, field: shrike_types::Field, value: &shrike_types::Value<'_>) -> Vec<(usize, KeyHash)> {
        let mut key = Vec::new();
        if !crate::keys::encode(value, &mut key) {
            return Vec::new();
        }
        let key = crate::keys::key_hash(&key);
        let single = |g: &shrike_dsl::plan::GroupDef| matches!(g.keys.as_slice(), [shrike_dsl::ir::Expr::Field(f)] if *f == field);
        self.policy.groups.iter().enumerate().filter(|(_, g)| single(g)).map(|(g, _)| (g, key)).collect()
    }
}

impl<S: FeatureStore> Engine<S> {
    /// Replaces the policy and nothing else: the store must already serve the new policy's
    /// layout (a shared store, relaid out by its owner, whose state lives elsewhere). Lists
    /// are bound to the new policy; idempotency memory and watermark are kept.
    pub fn set_policy(&mut self, policy: std::sync::Arc<shrike_dsl::plan::CompiledPolicy>) {
        self.lists.bind(&policy);
        self.stats = crate::stats::EngineStats::new(&policy);
        self.scratch.features = vec![shrike_types::Value::Missing; policy.features.len()];
        self.policy = policy;
    }
}
