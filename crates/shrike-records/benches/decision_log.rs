//! Decision-log insert throughput (batches of 1,000 rows, one writer, as the service's log
//! writer runs) and query latencies, per backend.
//!
//! `cargo bench -p shrike-records --bench decision_log`
//! Environment: `ROWS` (default 200000), `BACKENDS` (default
//! `sqlite,sqlite-full,mysql,postgres`; also `sqlite-noentity`: SQLite with the seven
//! entity indexes dropped, to show what they cost), `SHRIKE_TEST_MYSQL`,
//! `SHRIKE_TEST_POSTGRES`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is the point

use shrike_records::{DecisionQuery, DecisionRow, Entities, EntityKind, OpenOptions, Records, SqliteSync};
use shrike_types::Outcome;
use shrike_types::clock::Stopwatch;
use sqlx::{Connection, Executor};

const BATCH: usize = 1000;
const QUERIES: usize = 200;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A decision shaped like the reference policy's: mostly allow, a tenth with fired rules,
/// user/device/ip/email always set, card and shop on half, ~600 bytes of JSON.
fn decision(i: u64, rng: &mut Rng) -> DecisionRow {
    let outcome = match rng.below(100) {
        0..=89 => Outcome::Allow,
        90..=94 => Outcome::Challenge,
        95..=97 => Outcome::Review,
        _ => Outcome::Block,
    };
    let rules: Vec<String> = if outcome == Outcome::Allow {
        Vec::new()
    } else {
        (0..1 + rng.below(2)).map(|_| format!("rule_{}", rng.below(20))).collect()
    };
    let mut entities = Entities {
        user: Some(format!("u{:07}", rng.below(200_000))),
        device: Some(format!("dev-{:08x}", rng.below(300_000))),
        ip: Some(format!("10.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256))),
        email: Some(format!("buyer{}@mail.example", rng.below(200_000))),
        ..Entities::default()
    };
    if rng.below(2) == 0 {
        entities.card = Some(format!("fp_{:016x}", rng.below(u64::MAX)));
        entities.shop = Some(format!("s{:05}", rng.below(5_000)));
    }
    let decided_at = 1_790_000_000_000 + (i as i64) / 20;
    let json = format!(
        r#"{{"event_id":"e{i:010}","outcome":"{o}","score":{s},"reasons":[{r}],"features":[{{"name":"user_txn_count_1h","value":3}},{{"name":"device_users_24h","value":1}}],"policy_version":"marketplace@e63537f3","event_time":"2026-09-01T00:17:11.108Z","evaluated_at":"2026-09-01T00:17:11.108Z","latency_us":87,"padding":"{pad}"}}"#,
        o = outcome.name(),
        s = rng.below(100),
        r = rules
            .iter()
            .map(|n| format!(r#"{{"rule":"{n}","reason":"a reason text for the analyst","score":40}}"#))
            .collect::<Vec<_>>()
            .join(","),
        pad = "x".repeat(180),
    );
    DecisionRow {
        decision_id: format!("01J{i:023}"),
        event_id: format!("e{i:010}"),
        event_type: "payment.attempt".into(),
        event_time: decided_at - 2,
        decided_at,
        outcome,
        score: rng.below(101) as u8,
        policy_version: "marketplace@e63537f3".into(),
        degraded: false,
        shadow: false,
        latency_us: 87,
        entities,
        rules,
        decision_json: json,
    }
}

/// A fresh database for `backend`; returns its URL and what to run to drop it.
async fn fresh(backend: &str, dir: &std::path::Path) -> (String, Option<(String, String)>) {
    let name = format!("shrike_bench_{:08x}", getrandom::u32().unwrap());
    match backend {
        "sqlite" | "sqlite-full" | "sqlite-noentity" => (format!("sqlite://{}/{backend}.db", dir.display()), None),
        "mysql" => {
            let base = std::env::var("SHRIKE_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
            let admin = format!("{base}/test");
            admin_exec(backend, &admin, format!("CREATE DATABASE {name}")).await;
            (format!("{base}/{name}"), Some((admin, format!("DROP DATABASE {name}"))))
        }
        "postgres" => {
            let base =
                std::env::var("SHRIKE_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
            let admin = format!("{base}/postgres");
            admin_exec(backend, &admin, format!("CREATE DATABASE {name}")).await;
            (format!("{base}/{name}"), Some((admin, format!("DROP DATABASE {name} WITH (FORCE)"))))
        }
        other => panic!("unknown backend {other}"),
    }
}

async fn admin_exec(backend: &str, url: &str, sql: String) {
    if backend == "mysql" {
        let mut c = sqlx::MySqlConnection::connect(url).await.expect("MariaDB (start it: see SERVICES.md)");
        c.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("PostgreSQL (start it: see SERVICES.md)");
        c.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn insert_phase(r: &Records, rows: &[DecisionRow]) -> (f64, Vec<f64>) {
    let mut batch_ms = Vec::new();
    let total = Stopwatch::start();
    for batch in rows.chunks(BATCH) {
        let t = Stopwatch::start();
        assert_eq!(r.insert_decisions(batch).await.unwrap(), batch.len() as u64);
        batch_ms.push(t.elapsed_secs_f64() * 1e3);
    }
    let secs = total.elapsed_secs_f64();
    batch_ms.sort_by(f64::total_cmp);
    (rows.len() as f64 / secs, batch_ms)
}

/// Mean latency in µs of `QUERIES` queries built by `make`.
async fn time_queries(r: &Records, mut make: impl FnMut(usize) -> DecisionQuery) -> (f64, f64) {
    let mut found = 0usize;
    let t = Stopwatch::start();
    for i in 0..QUERIES {
        found += r.decisions(&make(i)).await.unwrap().items.len();
    }
    (t.elapsed_secs_f64() * 1e6 / QUERIES as f64, found as f64 / QUERIES as f64)
}

/// Sets one filter of a query from a sample decision.
type Filter = dyn Fn(&mut DecisionQuery, &DecisionRow);

async fn query_phase(r: &Records, rows: &[DecisionRow]) {
    let pick = |i: usize| &rows[(i * 7919) % rows.len()];
    let t = Stopwatch::start();
    for i in 0..QUERIES {
        assert!(r.decision(&pick(i).decision_id).await.unwrap().is_some());
    }
    println!("    by id                       {:8.0} µs", t.elapsed_secs_f64() * 1e6 / QUERIES as f64);
    let q = |f: &Filter, i: usize| {
        let mut q = DecisionQuery { limit: 50, ..DecisionQuery::default() };
        f(&mut q, pick(i));
        q
    };
    let cases: [(&str, &Filter); 5] = [
        ("entity user (50)", &|q, d| q.entity = Some((EntityKind::User, d.entities.user.clone().unwrap()))),
        ("entity ip (50)", &|q, d| q.entity = Some((EntityKind::Ip, d.entities.ip.clone().unwrap()))),
        ("outcome block (50)", &|q, _| q.outcome = Some(Outcome::Block)),
        ("rule (50)", &|q, _| q.rule = Some("rule_7".into())),
        ("time range 10 s (50)", &|q, d| (q.from, q.to) = (Some(d.decided_at - 10_000), Some(d.decided_at))),
    ];
    for (name, f) in cases {
        let (us, n) = time_queries(r, |i| q(f, i)).await;
        println!("    {name:<27} {us:8.0} µs   ({n:.1} rows/query)");
    }
}

async fn bench(backend: &str, rows: &[DecisionRow], dir: &std::path::Path) {
    let (url, drop) = fresh(backend, dir).await;
    let sqlite_sync = if backend == "sqlite-full" { SqliteSync::Full } else { SqliteSync::Normal };
    let r = Records::open(&url, &OpenOptions { sqlite_sync, ..OpenOptions::default() }).await.unwrap();
    if backend == "sqlite-noentity" {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        for kind in ["user", "device", "ip", "card", "email", "phone", "shop"] {
            c.execute(sqlx::AssertSqlSafe(format!("DROP INDEX decisions_{kind}"))).await.unwrap();
        }
    }
    let (rate, ms) = insert_phase(&r, rows).await;
    println!(
        "{backend:<12} insert {} rows in batches of {BATCH}: {rate:>8.0} rows/s   batch p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        rows.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    );
    if backend.starts_with("sqlite") {
        let bytes = std::fs::metadata(dir.join(format!("{backend}.db"))).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(dir.join(format!("{backend}.db-wal"))).map(|m| m.len()).unwrap_or(0);
        println!("    file size {:.0} MB ({:.0} bytes/row)", bytes as f64 / 1e6, bytes as f64 / rows.len() as f64);
    }
    query_phase(&r, rows).await;
    r.close().await;
    if let Some((admin, sql)) = drop {
        admin_exec(backend, &admin, sql).await;
    }
}

fn main() {
    let n: u64 = std::env::var("ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let backends = std::env::var("BACKENDS").unwrap_or_else(|_| "sqlite,sqlite-full,mysql,postgres".into());
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let rows: Vec<DecisionRow> = (0..n).map(|i| decision(i, &mut rng)).collect();
    let json: usize = rows.iter().map(|r| r.decision_json.len()).sum();
    println!("{n} decisions, mean JSON {} bytes", json / rows.len().max(1));
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for backend in backends.split(',') {
        rt.block_on(bench(backend.trim(), &rows, dir.path()));
    }
}
