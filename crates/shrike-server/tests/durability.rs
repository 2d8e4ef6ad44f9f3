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
