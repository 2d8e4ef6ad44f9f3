//! Two scale-out nodes on one Redis and one MariaDB, in process: features, idempotency, list
//! changes and policy publishes made through one node are seen by the other.

use shrike_server::boot;
use shrike_server::config::StateUrl;
use shrike_server::service::Service;

use crate::support::*;

/// What version 2 of the policy adds: a feature in the device group, and a rule reading it.
const V2_ADDITION: &str = r#"
feature device_logins_1d = count(account.login) by device_id over 1d

rule login_storm {
  on account.login
  when device_logins_1d > 100
  then review
  score 10
  reason "Many logins from one device"
  tags account_takeover
}
"#;

fn signup(id: &str, device: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","type":"account.signup","timestamp":"2026-09-01T10:00:00Z","device_id":"{device}","user_id":"u_{id}"}}"#
    )
}

async fn lists_of(svc: &Service, device: &str) -> Vec<String> {
    let (_, e) = call(svc, "GET", &format!("/v1/entities/device/{device}"), "").await;
    e["lists"]
        .as_array()
        .map(|l| l.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_node_does_the_other_sees() {
    let records = fresh_db(Db::MariaDb, "nodes").await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let prefix = prefix("nodes");
    let mut ca = config(&records, StateUrl::One(redis_url()), &prefix, da.path());
    ca.state.sync_interval_ms = 50;
    let mut cb = ca.clone();
    cb.data.dir = db.path().to_path_buf();
    let a = Service::start(ca.clone(), boot::open(&ca).await.unwrap()).await.unwrap();
    let b = Service::start(cb.clone(), boot::open(&cb).await.unwrap()).await.unwrap();

    // Features: signups from one device through both nodes add up; the third fires the rule.
    assert_eq!(call(&a, "POST", "/v1/decide", &signup("s1", "dv_n")).await.1["outcome"], "allow");
    assert_eq!(call(&b, "POST", "/v1/decide", &signup("s2", "dv_n")).await.1["outcome"], "allow");
    let (_, third) = call(&a, "POST", "/v1/decide", &signup("s3", "dv_n")).await;
    assert_eq!(third["outcome"], "block", "{third}");
    // Idempotency: s3 redelivered to the other node is answered with its original outcome.
    let (_, again) = call(&b, "POST", "/v1/decide", &signup("s3", "dv_n")).await;
    assert_eq!(
        (again["not_applied"].as_str(), again["outcome"].as_str()),
        (Some("duplicate"), Some("block")),
        "{again}"
    );
    let (_, entity) = call(&b, "GET", "/v1/entities/device/dv_n", "").await;
    let signups = entity["features"].as_array().unwrap().iter().find(|f| f["name"] == "device_signups_1d").unwrap();
    assert_eq!(signups["value"], 3.0, "applied once: {entity}");

    // Ingestion without decisions: applied once across nodes too.
    let batch = format!(r#"{{"events":[{},{}]}}"#, signup("i1", "dv_i"), signup("i2", "dv_i"));
    let (_, first) = call(&a, "POST", "/v1/events", &batch).await;
    let (_, second) = call(&b, "POST", "/v1/events", &batch).await;
    let statuses = |r: &serde_json::Value| {
        r["results"].as_array().unwrap().iter().map(|x| x["status"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(statuses(&first), ["applied", "applied"], "{first}");
    assert_eq!(statuses(&second), ["duplicate", "duplicate"], "{second}");
    let (_, entity) = call(&a, "GET", "/v1/entities/device/dv_i", "").await;
    let signups = entity["features"].as_array().unwrap().iter().find(|f| f["name"] == "device_signups_1d").unwrap();
    assert_eq!(signups["value"], 2.0, "{entity}");

    // Lists: an entry added through A reaches B's decisions; its removal too.
    let (status, _) = call(&a, "POST", "/v1/lists/blocked_devices/entries", r#"{"value":"dv_bad"}"#).await;
    assert_eq!(status, 204);
    eventually("B to see the list entry", async || {
        lists_of(&b, "dv_bad").await.contains(&"blocked_devices".to_string())
    })
    .await;
    assert_eq!(call(&b, "POST", "/v1/decide", &signup("s4", "dv_bad")).await.1["outcome"], "block");
    let (status, _) = call(&a, "DELETE", "/v1/lists/blocked_devices/entries/dv_bad", "").await;
    assert_eq!(status, 204);
    eventually("B to see the removal", async || lists_of(&b, "dv_bad").await.is_empty()).await;

    // Policies: a version published through A becomes B's live policy. It adds a feature to
    // the device group (renaming its keys): the group's other features keep their state.
    let source = std::fs::read_to_string(POLICY).unwrap() + V2_ADDITION;
    let body = serde_json::json!({ "source": source, "comment": "v2" }).to_string();
    let (status, created) = call(&a, "POST", "/v1/policies", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, published) = call(&a, "POST", &format!("/v1/policies/{id}/publish"), "").await;
    assert_eq!(status, 200, "{published}");
    let label = format!("marketplace@v{id}");
    eventually("B to run the published version", async || {
        call(&b, "POST", "/v1/decide", &signup(&format!("p{}", rand_id()), "dv_p")).await.1["policy_version"]
            == label.as_str()
    })
    .await;
    let (_, entity) = call(&b, "GET", "/v1/entities/device/dv_n", "").await;
    let value = |name: &str| {
        entity["features"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap()["value"].clone()
    };
    assert_eq!((value("device_signups_1d"), value("device_logins_1d")), (3.0.into(), 0.0.into()), "carried: {entity}");
    let (_, fourth) = call(&b, "POST", "/v1/decide", &signup("s5", "dv_n")).await;
    assert_eq!(fourth["outcome"], "block", "{fourth}");
    let (_, entity) = call(&a, "GET", "/v1/entities/device/dv_n", "").await;
    let signups = entity["features"].as_array().unwrap().iter().find(|f| f["name"] == "device_signups_1d").unwrap();
    assert_eq!(signups["value"], 4.0, "{entity}");
    a.stop().await.unwrap();
    b.stop().await.unwrap();
    clean(&redis_url(), &prefix).await;
    drop_db(Db::MariaDb, &records).await;
}

/// A fresh number per call: ids of probe events.
fn rand_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
