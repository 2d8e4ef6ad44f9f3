//! The scale-out mode on a Redis Cluster, at process level: 3 Redis masters started by the
//! test, 2 `shrike serve` nodes on them and on one MariaDB records store, 4 client
//! connections spreading events over both nodes (devices shared by all connections, so both
//! nodes write the same Redis keys), then `kill -9` of one node mid-stream. Every
//! acknowledged event must be in the shared state: each entity's features, read through the
//! surviving node, equal an embedded replay of all acknowledged events (plus any subset of
//! the few events in flight on the killed node, whose fate a crash leaves open). Bounded:
//! about 1.5 s of load, a few thousand events.

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
use support::{Client, RedisCluster, Server};

const CONNECTIONS: usize = 4;
const ROUND: usize = 25;
const MAX_ROUNDS: usize = 400;
/// 2026-09-01T00:00:00Z.
const BASE_MS: i64 = 1_788_220_800_000;
const DEVICES: usize = 11;
const USERS: usize = 13;

/// Event `i` of connection `k`: users and cards private to the connection, devices shared by
/// all; one second apart per round (connections stay within a round of each other).
fn event(k: usize, i: usize) -> String {
    let t = BASE_MS + i as i64 * 1_000;
    let (user, device, card) =
        (format!("c{k}_u{}", i % USERS), format!("d{}", (i + k) % DEVICES), format!("c{k}_card{}", i % 7));
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

#[derive(Default)]
struct Sent {
    acked: Vec<usize>,
    in_flight: Option<usize>,
}

struct Lockstep {
    done: Vec<AtomicUsize>,
    stop: AtomicBool,
}

impl Lockstep {
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

fn drive(addr: std::net::SocketAddr, k: usize, lock: Arc<Lockstep>, sent: Arc<Mutex<Sent>>) {
    let mut client = Client::connect(addr).unwrap();
    for round in 0..MAX_ROUNDS {
        if !lock.wait_for(round) {
            return;
        }
        for j in 0..ROUND {
            let i = round * ROUND + j;
            sent.lock().unwrap().in_flight = Some(i);
            match client.request("POST", "/v1/decide", &event(k, i)) {
                Ok(r) if r.status == 200 => {
                    assert_eq!(r.json()["degraded"], false, "{}", r.body);
                    let mut s = sent.lock().unwrap();
                    s.acked.push(i);
                    s.in_flight = None;
                }
                Ok(r) => panic!("status {}: {}", r.status, r.body),
                Err(_) => {
                    lock.stop.store(true, Ordering::Release);
                    return;
                }
            }
        }
        lock.done[k].store(round + 1, Ordering::Release);
    }
}

fn write_config(dir: &std::path::Path, records: &str, seeds: &[String]) -> std::path::PathBuf {
    let seeds: Vec<String> = seeds.iter().map(|s| format!("{s:?}")).collect();
    let text = format!(
        "[auth]\nrequired = false\n\n[records]\nurl = {records:?}\n\n[state]\nurl = [{}]\nprefix = \"ct\"\ntimeout_ms = 2000\n",
        seeds.join(", ")
    );
    let path = dir.join("shrike.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn two_nodes_on_a_redis_cluster_lose_no_acknowledged_event_to_kill_9() {
    let cluster = RedisCluster::start(3);
    let dir = tempfile::tempdir().unwrap();
    let records = support::fresh_mariadb(&format!("shrike_cluster_{}", std::process::id()));
    let config = write_config(dir.path(), &records, &cluster.seeds());
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    // A first: it publishes the initial policy; B takes the live version from the records.
    let mut a = Server::start_with_config(&data_a, &config, &[]);
    let b = Server::start_with_config(&data_b, &config, &[]);
    let lock = Arc::new(Lockstep {
        done: (0..CONNECTIONS).map(|_| AtomicUsize::new(0)).collect(),
        stop: AtomicBool::new(false),
    });
    let sent: Vec<Arc<Mutex<Sent>>> = (0..CONNECTIONS).map(|_| Arc::default()).collect();
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|k| {
            let addr = if k % 2 == 0 { a.addr } else { b.addr };
            let (l, s) = (Arc::clone(&lock), Arc::clone(&sent[k]));
            std::thread::spawn(move || drive(addr, k, l, s))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1_500));
    a.kill();
    lock.stop.store(true, Ordering::Release);
    for t in threads {
        t.join().unwrap();
    }
    let acked: usize = sent.iter().map(|s| s.lock().unwrap().acked.len()).sum();
    assert!(acked >= 200, "only {acked} events were acknowledged before the kill");

    // Redeliver what was in flight to the surviving node; a crash leaves its fate open (not
    // applied, applied, or claimed but unfinished: then answered degraded, not applied again).
    let mut client = Client::connect(b.addr).unwrap();
    let mut unknown = Vec::new();
    for (k, s) in sent.iter().enumerate() {
        if let Some(i) = s.lock().unwrap().in_flight {
            let r = client.request("POST", "/v1/decide", &event(k, i)).unwrap();
            assert_eq!(r.status, 200, "{}", r.body);
            unknown.push((k, i));
        }
    }
    // Acknowledged events of the killed node, redelivered to the survivor: duplicates, not
    // applied again (the state check below would see a second application).
    let acked_on_a: Vec<usize> = sent[0].lock().unwrap().acked.iter().rev().take(20).copied().collect();
    for i in acked_on_a {
        let r = client.request("POST", "/v1/decide", &event(0, i)).unwrap().json();
        assert_eq!(r["not_applied"], "duplicate", "{r}");
    }
    // A tick past every event, so reads at the node's watermark see every bucket.
    let last = sent.iter().flat_map(|s| s.lock().unwrap().acked.clone()).max().unwrap_or(0) + ROUND * 2;
    let tick = format!(
        r#"{{"event_id":"tick","type":"account.login","timestamp":{},"user_id":"tick"}}"#,
        BASE_MS + last as i64 * 1_000
    );
    assert_eq!(client.request("POST", "/v1/decide", &tick).unwrap().status, 200);
    let acked: Vec<(usize, usize)> = sent
        .iter()
        .enumerate()
        .flat_map(|(k, s)| s.lock().unwrap().acked.iter().map(|&i| (k, i)).collect::<Vec<_>>())
        .collect();
    eprintln!("acknowledged {} events; {} in flight at the kill", acked.len(), unknown.len());
    let compared = check(&mut client, &acked, &unknown, &tick);
    assert!(compared > 300, "compared only {compared} feature values");
    drop(b);
    drop(cluster);
    let name = records.rsplit('/').next().unwrap_or_default();
    let _ = std::process::Command::new("mariadb")
        .args(["-uroot", "-e", &format!("DROP DATABASE IF EXISTS {name}")])
        .status();
}

/// Every device's and user's features through the node equal an embedded replay of `acked`
/// plus one subset of `unknown` (the same subset need not hold for every entity: a crash can
/// leave an event applied to some keys only).
fn check(client: &mut Client, acked: &[(usize, usize)], unknown: &[(usize, usize)], tick: &str) -> usize {
    let subsets: Vec<Vec<(usize, usize)>> = (0..1usize << unknown.len())
        .map(|m| unknown.iter().enumerate().filter(|(b, _)| m >> b & 1 == 1).map(|(_, e)| *e).collect())
        .collect();
    let mut engines: Vec<Engine<MemoryStore>> = subsets.iter().map(|extra| replay(acked, extra, tick)).collect();
    let entities = (0..DEVICES)
        .map(|d| ("device", Field::DeviceId, format!("d{d}")))
        .chain((0..CONNECTIONS).flat_map(|k| (0..USERS).map(move |u| ("user", Field::UserId, format!("c{k}_u{u}")))));
    let mut compared = 0;
    for (kind, field, id) in entities {
        let got = client.request("GET", &format!("/v1/entities/{kind}/{id}"), "").unwrap().json();
        let got: Vec<(String, serde_json::Value)> = got["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["name"].as_str().unwrap().to_string(), f["value"].clone()))
            .collect();
        let matches = engines.iter_mut().any(|e| {
            let want = e.entity_features(field, &Value::Str(id.clone().into()));
            let want: Vec<(String, serde_json::Value)> =
                want.iter().map(|w| (w.name.to_string(), serde_json::to_value(&w.value).unwrap())).collect();
            want == got
        });
        let first = engines[0].entity_features(field, &Value::Str(id.clone().into()));
        assert!(matches, "{kind} {id}: got {got:?}, a replay of the acknowledged events gives {first:?}");
        compared += got.len();
    }
    compared
}

/// An embedded engine that decided `acked` and `extra` merged in event-time order, then `tick`.
fn replay(acked: &[(usize, usize)], extra: &[(usize, usize)], tick: &str) -> Engine<MemoryStore> {
    let path = support::reference_policy();
    let source = std::fs::read_to_string(&path).unwrap();
    let policy = Arc::new(shrike_engine::model_files::compile_policy_file(&path, &source).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    let mut engine = Engine::new(policy, store, clock.clone());
    let mut all: Vec<(usize, usize)> = acked.iter().chain(extra).copied().collect();
    all.sort_by_key(|&(k, i)| (i, k));
    for text in all.iter().map(|&(k, i)| event(k, i)).chain(std::iter::once(tick.to_string())) {
        let e = parse_event(text.as_bytes()).unwrap();
        clock.set(e.timestamp);
        engine.decide(&e);
    }
    engine
}
