//! Building the service's pieces: engines for a policy, the engine thread, the shared state.

use std::path::Path;
use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_engine::{Engine, store_layout};
use shrike_features::{LayoutError, MemoryStore};
use shrike_types::clock::SystemClock;

use crate::config::Config;
use crate::journal::{Journal, Kind, LoadedPolicy};
use crate::journal_file::FileJournal;
use crate::recovery::Replaying;
use crate::service::{ServeError, Start};

/// An empty engine for `policy`, its decisions stamped with wall time.
pub fn fresh_engine(policy: Arc<CompiledPolicy>) -> Result<Engine<MemoryStore>, LayoutError> {
    let store = MemoryStore::new(store_layout(&policy))?;
    Ok(Engine::new(policy, store, Arc::new(SystemClock)))
}

/// What recovery found and did, for the startup log line and `/metrics`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RecoveryReport {
    /// The log position of the snapshot restored, if one was.
    pub snapshot: Option<u64>,
    /// Journal records replayed after it.
    pub replayed: u64,
    /// A torn record cut off the log's end (a crash mid-write), if there was one.
    pub truncated_tail: Option<String>,
    /// Newer snapshots that failed verification and were skipped.
    pub rejected_snapshots: Vec<String>,
}

/// The starting state for `config`: the data directory's snapshot and journal replayed, or,
/// for a fresh directory, the initial policy (`--policy`).
pub async fn open(config: &Config) -> Result<Start, ServeError> {
    if config.state.url.is_some() {
        return crate::scale_boot::open(config).await;
    }
    let records = crate::records::open(config).await?;
    if config.auth.required
        && let Some(path) = crate::auth::bootstrap(&records, &config.data.dir).await.map_err(ServeError::Store)?
    {
        tracing::warn!(file = %path.display(), "no API key existed: created an admin key in this file");
    }
    let (_, log, recovery, snapshots) = crate::journal_file::open_store(&config.data.dir).map_err(ServeError::Store)?;
    let (records, decision_log) = embedded_decision_log(config, records)?;
    let mut report = RecoveryReport {
        truncated_tail: recovery.truncated.as_ref().map(|t| format!("{t:?}")),
        ..RecoveryReport::default()
    };
    let latest = snapshots.latest().map_err(|e| ServeError::Store(e.to_string()))?;
    report.rejected_snapshots = latest.rejected.iter().map(|e| e.to_string()).collect();
    let (mut state, from) = match latest.snapshot {
        Some(snap) => {
            if snap.pos > log.end() || snap.pos < log.first() {
                let msg = format!(
                    "snapshot at position {} but the log holds {}..{}: the log was removed or replaced",
                    snap.pos.0,
                    log.first().0,
                    log.end().0
                );
                return Err(ServeError::Store(msg));
            }
            let parts = snap.parts().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
            let (live, engine, shadow) = crate::recovery::restore(&parts)?;
            report.snapshot = Some(snap.pos.0);
            (Replaying { live, engine, shadow, replayed: 0 }, snap.pos)
        }
        None => {
            if log.first().0 > 0 {
                return Err(ServeError::Store("the log starts after position 0 but no snapshot covers it".into()));
            }
            (fresh(config, &log, &records).await?, log.first())
        }
    };
    replay(&log, from, &mut state)?;
    report.replayed = state.replayed;
    let empty = log.end() == log.first();
    let interval = std::time::Duration::from_millis(config.durability.sync_interval_ms);
    let mut journal = FileJournal::new(log, snapshots, config.durability.sync, interval)
        .map_err(|source| ServeError::Io { what: "starting the journal", source })?;
    if empty {
        // The first record of a journal installs its policy: the log alone can rebuild state.
        let record = crate::journal::PolicyRecord::of(&state.live);
        let io = |source| ServeError::Io { what: "journaling the initial policy", source };
        journal.append(Kind::Policy, &[record.as_bytes()]).map_err(io)?;
        journal.commit().map_err(io)?;
    }
    Ok(Start {
        records,
        live: state.live,
        engine: state.engine,
        shadow: state.shadow,
        journal: Box::new(journal),
        journal_dir: Some(config.data.dir.clone()),
        report,
        scale: None,
        decision_log,
    })
}

/// Where the decision log of the data directory lives in embedded mode.
pub const DECISIONS_DIR: &str = "decisions";

/// With SQLite records (embedded mode) decisions go to the embedded decision log in
/// `DATA_DIR/decisions/`, attached to the records so that queries reach it; a MariaDB or
/// PostgreSQL records store keeps its own decision tables (scale-out mode).
fn embedded_decision_log(
    config: &Config,
    records: shrike_records::Records,
) -> Result<(shrike_records::Records, Option<shrike_decisionlog::DecisionLog>), ServeError> {
    if records.backend() != shrike_records::Backend::Sqlite {
        return Ok((records, None));
    }
    let dir = config.data.dir.join(DECISIONS_DIR);
    let (log, rec) = shrike_decisionlog::DecisionLog::open(&dir, shrike_decisionlog::Options::default())
        .map_err(|e| ServeError::Store(format!("decision log: {e}")))?;
    if !rec.truncated.is_empty() || rec.rebuilt_indexes > 0 {
        tracing::warn!(recovery = ?rec, "decision log recovered after a crash");
    }
    Ok((records.with_decision_store(Arc::new(log.clone())), Some(log)))
}

/// The state before the first journal record: the initial policy, published as version 1.
/// A log that already holds records starts with the policy its first record installs.
async fn fresh(
    config: &Config,
    log: &shrike_store::CommandLog,
    records: &shrike_records::Records,
) -> Result<Replaying, ServeError> {
    let live = if log.end() > log.first() {
        if config.policy.initial.is_some() {
            tracing::info!("the data directory has a journal: --policy applies only to a fresh one");
        }
        first_logged_policy(log)?
    } else {
        live_or_initial(config, records).await?
    };
    let engine = fresh_engine(Arc::clone(&live.compiled)).map_err(|e| ServeError::Engine(e.to_string()))?;
    Ok(Replaying { live, engine, shadow: None, replayed: 0 })
}

fn first_logged_policy(log: &shrike_store::CommandLog) -> Result<LoadedPolicy, ServeError> {
    let mut reader = log.read_from(log.first()).map_err(|e| ServeError::Store(e.to_string()))?;
    while let Some(r) = reader.next_record().map_err(|e| ServeError::Store(e.to_string()))? {
        if r.kind == Kind::Policy as u8 {
            return crate::recovery::policy_from_record(r.payload).map_err(ServeError::Engine);
        }
    }
    Err(ServeError::NoPolicy)
}

fn replay(log: &shrike_store::CommandLog, from: shrike_store::LogPos, state: &mut Replaying) -> Result<(), ServeError> {
    let mut reader = log.read_from(from).map_err(|e| ServeError::Store(e.to_string()))?;
    while let Some(r) = reader.next_record().map_err(|e| ServeError::Store(e.to_string()))? {
        crate::recovery::apply_record(state, r.pos.0, r.kind, r.payload)?;
    }
    Ok(())
}

/// For an empty journal: the records store's live version if it has one (a shared store in
/// scale-out mode), else the initial policy file, stored and published as its first version,
/// so the records and the engine agree from the start.
pub(crate) async fn live_or_initial(
    config: &Config,
    records: &shrike_records::Records,
) -> Result<LoadedPolicy, ServeError> {
    if let Some(id) = records.pointers().await?.live {
        let v = records.policy_version(id).await?.ok_or(ServeError::NoPolicy)?;
        let label = crate::api::policies::label(&v.info.name, id);
        let models = crate::models::pinned(records, id).await?;
        return LoadedPolicy::compile_with(&label, &v.source, "records", models, &[])
            .map_err(|source| ServeError::Policy { path: format!("records version {id}"), source });
    }
    let initial = initial_policy(config)?;
    let name = initial.compiled.name.to_string();
    let change = shrike_records::Change { actor: "bootstrap", at: crate::records::now_ms() };
    let pins = store_models(records, &initial.models, change).await?;
    let new = shrike_records::NewPolicyVersion { name: &name, source: &initial.source, comment: "initial policy" };
    let info = records.create_policy_version_with_models(&new, &pins, change).await?;
    records.publish(info.id, change).await?;
    let label = crate::api::policies::label(&name, info.id);
    LoadedPolicy::compile_with(&label, &initial.source, "policy", initial.models.to_vec(), &[])
        .map_err(|source| ServeError::Policy { path: label, source })
}

/// Uploads the initial policy's model files to the records store (audited as `model.put`)
/// and returns the pins of its first version.
async fn store_models(
    records: &shrike_records::Records,
    models: &[crate::models::ModelFile],
    change: shrike_records::Change<'_>,
) -> Result<Vec<shrike_records::ModelPin>, ServeError> {
    let mut pins = Vec::with_capacity(models.len());
    for m in models {
        let name = crate::models::store_name(&m.file);
        let new = shrike_records::NewModel { name, bytes: &m.bytes, comment: "initial policy" };
        let info = records.put_model(&new, change).await?;
        pins.push(shrike_records::ModelPin { file: m.file.to_string(), model_id: info.id });
    }
    Ok(pins)
}

/// The policy file given for a fresh data directory.
pub fn initial_policy(config: &Config) -> Result<LoadedPolicy, ServeError> {
    let path = config.policy.initial.as_ref().ok_or(ServeError::NoPolicy)?;
    let source =
        std::fs::read_to_string(path).map_err(|source| ServeError::Io { what: "reading the policy", source })?;
    let name = path.display().to_string();
    let (models, missing) = crate::models::read_beside(path.parent().unwrap_or(Path::new(".")), &source);
    LoadedPolicy::compile_with(&version_label(&source), &source, &name, models, &missing)
        .map_err(|source| ServeError::Policy { path: name, source })
}

/// `NAME@v1`-style label for a first version: the policy's declared name.
fn version_label(source: &str) -> String {
    format!("{}@v1", declared_name(source))
}

/// The name a policy declares (`policy "NAME"`), `policy` without one.
pub fn declared_name(source: &str) -> String {
    let items = shrike_dsl::parser::parse(source).map(|p| p.items).unwrap_or_default();
    let name = items.into_iter().find_map(|i| match i {
        shrike_dsl::ast::Item::Header { name, .. } => Some(name),
        _ => None,
    });
    name.unwrap_or_else(|| "policy".into())
}
