//! The HTTP API: routes, shared state, and the layers every request passes (metrics, the
//! in-flight bound, authentication). Handlers are thin: they parse, send a command to the
//! engine thread or the records store, and shape the answer.

pub mod body;
pub mod decide;
pub mod decisions;
pub mod entities;
pub mod error;
pub mod ops;
pub mod types;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use shrike_types::clock::Stopwatch;
use tokio::sync::Semaphore;

pub use body::Json;
use error::ApiError;

use crate::config::Config;
use crate::journal::LoadedPolicy;
use crate::metrics::Metrics;
use crate::sink::Recent;
use crate::worker::EngineHandle;

/// What every handler can reach. Cheap to clone (all shared).
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub engine: EngineHandle,
    pub metrics: Arc<Metrics>,
    pub recent: Arc<Mutex<Recent>>,
    pub live: Arc<RwLock<LoadedPolicy>>,
    pub in_flight: Arc<Semaphore>,
    pub ready: Arc<AtomicBool>,
}

impl AppState {
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The live policy's version label.
    pub fn live_version(&self) -> Arc<str> {
        self.live.read().map(|p| Arc::clone(&p.version)).unwrap_or_else(|_| Arc::from(""))
    }
}

/// The whole API over `state`.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/v1/decide", post(decide::decide))
        .route("/v1/events", post(decide::ingest))
        .route("/v1/decisions", get(decisions::query))
        .route("/v1/decisions/{id}", get(decisions::by_id))
        .route("/v1/entities/{kind}/{id}", get(entities::entity));
    if state.config.server.bench_echo {
        api = api.route("/v1/echo", post(decide::echo));
    }
    let api = api.layer(middleware::from_fn_with_state(state.clone(), bound_in_flight));
    Router::new()
        .merge(api)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!("no route for {} {}", req.method(), req.uri().path()))
}

/// Past `server.max_in_flight` requests at once, new ones are shed with 503 rather than
/// queued: memory stays bounded however many clients connect.
async fn bound_in_flight(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Ok(_permit) = state.in_flight.try_acquire() else {
        state.metrics.shed.inc();
        let retry = state.config.server.retry_after_secs;
        return ApiError::unavailable("too many requests in flight", retry).into_response();
    };
    next.run(req).await
}

/// Latency and status of every request, by route.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let watch = Stopwatch::start();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    state.metrics.observe(&path, resp.status().as_u16(), watch.elapsed_nanos());
    resp
}
