//! The scale-out mode's engine thread: the same queue, batching and engine as [`crate::worker`],
//! with feature state, idempotency and the list feed in Redis ([`shrike_redis`]) instead of
//! this process, so that any number of stateless nodes give one node's decisions.
//!
//! Per batch of decide requests: one round trip loads every key the batch touches and claims
//! every event id; the engine decides the claimed events on the loaded state; one round trip
//! writes the updated keys (compare-and-set) and records each outcome in its claim; only then
//! are the requests answered. There is no journal: Redis is the source of truth for feature
//! state and idempotency, the records store for policies and lists. An event answered without
//! `degraded` is in Redis.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use shrike_dsl::CompiledPolicy;
use shrike_engine::Engine;
use shrike_engine::layout::{feature_identity, store_layout};
use shrike_redis::{Claim, SharedStore};
use shrike_types::parse::parse_event;
use shrike_types::{Decision, Event, EventId, NotApplied, Outcome};

use crate::entity::EventEntities;
use crate::journal::LoadedPolicy;
use crate::metrics::Metrics;
use crate::sink::{DecisionSink, LoggedDecision};
use crate::worker::{Command, Control, DecideRequest, Decided, EngineHandle, EntityView, IngestRequest, Ingested};

/// Everything the scale-out engine thread owns.
pub struct ScaleWorker {
    pub live: LoadedPolicy,
    pub engine: Engine<SharedStore>,
    pub sink: DecisionSink,
    pub metrics: Arc<Metrics>,
    pub batch: usize,
    /// Answered for an event another node is deciding (or died deciding).
    pub fallback: Outcome,
    /// The least severe outcome of a degraded decision, if set.
    pub degraded_outcome: Option<Outcome>,
    /// Publishes list changes to the other nodes.
    pub feed: Option<crate::scale_sync::ListFeed>,
    /// Unreadable stored keys reported so far (each one is logged once).
    pub unreadable: u64,
}

/// Per key group of `policy`: the identities of its features, which name its Redis keys.
pub fn group_identities(policy: &CompiledPolicy) -> Vec<String> {
    let group = |g: &shrike_dsl::plan::GroupDef| {
        g.features.iter().map(|f| feature_identity(policy, policy.feature(*f))).collect::<Vec<_>>().join("\n")
    };
    policy.groups.iter().map(group).collect()
}

/// Starts the engine thread with a queue of `capacity` commands.
pub fn spawn(
    worker: ScaleWorker,
    capacity: usize,
) -> std::io::Result<(EngineHandle, std::thread::JoinHandle<Option<crate::worker::Worker>>)> {
    let (tx, rx) = sync_channel(capacity);
    let handle = EngineHandle::new(tx, Arc::clone(&worker.metrics));
    let thread = std::thread::Builder::new().name("shrike-engine".into()).spawn(move || {
        worker.run(rx);
        None
    })?;
    Ok((handle, thread))
}

/// What happened to one event of a batch.
enum Fate {
    /// Claimed here: decided by the engine.
    Decide,
    /// Decided before (this or another node): the original outcome.
    Known { outcome: Outcome, score: u8 },
    /// Being decided by another node, or its node died mid-event: not applied again.
    Elsewhere,
}

impl ScaleWorker {
    fn run(mut self, rx: Receiver<Command>) {
        let mut batch = Vec::with_capacity(self.batch);
        while let Ok(first) = rx.recv() {
            batch.push(first);
            while batch.len() < self.batch {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            self.metrics.queue_depth.sub(batch.len() as i64);
            if !self.process(&mut batch) {
                break;
            }
        }
    }

    fn process(&mut self, batch: &mut Vec<Command>) -> bool {
        let mut decides = Vec::new();
        for cmd in batch.drain(..) {
            match cmd {
                Command::Decide(r) => decides.push(r),
                Command::Ingest(r) => {
                    self.decide_all(&mut decides);
                    self.ingest(r);
                }
                Command::Control(c) => {
                    self.decide_all(&mut decides);
                    self.control(c);
                }
                Command::Shutdown => {
                    self.decide_all(&mut decides);
                    return false;
                }
            }
        }
        self.decide_all(&mut decides);
        true
    }

    /// Loads the batch's keys and claims its ids; what each event's claim says.
    fn begin(&mut self, events: &[Event<'_>]) -> Vec<Fate> {
        let ids: Vec<u128> = events.iter().map(|e| shrike_engine::keys::hash_id(&e.event_id)).collect();
        let mut keys = Vec::new();
        self.engine.batch_keys(events, &mut keys);
        match self.engine.store_mut().begin(&keys, &ids) {
            Ok(claims) => {
                let unreadable = self.engine.store().unreadable;
                if unreadable > self.unreadable {
                    let keys = unreadable - self.unreadable;
                    tracing::error!(
                        keys,
                        "stored feature state unreadable (another version, or damaged): started afresh"
                    );
                    self.unreadable = unreadable;
                }
                claims.into_iter().map(fate).collect()
            }
            Err(e) => {
                tracing::warn!(error = %e, events = events.len(), "shared state unavailable: deciding degraded");
                events.iter().map(|_| Fate::Decide).collect()
            }
        }
    }

    /// Decides a run of requests as one batch (see the module docs), then answers them.
    fn decide_all(&mut self, requests: &mut Vec<DecideRequest>) {
        if requests.is_empty() {
            return;
        }
        let (events, kept) = crate::worker::parse_all(requests);
        let fates = self.begin(&events);
        let mine: Vec<Event<'_>> =
            events.iter().zip(&fates).filter(|(_, f)| matches!(f, Fate::Decide)).map(|(e, _)| e.clone()).collect();
        let mut decided = Vec::with_capacity(mine.len());
        self.engine.decide_batch(&mine, None, |_, d| decided.push(d));
        let finals = finals(&mine, &decided);
        let committed = self.commit(&finals);
        let degraded = self.engine.store().is_degraded() || !committed;
        let mut decided = decided.into_iter();
        let entities: Vec<EventEntities> = events.iter().map(EventEntities::of).collect();
        let answers: Vec<(Decision, bool)> = events
            .iter()
            .zip(fates)
            .map(|(e, f)| match f {
                Fate::Decide => (decided.next().unwrap_or_else(|| self.elsewhere(e)), degraded),
                Fate::Known { outcome, score } => (self.known(e, outcome, score), false),
                Fate::Elsewhere => (self.elsewhere(e), true),
            })
            .collect();
        drop(events);
        let mut taken: Vec<Option<DecideRequest>> = requests.drain(..).map(Some).collect();
        for ((&i, (decision, degraded)), entities) in kept.iter().zip(answers).zip(entities) {
            let Some(req) = taken[i].take() else { continue };
            let decision = self.degrade(decision, degraded);
            let decision_id = decision.event_id.to_string();
            self.answer(req, Decided { decision_id, decision, shadow: None, degraded }, entities);
        }
    }

    /// Writes the batch's state and claims; `false` when that failed (the batch's events
    /// may be partly applied and are answered as degraded).
    fn commit(&mut self, finals: &[(u128, Option<(Outcome, u8)>)]) -> bool {
        match self.engine.store_mut().commit(finals) {
            Ok(stats) => {
                if stats.conflicts > 0 {
                    tracing::debug!(conflicts = stats.conflicts, rounds = stats.rounds, "keys written concurrently");
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "shared state commit failed: answering degraded");
                false
            }
        }
    }

    /// A degraded decision's outcome is at least `degraded_outcome`.
    fn degrade(&self, mut d: Decision, degraded: bool) -> Decision {
        if let (true, Some(floor)) = (degraded, self.degraded_outcome)
            && d.outcome < floor
        {
            d.outcome = floor;
        }
        d
    }

    fn known(&self, event: &Event<'_>, outcome: Outcome, score: u8) -> Decision {
        self.not_applied(event, outcome, score)
    }

    fn elsewhere(&self, event: &Event<'_>) -> Decision {
        self.not_applied(event, self.fallback, 0)
    }

    fn not_applied(&self, event: &Event<'_>, outcome: Outcome, score: u8) -> Decision {
        Decision {
            event_id: EventId::new(&event.event_id),
            outcome,
            score,
            reasons: Vec::new(),
            shadow_hits: Vec::new(),
            features: Vec::new(),
            models: Vec::new(),
            policy_version: Arc::clone(&self.engine.policy().version),
            event_time: event.timestamp,
            evaluated_at: shrike_types::clock::Clock::now(&shrike_types::clock::SystemClock),
            not_applied: Some(NotApplied::Duplicate),
        }
    }

    fn answer(&mut self, req: DecideRequest, decided: Decided, entities: EventEntities) {
        self.metrics.record_decision(&decided.decision);
        if decided.degraded {
            self.metrics.degraded.inc();
        }
        let latency_us = req.received.elapsed_nanos() / 1_000;
        let logged = LoggedDecision {
            decision_id: decided.decision_id.clone(),
            decision: decided.decision.clone(),
            shadow: None,
            entities,
            latency_us,
            answered: true,
        };
        let duplicate = decided.decision.not_applied == Some(NotApplied::Duplicate);
        let answered = req.reply.send(decided).is_ok();
        if !answered {
            self.metrics.deadline_missed.inc();
        }
        if !duplicate {
            self.sink.push(LoggedDecision { answered, ..logged });
        }
    }

    fn ingest(&mut self, r: IngestRequest) {
        let events: Vec<Event<'_>> = r.bodies.iter().filter_map(|b| parse_event(b).ok()).collect();
        let fates = self.begin(&events);
        let mine: Vec<Event<'_>> =
            events.iter().zip(&fates).filter(|(_, f)| matches!(f, Fate::Decide)).map(|(e, _)| e.clone()).collect();
        let mut applied = Vec::with_capacity(mine.len());
        self.engine.features_only_batch(&mine, |a| applied.push(a));
        let ids = mine.iter().map(|e| shrike_engine::keys::hash_id(&e.event_id));
        let finals: Vec<_> = ids
            .zip(&applied)
            .filter(|(_, a)| **a != shrike_engine::Applied::Duplicate)
            .map(|(id, a)| (id, (*a == shrike_engine::Applied::Applied).then_some((Outcome::Allow, 0))))
            .collect();
        let committed = self.commit(&finals);
        // Degraded: nothing (or not all) of the batch reached Redis; the caller sends it again.
        let degraded = self.engine.store().is_degraded() || !committed;
        let mut applied = applied.into_iter();
        let results = fates
            .iter()
            .map(|f| match f {
                Fate::Decide => {
                    let a = applied.next().map_or(Ingested::Duplicate, Ingested::from);
                    if degraded { Ingested::Unavailable } else { a }
                }
                Fate::Known { .. } => Ingested::Duplicate,
                Fate::Elsewhere => Ingested::Unavailable,
            })
            .collect();
        self.metrics.ingested.add(events.len() as u64);
        let _ = r.reply.send(results);
    }

    fn control(&mut self, c: Control) {
        match c {
            Control::Publish { policy, reply } => {
                let _ = reply.send(self.publish(policy));
            }
            Control::SetShadow { reply, .. } => {
                let _ = reply.send(Err("shadow policies are not available in scale-out mode".into()));
            }
            Control::ListAdd { list, value, expires, reply } => {
                let result = self.engine.lists_mut().add(&list, &value, expires).map_err(|e| e.to_string());
                self.publish_list(crate::journal::ListRecord::add(&list, &value, expires));
                let _ = reply.send(result);
            }
            Control::ListRemove { list, value, reply } => {
                let removed = self.engine.lists_mut().remove(&list, &value);
                self.publish_list(crate::journal::ListRecord::remove(&list, &value));
                let _ = reply.send(removed);
            }
            Control::Entity { kind, value, reply } => {
                let field = crate::entity::field(kind);
                let keys = self.engine.entity_keys(field, &value);
                let _ = self.engine.store_mut().begin(&keys, &[]);
                let features = self.engine.entity_features(field, &value);
                let lists = self.engine.lists_containing(&value);
                let _ = reply.send(EntityView { features, lists });
            }
            Control::Snapshot { reply } => {
                // Nothing to snapshot: the state is in Redis.
                let _ = reply.send(Ok(0));
            }
            Control::RemoteList { change, reply } => {
                self.apply_remote_list(change);
                let _ = reply.send(());
            }
        }
    }

    /// Applies a list change another node published (no re-publishing).
    fn apply_remote_list(&mut self, change: crate::journal::ListChange) {
        match change {
            crate::journal::ListChange::Add { list, value, expires } => {
                let _ = self.engine.lists_mut().add(&list, &value, expires);
            }
            crate::journal::ListChange::Remove { list, value } => {
                self.engine.lists_mut().remove(&list, &value);
            }
        }
    }

    fn publish_list(&mut self, record: crate::journal::ListRecord) {
        if let Some(feed) = &mut self.feed
            && let Err(e) = feed.publish(record.as_bytes())
        {
            tracing::warn!(error = %e, "list change not published to other nodes (they see it after restart)");
        }
    }

    /// Replaces the policy on the same shared store (relaid out), keeping the lists. Groups
    /// whose features are unchanged keep their Redis keys; features unchanged in a changed
    /// group carry their state over as their keys are first touched (as in embedded mode).
    fn publish(&mut self, policy: LoadedPolicy) -> Result<shrike_engine::lifecycle::SwapReport, String> {
        if policy.version == self.live.version {
            // Published through this node, then seen again by the follower: nothing to do.
            return Ok(shrike_engine::lifecycle::SwapReport::default());
        }
        let compiled = Arc::clone(&policy.compiled);
        let ids = group_identities(&compiled);
        let carry = shrike_engine::layout::carry_map(self.engine.policy(), &compiled);
        self.engine.store_mut().relayout(store_layout(&compiled), &ids, &carry).map_err(|e| e.to_string())?;
        self.engine.set_policy(compiled);
        self.live = policy;
        self.metrics.reset_rules();
        Ok(shrike_engine::lifecycle::SwapReport::default())
    }
}

fn fate(claim: Claim) -> Fate {
    match claim {
        Claim::Ours => Fate::Decide,
        Claim::Decided { outcome, score } => Fate::Known { outcome, score },
        Claim::Pending => Fate::Elsewhere,
    }
}

/// What each decided event's claim becomes: its outcome when applied, or when the engine
/// answered it from its own memory (a repeat within the batch, or a claim Redis lost: the
/// original outcome either way); released when late, so that a later redelivery is decided
/// again, as in embedded mode.
fn finals(events: &[Event<'_>], decisions: &[Decision]) -> Vec<(u128, Option<(Outcome, u8)>)> {
    let fate = |d: &Decision| match d.not_applied {
        None | Some(NotApplied::Duplicate) => Some((d.outcome, d.score)),
        Some(NotApplied::Late) => None,
    };
    events.iter().zip(decisions).map(|(e, d)| (shrike_engine::keys::hash_id(&e.event_id), fate(d))).collect()
}
