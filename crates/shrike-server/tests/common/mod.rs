//! Helpers shared by the API tests: a service on a free port with the reference policy, and
//! in-process requests through its router.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)] // test helpers: a failure is a test failure

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use shrike_server::config::Config;
use shrike_server::journal::LoadedPolicy;
use shrike_server::service::{Service, Start};
use tower::ServiceExt;

pub const REFERENCE: &str = include_str!("../../../../examples/marketplace/policy.shrike");

/// Where the reference policy's model file is.
pub const REFERENCE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace");

pub fn reference() -> LoadedPolicy {
    let (models, missing) = shrike_server::models::read_beside(std::path::Path::new(REFERENCE_DIR), REFERENCE);
    LoadedPolicy::compile_with("marketplace@v1", REFERENCE, "policy.shrike", models, &missing).unwrap()
}

/// A config on a free loopback port with auth off (auth has its own tests).
pub fn config() -> Config {
    let mut c = Config::default();
    c.server.listen = "127.0.0.1:0".parse().unwrap();
    c.auth.required = false;
    c
}

pub async fn start(config: Config) -> Service {
    Service::start(config, Start::ephemeral(reference()).await.unwrap()).await.unwrap()
}

/// A response's status, content type and body (parsed as JSON when it is JSON).
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
    pub headers: axum::http::HeaderMap,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub async fn call(svc: &Service, method: &str, uri: &str, content_type: Option<&str>, body: &str) -> Reply {
    call_as(svc, None, method, uri, content_type, body).await
}

/// [`call`] with `Authorization: Bearer KEY`.
pub async fn call_as(
    svc: &Service,
    key: Option<&str>,
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    body: &str,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = svc.router().oneshot(req.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers.get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply { status, content_type, text: String::from_utf8_lossy(&bytes).into_owned(), headers }
}

pub async fn post(svc: &Service, uri: &str, body: &str) -> Reply {
    call(svc, "POST", uri, Some("application/json"), body).await
}

pub async fn get(svc: &Service, uri: &str) -> Reply {
    call(svc, "GET", uri, None, "").await
}

pub fn event(id: &str, ty: &str, extra: &str) -> String {
    format!(r#"{{"event_id":"{id}","type":"{ty}","timestamp":"2026-09-01T10:00:00Z"{extra}}}"#)
}
