//! The API in process: decisions, ingestion, and a table of bad inputs with the status and
//! message each must get.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod common;

use common::*;

#[tokio::test]
async fn decides_an_event_and_explains_it() {
    let svc = start(config()).await;
    let mut last = None;
    // Three sign-ups from one device in a day: the device-farm rule blocks the third.
    for i in 0..3 {
        let body = event(&format!("e{i}"), "account.signup", r#","user_id":"u1","device_id":"dv_farm""#);
        let r = post(&svc, "/v1/decide", &body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        last = Some(r.json());
    }
    let d = last.unwrap();
    assert_eq!(d["outcome"], "block", "{d}");
    assert_eq!(d["reasons"][0]["rule"], "fake_accounts_device_farm");
    assert_eq!(d["policy_version"], "marketplace@v1");
    assert!(d["decision_id"].is_string());
    assert_eq!(d["features"][0]["name"], "device_signups_1d");
    assert_eq!(d["features"][0]["value"], 3.0);
    assert_eq!(d["degraded"], false);
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn the_same_event_twice_changes_nothing() {
    let svc = start(config()).await;
    let body = event("dup1", "account.signup", r#","device_id":"dv_1""#);
    let first = post(&svc, "/v1/decide", &body).await.json();
    let second = post(&svc, "/v1/decide", &body).await.json();
    assert_eq!(first["outcome"], second["outcome"]);
    assert_eq!(second["not_applied"], "duplicate");
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn ingests_a_batch_with_a_result_per_event() {
    let svc = start(config()).await;
    let good = event("b1", "payment.attempt", r#","device_id":"dv_2","amount":"10.00","currency":"USD""#);
    let bad = r#"{"event_id":"b2","type":"payment.attempt","timestamp":"yesterday"}"#;
    let body = format!(r#"{{"events":[{good},{bad},{good}]}}"#);
    let r = post(&svc, "/v1/events", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let j = r.json();
    assert_eq!(j["accepted"], 2);
    assert_eq!(j["rejected"], 1);
    assert_eq!(j["results"][0]["status"], "applied");
    assert_eq!(j["results"][1]["status"], "invalid");
    assert_eq!(j["results"][1]["errors"][0]["field"], "timestamp");
    assert_eq!(j["results"][2]["status"], "duplicate");
    svc.stop().await.unwrap();
}

/// (method, path, content type, body, expected status, text the problem's detail contains)
type Case = (&'static str, &'static str, Option<&'static str>, &'static str, u16, &'static str);

const BAD: &[Case] = &[
    ("POST", "/v1/decide", Some("application/json"), "{\"event_id\":", 400, "unexpected end of input"),
    ("POST", "/v1/decide", Some("application/json"), "not json", 400, ""),
    ("POST", "/v1/decide", Some("text/plain"), "{}", 415, "application/json"),
    ("POST", "/v1/decide", None, "{}", 415, "application/json"),
    (
        "POST",
        "/v1/decide",
        Some("application/json"),
        r#"{"event_id":"x","type":"order.create","timestamp":"yesterday"}"#,
        422,
        "timestamp: expected RFC 3339 or epoch milliseconds",
    ),
    ("POST", "/v1/decide", Some("application/json"), r#"{"type":"order.create","timestamp":1}"#, 422, "event_id"),
    (
        "POST",
        "/v1/decide",
        Some("application/json"),
        r#"{"event_id":"x","type":"order.create","timestamp":1,"amount":1e400}"#,
        422,
        "amount",
    ),
    (
        "POST",
        "/v1/decide",
        Some("application/json"),
        r#"{"event_id":"x","type":"order.create","timestamp":1,"colour":"red"}"#,
        422,
        "colour",
    ),
    ("POST", "/v1/events", Some("application/json"), r#"{"evnts":[]}"#, 422, "evnts"),
    ("POST", "/v1/events", Some("application/json"), r#"{"events":{}}"#, 422, "events"),
    ("GET", "/v1/nothing", None, "", 404, "no route"),
];

#[tokio::test]
async fn bad_inputs_get_a_problem_naming_the_fault() {
    let svc = start(config()).await;
    for &(method, path, ct, body, status, detail) in BAD {
        let r = call(&svc, method, path, ct, body).await;
        assert_eq!(r.status.as_u16(), status, "{method} {path} {body}: {}", r.text);
        assert_eq!(r.content_type, "application/problem+json", "{body}");
        let p = r.json();
        assert_eq!(p["status"], status);
        assert!(p["detail"].as_str().unwrap().contains(detail), "{body}: {}", p["detail"]);
    }
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let mut c = config();
    c.server.max_body_bytes = 1_000;
    let svc = start(c).await;
    let big = event("big", "account.login", &format!(r#","user_id":"{}""#, "u".repeat(2_000)));
    let r = post(&svc, "/v1/decide", &big).await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(r.json()["detail"].as_str().unwrap().contains("1000 bytes"));
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn operations_routes() {
    let svc = start(config()).await;
    assert_eq!(get(&svc, "/healthz").await.status, 200);
    assert_eq!(get(&svc, "/readyz").await.status, 200);
    post(&svc, "/v1/decide", &event("m1", "account.login", r#","user_id":"u9""#)).await;
    let m = get(&svc, "/metrics").await;
    assert!(m.text.contains("shrike_decisions_total{outcome=\"allow\"} 1"), "{}", m.text);
    assert!(m.text.contains("shrike_http_request_duration_seconds_count{route=\"/v1/decide\"} 1"));
    let doc = get(&svc, "/openapi.json").await.json();
    assert!(doc["paths"]["/v1/decide"]["post"].is_object());
    assert!(doc["components"]["schemas"]["DecisionResponse"].is_object());
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn an_entity_shows_its_features_lists_and_decisions() {
    let svc = start(config()).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let body = event(&format!("s{i}"), "account.signup", r#","user_id":"u7","device_id":"dv_x""#);
        ids.push(post(&svc, "/v1/decide", &body).await.json()["decision_id"].as_str().unwrap().to_string());
    }
    // The decision log is written in the background: wait for it.
    let mut listed = serde_json::Value::Null;
    for _ in 0..100 {
        listed = get(&svc, "/v1/decisions?entity=device:dv_x&outcome=block").await.json();
        if listed["decisions"].as_array().is_some_and(|d| !d.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(listed["decisions"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["decisions"][0]["decision_id"], ids[2].as_str());
    assert_eq!(listed["decisions"][0]["rules"][0], "fake_accounts_device_farm");
    let one = get(&svc, &format!("/v1/decisions/{}", ids[0])).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["decision"]["event_id"], "s0");
    let e = get(&svc, "/v1/entities/device/dv_x").await.json();
    let signups = e["features"].as_array().unwrap().iter().find(|f| f["name"] == "device_signups_1d").unwrap().clone();
    assert_eq!(signups["value"], 3.0, "{e}");
    assert_eq!(e["decisions"].as_array().unwrap().len(), 3);
    assert_eq!(get(&svc, "/v1/entities/planet/x").await.status, 422);
    assert_eq!(get(&svc, "/v1/decisions/nope").await.status, 404);
    assert_eq!(get(&svc, "/v1/decisions?outcome=maybe").await.status, 422);
    svc.stop().await.unwrap();
}
