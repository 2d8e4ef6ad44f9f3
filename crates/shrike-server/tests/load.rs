//! Behaviour under load, in process: a caller's deadline is honoured with the fallback
//! outcome, and past capacity requests are shed with 503 and Retry-After while memory and
//! queues stay bounded.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::*;
use tower::ServiceExt;

async fn send(router: axum::Router, path: &str, body: String, deadline: Option<u64>) -> (u16, String, Option<String>) {
    let mut req = Request::builder().method("POST").uri(path).header("content-type", "application/json");
    if let Some(ms) = deadline {
        req = req.header("x-shrike-deadline-ms", ms.to_string());
    }
    let resp = router.oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned(), retry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_deadline_gets_the_fallback_and_the_event_is_still_applied() {
    let svc = start(config()).await;
    // Work queued ahead of the decision, straight onto the engine's queue: 40 batches of
    // 2,000 events take the engine far longer than the 2 ms the caller allows.
    let mut ingests = Vec::new();
    for b in 0..40 {
        let bodies: Vec<bytes::Bytes> = (0..2_000)
            .map(|i| bytes::Bytes::from(event(&format!("q{b}_{i}"), "payment.attempt", r#","device_id":"d1""#)))
            .collect();
        let (reply, answer) = tokio::sync::oneshot::channel();
        let cmd = shrike_server::worker::Command::Ingest(shrike_server::worker::IngestRequest { bodies, reply });
        assert!(svc.state.engine.send(cmd).is_ok());
        ingests.push(answer);
    }
    let body = event("late1", "account.signup", r#","device_id":"dv_dl""#);
    let (status, text, _) = send(svc.router(), "/v1/decide", body, Some(2)).await;
    assert_eq!(status, 200, "{text}");
    let d: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["degraded"], true, "{d}");
    assert_eq!(d["outcome"], "review", "the configured fallback outcome");
    assert!(d["decision_id"].is_null());
    for i in ingests {
        assert_eq!(i.await.unwrap().len(), 2_000);
    }
    // The engine reached the event after all: it is in the log, marked as not answered.
    let mut logged = serde_json::Value::Null;
    for _ in 0..100 {
        logged = get(&svc, "/v1/decisions?entity=device:dv_dl").await.json();
        if logged["decisions"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(logged["decisions"][0]["event_id"], "late1", "{logged}");
    assert_eq!(logged["decisions"][0]["answered"], false);
    assert_eq!(svc.state.metrics.degraded.get(), 1);
    svc.stop().await.unwrap();
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_capacity_requests_are_shed_and_memory_stays_bounded() {
    let mut c = config();
    c.engine.queue_capacity = 16;
    c.server.max_in_flight = 64;
    let svc = Arc::new(start(c).await);
    let mut rss_after_round = Vec::new();
    let (mut shed, mut ok) = (0, 0);
    // One router, cloned per request (cheap), so requests arrive as fast as tasks start.
    let router = svc.router();
    for round in 0..6 {
        let mut tasks = Vec::new();
        for i in 0..2_000 {
            let body = event(&format!("o{round}_{i}"), "account.login", &format!(r#","user_id":"u{}""#, i % 300));
            tasks.push(tokio::spawn(send(router.clone(), "/v1/decide", body, None)));
        }
        let mut max_depth = 0;
        for t in tasks {
            max_depth = max_depth.max(svc.state.metrics.queue_depth.get());
            let (status, text, retry) = t.await.unwrap();
            match status {
                200 => ok += 1,
                503 => {
                    shed += 1;
                    assert_eq!(retry.as_deref(), Some("1"), "Retry-After on every 503");
                    assert!(text.contains("capacity") || text.contains("in flight"), "{text}");
                }
                other => panic!("unexpected status {other}: {text}"),
            }
        }
        // +1: a shutdown or sampling race may count one command in transit.
        assert!(max_depth <= 16 + 1, "queue depth {max_depth} exceeded its bound");
        rss_after_round.push(rss_kib());
    }
    assert!(shed > 0, "12,000 concurrent requests against 64 slots must shed some (ok {ok})");
    assert!(ok > 0, "and serve the rest");
    // After warm-up, shedding load does not grow memory (no queue grows without bound).
    let growth = rss_after_round[5].saturating_sub(rss_after_round[1]);
    assert!(growth < 64 * 1024, "RSS grew by {growth} KiB over four rounds of overload: {rss_after_round:?}");
    Arc::into_inner(svc).unwrap().stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_under_load_drops_no_request() {
    let svc = Arc::new(start(config()).await);
    let other = format!(
        "{REFERENCE}\nrule every_signup {{\n  on account.signup\n  when true\n  then review\n  reason \"test\"\n}}\n"
    );
    let mut ids = Vec::new();
    for source in [REFERENCE.to_string(), other] {
        let r = post(&svc, "/v1/policies", &serde_json::json!({ "source": source }).to_string()).await;
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    let router = svc.router();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let router = router.clone();
            tokio::spawn(async move {
                let mut versions = Vec::new();
                for i in 0..400 {
                    let body =
                        event(&format!("h{c}_{i}"), "account.signup", &format!(r#","device_id":"hd{c}_{}""#, i % 40));
                    let (status, text, _) = send(router.clone(), "/v1/decide", body, None).await;
                    assert_eq!(status, 200, "{text}");
                    let d: serde_json::Value = serde_json::from_str(&text).unwrap();
                    versions.push(d["policy_version"].as_str().unwrap().to_string());
                }
                versions
            })
        })
        .collect();
    for round in 0..10 {
        let id = ids[round % 2];
        let r = post(&svc, &format!("/v1/policies/{id}/publish"), "").await;
        assert_eq!(r.status, 200, "{}", r.text);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let allowed: Vec<String> = ids.iter().map(|id| format!("marketplace@v{id}")).collect();
    let mut seen = std::collections::BTreeSet::new();
    for c in clients {
        for v in c.await.unwrap() {
            assert!(allowed.contains(&v) || v == "marketplace@v1", "unexpected version {v}");
            seen.insert(v);
        }
    }
    assert!(seen.len() >= 2, "the swaps happened while requests were served: {seen:?}");
    let last = post(&svc, "/v1/decide", &event("after", "account.signup", r#","device_id":"z""#)).await.json();
    assert_eq!(last["policy_version"], format!("marketplace@v{}", ids[1]), "the last publish is live");
    Arc::into_inner(svc).unwrap().stop().await.unwrap();
}
