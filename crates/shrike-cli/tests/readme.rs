//! The README's "Try the service" block, run as written against a real `shrike serve`.
//!
//! The block is read from README.md at test time, so the README cannot drift from what the
//! service does. Only the address, the data directory and the binary path are substituted
//! (the test server listens on a free port with a temporary data directory); every command of
//! the block runs unchanged in `bash`, and the test checks what each step must show.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod support;

use std::path::Path;
use std::process::Command;

use support::Server;

/// The first ```sh block after the "## Try the service" heading.
fn try_the_service_block(readme: &str) -> String {
    let section = readme.split("## Try the service").nth(1).expect("README has a 'Try the service' section");
    let start = section.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let end = section[start..].find("```").expect("the block ends");
    section[start..start + end].to_string()
}

#[test]
fn the_readme_service_examples_work_as_written() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let block = try_the_service_block(&readme);
    assert!(block.contains("localhost:8080") && block.contains("data/serve"), "{block}");

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("serve");
    let mut server = Server::start(&data, &[]);
    let script = block
        .replace("localhost:8080", &format!("127.0.0.1:{}", server.addr.port()))
        .replace("data/serve", data.to_str().unwrap())
        .replace("target/release/shrike", env!("CARGO_BIN_EXE_shrike"));
    let out = Command::new("bash").arg("-c").arg(&script).current_dir(&repo).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the block failed:\n{stdout}\n{stderr}");
    check_outputs(&stdout);
    server.terminate();
}

/// What each step of the block must have printed, in order.
fn check_outputs(out: &str) {
    let lines: Vec<&str> = out.lines().collect();
    let decisions: Vec<serde_json::Value> =
        lines.iter().take(3).map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(decisions[0]["outcome"], "allow", "{out}");
    assert_eq!(decisions[2]["outcome"], "block", "third sign-up from one device: {out}");
    assert!(decisions[2]["reasons"].to_string().contains("fake_accounts_device_farm"), "{out}");
    let expect = [
        ("the entity view", "\"dv_demo\""),
        ("the decision log query", "\"demo-3\""),
        ("the answer within the deadline", "\"degraded\":false"),
        ("the 422 naming the field", "timestamp: expected RFC 3339 or epoch milliseconds"),
        ("the model's score", "\"model\":\"payment_risk\""),
        ("the model's top contributors", "\"contribution\":"),
        ("the model upload", "payment-risk.model.json"),
        ("the model list", "payment-risk.model.json"),
        ("the list entry added", "204"),
        ("the blocklisted device", "\"blocklisted_instrument\""),
        ("the policy list", "\"live\":1"),
        ("the validation", "\"ok\":true"),
        ("the publish", "\"live\":2,\"version\":\"marketplace@v2\""),
        ("the diff", "\"from\":\"marketplace@v1\",\"to\":\"marketplace@v2\""),
        ("the rollback", "\"live\":1,\"version\":\"marketplace@v1\""),
        ("the key", "shk_"),
        ("the OpenAPI document", "\"openapi\""),
        ("the metrics", "shrike_decisions_total{outcome=\"block\"}"),
    ];
    let mut rest = out;
    for (step, needle) in expect {
        let at = rest.find(needle).unwrap_or_else(|| panic!("{step}: no {needle:?} in what followed:\n{rest}"));
        rest = &rest[at + needle.len()..];
    }
}
