//! Starting a scale-out node (`state.url` set): no data-directory journal or lock; the live
//! policy comes from the (shared) records store, lists from the records store then the
//! Redis list feed, feature state and idempotency from Redis.

use std::sync::Arc;
use std::time::Duration;

use shrike_engine::{Engine, store_layout};
use shrike_redis::{Conn, SharedStore, StateOptions};
use shrike_types::clock::SystemClock;

use crate::config::Config;
use crate::journal::{LoadedPolicy, NullJournal};
use crate::metrics::Metrics;
use crate::scale::{ScaleWorker, group_identities};
use crate::scale_sync::{Follow, ListFeed};
use crate::service::{ServeError, Start};
use crate::sink::DecisionSink;
use crate::worker::EngineHandle;

/// How long a starting node waits to connect to Redis (longer than a request's round trip:
/// nothing is waiting on it yet).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// List entries read from the records store per page at start.
const LIST_PAGE: u32 = 1_000;

/// The scale-out engine and its helpers, before the service wires them.
pub struct ScaleStart {
    engine: Engine<SharedStore>,
    feed: ListFeed,
    follow: FollowStart,
}

/// The list/policy follower before it has the engine's queue.
pub struct FollowStart {
    records: shrike_records::Records,
    conn: Conn,
    prefix: String,
    node: u64,
    interval: Duration,
    live: Option<i64>,
    from: String,
}

impl FollowStart {
    pub fn with_engine(self, engine: EngineHandle, shown: std::sync::Arc<std::sync::RwLock<LoadedPolicy>>) -> Follow {
        let FollowStart { records, conn, prefix, node, interval, live, from } = self;
        Follow { engine, shown, records, conn, prefix, node, interval, live, from }
    }
}

impl ScaleStart {
    /// The engine thread's state and the follower.
    pub fn worker(
        self,
        live: LoadedPolicy,
        sink: DecisionSink,
        metrics: Arc<Metrics>,
        config: &Config,
    ) -> (ScaleWorker, FollowStart) {
        let worker = ScaleWorker {
            live,
            engine: self.engine,
            sink,
            metrics,
            batch: config.engine.batch,
            fallback: config.engine.fallback_outcome,
            degraded_outcome: config.state.degraded_outcome,
            feed: Some(self.feed),
            unreadable: 0,
        };
        (worker, self.follow)
    }
}

fn unavailable(what: &'static str) -> impl Fn(shrike_redis::StateError) -> ServeError {
    move |e| ServeError::Store(format!("{what}: {e}"))
}

/// The starting state of a scale-out node.
pub async fn open(config: &Config) -> Result<Start, ServeError> {
    let records = crate::records::open(config).await?;
    if config.auth.required
        && let Some(path) = crate::auth::bootstrap(&records, &config.data.dir).await.map_err(ServeError::Store)?
    {
        tracing::warn!(file = %path.display(), "no API key existed: created an admin key in this file");
    }
    let live = crate::boot::live_or_initial(config, &records).await?;
    let live_id = records.pointers().await?.live;
    let state = &config.state;
    let urls = state.url.as_ref().map(|u| u.urls()).unwrap_or_default();
    let mut follow_conn = Conn::connect(&urls, CONNECT_TIMEOUT).await.map_err(unavailable("connecting to Redis"))?;
    // The feed's end before the records are read: changes made meanwhile are applied twice
    // (harmless: adds are upserts, removes idempotent), never missed.
    let from = crate::scale_sync::feed_end(&mut follow_conn, &state.prefix).await.map_err(unavailable("list feed"))?;
    let store_conn = Conn::connect(&urls, CONNECT_TIMEOUT).await.map_err(unavailable("connecting to Redis"))?;
    let feed_conn = Conn::connect(&urls, CONNECT_TIMEOUT).await.map_err(unavailable("connecting to Redis"))?;
    let runtime = tokio::runtime::Handle::current();
    let options = StateOptions {
        prefix: state.prefix.clone(),
        timeout: Duration::from_millis(state.timeout_ms),
        retry_after: Duration::from_millis(state.retry_after_ms),
        ttl_margin: Duration::from_secs(state.ttl_margin_secs),
        claim_ttl: Duration::from_secs(state.claim_ttl_secs),
        pending_ttl: Duration::from_millis(state.pending_ttl_ms),
    };
    let compiled = Arc::clone(&live.compiled);
    let ids = group_identities(&compiled);
    let store = SharedStore::new(store_layout(&compiled), &ids, store_conn, runtime.clone(), options.clone())
        .map_err(|e| ServeError::Engine(e.to_string()))?;
    let node = store.node();
    let mut engine = Engine::new(compiled, store, Arc::new(SystemClock));
    load_lists(&records, &mut engine).await?;
    let feed = ListFeed::new(feed_conn, runtime, &state.prefix, node, options.timeout);
    let interval = Duration::from_millis(state.sync_interval_ms);
    let follow = FollowStart {
        records: records.clone(),
        conn: follow_conn,
        prefix: state.prefix.clone(),
        node,
        interval,
        live: live_id,
        from,
    };
    let unused =
        crate::boot::fresh_engine(Arc::clone(&live.compiled)).map_err(|e| ServeError::Engine(e.to_string()))?;
    tracing::info!(cluster = urls.len() > 1, prefix = %state.prefix, "scale-out node: state in Redis");
    Ok(Start {
        records,
        live,
        engine: unused,
        shadow: None,
        journal: Box::new(NullJournal::default()),
        journal_dir: None,
        report: Default::default(),
        scale: Some(ScaleStart { engine, feed, follow }),
        decision_log: None,
    })
}

/// Every live list entry of the records store into the engine's lists.
async fn load_lists(records: &shrike_records::Records, engine: &mut Engine<SharedStore>) -> Result<(), ServeError> {
    let now = crate::records::now_ms();
    let mut after = None;
    loop {
        let page = records.scan_list_entries(now, after.as_ref(), LIST_PAGE).await?;
        for e in &page.items {
            let expires = e.expires_at.map(shrike_types::Timestamp);
            if let Err(err) = engine.lists_mut().add(&e.list, &e.value, expires) {
                tracing::warn!(list = %e.list, error = %err, "list entry not loaded");
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}
