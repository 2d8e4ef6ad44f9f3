//! The HTTP API: routes, shared state, and the layers every request passes (metrics, the
//! in-flight bound, authentication). Handlers are thin: they parse, send a command to the
//! engine thread or the records store, and shape the answer.

pub mod body;
pub mod decide;
pub mod decisions;
pub mod entities;
pub mod error;
pub mod keys;
pub mod labels;
pub mod lists;
pub mod models;
pub mod ops;
pub mod policies;
pub mod types;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use shrike_records::Scope;
use shrike_types::clock::Stopwatch;
use tokio::sync::Semaphore;

pub use body::Json;
use error::ApiError;

use crate::config::Config;
use crate::journal::LoadedPolicy;
use crate::metrics::Metrics;
use crate::sink::Recent;
use crate::worker::EngineHandle;

/// What every handler can reach: one `Arc`, so the clone that each middleware layer and
/// extractor makes per request is one reference-count update (cloning nine `Arc`s each time
/// measured ~3% of the HTTP workers' CPU under load).
#[derive(Clone)]
pub struct AppState(Arc<AppShared>);

impl AppState {
    pub fn new(shared: AppShared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppShared;
    fn deref(&self) -> &AppShared {
        &self.0
    }
}

/// The service's shared state behind [`AppState`].
pub struct AppShared {
    pub config: Arc<Config>,
    pub records: shrike_records::Records,
    pub auth: Arc<crate::auth::Auth>,
    pub engine: EngineHandle,
    pub metrics: Arc<Metrics>,
    pub recent: Arc<Mutex<Recent>>,
    pub live: Arc<RwLock<LoadedPolicy>>,
    pub in_flight: Arc<Semaphore>,
    pub ready: Arc<AtomicBool>,
    /// Parsed models, shared by the policy routes.
    pub model_cache: Arc<crate::models::ModelCache>,
}

impl AppShared {
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
    let scoped = |scope| middleware::from_fn_with_state((state.clone(), scope), crate::auth::require);
    let mut decide = Router::new().route("/v1/decide", post(decide::decide));
    if state.config.server.bench_echo {
        // Same stack and scope as /v1/decide, for the HTTP benchmark's baseline.
        decide = decide.route("/v1/echo", post(decide::echo));
    }
    let decide = decide.route_layer(scoped(Scope::Decide));
    let ingest = Router::new()
        .route("/v1/events", post(decide::ingest))
        .route("/v1/labels", post(labels::create))
        .route_layer(scoped(Scope::Ingest));
    let admin = Router::new()
        .route("/v1/decisions", get(decisions::query))
        .route("/v1/decisions/{id}", get(decisions::by_id))
        .route("/v1/entities/{kind}/{id}", get(entities::entity))
        .route("/v1/labels", get(labels::list))
        .route("/v1/policies", get(policies::list).post(policies::create))
        .route("/v1/policies/validate", post(policies::validate))
        .route("/v1/policies/diff", get(policies::diff))
        .route("/v1/policies/rollback", post(policies::rollback))
        .route("/v1/policies/shadow", delete(policies::unshadow))
        .route("/v1/policies/{id}", get(policies::get))
        .route("/v1/policies/{id}/publish", post(policies::publish))
        .route("/v1/policies/{id}/shadow", post(policies::shadow))
        .route("/v1/lists", get(lists::index))
        .route("/v1/lists/{list}", get(lists::entries))
        .route("/v1/lists/{list}/entries", post(lists::add))
        .route("/v1/lists/{list}/entries/{value}", delete(lists::remove))
        .route("/v1/lists/{list}/import", post(lists::import))
        .route("/v1/keys", get(keys::list).post(keys::create))
        .route("/v1/keys/{id}", delete(keys::revoke))
        .route("/v1/audit", get(keys::audit))
        .route("/v1/models", get(models::list))
        .route("/v1/models/{name}", put(models::upload));
    let admin = admin.route_layer(scoped(Scope::Admin));
    let api = decide.merge(ingest).merge(admin).layer(middleware::from_fn_with_state(state.clone(), bound_in_flight));
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
    let route = Metrics::route_index(req.uri().path());
    let resp = next.run(req).await;
    state.metrics.observe_route(route, resp.status().as_u16(), watch.elapsed_nanos());
    resp
}
