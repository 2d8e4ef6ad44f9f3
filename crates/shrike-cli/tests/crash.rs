//! The process-level durability test: `shrike serve` takes events from several connections
//! under load, is killed with SIGKILL mid-stream, restarts on the same data directory, and
//! its feature state must then be exactly what a replay of the acknowledged events gives
//! (plus the in-flight ones, resolved by resending them: idempotency tells whether each was
//! already applied), and every acknowledged decision must be in the decision log. Bounded:
//! about two seconds of load, a few thousand events.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_types::clock::ManualClock;
use shrike_types::parse::parse_event;
use shrike_types::{Field, Timestamp, Value};
use support::{Client, Server};

const CONNECTIONS: usize = 4;
const ROUND: usize = 50;
const MAX_ROUNDS: usize = 400;
/// 2026-09-01T00:00:00Z.
const BASE_MS: i64 = 1_788_220_800_000;

/// Event `i` of connection `k`: entities private to the connection, one second apart per
/// round so connections never drift apart by more than the policy's lateness.
fn event(k: usize, i: usize) -> String {
    let t = BASE_MS + i as i64 * 1_000;
    let (user, device, card) =
        (format!("c{k}_u{}", i % 23), format!("c{k}_d{}", i % 11), format!("c{k}_card{}", i % 17));
    let common = format!(r#""event_id":"c{k}_e{i}","timestamp":{t},"user_id":"{user}","device_id":"{device}""#);
    match i % 4 {
        0 => format!(
            r#"{{{common},"type":"payment.attempt","amount":"{}.50","currency":"USD","card":{{"fingerprint":"{card}","country":"US"}},"ip":"10.{k}.0.{}","ip_country":"US"}}"#,
            5 + i % 300,
            i % 200
        ),
        1 => format!(
            r#"{{{common},"type":"payment.result","status":"{}"}}"#,
            if i.is_multiple_of(3) { "declined" } else { "approved" }
        ),
        2 => format!(
            r#"{{{common},"type":"account.login","ip":"10.{k}.1.{}","ip_country":"{}"}}"#,
            i % 200,
            ["US", "DE", "BR"][i % 3]
        ),
        _ => format!(r#"{{{common},"type":"order.create","amount":"{}.00","currency":"USD"}}"#, 20 + i % 500),
    }
}

/// What one connection sent: acknowledged events, and the one in flight when the server died.
#[derive(Default)]
struct Sent {
    acked: Vec<usize>,
    in_flight: Option<usize>,
}

/// Rounds finished per connection, and whether the run is over: connections start round
/// `r` only when all have finished round `r - 1`, so their event times stay together.
struct Lockstep {
    done: Vec<AtomicUsize>,
    stop: AtomicBool,
}

impl Lockstep {
    /// Waits until every connection finished `round` rounds; false if the run is over.
    fn wait_for(&self, round: usize) -> bool {
        while self.done.iter().any(|d| d.load(Ordering::Acquire) < round) {
            if self.stop.load(Ordering::Acquire) {
                return false;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        true
    }
}

fn drive(addr: std::net::SocketAddr, key: String, k: usize, lock: Arc<Lockstep>, sent: Arc<Mutex<Sent>>) {
    let mut client = Client::connect(addr).unwrap();
    client.key = Some(key);
    for round in 0..MAX_ROUNDS {
        if !lock.wait_for(round) {
            return;
        }
        for j in 0..ROUND {
            let i = round * ROUND + j;
            sent.lock().unwrap().in_flight = Some(i);
            match client.request("POST", "/v1/decide", &event(k, i)) {
                Ok(r) if r.status == 200 => {
                    let mut s = sent.lock().unwrap();
                    s.acked.push(i);
                    s.in_flight = None;
                }
                Ok(r) => panic!("status {}: {}", r.status, r.body),
                Err(_) => {
                    // The server was killed.
                    lock.stop.store(true, Ordering::Release);
                    return;
                }
            }
        }
        lock.done[k].store(round + 1, Ordering::Release);
    }
}

#[test]
fn every_acknowledged_event_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let addr = server.addr;
    let lock = Arc::new(Lockstep {
        done: (0..CONNECTIONS).map(|_| AtomicUsize::new(0)).collect(),
        stop: AtomicBool::new(false),
    });
    let sent: Vec<Arc<Mutex<Sent>>> = (0..CONNECTIONS).map(|_| Arc::default()).collect();
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|k| {
            let (l, s, key) = (Arc::clone(&lock), Arc::clone(&sent[k]), server.key.clone());
            std::thread::spawn(move || drive(addr, key, k, l, s))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1_500));
    server.kill();
    lock.stop.store(true, Ordering::Release);
    for t in threads {
        let _ = t.join();
    }
    let acked: usize = sent.iter().map(|s| s.lock().unwrap().acked.len()).sum();
    assert!(acked >= 200, "only {acked} events were acknowledged before the kill");

    let server = Server::start(dir.path(), &[]);
    let mut client = Client::to(&server).unwrap();
    let mut sequences = Vec::new();
    for (k, s) in sent.iter().enumerate() {
        let s = s.lock().unwrap();
        let mut seq = s.acked.clone();
        if let Some(i) = s.in_flight {
            // Applied before the crash (a duplicate now) or not (applied now): either way it
            // is the connection's last event, so the order is the same.
            let r = client.request("POST", "/v1/decide", &event(k, i)).unwrap();
            assert_eq!(r.status, 200, "{}", r.body);
            seq.push(i);
        }
        sequences.push(seq);
    }
    for (k, seq) in sequences.iter().enumerate() {
        check_connection(&mut client, k, seq);
        check_logged(&mut client, k, seq);
    }
}

/// Every acknowledged decision of connection `k` is in the decision log after the kill: the
/// engine thread appends a batch's decisions to the embedded log before it answers them.
fn check_logged(client: &mut Client, k: usize, seq: &[usize]) {
    for &i in seq {
        let r = client.request("GET", &format!("/v1/decisions/c{k}_e{i}"), "").unwrap();
        assert_eq!(r.status, 200, "decision c{k}_e{i} was acknowledged but is not in the log: {}", r.body);
        assert_eq!(r.json()["decision"]["event_id"], format!("c{k}_e{i}"));
    }
}

/// The server's feature values for connection `k`'s devices and users equal those of an
/// engine that decided exactly `seq`, in order.
fn check_connection(client: &mut Client, k: usize, seq: &[usize]) {
    let path = support::reference_policy();
    let source = std::fs::read_to_string(&path).unwrap();
    let policy = Arc::new(shrike_engine::model_files::compile_policy_file(&path, &source).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    let mut engine = Engine::new(policy, store, clock.clone());
    for &i in seq {
        let text = event(k, i);
        let e = parse_event(text.as_bytes()).unwrap();
        clock.set(e.timestamp);
        engine.decide(&e);
    }
    let entities = (0..11)
        .map(|d| ("device", Field::DeviceId, format!("c{k}_d{d}")))
        .chain((0..23).map(|u| ("user", Field::UserId, format!("c{k}_u{u}"))));
    let mut compared = 0;
    for (kind, field, id) in entities {
        let got = client.request("GET", &format!("/v1/entities/{kind}/{id}"), "").unwrap().json();
        let want = engine.entity_features(field, &Value::Str(id.clone().into()));
        let got = got["features"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{kind} {id}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g["name"], w.name.as_ref());
            assert_eq!(g["value"], serde_json::to_value(&w.value).unwrap(), "{kind} {id} {}", w.name);
            compared += 1;
        }
    }
    assert!(compared > 100);
}
