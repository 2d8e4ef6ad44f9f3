//! Starting and stopping the whole service: recovery, the engine and decision-log threads,
//! the HTTP listener, and the orderly shutdown (stop accepting, drain, commit, snapshot).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::api::{AppShared, AppState, router};
use crate::config::Config;
use crate::dlog::DecisionOut;
use crate::journal::{Journal, LoadedPolicy, NullJournal};
use crate::metrics::Metrics;
use crate::records::RecordsWriter;
use crate::sink;
use crate::worker::{self, Worker};
use shrike_engine::Engine;
use shrike_features::MemoryStore;

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("policy {path}: {source}")]
    Policy { path: String, source: crate::journal::PolicyError },
    #[error("no policy: give one with --policy FILE (or policy.initial / SHRIKE_POLICY)")]
    NoPolicy,
    #[error("listening on {addr}: {source}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("{what}: {source}")]
    Io { what: &'static str, source: std::io::Error },
    #[error("recovery: {0}")]
    Recovery(#[from] crate::recovery::RecoveryError),
    #[error("engine: {0}")]
    Engine(String),
    #[error("data directory: {0}")]
    Store(String),
    #[error("records: {0}")]
    Records(#[from] shrike_records::RecordsError),
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("streams: {0}")]
    Stream(#[from] shrike_streams::StreamError),
}

/// A running service.
pub struct Service {
    pub state: AppState,
    pub addr: std::net::SocketAddr,
    shutdown: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<Result<(), std::io::Error>>,
    engine_thread: std::thread::JoinHandle<Option<Worker>>,
    /// The decision-log writer thread (queue mode only).
    log_thread: Option<std::thread::JoinHandle<()>>,
    /// The embedded decision log (embedded mode only), closed after the engine thread.
    decision_log: Option<shrike_decisionlog::DecisionLog>,
    retention: tokio::task::JoinHandle<()>,
    /// The stream consumers (`[stream] url`), stopped before the engine.
    streams: Option<shrike_streams::Streams>,
}

/// How often old decisions are deleted.
pub const RETENTION_EVERY: Duration = Duration::from_secs(600);

/// The engine thread's starting state: the live policy and its engine (empty or recovered),
/// the shadow if one runs, and the journal to continue.
pub struct Start {
    pub records: shrike_records::Records,
    pub live: LoadedPolicy,
    pub engine: Engine<MemoryStore>,
    pub shadow: Option<(LoadedPolicy, Engine<MemoryStore>)>,
    pub journal: Box<dyn Journal>,
    /// The data directory (spools live there); `None` for an ephemeral start.
    pub journal_dir: Option<std::path::PathBuf>,
    pub report: crate::boot::RecoveryReport,
    /// Scale-out mode (`state.url` set): the engine on shared state that runs instead of
    /// `engine`, `shadow` and `journal` (which are then an unused empty engine and none).
    pub scale: Option<crate::scale_boot::ScaleStart>,
    /// The embedded decision log, already attached to `records` (embedded mode); `None`:
    /// decisions go to the records database through the queue (docs/records.md).
    pub decision_log: Option<shrike_decisionlog::DecisionLog>,
}

impl Start {
    /// A fresh start with `policy`, no durability and records in memory (tests); the
    /// policy's model files are stored in the records, so versions can declare them.
    pub async fn ephemeral(policy: LoadedPolicy) -> Result<Start, ServeError> {
        let engine =
            crate::boot::fresh_engine(Arc::clone(&policy.compiled)).map_err(|e| ServeError::Engine(e.to_string()))?;
        let records = shrike_records::Records::open("sqlite::memory:", &Default::default()).await?;
        let change = shrike_records::Change { actor: "bootstrap", at: 0 };
        for m in policy.models.iter() {
            let new =
                shrike_records::NewModel { name: crate::models::store_name(&m.file), bytes: &m.bytes, comment: "" };
            records.put_model(&new, change).await?;
        }
        Ok(Start {
            records,
            live: policy,
            engine,
            shadow: None,
            journal: Box::new(NullJournal::default()),
            journal_dir: None,
            report: Default::default(),
            scale: None,
            decision_log: None,
        })
    }
}

impl Service {
    /// Starts the service on `config.server.listen` (port 0 picks a free one).
    pub async fn start(config: Config, start: Start) -> Result<Service, ServeError> {
        config.validate()?;
        let config = Arc::new(config);
        let metrics = Arc::new(Metrics::default());
        metrics.models.reset(&start.live.compiled);
        let io = |what| move |source| ServeError::Io { what, source };
        let (out, recent, log_thread) = match &start.decision_log {
            Some(log) => {
                let embedded = crate::dlog::Embedded::new(log.clone(), Arc::clone(&metrics));
                (DecisionOut::Embedded(embedded), Arc::new(Mutex::new(sink::Recent::default())), None)
            }
            None => {
                let dir = start.journal_dir.as_deref().unwrap_or(&config.data.dir);
                let writer =
                    Box::new(RecordsWriter::new(start.records.clone(), tokio::runtime::Handle::current(), dir));
                let (sink, recent, thread) =
                    sink::start(config.decision_log.queue_capacity, Arc::clone(&metrics), writer)
                        .map_err(io("starting the decision log"))?;
                (DecisionOut::Queue(sink), recent, Some(thread))
            }
        };
        let retention = tokio::spawn(crate::records::retention(
            start.records.clone(),
            config.decision_log.retention_days,
            RETENTION_EVERY,
        ));
        let mut follow = None;
        let (handle, engine_thread) = match start.scale {
            Some(scale) => {
                // Scale-out records are MariaDB/PostgreSQL: decisions go through the queue.
                let DecisionOut::Queue(sink) = out else {
                    return Err(ServeError::Engine("scale-out mode logs decisions through the records queue".into()));
                };
                let (worker, f) = scale.worker(start.live.clone(), sink, Arc::clone(&metrics), &config);
                drop(start.engine);
                follow = Some(f);
                crate::scale::spawn(worker, config.engine.queue_capacity).map_err(io("starting the engine thread"))?
            }
            None => {
                tracing::info!(report = ?start.report, "recovered");
                let worker = Worker {
                    live: start.live.clone(),
                    engine: start.engine,
                    shadow: start.shadow,
                    journal: start.journal,
                    out,
                    metrics: Arc::clone(&metrics),
                    batch: config.engine.batch,
                    snapshot_every: config.durability.snapshot_every,
                    since_snapshot: 0,
                    stats_at: None,
                };
                worker::spawn(worker, config.engine.queue_capacity).map_err(io("starting the engine thread"))?
            }
        };
        let state = AppState::new(AppShared {
            auth: Arc::new(crate::auth::Auth::new(start.records.clone(), config.auth.required)),
            records: start.records.clone(),
            in_flight: Arc::new(Semaphore::new(config.server.max_in_flight)),
            config: Arc::clone(&config),
            engine: handle,
            metrics,
            recent,
            live: Arc::new(RwLock::new(start.live)),
            ready: Arc::new(AtomicBool::new(false)),
            model_cache: Arc::default(),
        });
        let addr = config.server.listen;
        let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Listen { addr, source })?;
        let addr = listener.local_addr().map_err(io("reading the listening address"))?;
        let (shutdown, mut stop) = tokio::sync::watch::channel(false);
        if let Some(f) = follow {
            tokio::spawn(crate::scale_sync::follow(
                f.with_engine(state.engine.clone(), Arc::clone(&state.live)),
                shutdown.subscribe(),
            ));
        }
        let app = router(state.clone());
        let signal = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        let server = match &config.server.tls {
            None => tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(signal).await }),
            Some(tls) => {
                let tls = crate::tls::server_config(tls)?;
                let listener = crate::tls::TlsListener::new(listener, tls).map_err(io("starting TLS"))?;
                tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(signal).await })
            }
        };
        let streams = start_streams(&config, &state).await?;
        state.ready.store(true, Ordering::Release);
        tracing::info!(%addr, policy = %state.live_version(), "shrike serving");
        let decision_log = start.decision_log;
        Ok(Service { state, addr, shutdown, server, engine_thread, log_thread, decision_log, retention, streams })
    }

    /// The API as a `tower` service, for in-process tests (same state as the listener).
    pub fn router(&self) -> axum::Router {
        router(self.state.clone())
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), then stops
    /// the engine thread (which commits and snapshots) and the decision log (which flushes).
    pub async fn stop(self) -> Result<(), ServeError> {
        self.state.ready.store(false, Ordering::Release);
        let _ = self.shutdown.send(true);
        let grace = Duration::from_secs(self.state.config.server.shutdown_grace_secs);
        match tokio::time::timeout(grace, self.server).await {
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "server stopped with an error"),
            Ok(_) => {}
            Err(_) => tracing::warn!("in-flight requests did not finish within the grace period"),
        }
        let Service { state, engine_thread, log_thread, decision_log, retention, streams, .. } = self;
        retention.abort();
        if let Some(streams) = streams {
            // Each consumer finishes and acknowledges its batch while the engine still runs.
            streams.stop().await;
        }
        let join = tokio::task::spawn_blocking(move || {
            state.engine.shutdown();
            drop(state);
            let worker = engine_thread.join().map_err(|_| ServeError::Engine("engine thread panicked".into()))?;
            if let Some(mut worker) = worker
                && let Err(e) = worker.snapshot()
            {
                tracing::error!(error = %e, "shutdown snapshot failed");
            }
            if let Some(t) = log_thread {
                let _ = t.join();
            }
            if let Some(log) = decision_log
                && let Err(e) = log.close()
            {
                tracing::error!(error = %e, "closing the decision log");
            }
            Ok::<(), ServeError>(())
        });
        join.await.map_err(|e| ServeError::Engine(e.to_string()))?
    }
}

/// Starts the consumers of `[stream]`, if set, on the engine thread's queue.
async fn start_streams(config: &Config, state: &AppState) -> Result<Option<shrike_streams::Streams>, ServeError> {
    if config.stream.url.is_none() {
        return Ok(None);
    }
    let metrics = Arc::new(shrike_streams::StreamMetrics::new(&config.stream.inputs));
    let _ = state.metrics.streams.set(Arc::clone(&metrics));
    let engine = Arc::new(crate::stream_engine::StreamEngine::new(state.engine.clone()));
    Ok(Some(shrike_streams::Streams::start(config.stream.clone(), engine, metrics).await?))
}

/// `Mutex` poisoning is not recoverable state here: a poisoned ring is read as empty.
pub fn lock<T>(m: &Mutex<T>) -> Option<std::sync::MutexGuard<'_, T>> {
    m.lock().ok()
}
