//! The decision log's way in: the engine thread hands each decision to a bounded queue and
//! never waits on it; a writer thread drains the queue in batches into the decision store.
//! The most recent decisions are also kept in memory (a bounded ring) so that
//! `GET /v1/decisions/{id}` for a fresh decision never waits for the store.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shrike_types::Decision;

use crate::metrics::Metrics;

/// Decisions kept in memory for lookups by id.
pub const RECENT_DECISIONS: usize = 100_000;
/// Most decisions written to the store in one batch.
pub const WRITE_BATCH: usize = 1_000;
/// Longest a decision waits in the queue before a partial batch is written.
pub const WRITE_DELAY: Duration = Duration::from_millis(50);

/// One decision as the log records it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoggedDecision {
    pub decision_id: String,
    pub decision: Decision,
    /// The shadow policy's decision on the same event, if one runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow: Option<Decision>,
    /// The event's type and entity ids (what the log is queried by).
    pub entities: crate::entity::EventEntities,
    /// From the request's arrival to the engine's answer.
    pub latency_us: u64,
    /// `false` when the caller's deadline passed first and it was answered with the
    /// fallback outcome instead.
    pub answered: bool,
}

/// The engine thread's end of the queue.
pub struct DecisionSink {
    tx: SyncSender<LoggedDecision>,
    metrics: Arc<Metrics>,
}

impl DecisionSink {
    /// Queues a decision; if the queue is full it is counted as dropped, never waited for.
    pub fn push(&self, d: LoggedDecision) {
        match self.tx.try_send(d) {
            Ok(()) => self.metrics.decision_log_queue.inc(),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => self.metrics.decision_log_dropped.inc(),
        }
    }
}

/// Where batches of decisions go: the records store, or nowhere beyond memory.
pub trait DecisionWriter: Send + 'static {
    /// Stores a batch (or puts it somewhere it will be stored from, such as a spool).
    fn write(&mut self, batch: &[LoggedDecision]) -> Result<(), String>;
    /// Called when the queue is idle (at least every [`WRITE_DELAY`]): catch-up work.
    fn idle(&mut self) {}
}

/// A writer that keeps nothing beyond the in-memory ring.
pub struct NoWriter;

impl DecisionWriter for NoWriter {
    fn write(&mut self, _: &[LoggedDecision]) -> Result<(), String> {
        Ok(())
    }
}

/// The last [`RECENT_DECISIONS`] decisions by id.
#[derive(Default)]
pub struct Recent {
    order: VecDeque<String>,
    by_id: HashMap<String, Arc<LoggedDecision>>,
}

impl Recent {
    pub fn get(&self, id: &str) -> Option<Arc<LoggedDecision>> {
        self.by_id.get(id).cloned()
    }

    /// Newest first, those `keep` accepts, at most `limit`.
    pub fn scan(&self, limit: usize, keep: impl Fn(&LoggedDecision) -> bool) -> Vec<Arc<LoggedDecision>> {
        let newest = self.order.iter().rev().filter_map(|id| self.by_id.get(id));
        newest.filter(|d| keep(d)).take(limit).cloned().collect()
    }

    fn push(&mut self, d: LoggedDecision) {
        if self.order.len() >= RECENT_DECISIONS
            && let Some(old) = self.order.pop_front()
        {
            self.by_id.remove(&old);
        }
        self.order.push_back(d.decision_id.clone());
        self.by_id.insert(d.decision_id.clone(), Arc::new(d));
    }
}

/// Starts the writer thread; returns the sink and the shared ring.
pub fn start(
    capacity: usize,
    metrics: Arc<Metrics>,
    writer: Box<dyn DecisionWriter>,
) -> std::io::Result<(DecisionSink, Arc<Mutex<Recent>>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = sync_channel(capacity);
    let recent = Arc::new(Mutex::new(Recent::default()));
    let (r, m) = (Arc::clone(&recent), Arc::clone(&metrics));
    let thread =
        std::thread::Builder::new().name("shrike-decision-log".into()).spawn(move || drain(rx, r, m, writer))?;
    Ok((DecisionSink { tx, metrics }, recent, thread))
}

/// Runs until the sink is dropped, writing what is left before returning.
fn drain(
    rx: Receiver<LoggedDecision>,
    recent: Arc<Mutex<Recent>>,
    metrics: Arc<Metrics>,
    mut writer: Box<dyn DecisionWriter>,
) {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    loop {
        let open = match rx.recv_timeout(WRITE_DELAY) {
            Ok(d) => {
                batch.push(d);
                while batch.len() < WRITE_BATCH {
                    match rx.try_recv() {
                        Ok(d) => batch.push(d),
                        Err(_) => break,
                    }
                }
                true
            }
            Err(RecvTimeoutError::Timeout) => {
                writer.idle();
                true
            }
            Err(RecvTimeoutError::Disconnected) => false,
        };
        if !batch.is_empty() {
            flush(&mut batch, &recent, &metrics, writer.as_mut());
        }
        if !open {
            return;
        }
    }
}

fn flush(batch: &mut Vec<LoggedDecision>, recent: &Mutex<Recent>, metrics: &Metrics, writer: &mut dyn DecisionWriter) {
    metrics.decision_log_queue.sub(batch.len() as i64);
    match writer.write(batch) {
        Ok(()) => metrics.decision_log_written.add(batch.len() as u64),
        Err(e) => tracing::error!(error = %e, rows = batch.len(), "decision log write failed"),
    }
    if let Ok(mut r) = recent.lock() {
        for d in batch.drain(..) {
            r.push(d);
        }
    }
    batch.clear();
}
