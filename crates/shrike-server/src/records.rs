//! The service's use of `shrike-records`: opening it, and the decision-log writer.
//!
//! The writer never blocks a decision: the engine thread queues decisions ([`crate::sink`]);
//! the writer thread inserts them in batches. When the database refuses a batch (down,
//! overloaded), the batch is appended to a spool file in the data directory and retried in
//! the background, oldest first, until it is in: a decision the service made is never lost
//! from the log, only late.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use shrike_records::{DecisionRow, Entities, EntityKind, OpenOptions, Records, RecordsError};
use shrike_types::clock::{Clock, SystemClock};
use tokio::runtime::Handle;

use crate::config::Config;
use crate::sink::{DecisionWriter, LoggedDecision};

/// Spool files are retried no more often than this.
pub const SPOOL_RETRY: Duration = Duration::from_secs(2);
/// Rows read back from a spool per insert.
pub const SPOOL_CHUNK: usize = 500;
/// Largest spool directory, in bytes; past it new batches are counted as dropped rather
/// than filling the disk.
pub const MAX_SPOOL_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// The records URL for `config`.
pub fn url(config: &Config) -> String {
    config.records.url.clone().unwrap_or_else(|| shrike_records::default_url(&config.data.dir))
}

/// Opens the records database, creating the data directory for a default SQLite file.
pub async fn open(config: &Config) -> Result<Records, RecordsError> {
    if config.records.url.is_none() {
        let _ = std::fs::create_dir_all(&config.data.dir);
    }
    Records::open(&url(config), &OpenOptions::default()).await
}

/// Wall time in epoch ms, for records' `at` columns.
pub fn now_ms() -> i64 {
    SystemClock.now().0
}

/// The row the decision log stores for `d` (and, with `shadow`, for its shadow decision).
pub fn rows(d: &LoggedDecision) -> Vec<DecisionRow> {
    let mut out = vec![row(d, &d.decision, false)];
    if let Some(s) = &d.shadow {
        out.push(row(d, s, true));
    }
    out
}

fn row(d: &LoggedDecision, x: &shrike_types::Decision, shadow: bool) -> DecisionRow {
    let mut entities = Entities::default();
    for kind in EntityKind::ALL {
        entities.set(kind, d.entities.get(kind).map(str::to_string));
    }
    let decision_id = if shadow { format!("{}:shadow", d.decision_id) } else { d.decision_id.clone() };
    let json = serde_json::json!({
        "decision_id": decision_id,
        "decision": x,
        "latency_us": d.latency_us,
        "answered": d.answered,
        "event_type": d.entities.event_type,
    });
    DecisionRow {
        decision_id,
        event_id: x.event_id.to_string(),
        event_type: d.entities.event_type.clone(),
        event_time: x.event_time.0,
        decided_at: x.evaluated_at.0,
        outcome: x.outcome,
        score: x.score,
        policy_version: x.policy_version.to_string(),
        degraded: !d.answered,
        shadow,
        latency_us: d.latency_us,
        entities,
        rules: x.reasons.iter().map(|r| r.rule.to_string()).collect(),
        decision_json: json.to_string(),
    }
}

/// Inserts batches into the records database, spooling what it refuses.
pub struct RecordsWriter {
    records: Records,
    runtime: Handle,
    spool: Spool,
}

impl RecordsWriter {
    pub fn new(records: Records, runtime: Handle, data_dir: &Path) -> RecordsWriter {
        RecordsWriter { records, runtime, spool: Spool::new(data_dir.join("decision-spool")) }
    }

    fn insert(&self, rows: &[DecisionRow]) -> Result<u64, RecordsError> {
        insert(&self.records, &self.runtime, rows)
    }
}

impl DecisionWriter for RecordsWriter {
    fn write(&mut self, batch: &[LoggedDecision]) -> Result<(), String> {
        let rows: Vec<DecisionRow> = batch.iter().flat_map(rows).collect();
        if self.spool.is_empty() {
            match self.insert(&rows) {
                Ok(_) => return Ok(()),
                Err(e) => tracing::warn!(error = %e, rows = rows.len(), "decision log insert failed; spooling"),
            }
        }
        // Behind a spool, new rows queue behind it so the log stays in order.
        self.spool.append(&rows).map_err(|e| format!("spooling decisions: {e}"))
    }

    fn idle(&mut self) {
        let (records, runtime) = (&self.records, &self.runtime);
        let drained = self.spool.drain(|rows| insert(records, runtime, rows).map(drop).map_err(|e| e.to_string()));
        if let Err(e) = drained {
            tracing::debug!(error = %e, "decision spool not drained yet");
        }
    }
}

fn insert(records: &Records, runtime: &Handle, rows: &[DecisionRow]) -> Result<u64, RecordsError> {
    let mut n = 0;
    for chunk in rows.chunks(shrike_records::limits::MAX_DECISION_BATCH) {
        n += runtime.block_on(records.insert_decisions(chunk))?;
    }
    Ok(n)
}

/// Spooled decision rows: JSON lines in numbered files, replayed oldest first.
struct Spool {
    dir: PathBuf,
    next: u64,
    last_try: Option<shrike_types::clock::Stopwatch>,
}

impl Spool {
    fn new(dir: PathBuf) -> Spool {
        let next = Spool::files(&dir).last().and_then(|(n, _)| n.checked_add(1)).unwrap_or(0);
        Spool { dir, next, last_try: None }
    }

    fn files(dir: &Path) -> Vec<(u64, PathBuf)> {
        let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
        let mut files: Vec<(u64, PathBuf)> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter_map(|p| {
                let n = p.file_stem()?.to_str()?.strip_prefix("spool-")?.parse().ok()?;
                Some((n, p))
            })
            .collect();
        files.sort();
        files
    }

    fn is_empty(&self) -> bool {
        Spool::files(&self.dir).is_empty()
    }

    fn append(&mut self, rows: &[DecisionRow]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let used: u64 = Spool::files(&self.dir).iter().filter_map(|(_, p)| p.metadata().ok()).map(|m| m.len()).sum();
        if used > MAX_SPOOL_BYTES {
            return Err(std::io::Error::other("the decision spool is full (MAX_SPOOL_BYTES)"));
        }
        let path = self.dir.join(format!("spool-{:012}.jsonl", self.next));
        self.next += 1;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for r in rows {
            serde_json::to_writer(&mut out, &SpoolRow::from(r))?;
            out.write_all(b"\n")?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_data()
    }

    /// Inserts every spooled file with `insert`, oldest first; stops at the first failure.
    fn drain(&mut self, mut insert: impl FnMut(&[DecisionRow]) -> Result<(), String>) -> Result<(), String> {
        if self.last_try.is_some_and(|t| t.elapsed_secs_f64() < SPOOL_RETRY.as_secs_f64()) {
            return Ok(());
        }
        self.last_try = Some(shrike_types::clock::Stopwatch::start());
        for (_, path) in Spool::files(&self.dir) {
            let file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
            let mut chunk = Vec::with_capacity(SPOOL_CHUNK);
            for line in std::io::BufReader::new(file).lines() {
                let line = line.map_err(|e| e.to_string())?;
                match serde_json::from_str::<SpoolRow>(&line) {
                    Ok(r) => chunk.push(r.into()),
                    Err(e) => {
                        tracing::error!(file = %path.display(), error = %e, "unreadable spooled decision skipped")
                    }
                }
                if chunk.len() == SPOOL_CHUNK {
                    insert(&chunk)?;
                    chunk.clear();
                }
            }
            insert(&chunk)?;
            // Re-inserting a row already stored is harmless (ids are unique), so a crash
            // between the insert and this removal loses nothing and duplicates nothing.
            std::fs::remove_file(&path).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// A decision row as a spool line.
#[derive(serde::Serialize, serde::Deserialize)]
struct SpoolRow {
    decision_id: String,
    event_id: String,
    event_type: String,
    event_time: i64,
    decided_at: i64,
    outcome: String,
    score: u8,
    policy_version: String,
    degraded: bool,
    shadow: bool,
    latency_us: u64,
    entities: Vec<Option<String>>,
    rules: Vec<String>,
    decision_json: String,
}

impl From<&DecisionRow> for SpoolRow {
    fn from(r: &DecisionRow) -> Self {
        SpoolRow {
            decision_id: r.decision_id.clone(),
            event_id: r.event_id.clone(),
            event_type: r.event_type.clone(),
            event_time: r.event_time,
            decided_at: r.decided_at,
            outcome: r.outcome.to_string(),
            score: r.score,
            policy_version: r.policy_version.clone(),
            degraded: r.degraded,
            shadow: r.shadow,
            latency_us: r.latency_us,
            entities: EntityKind::ALL.iter().map(|k| r.entities.get(*k).map(str::to_string)).collect(),
            rules: r.rules.clone(),
            decision_json: r.decision_json.clone(),
        }
    }
}

impl From<SpoolRow> for DecisionRow {
    fn from(s: SpoolRow) -> Self {
        let mut entities = Entities::default();
        for (kind, id) in EntityKind::ALL.iter().zip(s.entities) {
            entities.set(*kind, id);
        }
        DecisionRow {
            decision_id: s.decision_id,
            event_id: s.event_id,
            event_type: s.event_type,
            event_time: s.event_time,
            decided_at: s.decided_at,
            outcome: shrike_types::Outcome::from_name(&s.outcome).unwrap_or_default(),
            score: s.score,
            policy_version: s.policy_version,
            degraded: s.degraded,
            shadow: s.shadow,
            latency_us: s.latency_us,
            entities,
            rules: s.rules,
            decision_json: s.decision_json,
        }
    }
}

/// Deletes decisions older than the retention, every `every`, in bounded chunks.
pub async fn retention(records: Records, days: u32, every: Duration) {
    let keep_ms = i64::from(days) * 86_400_000;
    loop {
        tokio::time::sleep(every).await;
        match records.delete_decisions_before(now_ms() - keep_ms, 100).await {
            Ok(p) => tracing::debug!(deleted = p.deleted, done = p.done, "decision log retention"),
            Err(e) => tracing::warn!(error = %e, "decision log retention failed"),
        }
    }
}
