//! Starting and stopping the whole service: recovery, the engine and decision-log threads,
//! the HTTP listener, and the orderly shutdown (stop accepting, drain, commit, snapshot).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::api::{AppState, router};
use crate::config::Config;
use crate::journal::{Journal, LoadedPolicy, NullJournal};
use crate::metrics::Metrics;
use crate::records::RecordsWriter;
use crate::sink::{self, NoWriter};
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
}

/// A running service.
pub struct Service {
    pub state: AppState,
    pub addr: std::net::SocketAddr,
    shutdown: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<Result<(), std::io::Error>>,
    engine_thread: std::thread::JoinHandle<Worker>,
    log_thread: std::thread::JoinHandle<()>,
    retention: tokio::task::JoinHandle<()>,
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
        let writer: Box<dyn sink::DecisionWriter> = match &start.journal_dir {
            Some(dir) => Box::new(RecordsWriter::new(start.records.clone(), tokio::runtime::Handle::current(), dir)),
            None => {
                Box::new(RecordsWriter::new(start.records.clone(), tokio::runtime::Handle::current(), &config.data.dir))
            }
        };
        let _ = NoWriter;
        let (sink, recent, log_thread) = sink::start(config.decision_log.queue_capacity, Arc::clone(&metrics), writer)
            .map_err(io("starting the decision log"))?;
        let retention = tokio::spawn(crate::records::retention(
            start.records.clone(),
            config.decision_log.retention_days,
            RETENTION_EVERY,
        ));
        tracing::info!(report = ?start.report, "recovered");
        let worker = Worker {
            live: start.live.clone(),
            engine: start.engine,
            shadow: start.shadow,
            journal: start.journal,
            sink,
            metrics: Arc::clone(&metrics),
            batch: config.engine.batch,
            snapshot_every: config.durability.snapshot_every,
            since_snapshot: 0,
            stats_at: None,
        };
        let (handle, engine_thread) =
            worker::spawn(worker, config.engine.queue_capacity).map_err(io("starting the engine thread"))?;
        let state = AppState {
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
        };
        let addr = config.server.listen;
        let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Listen { addr, source })?;
        let addr = listener.local_addr().map_err(io("reading the listening address"))?;
        let (shutdown, mut stop) = tokio::sync::watch::channel(false);
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
        state.ready.store(true, Ordering::Release);
        tracing::info!(%addr, policy = %state.live_version(), "shrike serving");
        Ok(Service { state, addr, shutdown, server, engine_thread, log_thread, retention })
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
        let Service { state, engine_thread, log_thread, retention, .. } = self;
        retention.abort();
        let join = tokio::task::spawn_blocking(move || {
            state.engine.shutdown();
            drop(state);
            let mut worker = engine_thread.join().map_err(|_| ServeError::Engine("engine thread panicked".into()))?;
            if let Err(e) = worker.snapshot() {
                tracing::error!(error = %e, "shutdown snapshot failed");
            }
            drop(worker);
            let _ = log_thread.join();
            Ok::<(), ServeError>(())
        });
        join.await.map_err(|e| ServeError::Engine(e.to_string()))?
    }
}

/// `Mutex` poisoning is not recoverable state here: a poisoned ring is read as empty.
pub fn lock<T>(m: &Mutex<T>) -> Option<std::sync::MutexGuard<'_, T>> {
    m.lock().ok()
}
