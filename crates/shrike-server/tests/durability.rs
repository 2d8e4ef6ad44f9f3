//! Restarts in process: state survives a graceful stop (snapshot) and a stop without one
//! (journal replay), policy and list changes included.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod common;

use common::*;
use shrike_server::boot;
use shrike_server::config::Config;
use shrike_server::service::Service;

fn durable(dir: &std::path::Path) -> Config {
    let mut c = config();
    c.data.dir = dir.to_path_buf();
    c.policy.initial = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace/policy.shrike").into());
    c
}

async fn open(c: &Config) -> Service {
    Service::start(c.clone(), boot::open(c).await.unwrap()).await.unwrap()
}

async fn signups(svc: &Service, device: &str) -> serde_json::Value {
    let e = get(svc, &format!("/v1/entities/device/{device}")).await.json();
    e["features"].as_array().unwrap().iter().find(|f| f["name"] == "device_signups_1d").unwrap()["value"].clone()
}

#[tokio::test]
async fn state_survives_a_graceful_restart() {
    let dir = tempfile::tempdir().unwrap();
    let c = durable(dir.path());
    let svc = open(&c).await;
    for i in 0..3 {
        let r = post(&svc, "/v1/decide", &event(&format!("g{i}"), "account.signup", r#","device_id":"dv_g""#)).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert_eq!(signups(&svc, "dv_g").await, 3.0, "before the restart");
    svc.stop().await.unwrap();
    let svc = open(&c).await;
    assert_eq!(signups(&svc, "dv_g").await, 3.0);
    let again = post(&svc, "/v1/decide", &event("g2", "account.signup", r#","device_id":"dv_g""#)).await.json();
    assert_eq!(again["not_applied"], "duplicate");
    assert_eq!(again["outcome"], "block", "the original outcome");
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn the_journal_alone_rebuilds_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = durable(dir.path());
    let svc = open(&c).await;
    for i in 0..4 {
        post(&svc, "/v1/decide", &event(&format!("j{i}"), "account.signup", r#","device_id":"dv_j""#)).await;
    }
    // Remove every snapshot the stop writes: the restart must replay the whole journal.
    svc.stop().await.unwrap();
    for s in std::fs::read_dir(dir.path().join("snapshots")).unwrap() {
        std::fs::remove_file(s.unwrap().path()).unwrap();
    }
    c.policy.initial = None;
    let svc = open(&c).await;
    assert_eq!(signups(&svc, "dv_j").await, 4.0);
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn a_second_process_cannot_open_the_same_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let c = durable(dir.path());
    let svc = open(&c).await;
    let err = boot::open(&c).await.err().unwrap().to_string();
    assert!(err.contains("in use"), "{err}");
    svc.stop().await.unwrap();
}

/// What the API's decision queries answer for the three sign-ups of
/// [`the_embedded_decision_log_answers_queries_at_once_and_after_a_restart`].
async fn check_logged(svc: &Service) {
    let by_device = get(svc, "/v1/decisions?entity=device:dv_q").await.json();
    let ids: Vec<&str> =
        by_device["decisions"].as_array().unwrap().iter().map(|d| d["decision_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["q2", "q1", "q0"], "newest first: {by_device}");
    let blocked = get(svc, "/v1/decisions?entity=user:u_q&outcome=block&limit=1").await.json();
    assert_eq!(blocked["decisions"][0]["decision_id"], "q2", "{blocked}");
    assert_eq!(blocked["decisions"][0]["rules"][0], "fake_accounts_device_farm");
    let rule = get(svc, "/v1/decisions?rule=fake_accounts_device_farm").await.json();
    assert_eq!(rule["decisions"].as_array().unwrap().len(), 1, "{rule}");
    let page1 = get(svc, "/v1/decisions?entity=device:dv_q&limit=2").await.json();
    let next = page1["next"].as_str().unwrap().to_string();
    let page2 = get(svc, &format!("/v1/decisions?entity=device:dv_q&limit=2&cursor={next}")).await.json();
    assert_eq!(page2["decisions"][0]["decision_id"], "q0", "{page2}");
    assert!(page2["next"].is_null());
    let one = get(svc, "/v1/decisions/q1").await.json();
    assert_eq!(one["decision"]["event_id"], "q1", "{one}");
    assert_eq!(one["answered"], true);
}

/// Embedded mode: the decision log in the data directory answers every query of the API
/// as soon as a decision is answered (no background writer to wait for), and after a
/// restart.
#[tokio::test]
async fn the_embedded_decision_log_answers_queries_at_once_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let c = durable(dir.path());
    let svc = open(&c).await;
    for i in 0..3 {
        let body = event(&format!("q{i}"), "account.signup", r#","device_id":"dv_q","user_id":"u_q""#);
        assert_eq!(post(&svc, "/v1/decide", &body).await.status, 200);
    }
    check_logged(&svc).await;
    assert!(dir.path().join(boot::DECISIONS_DIR).is_dir());
    svc.stop().await.unwrap();
    let svc = open(&c).await;
    check_logged(&svc).await;
    svc.stop().await.unwrap();
}
