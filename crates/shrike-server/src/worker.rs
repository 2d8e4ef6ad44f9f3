//! The engine thread. One thread owns the engine (and the shadow engine): every event and
//! every state change (policy swap, list change) passes through its bounded queue in one
//! total order, which is what makes the service deterministic and its log replayable.
//!
//! The thread takes up to `engine.batch` commands at a time; consecutive decide requests
//! are decided as one batch ([`shrike_engine::Engine::decide_batch`], which overlaps their
//! memory loads), journaled together and committed together (group commit), then answered.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use bytes::Bytes;
use shrike_engine::Engine;
use shrike_engine::lifecycle::SwapReport;
use shrike_features::MemoryStore;
use shrike_types::clock::Stopwatch;
use shrike_types::parse::parse_event;
use shrike_types::{Decision, Event, FeatureReading, Timestamp, Value};

use crate::entity::{EntityKind, EventEntities};
use tokio::sync::oneshot;

use crate::dlog::{DecisionOut, ToLog};
use crate::journal::{Journal, Kind, ListRecord, LoadedPolicy, PolicyRecord};
use crate::metrics::Metrics;
use crate::sink::LoggedDecision;

/// A decide request: the event's JSON (already validated by the handler), when the request
/// arrived, and where to send the answer.
pub struct DecideRequest {
    pub body: Bytes,
    pub received: Stopwatch,
    pub reply: oneshot::Sender<Decided>,
}

/// The engine's answer to one decide request.
#[derive(Debug)]
pub struct Decided {
    pub decision_id: String,
    pub decision: Decision,
    pub shadow: Option<Decision>,
    /// Decided without full service (the scale-out mode's shared state unreachable, or the
    /// event in flight on another node): answered marked `degraded`.
    pub degraded: bool,
}

/// Events to apply to the features without a decision (`POST /v1/events`).
pub struct IngestRequest {
    pub bodies: Vec<Bytes>,
    pub reply: oneshot::Sender<Vec<Ingested>>,
}

/// What happened to one ingested event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ingested {
    /// Applied to the feature state.
    Applied,
    /// Its `event_id` was seen before: nothing changed.
    Duplicate,
    /// Older than the watermark minus the lateness: not applied.
    Late,
    /// Not applied now, to be sent again later: a scale-out node whose shared state is
    /// unreachable, or an event another node is applying (or died applying).
    Unavailable,
}

impl From<shrike_engine::Applied> for Ingested {
    fn from(a: shrike_engine::Applied) -> Self {
        match a {
            shrike_engine::Applied::Applied => Ingested::Applied,
            shrike_engine::Applied::Duplicate => Ingested::Duplicate,
            shrike_engine::Applied::Late => Ingested::Late,
        }
    }
}

/// An entity's current state in the engine.
#[derive(Debug, Clone)]
pub struct EntityView {
    pub features: Vec<FeatureReading>,
    pub lists: Vec<String>,
}

/// A change of engine state other than an event.
pub enum Control {
    Publish {
        policy: LoadedPolicy,
        reply: oneshot::Sender<Result<SwapReport, String>>,
    },
    SetShadow {
        policy: Option<LoadedPolicy>,
        reply: oneshot::Sender<Result<(), String>>,
    },
    ListAdd {
        list: String,
        value: String,
        expires: Option<Timestamp>,
        reply: oneshot::Sender<Result<(), String>>,
    },
    ListRemove {
        list: String,
        value: String,
        reply: oneshot::Sender<bool>,
    },
    Entity {
        kind: EntityKind,
        value: Value<'static>,
        reply: oneshot::Sender<EntityView>,
    },
    Snapshot {
        reply: oneshot::Sender<Result<u64, String>>,
    },
    /// A list change another scale-out node made (already in the records store): applied to
    /// the lists without being published again.
    RemoteList {
        change: crate::journal::ListChange,
        reply: oneshot::Sender<()>,
    },
}

pub enum Command {
    Decide(DecideRequest),
    Ingest(IngestRequest),
    Control(Control),
    /// Finish what was queued before this, then stop.
    Shutdown,
}

/// Why a command was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue is at capacity: shed (503 with `Retry-After`).
    Full,
    /// The engine thread has stopped (shutting down).
    Stopped,
}

/// The handlers' side of the queue.
#[derive(Clone)]
pub struct EngineHandle {
    tx: SyncSender<Command>,
    metrics: Arc<Metrics>,
}

impl EngineHandle {
    /// The handle of a queue whose receiving end an engine thread owns.
    pub fn new(tx: SyncSender<Command>, metrics: Arc<Metrics>) -> Self {
        EngineHandle { tx, metrics }
    }

    /// Queues `cmd` without waiting.
    pub fn send(&self, cmd: Command) -> Result<(), Refused> {
        self.offer(cmd).map_err(|(r, _)| r)
    }

    /// Queues `cmd` without waiting, or hands it back with the reason: a stream consumer
    /// waits for room and offers it again rather than dropping it.
    pub fn offer(&self, cmd: Command) -> Result<(), (Refused, Command)> {
        match self.tx.try_send(cmd) {
            Ok(()) => {
                self.metrics.queue_depth.inc();
                Ok(())
            }
            Err(TrySendError::Full(c)) => Err((Refused::Full, c)),
            Err(TrySendError::Disconnected(c)) => Err((Refused::Stopped, c)),
        }
    }

    /// Asks the engine thread to stop after the commands queued so far; waits for room in
    /// the queue (call it from a blocking context).
    pub fn shutdown(&self) {
        if self.tx.send(Command::Shutdown).is_ok() {
            self.metrics.queue_depth.inc();
        }
    }
}

/// The decisions of a batch as the embedded log takes them (redeliveries left out: their
/// original decision is logged). `answered` is false when the caller has given up already
/// (its deadline passed and it got the fallback answer).
fn to_log(answers: &[(DecideRequest, Decided, EventEntities)]) -> Vec<ToLog<'_>> {
    answers
        .iter()
        .filter(|(_, d, _)| d.decision.not_applied != Some(shrike_types::NotApplied::Duplicate))
        .map(|(req, d, entities)| ToLog {
            decision_id: &d.decision_id,
            decision: &d.decision,
            shadow: d.shadow.as_ref(),
            entities,
            latency_us: req.received.elapsed_nanos() / 1_000,
            answered: !req.reply.is_closed(),
        })
        .collect()
}

/// Everything the engine thread owns.
pub struct Worker {
    pub live: LoadedPolicy,
    pub engine: Engine<MemoryStore>,
    pub shadow: Option<(LoadedPolicy, Engine<MemoryStore>)>,
    pub journal: Box<dyn Journal>,
    /// Where decisions are logged: by this thread before answering, or queued after.
    pub out: DecisionOut,
    pub metrics: Arc<Metrics>,
    pub batch: usize,
    pub snapshot_every: u64,
    /// Commands logged since the last snapshot.
    pub since_snapshot: u64,
    /// When the state-size gauges were last updated.
    pub stats_at: Option<Stopwatch>,
}

/// How often the engine thread refreshes the state-size gauges (a walk over every key).
pub const STATS_EVERY_SECS: f64 = 10.0;

/// Starts the engine thread with a queue of `capacity` commands.
pub fn spawn(
    worker: Worker,
    capacity: usize,
) -> std::io::Result<(EngineHandle, std::thread::JoinHandle<Option<Worker>>)> {
    let (tx, rx) = sync_channel(capacity);
    let metrics = Arc::clone(&worker.metrics);
    let thread = std::thread::Builder::new().name("shrike-engine".into()).spawn(move || Some(worker.run(rx)))?;
    Ok((EngineHandle { tx, metrics }, thread))
}

impl Worker {
    /// Serves commands until every handle is dropped; returns itself for the shutdown
    /// snapshot.
    fn run(mut self, rx: Receiver<Command>) -> Self {
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
            self.refresh_gauges();
        }
        self
    }

    /// Runs a batch in order; `false` once it met [`Command::Shutdown`] (what followed it in
    /// the batch is dropped, its callers see the engine gone).
    /// Keys and bytes of feature state, for `/metrics`, at most every [`STATS_EVERY_SECS`].
    fn refresh_gauges(&mut self) {
        if self.stats_at.is_some_and(|t| t.elapsed_secs_f64() < STATS_EVERY_SECS) {
            return;
        }
        self.stats_at = Some(Stopwatch::start());
        use shrike_features::FeatureStore;
        let st = self.engine.store().stats();
        self.metrics.feature_keys.set(st.keys() as i64);
        self.metrics.feature_bytes.set(st.heap_bytes as i64);
    }

    fn process(&mut self, batch: &mut Vec<Command>) -> bool {
        let mut decides = Vec::new();
        let mut running = true;
        for cmd in batch.drain(..) {
            if !running {
                continue;
            }
            match cmd {
                Command::Decide(r) => decides.push(r),
                other => {
                    self.decide_all(&mut decides);
                    match other {
                        Command::Ingest(r) => self.ingest(r),
                        Command::Control(c) => self.control(c),
                        Command::Shutdown => running = false,
                        Command::Decide(_) => {}
                    }
                }
            }
        }
        self.decide_all(&mut decides);
        running
    }

    /// Decides a run of requests as one engine batch, journals them as one write, commits,
    /// then answers. A body that no longer parses (it did in the handler) is dropped
    /// unanswered: the handler reports an internal error.
    fn decide_all(&mut self, requests: &mut Vec<DecideRequest>) {
        if requests.is_empty() {
            return;
        }
        let (events, kept) = parse_all(requests);
        let bodies: Vec<&[u8]> = kept.iter().map(|&i| requests[i].body.as_ref()).collect();
        let first = match self.journal.append(Kind::Event, &bodies) {
            Ok(pos) => pos,
            Err(e) => {
                tracing::error!(error = %e, "journal append failed; requests not applied");
                self.metrics.journal_errors.inc();
                requests.clear();
                return;
            }
        };
        let mut decisions = Vec::with_capacity(events.len());
        self.engine.decide_batch(&events, None, |_, d| decisions.push(d));
        let mut shadows: Vec<Option<Decision>> = vec![None; events.len()];
        if let Some((_, shadow)) = &mut self.shadow {
            let mut i = 0;
            shadow.decide_batch(&events, None, |_, d| {
                shadows[i] = Some(d);
                i += 1;
            });
        }
        let entities: Vec<EventEntities> = events.iter().map(EventEntities::of).collect();
        drop(events);
        self.commit(kept.len() as u64);
        let _ = first;
        let mut taken: Vec<Option<DecideRequest>> = requests.drain(..).map(Some).collect();
        let replies = kept.iter().zip(decisions).zip(shadows).zip(entities);
        let answers: Vec<(DecideRequest, Decided, EventEntities)> = replies
            .filter_map(|(((&i, decision), shadow), entities)| {
                let req = taken[i].take()?;
                // The decision is known by its event's id: callers have it, a redelivery maps
                // to the same decision, and a fallback answer names the decision the engine makes.
                let decision_id = decision.event_id.to_string();
                Some((req, Decided { decision_id, decision, shadow, degraded: false }, entities))
            })
            .collect();
        if let DecisionOut::Embedded(log) = &mut self.out {
            log.append(&to_log(&answers));
        }
        for (req, decided, entities) in answers {
            self.answer(req, decided, entities);
        }
    }

    fn answer(&mut self, req: DecideRequest, decided: Decided, entities: EventEntities) {
        self.metrics.record_decision(&decided.decision);
        let latency_us = req.received.elapsed_nanos() / 1_000;
        // A redelivery is answered from the original decision, which is logged already; in
        // embedded mode every other decision was logged before this answer.
        let duplicate = decided.decision.not_applied == Some(shrike_types::NotApplied::Duplicate);
        let logged = (!duplicate && !self.out.before_answer()).then(|| LoggedDecision {
            decision_id: decided.decision_id.clone(),
            decision: decided.decision.clone(),
            shadow: decided.shadow.clone(),
            entities,
            latency_us,
            answered: true,
        });
        let answered = req.reply.send(decided).is_ok();
        if !answered {
            // The caller's deadline passed first: it was answered with the fallback.
            self.metrics.deadline_missed.inc();
        }
        if let Some(logged) = logged {
            self.out.push(LoggedDecision { answered, ..logged });
        }
    }

    fn ingest(&mut self, r: IngestRequest) {
        let bodies: Vec<&[u8]> = r.bodies.iter().map(Bytes::as_ref).collect();
        if let Err(e) = self.journal.append(Kind::Ingest, &bodies) {
            tracing::error!(error = %e, "journal append failed; events not applied");
            self.metrics.journal_errors.inc();
            return;
        }
        let events: Vec<Event<'_>> = bodies.iter().filter_map(|b| parse_event(b).ok()).collect();
        let mut results = Vec::with_capacity(events.len());
        self.engine.features_only_batch(&events, |a| results.push(Ingested::from(a)));
        if let Some((_, shadow)) = &mut self.shadow {
            shadow.features_only_batch(&events, |_| {});
        }
        self.commit(events.len() as u64);
        self.metrics.ingested.add(events.len() as u64);
        let _ = r.reply.send(results);
    }

    fn commit(&mut self, commands: u64) {
        if let Err(e) = self.journal.commit() {
            tracing::error!(error = %e, "journal commit failed");
            self.metrics.journal_errors.inc();
        }
        self.since_snapshot += commands;
        if self.since_snapshot >= self.snapshot_every
            && let Err(e) = self.snapshot()
        {
            tracing::error!(error = %e, "snapshot failed");
        }
    }

    /// Writes a snapshot of the engines at the journal's position; returns that position.
    pub fn snapshot(&mut self) -> Result<u64, String> {
        let parts = crate::recovery::snapshot_parts(self);
        let named: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let pos = self.journal.snapshot(&named).map_err(|e| e.to_string())?;
        self.since_snapshot = 0;
        self.metrics.snapshots.inc();
        Ok(pos)
    }

    fn control(&mut self, c: Control) {
        match c {
            Control::Publish { policy, reply } => {
                let result = self.publish(policy);
                let _ = reply.send(result);
            }
            Control::SetShadow { policy, reply } => {
                let _ = reply.send(self.set_shadow(policy));
            }
            Control::ListAdd { list, value, expires, reply } => {
                let result = self.list_add(&list, &value, expires);
                let _ = reply.send(result);
            }
            Control::ListRemove { list, value, reply } => {
                let removed = self.list_remove(&list, &value);
                let _ = reply.send(removed);
            }
            Control::Entity { kind, value, reply } => {
                let features = self.engine.entity_features(crate::entity::field(kind), &value);
                let lists = self.engine.lists_containing(&value);
                let _ = reply.send(EntityView { features, lists });
            }
            Control::Snapshot { reply } => {
                let _ = reply.send(self.snapshot());
            }
            // Only scale-out nodes receive these (see `scale_sync`).
            Control::RemoteList { reply, .. } => {
                let _ = reply.send(());
            }
        }
    }

    fn publish(&mut self, policy: LoadedPolicy) -> Result<SwapReport, String> {
        let record = PolicyRecord::of(&policy);
        self.journal.append(Kind::Policy, &[record.as_bytes()]).map_err(|e| e.to_string())?;
        let report = self.engine.swap_policy(Arc::clone(&policy.compiled)).map_err(|e| e.to_string())?;
        self.live = policy;
        self.commit(1);
        self.metrics.reset_rules();
        self.metrics.models.reset(&self.live.compiled);
        Ok(report)
    }

    /// Starts (or stops, with `None`) a shadow policy. It starts with empty features and
    /// sees the same events and list changes as the live one from now on.
    fn set_shadow(&mut self, policy: Option<LoadedPolicy>) -> Result<(), String> {
        let record = policy.as_ref().map(PolicyRecord::of);
        let payload = record.as_ref().map_or(&[][..], PolicyRecord::as_bytes);
        self.journal.append(Kind::Shadow, &[payload]).map_err(|e| e.to_string())?;
        self.shadow = match policy {
            Some(p) => {
                let mut engine = crate::boot::fresh_engine(Arc::clone(&p.compiled)).map_err(|e| e.to_string())?;
                crate::recovery::copy_lists(self.engine.lists(), engine.lists_mut());
                Some((p, engine))
            }
            None => None,
        };
        self.commit(1);
        Ok(())
    }

    fn list_add(&mut self, list: &str, value: &str, expires: Option<Timestamp>) -> Result<(), String> {
        let record = ListRecord::add(list, value, expires);
        self.journal.append(Kind::List, &[record.as_bytes()]).map_err(|e| e.to_string())?;
        let result = self.engine.lists_mut().add(list, value, expires).map_err(|e| e.to_string());
        if let Some((_, shadow)) = &mut self.shadow {
            let _ = shadow.lists_mut().add(list, value, expires);
        }
        self.commit(1);
        result
    }

    fn list_remove(&mut self, list: &str, value: &str) -> bool {
        let record = ListRecord::remove(list, value);
        if self.journal.append(Kind::List, &[record.as_bytes()]).is_err() {
            return false;
        }
        let removed = self.engine.lists_mut().remove(list, value);
        if let Some((_, shadow)) = &mut self.shadow {
            shadow.lists_mut().remove(list, value);
        }
        self.commit(1);
        removed
    }
}

/// Parses every request's body; returns the events and the indices of the requests kept.
pub(crate) fn parse_all(requests: &[DecideRequest]) -> (Vec<Event<'_>>, Vec<usize>) {
    let mut events = Vec::with_capacity(requests.len());
    let mut kept = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        if let Ok(e) = parse_event(&r.body) {
            events.push(e);
            kept.push(i);
        }
    }
    (events, kept)
}
