//! Helpers: fresh databases, scale-out configs, feeding events through the engine queue,
//! and cleaning a test's Redis keys.

use std::sync::Arc;

use bytes::Bytes;
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_gen::{GenConfig, Generator};
use shrike_redis::redis;
use shrike_server::config::{Config, StateUrl};
use shrike_server::service::Service;
use shrike_server::worker::{Command, DecideRequest, Decided};
use shrike_types::Timestamp;
use shrike_types::clock::{ManualClock, Stopwatch};
use shrike_types::parse::parse_event;
use sqlx::{Connection, Executor};

pub const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace/policy.shrike");

pub fn redis_url() -> String {
    std::env::var("SHRIKE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[derive(Clone, Copy, Debug)]
pub enum Db {
    MariaDb,
    Postgres,
}

/// A fresh database on the local server; returns its URL.
pub async fn fresh_db(db: Db, name: &str) -> String {
    let name = format!("shrike_scale_{name}_{}", std::process::id());
    let result = match db {
        Db::MariaDb => {
            let mut c = sqlx::MySqlConnection::connect("mysql://root@127.0.0.1:3306/test")
                .await
                .expect("MariaDB is required: run ./scripts/test.sh, or start it (docs: /work/shared/SERVICES.md)");
            c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.map(drop)
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres")
                .await
                .expect("PostgreSQL is required: run ./scripts/test.sh, or start it");
            c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.map(drop)
        }
    };
    result.unwrap();
    match db {
        Db::MariaDb => format!("mysql://root@127.0.0.1:3306/{name}"),
        Db::Postgres => format!("postgres://postgres@127.0.0.1:5432/{name}"),
    }
}

/// Drops a database [`fresh_db`] made (its URL's last path segment).
pub async fn drop_db(db: Db, url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default();
    let statement = format!("DROP DATABASE IF EXISTS {name}");
    match db {
        Db::MariaDb => {
            let mut c = sqlx::MySqlConnection::connect("mysql://root@127.0.0.1:3306/test").await.unwrap();
            c.execute(sqlx::AssertSqlSafe(statement)).await.unwrap();
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("{statement} WITH (FORCE)"))).await.unwrap();
        }
    }
}

/// A unique key prefix for one test's Redis state.
pub fn prefix(name: &str) -> String {
    format!("t-{name}-{}-{}", std::process::id(), Stopwatch::start().elapsed_nanos() % 1_000_000_007)
}

/// A scale-out node's config: loopback, auth off, the reference policy for a fresh records
/// store, state in Redis under `prefix`.
pub fn config(records: &str, state: StateUrl, prefix: &str, data: &std::path::Path) -> Config {
    let mut c = Config::default();
    c.server.listen = "127.0.0.1:0".parse().unwrap();
    c.auth.required = false;
    c.data.dir = data.to_path_buf();
    c.records.url = Some(records.to_string());
    c.policy.initial = Some(POLICY.into());
    c.state.url = Some(state);
    c.state.prefix = prefix.to_string();
    c.state.timeout_ms = 2_000;
    c
}

/// The generated marketplace stream over one day with more fraud than usual (so velocity
/// rules fire), every 13th event delivered twice and every 17th delivered 150 events late
/// (beyond the policy's lateness, so decided but not applied).
pub fn stream(events: u64, seed: u64) -> Vec<String> {
    let cfg = GenConfig { events, seed, days: 1, fraud_rate: 0.05, ..GenConfig::default() };
    let lines: Vec<String> = Generator::new(cfg).map(|g| g.json).collect();
    let mut out = Vec::with_capacity(lines.len() * 14 / 13);
    let mut held: std::collections::VecDeque<(usize, String)> = Default::default();
    for (i, l) in lines.iter().enumerate() {
        if i % 17 == 3 {
            held.push_back((i + 150, l.clone()));
        } else {
            out.push(l.clone());
        }
        while held.front().is_some_and(|(due, _)| *due <= i) {
            out.extend(held.pop_front().map(|(_, l)| l));
        }
        if i % 13 == 5 {
            out.push(lines[i.saturating_sub(3)].clone());
        }
    }
    out.extend(held.into_iter().map(|(_, l)| l));
    out
}

/// The embedded engine's decisions for `lines`, in order, as comparable JSON.
pub fn embedded(lines: &[String]) -> Vec<String> {
    let path = std::path::Path::new(POLICY);
    let source = std::fs::read_to_string(path).unwrap();
    let policy = Arc::new(shrike_engine::model_files::compile_policy_file(path, &source).unwrap());
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    let mut engine = Engine::new(policy, store, Arc::new(ManualClock::new(Timestamp(0))));
    lines
        .iter()
        .map(|l| comparable(&serde_json::to_value(engine.decide(&parse_event(l.as_bytes()).unwrap())).unwrap()))
        .collect()
}

/// A decision without what legitimately differs between runs: evaluation time, version label.
pub fn comparable(d: &serde_json::Value) -> String {
    let mut d = d.clone();
    if let Some(o) = d.as_object_mut() {
        o.remove("evaluated_at");
        o.remove("policy_version");
    }
    d.to_string()
}

/// Sends `lines` through a node's engine queue, `window` requests in flight at a time (so
/// they are decided in batches), and returns each answer in order.
pub async fn decide_through(svc: &Service, lines: &[String], window: usize) -> Vec<Decided> {
    let mut out = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(window) {
        let mut waiting = Vec::with_capacity(chunk.len());
        for l in chunk {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let req = DecideRequest { body: Bytes::from(l.clone()), received: Stopwatch::start(), reply };
            assert!(svc.state.engine.send(Command::Decide(req)).is_ok(), "queue full");
            waiting.push(answer);
        }
        for w in waiting {
            out.push(w.await.unwrap());
        }
    }
    out
}

/// Deletes every key under `prefix` (tests share the Redis).
pub async fn clean(url: &str, prefix: &str) {
    let client = redis::Client::open(url).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg(format!("{prefix}:*")).query_async(&mut c).await.unwrap();
    for chunk in keys.chunks(500) {
        let _: () = redis::cmd("DEL").arg(chunk).query_async(&mut c).await.unwrap();
    }
}

/// A `redis-server` child on a loopback port, in its own temporary folder; killed (by its
/// handle) on drop.
pub struct RedisChild {
    child: Option<std::process::Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl RedisChild {
    /// Starts one on a free port.
    pub fn start() -> RedisChild {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut r = RedisChild { child: None, port, dir: tempfile::tempdir().unwrap() };
        r.restart();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it again on the same port (empty: it keeps nothing on disk).
    pub fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is required (./scripts/test.sh installs it)");
        self.child = Some(child);
        let addr = format!("127.0.0.1:{}", self.port);
        for _ in 0..100 {
            if std::net::TcpStream::connect(&addr).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("redis-server did not start on {addr}");
    }

    /// Kills it (SIGKILL): Redis is gone mid-load.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisChild {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A request through a service's router: status and JSON body (`null` when empty).
pub async fn call(svc: &Service, method: &str, uri: &str, body: &str) -> (u16, serde_json::Value) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let resp = svc.router().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// Polls `check` every 50 ms for up to 10 s.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
