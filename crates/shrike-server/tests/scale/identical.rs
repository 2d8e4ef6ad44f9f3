//! The same generated stream (late events and redeliveries included) decided by the embedded
//! engine and by a scale-out node on Redis + MariaDB (and + PostgreSQL): identical decisions.

use shrike_server::boot;
use shrike_server::config::StateUrl;
use shrike_server::service::Service;

use crate::support::*;

async fn identical(db: Db, name: &str) {
    let records = fresh_db(db, name).await;
    let data = tempfile::tempdir().unwrap();
    let prefix = prefix(name);
    let config = config(&records, StateUrl::One(redis_url()), &prefix, data.path());
    let svc = Service::start(config.clone(), boot::open(&config).await.unwrap()).await.unwrap();
    let lines = stream(3_000, 7);
    let want = embedded(&lines);
    let got = decide_through(&svc, &lines, 100).await;
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(!g.degraded, "event {i} decided degraded");
        assert_eq!(&comparable(&serde_json::to_value(&g.decision).unwrap()), w, "event {i}: {}", lines[i]);
    }
    let blocked = want.iter().filter(|d| !d.contains(r#""outcome":"allow""#)).count();
    let repeats = want.iter().filter(|d| d.contains(r#""not_applied":"duplicate""#)).count();
    let late = want.iter().filter(|d| d.contains(r#""not_applied":"late""#)).count();
    assert!(
        blocked > 20 && repeats > 100 && late > 20,
        "the stream exercises rules and redeliveries ({blocked}, {repeats}, {late})"
    );
    svc.stop().await.unwrap();
    clean(&redis_url(), &prefix).await;
    drop_db(db, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_and_mariadb_decide_like_embedded() {
    identical(Db::MariaDb, "ident_my").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_and_postgres_decide_like_embedded() {
    identical(Db::Postgres, "ident_pg").await;
}
