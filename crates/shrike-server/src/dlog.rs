//! Where the engine thread puts decisions. Embedded mode (SQLite records in the data
//! directory): the engine thread appends each request batch's decisions to the decision log
//! itself (`shrike-decisionlog`, one `write`) after the journal commit and before the
//! answers, so every answered decision is in the log and survives `kill -9`; no queue, no
//! extra thread, no copy. Scale-out mode (MariaDB/PostgreSQL, or an in-memory SQLite): the
//! bounded queue and writer thread of [`crate::sink`], batched and spooled.

use std::ops::Range;
use std::sync::Arc;

use shrike_decisionlog::{DecisionLog, RowRef};
use shrike_types::Decision;

use crate::entity::EventEntities;
use crate::metrics::Metrics;
use crate::sink::{DecisionSink, LoggedDecision};

/// The decision log's way in, as the engine thread sees it.
pub enum DecisionOut {
    /// Appended by the engine thread before it answers.
    Embedded(Embedded),
    /// Queued for the writer thread after the answer.
    Queue(DecisionSink),
}

/// One decision to log (and its shadow twin), before the caller is answered.
pub struct ToLog<'a> {
    pub decision_id: &'a str,
    pub decision: &'a Decision,
    pub shadow: Option<&'a Decision>,
    pub entities: &'a EventEntities,
    pub latency_us: u64,
    pub answered: bool,
}

/// The stored JSON of a decision: the shape `GET /v1/decisions/{id}` returns, the same on
/// every backend (`crate::records::rows` builds it for the SQL tables).
#[derive(serde::Serialize)]
struct Stored<'a> {
    decision_id: &'a str,
    decision: &'a Decision,
    latency_us: u64,
    answered: bool,
    event_type: &'a str,
}

/// The engine thread's handle on the embedded log, with buffers reused across batches.
pub struct Embedded {
    log: DecisionLog,
    metrics: Arc<Metrics>,
    json: Vec<u8>,
    ids: String,
}

struct Staged<'a> {
    item: &'a ToLog<'a>,
    x: &'a Decision,
    shadow: bool,
    id: Range<usize>,
    json: Range<usize>,
}

impl Embedded {
    pub fn new(log: DecisionLog, metrics: Arc<Metrics>) -> Embedded {
        Embedded { log, metrics, json: Vec::new(), ids: String::new() }
    }

    /// Appends the decisions (live and shadow) of one batch with one write.
    pub fn append(&mut self, items: &[ToLog<'_>]) {
        self.json.clear();
        self.ids.clear();
        let mut staged = Vec::with_capacity(items.len() * 2);
        for item in items {
            let shadow = item.shadow.map(|s| (s, true));
            for (x, is_shadow) in std::iter::once((item.decision, false)).chain(shadow) {
                let start = self.ids.len();
                self.ids.push_str(item.decision_id);
                if is_shadow {
                    self.ids.push_str(":shadow");
                }
                let id = start..self.ids.len();
                let j = self.json.len();
                let doc = Stored {
                    decision_id: &self.ids[id.clone()],
                    decision: x,
                    latency_us: item.latency_us,
                    answered: item.answered,
                    event_type: &item.entities.event_type,
                };
                // Serialising our own types into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut self.json, &doc);
                staged.push(Staged { item, x, shadow: is_shadow, id, json: j..self.json.len() });
            }
        }
        let rules: Vec<Vec<&str>> = staged.iter().map(|s| s.x.reasons.iter().map(|r| &*r.rule).collect()).collect();
        let json = std::str::from_utf8(&self.json).unwrap_or_default();
        let rows: Vec<RowRef<'_>> =
            staged.iter().zip(&rules).map(|(s, rules)| row(s, &self.ids, json, rules)).collect();
        match self.log.append(&rows) {
            Ok(n) => {
                self.metrics.decision_log_written.add(n.written);
                self.metrics.decision_log_dropped.add(n.refused);
            }
            Err(e) => {
                tracing::error!(error = %e, rows = rows.len(), "decision log append failed");
                self.metrics.decision_log_dropped.add(rows.len() as u64);
            }
        }
    }
}

fn row<'a>(s: &'a Staged<'a>, ids: &'a str, json: &'a str, rules: &'a [&'a str]) -> RowRef<'a> {
    let x = s.x;
    RowRef {
        decision_id: &ids[s.id.clone()],
        event_id: x.event_id.as_str(),
        event_type: &s.item.entities.event_type,
        event_time: x.event_time.0,
        decided_at: x.evaluated_at.0,
        outcome: x.outcome,
        score: x.score,
        policy_version: &x.policy_version,
        degraded: !s.item.answered,
        shadow: s.shadow,
        latency_us: s.item.latency_us,
        entities: std::array::from_fn(|i| s.item.entities.ids[i].as_deref()),
        rules,
        decision_json: json.get(s.json.clone()).unwrap_or("{}"),
    }
}

impl DecisionOut {
    /// Whether decisions are logged before the answer (embedded) or after it (queue).
    pub fn before_answer(&self) -> bool {
        matches!(self, DecisionOut::Embedded(_))
    }

    /// Queues an answered decision (queue mode; embedded mode logged it already).
    pub fn push(&self, d: LoggedDecision) {
        if let DecisionOut::Queue(sink) = self {
            sink.push(d);
        }
    }
}
