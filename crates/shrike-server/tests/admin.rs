//! The admin API in process: keys and scopes, the policy lifecycle (validate, create,
//! publish as a hot swap, rollback, diff, shadow), lists, labels and the audit log.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod common;

use common::*;
use shrike_records::{Change, NewApiKey, Scope};
use shrike_server::service::Service;

async fn key(svc: &Service, name: &str, scopes: &[Scope]) -> String {
    let (secret, hash) = shrike_records::generate_key().unwrap();
    let new = NewApiKey { name, scopes: scopes.iter().copied().collect(), hash: &hash };
    svc.state.records.create_key(&new, Change { actor: "test", at: 1 }).await.unwrap();
    secret.expose().to_string()
}

#[tokio::test]
async fn keys_and_scopes_guard_every_route() {
    let mut c = config();
    c.auth.required = true;
    let svc = start(c).await;
    let decider = key(&svc, "checkout", &[Scope::Decide]).await;
    let admin = key(&svc, "ops", &[Scope::Admin]).await;
    let body = event("k1", "account.login", r#","user_id":"u1""#);
    let ct = Some("application/json");
    let no_key = call_as(&svc, None, "POST", "/v1/decide", ct, &body).await;
    assert_eq!(no_key.status, 401, "{}", no_key.text);
    assert_eq!(call_as(&svc, Some("shk_nope"), "POST", "/v1/decide", ct, &body).await.status, 401);
    assert_eq!(call_as(&svc, Some(&decider), "POST", "/v1/decide", ct, &body).await.status, 200);
    let forbidden = call_as(&svc, Some(&decider), "GET", "/v1/policies", None, "").await;
    assert_eq!(forbidden.status, 403);
    assert!(forbidden.json()["detail"].as_str().unwrap().contains("admin"));
    assert_eq!(call_as(&svc, Some(&admin), "GET", "/v1/policies", None, "").await.status, 200);
    // Admin keys may decide too; health and metrics need no key.
    assert_eq!(
        call_as(&svc, Some(&admin), "POST", "/v1/decide", ct, &event("k2", "account.login", "")).await.status,
        200
    );
    assert_eq!(get(&svc, "/healthz").await.status, 200);
    // A key made through the API works; revoked, it does not.
    let made = call_as(&svc, Some(&admin), "POST", "/v1/keys", ct, r#"{"name":"batch","scopes":["ingest"]}"#).await;
    assert_eq!(made.status, 201, "{}", made.text);
    let (new_key, id) = (made.json()["key"].as_str().unwrap().to_string(), made.json()["id"].as_i64().unwrap());
    let events = format!(r#"{{"events":[{}]}}"#, event("k3", "account.login", ""));
    assert_eq!(call_as(&svc, Some(&new_key), "POST", "/v1/events", ct, &events).await.status, 200);
    assert_eq!(call_as(&svc, Some(&admin), "DELETE", &format!("/v1/keys/{id}"), None, "").await.status, 200);
    assert_eq!(call_as(&svc, Some(&new_key), "POST", "/v1/events", ct, &events).await.status, 401);
    let listed = call_as(&svc, Some(&admin), "GET", "/v1/keys", None, "").await.json();
    assert!(listed["keys"].as_array().unwrap().iter().all(|k| k.get("key").is_none()), "secrets are never listed");
    svc.stop().await.unwrap();
}

fn with_rule(extra: &str) -> String {
    format!("{REFERENCE}\n{extra}\n")
}

#[tokio::test]
async fn policies_validate_create_publish_rollback_and_diff() {
    let svc = start(config()).await;
    let bad = r#"{"source":"policy \"p\"\nrule r {\n  when nope >= 1\n  then block\n}\n"}"#;
    let v = post(&svc, "/v1/policies/validate", bad).await.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"][0]["line"], 3, "{v}");
    assert_eq!(v["errors"][0]["column"], 8);
    let rejected = post(&svc, "/v1/policies", bad).await;
    assert_eq!(rejected.status, 422);
    assert_eq!(rejected.json()["errors"][0]["field"], "source");

    let strict = with_rule("rule every_login {\n  on account.login\n  when true\n  then review\n  reason \"test\"\n}");
    let created =
        post(&svc, "/v1/policies", &serde_json::json!({"source": REFERENCE, "comment": "v1"}).to_string()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let v1 = created.json()["id"].as_i64().unwrap();
    let v2 = post(&svc, "/v1/policies", &serde_json::json!({"source": strict}).to_string()).await.json()["id"]
        .as_i64()
        .unwrap();
    let published = post(&svc, &format!("/v1/policies/{v2}/publish"), "").await;
    assert_eq!(published.status, 200, "{}", published.text);
    let p = published.json();
    assert_eq!(p["version"], format!("marketplace@v{v2}"));
    assert!(p["carried"].as_array().unwrap().len() >= 19, "every feature is unchanged: {p}");
    let d = post(&svc, "/v1/decide", &event("p1", "account.login", r#","user_id":"u1""#)).await.json();
    assert_eq!(d["outcome"], "review", "{d}");
    assert_eq!(d["policy_version"], format!("marketplace@v{v2}"));
    let list = get(&svc, "/v1/policies").await.json();
    assert_eq!(list["live"], v2);

    let diff = get(&svc, &format!("/v1/policies/diff?from={v1}&to={v2}")).await.json();
    assert_eq!(diff["added"][0], "rule every_login", "{diff}");
    assert!(diff["removed"].as_array().unwrap().is_empty());

    post(&svc, &format!("/v1/policies/{v1}/publish"), "").await;
    let back = post(&svc, "/v1/policies/rollback", "").await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(back.json()["live"], v2, "rollback undoes the newest publish");
    let source = get(&svc, &format!("/v1/policies/{v1}")).await.json();
    assert_eq!(source["source"], REFERENCE);
    assert_eq!(get(&svc, "/v1/policies/999").await.status, 404);
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn a_shadow_policy_decides_beside_the_live_one_without_answering() {
    let svc = start(config()).await;
    let strict = with_rule("rule every_login {\n  on account.login\n  when true\n  then block\n  reason \"test\"\n}");
    let id = post(&svc, "/v1/policies", &serde_json::json!({"source": strict}).to_string()).await.json()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(post(&svc, &format!("/v1/policies/{id}/shadow"), "").await.status, 204);
    let d = post(&svc, "/v1/decide", &event("sh1", "account.login", r#","user_id":"u1""#)).await.json();
    assert_eq!(d["outcome"], "allow", "the live policy answers");
    let mut shadow = serde_json::Value::Null;
    for _ in 0..100 {
        shadow = get(&svc, "/v1/decisions?shadow=true").await.json();
        if shadow["decisions"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(shadow["decisions"][0]["outcome"], "block", "{shadow}");
    assert_eq!(shadow["decisions"][0]["decision_id"], "sh1:shadow");
    assert_eq!(call(&svc, "DELETE", "/v1/policies/shadow", None, "").await.status, 204);
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn list_entries_reach_the_next_decision_and_expire() {
    let svc = start(config()).await;
    // an order: the payment risk model (payment attempts only) takes no part
    let ev = |id: &str| event(id, "order.create", r#","device_id":"dv_bad","amount":"9.00""#);
    assert_eq!(post(&svc, "/v1/decide", &ev("l1")).await.json()["outcome"], "allow");
    let added = post(&svc, "/v1/lists/blocked_devices/entries", r#"{"value":"dv_bad"}"#).await;
    assert_eq!(added.status, 204, "{}", added.text);
    let d = post(&svc, "/v1/decide", &ev("l2")).await.json();
    assert_eq!(d["outcome"], "block", "{d}");
    assert_eq!(d["reasons"][0]["rule"], "blocklisted_instrument");
    let e = get(&svc, "/v1/entities/device/dv_bad").await.json();
    assert_eq!(e["lists"][0], "blocked_devices");
    assert_eq!(call(&svc, "DELETE", "/v1/lists/blocked_devices/entries/dv_bad", None, "").await.status, 204);
    assert_eq!(post(&svc, "/v1/decide", &ev("l3")).await.json()["outcome"], "allow");
    // An entry that expired before the event's time does not count.
    post(&svc, "/v1/lists/blocked_devices/entries", r#"{"value":"dv_bad","expires_at":"2026-09-01T09:00:00Z"}"#).await;
    assert_eq!(post(&svc, "/v1/decide", &ev("l4")).await.json()["outcome"], "allow");
    let csv = "value,expires_at\nfp_1\nfp_2,2030-01-01T00:00:00Z\n";
    let imported = call(&svc, "POST", "/v1/lists/blocked_cards/import", Some("text/csv"), csv).await;
    assert_eq!(imported.json()["imported"], 2, "{}", imported.text);
    let entries = get(&svc, "/v1/lists/blocked_cards").await.json();
    assert_eq!(entries["entries"].as_array().unwrap().len(), 2);
    let bad = call(&svc, "POST", "/v1/lists/blocked_cards/import", Some("text/csv"), "fp_3,never\n").await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["errors"][0]["line"], 1);
    let both = post(&svc, "/v1/lists/blocked_cards/entries", r#"{"value":"x","ttl":"1d","expires_at":"1"}"#).await;
    assert_eq!(both.status, 422);
    svc.stop().await.unwrap();
}

#[tokio::test]
async fn labels_and_the_audit_log() {
    let svc = start(config()).await;
    post(&svc, "/v1/decide", &event("lab1", "payment.attempt", r#","device_id":"dv_l","amount":"5.00""#)).await;
    let l =
        post(&svc, "/v1/labels", r#"{"event_id":"lab1","fraud":true,"kind":"chargeback","source":"psp:test"}"#).await;
    assert_eq!(l.status, 201, "{}", l.text);
    let listed = get(&svc, "/v1/labels?event_id=lab1").await.json();
    assert_eq!(listed["labels"][0]["kind"], "chargeback");
    let no_target = post(&svc, "/v1/labels", r#"{"fraud":true,"kind":"x","source":"y"}"#).await;
    assert_eq!(no_target.status, 422);
    post(&svc, "/v1/lists/trusted_users/entries", r#"{"value":"u_vip"}"#).await;
    let audit = get(&svc, "/v1/audit").await.json();
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"list.add"), "{audit}");
    assert_eq!(audit["entries"][0]["actor"], "anonymous");
    svc.stop().await.unwrap();
}
