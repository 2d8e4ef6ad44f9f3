//! Tree models through the service: uploading and listing model files, a policy version
//! running with exactly the model it was created with (publish and rollback swap models),
//! explanations in decide answers, and the per-model metrics.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod common;

use common::*;
use shrike_model::{Ensemble, EnsembleSpec, Input, Model, NodeSpec, TreeSpec};
use shrike_server::service::Service;

/// One tree on `amount` (above 100 scores higher) with base margin `base`.
fn model_json(base: f64) -> String {
    let split = NodeSpec::Numeric {
        input: 0,
        threshold: 100.0,
        default_left: true,
        zero_is_missing: false,
        left: 1,
        right: 2,
        cover: 10.0,
    };
    let tree = TreeSpec {
        nodes: vec![split, NodeSpec::Leaf { value: -1.0, cover: 8.0 }, NodeSpec::Leaf { value: 1.0, cover: 2.0 }],
    };
    let spec = EnsembleSpec {
        num_inputs: 1,
        base_margin: base,
        output_scale: 1.0,
        sigmoid: 1.0,
        sum_f32: false,
        trees: vec![tree],
    };
    Model::new(vec![Input::numeric("amount")], Ensemble::new(&spec).unwrap(), "test").unwrap().to_json()
}

const POLICY: &str = r#"policy "scored"
model m = "models/m.json" { amount }
rule high {
  on payment.attempt
  when model.m >= 0.5
  then review
  reason "model says so"
}
"#;

async fn put(svc: &Service, name: &str, body: &str) -> Reply {
    call(svc, "PUT", &format!("/v1/models/{name}"), Some("application/json"), body).await
}

async fn create(svc: &Service, source: &str) -> Reply {
    post(svc, "/v1/policies", &serde_json::json!({ "source": source }).to_string()).await
}

async fn score(svc: &Service, id: &str) -> (f64, serde_json::Value) {
    let d = post(svc, "/v1/decide", &event(id, "payment.attempt", r#","user_id":"u1","amount":"250.00""#)).await.json();
    (d["models"][0]["score"].as_f64().unwrap(), d)
}

#[tokio::test]
async fn uploads_are_checked_stored_listed_and_audited() {
    let svc = start(config()).await;
    let up = put(&svc, "m.json", &model_json(-2.0)).await;
    assert_eq!(up.status, 201, "{}", up.text);
    let v = up.json();
    assert_eq!(
        (v["name"].as_str(), v["trees"].as_u64(), v["source"].as_str()),
        (Some("m.json"), Some(1), Some("test"))
    );
    assert_eq!(v["inputs"][0], serde_json::json!({"name": "amount", "kind": "numeric"}));
    assert_eq!(v["reference_histogram"], false);
    let bad = put(&svc, "m.json", "{\"format\": \"shrike-model\",\n  \"nope\"").await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let err = &bad.json()["errors"][0];
    assert_eq!((err["line"].as_u64(), err["column"].is_u64()), (Some(2), true), "{err}");
    assert_eq!(put(&svc, "UPPER.json", &model_json(0.0)).await.status, 422);
    let huge = " ".repeat(shrike_records::limits::MAX_MODEL_BYTES + 1);
    assert_eq!(put(&svc, "m.json", &huge).await.status, 413);
    let list = get(&svc, "/v1/models?name=m.json").await.json();
    assert_eq!(list["models"].as_array().unwrap().len(), 1, "{list}");
    let all = get(&svc, "/v1/models").await.json();
    let names: Vec<&str> = all["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"m.json") && names.contains(&"payment-risk.model.json"), "{names:?}");
    let audit = get(&svc, "/v1/audit").await.json();
    assert!(audit.to_string().contains("model.put"), "{audit}");
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn a_version_runs_with_the_model_it_was_created_with() {
    let svc = start(config()).await;
    let missing = create(&svc, POLICY).await;
    assert_eq!(missing.status, 422, "{}", missing.text);
    assert!(missing.text.contains("PUT /v1/models/m.json") && missing.json()["errors"][0]["line"] == 2);
    assert_eq!(put(&svc, "m.json", &model_json(-2.0)).await.status, 201);
    let low = create(&svc, POLICY).await.json()["id"].as_i64().unwrap();
    assert_eq!(put(&svc, "m.json", &model_json(2.0)).await.status, 201);
    let high = create(&svc, POLICY).await.json()["id"].as_i64().unwrap();
    assert_eq!(post(&svc, &format!("/v1/policies/{low}/publish"), "").await.status, 200);
    let (s_low, d) = score(&svc, "a1").await;
    assert_eq!(d["outcome"], "allow", "{d}");
    assert!((s_low - 1.0 / (1.0 + (1.0f64).exp())).abs() < 1e-12, "margin -2 + 1: {s_low}");
    assert_eq!(post(&svc, &format!("/v1/policies/{high}/publish"), "").await.status, 200);
    let (s_high, d) = score(&svc, "a2").await;
    assert!((s_high - 1.0 / (1.0 + (-3.0f64).exp())).abs() < 1e-12, "{s_high}");
    assert_eq!(d["outcome"], "review", "{d}");
    let why = &d["reasons"][0]["models"][0]["explanation"];
    assert_eq!(why["top"][0]["input"], "amount", "{d}");
    let sum = why["expected_value"].as_f64().unwrap() + why["top"][0]["contribution"].as_f64().unwrap();
    assert!((sum - why["margin"].as_f64().unwrap()).abs() < 1e-9, "{why}");
    assert_eq!(post(&svc, "/v1/policies/rollback", "").await.status, 200);
    assert_eq!(score(&svc, "a3").await.0, s_low, "rollback restores the old model too");
    let diff = get(&svc, &format!("/v1/policies/diff?from={low}&to={high}")).await;
    assert_eq!(diff.status, 200, "{}", diff.text);
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn model_scores_feed_the_metrics() {
    let svc = start(config()).await;
    for i in 0..120 {
        let ev = event(&format!("p{i}"), "payment.attempt", &format!(r#","user_id":"u{i}","amount":"{i}.00""#));
        assert_eq!(post(&svc, "/v1/decide", &ev).await.status, 200);
    }
    let text = get(&svc, "/metrics").await.text;
    assert!(text.contains("shrike_model_score_count{model=\"payment_risk\"} 120"), "{text}");
    let psi = text.lines().find(|l| l.starts_with("shrike_model_psi{model=\"payment_risk\"}"));
    let value: f64 = psi.expect("a trained model reports PSI").rsplit(' ').next().unwrap().parse().unwrap();
    assert!(value.is_finite() && value >= 0.0, "{value}");
    svc.stop().await.unwrap();
}
