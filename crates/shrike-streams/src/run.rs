//! Starting and stopping the consumers: one task per input, each setting itself up again
//! (after a pause that grows to [`MAX_BACKOFF`]) when its transport fails, until stopped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::{StreamConfig, Transport};
use crate::engine::Engine;
use crate::metrics::StreamMetrics;

/// First pause after a consumer failed; doubled per failure in a row up to [`MAX_BACKOFF`].
pub const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest pause between attempts to set a failed consumer up again.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How long [`Streams::stop`] waits for the consumers to finish their batch.
pub const STOP_GRACE: Duration = Duration::from_secs(30);

/// Why a consumer could not run.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("stream configuration: {0}")]
    Config(String),
    #[error("connecting: {0}")]
    Connect(String),
    #[error("NATS: {0}")]
    Nats(String),
    #[error("Kafka: {0}")]
    Kafka(String),
}

impl StreamError {
    pub(crate) fn nats(e: impl std::fmt::Display) -> StreamError {
        StreamError::Nats(e.to_string())
    }

    pub(crate) fn kafka(e: impl std::fmt::Display) -> StreamError {
        StreamError::Kafka(e.to_string())
    }
}

/// What every consumer task of a service shares.
pub struct Shared<E> {
    pub config: StreamConfig,
    pub engine: Arc<E>,
    pub metrics: Arc<StreamMetrics>,
}

/// Resolves once `stop` says so (or its sender is gone).
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Waits `d`; `false` when stopped first.
pub async fn pause(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = stopped(stop) => false,
        () = tokio::time::sleep(d) => true,
    }
}

/// Runs `run` until it returns `Ok` (stopped) or `stop`; after a failure, logs it and
/// pauses before the next attempt.
pub async fn retrying<F, Fut>(source: &str, stop: &mut watch::Receiver<bool>, mut run: F)
where
    F: FnMut(&mut watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = Result<(), StreamError>>,
{
    let mut backoff = MIN_BACKOFF;
    loop {
        if *stop.borrow() {
            return;
        }
        match run(stop).await {
            Ok(()) => return,
            Err(e) => {
                tracing::error!(input = source, error = %e, retry_in_ms = backoff.as_millis() as u64, "stream consumer failed")
            }
        }
        if !pause(backoff, stop).await {
            return;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// The running consumers of a service.
pub struct Streams {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Streams {
    /// Starts one consumer per input of `config` on `engine` (none when streams are off).
    /// Connecting happens in the background: a stream server that is down delays
    /// consumption, not the service's start.
    pub async fn start<E: Engine>(
        config: StreamConfig,
        engine: Arc<E>,
        metrics: Arc<StreamMetrics>,
    ) -> Result<Streams, StreamError> {
        config.validate().map_err(|e| StreamError::Config(e.to_string()))?;
        let (stop, rx) = watch::channel(false);
        let transport = config.transport().map_err(|e| StreamError::Config(e.to_string()))?;
        let shared = Arc::new(Shared { config, engine, metrics });
        let tasks = match transport {
            None => Vec::new(),
            Some(Transport::Nats(url)) => {
                let js = crate::nats::connect(&url, &shared.config).await?;
                crate::nats::spawn_inputs(shared, js, &rx)
            }
            Some(Transport::Kafka(brokers)) => crate::kafka::spawn_inputs(shared, brokers, &rx),
        };
        Ok(Streams { stop, tasks })
    }

    /// Stops pulling; each consumer finishes (and acknowledges) the batch it holds, up to
    /// [`STOP_GRACE`]. Call it before the engine stops.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            if tokio::time::timeout(STOP_GRACE, t).await.is_err() {
                tracing::warn!("a stream consumer did not stop within the grace period");
            }
        }
    }
}
