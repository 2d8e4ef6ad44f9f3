//! Redis stopped mid-load: decisions continue within the caller's deadline, made by the
//! policy with every windowed feature missing, marked `degraded`, at least as severe as
//! `state.degraded_outcome`; full service resumes once Redis is back.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use shrike_server::boot;
use shrike_server::config::StateUrl;
use shrike_server::service::Service;
use shrike_types::Outcome;
use tower::ServiceExt;

use crate::support::*;

async fn decide(svc: &Service, id: &str) -> serde_json::Value {
    let body = format!(
        r#"{{"event_id":"{id}","type":"account.signup","timestamp":"2026-09-01T10:00:00Z","device_id":"dv_deg","user_id":"u_{id}"}}"#
    );
    let req = Request::builder()
        .method("POST")
        .uri("/v1/decide")
        .header("content-type", "application/json")
        .header("x-shrike-deadline-ms", "3000")
        .body(Body::from(body))
        .unwrap();
    let resp = svc.router().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

fn rules(d: &serde_json::Value) -> Vec<String> {
    d["reasons"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_continue_degraded_while_redis_is_down_and_recover() {
    let mut redis = RedisChild::start();
    let data = tempfile::tempdir().unwrap();
    let records = format!("sqlite://{}/records.db", data.path().display());
    let mut config = config(&records, StateUrl::One(redis.url()), "deg", data.path());
    config.state.timeout_ms = 200;
    config.state.retry_after_ms = 300;
    config.state.degraded_outcome = Some(Outcome::Review);
    let svc = Service::start(config.clone(), boot::open(&config).await.unwrap()).await.unwrap();
    // Up: signups from one device pile up; the velocity rule fires from the fourth.
    for i in 0..4 {
        let d = decide(&svc, &format!("up{i}")).await;
        assert_eq!(d["degraded"], false, "{d}");
    }
    let fourth = decide(&svc, "up4").await;
    assert!(rules(&fourth).iter().any(|r| r.contains("device")), "the velocity rule fires when up: {fourth}");

    redis.kill();
    for i in 0..5 {
        let d = decide(&svc, &format!("down{i}")).await;
        assert_eq!(d["degraded"], true, "{d}");
        // Decided by the engine in time (not the deadline fallback), features missing: the
        // velocity rule cannot fire; the outcome is raised to the configured floor.
        let fired = rules(&d);
        assert!(!fired.iter().any(|r| r == "deadline_fallback" || r.contains("device")), "{d}");
        assert_eq!(d["outcome"], "review", "{d}");
    }

    redis.restart();
    let mut back = None;
    for i in 0..100 {
        let d = decide(&svc, &format!("back{i}")).await;
        if d["degraded"] == false {
            back = Some(i);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(back.is_some(), "full service did not resume within 10 s of Redis returning");
    // Redis came back empty (it keeps nothing on disk): state builds up again from here.
    for i in 0..5 {
        let d = decide(&svc, &format!("again{i}")).await;
        assert_eq!(d["degraded"], false, "{d}");
    }
    let d = decide(&svc, "again5").await;
    assert!(rules(&d).iter().any(|r| r.contains("device")), "velocity works again: {d}");
    svc.stop().await.unwrap();
}
