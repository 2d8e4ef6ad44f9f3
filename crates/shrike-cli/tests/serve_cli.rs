//! `shrike serve` and `shrike keys` as processes: a key created by the CLI while the service
//! runs is accepted with its scope and no other; SIGTERM stops the service cleanly.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod support;

use std::process::Command;

use support::{Client, Server};

fn create_key(data: &std::path::Path, scope: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shrike"))
        .args(["keys", "create", "--scope", scope, "--name", "test", "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_string()
}

#[test]
fn keys_made_by_the_cli_carry_their_scope() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let key = create_key(dir.path(), "decide");
    assert!(key.starts_with("shk_"), "{key}");
    let mut client = Client::connect(server.addr).unwrap();
    client.key = Some(key);
    let event = r#"{"event_id":"c1","type":"account.login","timestamp":"2026-09-01T10:00:00Z","user_id":"u1"}"#;
    assert_eq!(client.request("POST", "/v1/decide", event).unwrap().status, 200);
    assert_eq!(client.request("GET", "/v1/policies", "").unwrap().status, 403);
    client.key = None;
    assert_eq!(client.request("POST", "/v1/decide", event).unwrap().status, 401);
    let mut admin = Client::to(&server).unwrap();
    let live = admin.request("GET", "/v1/policies", "").unwrap().json();
    assert_eq!(live["versions"][0]["version"], "marketplace@v1", "{live}");
    assert_eq!(live["live"], 1);
    server.terminate();
    assert!(server.child.try_wait().unwrap().is_some_and(|s| s.success()), "SIGTERM exits cleanly");
}
