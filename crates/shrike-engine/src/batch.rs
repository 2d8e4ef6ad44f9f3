//! Deciding a run of events with their state loads overlapped.
//!
//! Each event touches one entity slot per key group, at random in tables far larger than the
//! CPU caches, so deciding events one by one waits for main memory once or twice per event.
//! What an event's keys are does not depend on any state, so they can be computed a few
//! events early: [`Engine::decide_batch`] prepares event `i + LOOKAHEAD` (its id hash and its
//! key hashes) and asks the store to prefetch those slots while it decides event `i`. The
//! decisions are exactly those of calling [`Engine::decide`] on each event in order: the
//! prefetch is a hint that changes no state, and events are still applied one at a time.

use shrike_dsl::eval::EvalCtx;
use shrike_features::{FeatureStore, KeyHash};
use shrike_types::clock::ManualClock;
use shrike_types::{Decision, Event};

use crate::Engine;
use crate::keys;

/// How many events ahead of the one being decided a batch prepares an event and starts its
/// lookups (the store's index words, the dedup memory's). Each stage of a lookup needs what
/// the previous one loaded, so the stages are an event or more apart: far enough that a line
/// arrives from memory (~100 ns) before the next stage reads it (an event takes ~1 µs),
/// near enough that the prefetched lines are still in the L1 cache when the event is
/// decided (measured: two events apart was slower than one).
pub const LOOKAHEAD: usize = 3;
/// How many events ahead the second stage loads the keys' feature states.
const STATE_AHEAD: usize = 2;
/// How many events ahead the third stage loads what the states point to.
const CELLS_AHEAD: usize = 1;

/// The prefetch stages, in order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Where the lookups start (reads nothing).
    Index,
    /// The keys' feature states.
    State,
    /// What the states point to.
    Cells,
}

/// What an event needs that is a pure function of the policy and the event: its type's plan,
/// its id hash, and the key of each key group the type touches.
#[derive(Debug, Default, Clone)]
pub struct Prepared {
    pub(crate) type_index: usize,
    pub(crate) id: u128,
    /// One per entry of the type plan's `groups`; `None` when a key value is missing.
    pub(crate) keys: Vec<Option<KeyHash>>,
}

impl<S: FeatureStore> Engine<S> {
    /// Computes `p` for `event`; touches no state.
    pub(crate) fn prepare(&mut self, event: &Event<'_>, p: &mut Prepared) {
        let (policy, lists, key) = self.prepare_parts();
        p.type_index = policy.type_index(&event.event_type);
        p.id = keys::hash_id(&event.event_id);
        p.keys.clear();
        let ctx = EvalCtx { event, features: &[], lists };
        for work in &policy.per_type[p.type_index].groups {
            key.clear();
            let keyed = policy.groups[work.group].keys.iter().all(|k| keys::encode_expr(k, &ctx, key));
            p.keys.push(keyed.then(|| keys::key_hash(key)));
        }
    }

    /// Starts loading, at `stage`, the state `p`'s event will touch.
    fn prefetch(&self, p: &Prepared, stage: Stage) {
        if stage == Stage::Index {
            self.dedup_ref().prefetch(p.id);
        }
        let store = self.store_ref();
        let groups = &self.policy().per_type[p.type_index].groups;
        for (work, key) in groups.iter().zip(&p.keys) {
            let Some(key) = *key else { continue };
            match stage {
                Stage::Index => store.prefetch(work.group, key),
                Stage::State => store.prefetch_state(work.group, key),
                Stage::Cells => store.prefetch_cells(work.group, key),
            }
        }
    }

    /// Decides `events` in order, exactly as calling [`Engine::decide`] on each, and hands each
    /// decision to `sink` with its event. With a `clock`, it is set to each event's time
    /// before the event is decided (as replay does, for deterministic `evaluated_at`).
    pub fn decide_batch<'e>(
        &mut self,
        events: &[Event<'e>],
        clock: Option<&ManualClock>,
        mut sink: impl FnMut(&Event<'e>, Decision),
    ) {
        self.pipeline(events, |engine, event, p| {
            if let Some(c) = clock {
                c.set(event.timestamp);
            }
            let d = engine.decide_prepared(event, p);
            sink(event, d);
        });
    }

    /// [`Engine::decide_batch`] with the engine in reach around each event: `before` runs
    /// before the event is decided (and before the clock is set to its time) and may decide
    /// other events on the engine first (a backtest's late labels); `after` sees the engine
    /// right after the decision, while it still holds the event's feature values.
    pub fn decide_batch_hooked<'e>(
        &mut self,
        events: &[Event<'e>],
        clock: Option<&ManualClock>,
        mut before: impl FnMut(&mut Self, &Event<'e>),
        mut after: impl FnMut(&Self, &Event<'e>, Decision),
    ) {
        self.pipeline(events, |engine, event, p| {
            before(engine, event);
            if let Some(c) = clock {
                c.set(event.timestamp);
            }
            let d = engine.decide_prepared(event, p);
            after(engine, event, d);
        });
    }

    /// [`Engine::features_only`] over a run of events, with the same prefetching; `sink`
    /// hears what happened to each event, in order.
    pub fn features_only_batch(&mut self, events: &[Event<'_>], mut sink: impl FnMut(crate::engine::Applied)) {
        self.pipeline(events, |engine, event, p| sink(engine.features_only_prepared(event, p)));
    }

    /// Runs `step` on each event in order, with event `i + LOOKAHEAD` prepared and its
    /// lookups started before event `i`'s step, and the later prefetch stages of the events
    /// in between advanced.
    fn pipeline<'e>(&mut self, events: &[Event<'e>], mut step: impl FnMut(&mut Self, &Event<'e>, &Prepared)) {
        let slots = LOOKAHEAD + 1;
        let mut ring = std::mem::take(&mut self.ring);
        ring.resize_with(slots, Prepared::default);
        // The first events get their stages in quick succession: better late than never.
        for (i, event) in events.iter().enumerate().take(LOOKAHEAD) {
            self.prepare(event, &mut ring[i % slots]);
            self.prefetch(&ring[i % slots], Stage::Index);
        }
        for p in ring.iter().take(STATE_AHEAD.min(events.len())) {
            self.prefetch(p, Stage::State);
        }
        for (i, event) in events.iter().enumerate() {
            if let Some(ahead) = events.get(i + LOOKAHEAD) {
                let slot = &mut ring[(i + LOOKAHEAD) % slots];
                self.prepare(ahead, slot);
                self.prefetch(slot, Stage::Index);
            }
            if i + STATE_AHEAD < events.len() {
                self.prefetch(&ring[(i + STATE_AHEAD) % slots], Stage::State);
            }
            if i + CELLS_AHEAD < events.len() {
                self.prefetch(&ring[(i + CELLS_AHEAD) % slots], Stage::Cells);
            }
            step(self, event, &ring[i % slots]);
        }
        self.ring = ring;
    }
}
