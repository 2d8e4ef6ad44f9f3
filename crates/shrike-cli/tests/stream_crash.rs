//! Exactly once through a crash: events (some delivered twice) are published to a NATS
//! JetStream subject or a Kafka topic while a `shrike serve` consumes them; the process is
//! killed with SIGKILL mid-stream and started again; once the stream is drained, every
//! user's and device's features equal an embedded replay of the distinct events. For NATS
//! (127.0.0.1:4222) and Kafka (rdkafka's MockCluster in this process) in embedded mode, and
//! for NATS in scale-out mode (Redis 127.0.0.1:6379 + MariaDB 127.0.0.1:3306). Bounded: 1,650
//! messages paced over about a second; each test stops what it starts and deletes its
//! stream, topic, keys and database.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_streams::async_nats::jetstream;
use shrike_types::clock::ManualClock;
use shrike_types::parse::parse_event;
use shrike_types::{Field, Timestamp, Value};
use support::{Client, Server};

/// Distinct events; every 10th message repeats an earlier one (a redelivery).
const EVENTS: usize = 1_500;
/// Messages published per pause of the publisher.
const CHUNK: usize = 25;
const PAUSE: Duration = Duration::from_millis(12);
const BASE_MS: i64 = 1_788_220_800_000;
const USERS: usize = 20;
const DEVICES: usize = 10;

/// Event `i` of a test tagged `tag`: 100 ms apart (the whole stream spans 150 s, within the
/// policy's 10-minute lateness, so the order redeliveries arrive in does not matter).
fn event(tag: &str, i: usize) -> String {
    let t = BASE_MS + i as i64 * 100;
    let common = format!(
        r#""event_id":"{tag}-e{i}","timestamp":{t},"user_id":"{tag}u{}","device_id":"{tag}d{}""#,
        i % USERS,
        i % DEVICES
    );
    match i % 4 {
        0 => format!(
            r#"{{{common},"type":"payment.attempt","amount":"{}.50","currency":"USD","card":{{"fingerprint":"{tag}c{}","country":"US"}},"ip":"10.0.0.{}","ip_country":"US"}}"#,
            5 + i % 300,
            i % 17,
            i % 50
        ),
        1 => format!(
            r#"{{{common},"type":"account.login","ip":"10.1.0.{}","ip_country":"{}"}}"#,
            i % 50,
            ["US", "DE"][i % 2]
        ),
        2 => format!(r#"{{{common},"type":"account.signup"}}"#),
        _ => format!(r#"{{{common},"type":"order.create","amount":"{}.00","currency":"USD"}}"#, 20 + i % 500),
    }
}

/// The messages in publishing order: the events, each 10th followed by a repeat.
fn messages(tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..EVENTS {
        out.push(event(tag, i));
        if i % 10 == 9 {
            out.push(event(tag, i - 4));
        }
    }
    out
}

fn unique(name: &str) -> String {
    let nanos = shrike_types::clock::Stopwatch::start().elapsed_nanos() % 1_000_000_007;
    format!("{name}{}x{nanos}", std::process::id())
}

/// `shrike_stream_NAME_total` summed over inputs, from `/metrics`.
fn stream_counter(client: &mut Client, name: &str) -> u64 {
    let text = client.request("GET", "/metrics", "").map(|r| r.body).unwrap_or_default();
    let prefix = format!("shrike_stream_{name}_total{{");
    text.lines().filter(|l| l.starts_with(&prefix)).filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok()).sum()
}

/// Messages published (and applied) before the paced rest: the consumer is running (a Kafka
/// group joined) before the publishing the kill interrupts.
const WARM_UP: usize = 100;
/// Applied events after which the server is killed.
const KILL_AFTER: u64 = 300;

/// Starts the server; publishes the first messages and waits until they are applied; then
/// publishes the rest, paced (`publish` spawns that), kills the server (SIGKILL) once part of
/// it is applied, and starts it again. Returns the new server and the publishing task.
fn kill_mid_stream(
    data: &Path,
    config: &Path,
    msgs: &[String],
    rt: &tokio::runtime::Runtime,
    publish: impl Fn(Vec<String>) -> tokio::task::JoinHandle<()>,
) -> (Server, tokio::task::JoinHandle<()>) {
    rt.block_on(publish(msgs[..WARM_UP].to_vec())).unwrap();
    let mut server = Server::start_with_config(data, config, &[]);
    let mut client = Client::connect(server.addr).unwrap();
    wait_applied(&mut client, WARM_UP as u64, 3_000);
    let rest = publish(msgs[WARM_UP..].to_vec());
    let applied = wait_applied(&mut client, KILL_AFTER, 2_000);
    server.kill();
    assert!(
        (KILL_AFTER..msgs.len() as u64).contains(&applied),
        "killed after {applied} of {}: not mid-stream",
        msgs.len()
    );
    (Server::start_with_config(data, config, &[]), rest)
}

/// Polls `/metrics` every 5 ms until `n` events are applied (at most `polls` times).
fn wait_applied(client: &mut Client, n: u64, polls: usize) -> u64 {
    let mut applied = 0;
    for _ in 0..polls {
        applied = stream_counter(client, "applied");
        if applied >= n {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    applied
}

/// Every user's and device's features, read from the server, equal those of an engine that
/// applied the distinct events of `messages` in order.
fn check_features(server: &Server, tag: &str, messages: &[String]) {
    let path = support::reference_policy();
    let source = std::fs::read_to_string(&path).unwrap();
    let policy = Arc::new(shrike_engine::model_files::compile_policy_file(&path, &source).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).unwrap();
    let mut engine = Engine::new(policy, store, clock.clone());
    for m in messages {
        let e = parse_event(m.as_bytes()).unwrap();
        clock.set(e.timestamp);
        engine.decide(&e);
    }
    let mut client = Client::connect(server.addr).unwrap();
    let entities = (0..DEVICES)
        .map(|d| ("device", Field::DeviceId, format!("{tag}d{d}")))
        .chain((0..USERS).map(|u| ("user", Field::UserId, format!("{tag}u{u}"))));
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
    assert!(compared > 100, "{compared}");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

// ---- NATS ----

async fn jetstream() -> jetstream::Context {
    let client = shrike_streams::async_nats::connect("127.0.0.1:4222")
        .await
        .expect("NATS with JetStream is required on 127.0.0.1:4222: run ./scripts/test.sh (it starts nats-server)");
    jetstream::new(client)
}

/// Publishes `messages` to `subject`, paced, acknowledgements awaited per chunk.
async fn publish_nats(js: jetstream::Context, subject: String, messages: Vec<String>) {
    for chunk in messages.chunks(CHUNK) {
        let mut acks = Vec::with_capacity(chunk.len());
        for m in chunk {
            acks.push(js.publish(subject.clone(), m.clone().into()).await.unwrap());
        }
        for a in acks {
            a.await.unwrap();
        }
        tokio::time::sleep(PAUSE).await;
    }
}

/// Waits until the durable consumer has nothing pending or unacknowledged (30 s at most).
async fn drained(js: &jetstream::Context, stream: &str, consumer: &str) {
    let mut last = None;
    for _ in 0..300 {
        let mut c: jetstream::consumer::PullConsumer =
            js.get_stream(stream).await.unwrap().get_consumer(consumer).await.unwrap();
        let info = c.info().await.unwrap();
        if info.num_pending == 0 && info.num_ack_pending == 0 {
            return;
        }
        last = Some((info.num_pending, info.num_ack_pending));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the stream was not drained: (pending, ack pending) = {last:?}");
}

fn nats_config(dir: &Path, name: &str, subject: &str, extra: &str) -> std::path::PathBuf {
    let text = format!(
        r#"[auth]
required = false

[stream]
url = "nats://127.0.0.1:4222"
jetstream = "{name}"
consumer = "shrike"
batch = 32
max_in_flight = 128
ack_wait_ms = 1500
retry_ms = 200

[[stream.inputs]]
source = "{subject}"
mode = "decide"
{extra}"#
    );
    let path = dir.join("shrike.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Publishes while a server consumes; kills and restarts it mid-stream; drains; compares.
fn nats_exactly_once(tag: &str, extra: &str) {
    let rt = runtime();
    let name = unique(&format!("CRASH{}", tag.to_uppercase()));
    let subject = format!("{}.in", name.to_lowercase());
    let js = rt.block_on(jetstream());
    let config = rt.block_on(js.create_stream(jetstream::stream::Config {
        name: name.clone(),
        subjects: vec![subject.clone()],
        ..Default::default()
    }));
    config.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = nats_config(dir.path(), &name, &subject, extra);
    let msgs = messages(tag);
    let publish = |part: Vec<String>| rt.spawn(publish_nats(js.clone(), subject.clone(), part));
    let (server, publisher) = kill_mid_stream(&dir.path().join("data"), &path, &msgs, &rt, publish);
    rt.block_on(publisher).unwrap();
    let input = shrike_streams::InputConfig { source: subject, mode: shrike_streams::Mode::Decide };
    let durable = shrike_streams::nats::durable_name(&shrike_streams::StreamConfig::default(), &input);
    rt.block_on(drained(&js, &name, &durable));
    check_features(&server, tag, &msgs);
    drop(server);
    rt.block_on(js.delete_stream(&name)).unwrap();
}

#[test]
fn nats_embedded_every_event_counts_once_across_kill_9() {
    nats_exactly_once("ne", "");
}

#[test]
fn nats_scale_out_every_event_counts_once_across_kill_9() {
    let db = unique("shrike_stream_crash_");
    let url = support::fresh_mariadb(&db);
    let prefix = unique("t-stream-crash-");
    let extra = format!(
        r#"
[records]
url = "{url}"

[state]
url = "redis://127.0.0.1:6379"
prefix = "{prefix}"
timeout_ms = 2000
pending_ttl_ms = 1000
"#
    );
    nats_exactly_once("ns", &extra);
    let keys = std::process::Command::new("redis-cli").args(["--scan", "--pattern", &format!("{prefix}:*")]).output();
    let keys = String::from_utf8_lossy(&keys.unwrap().stdout).into_owned();
    for chunk in keys.lines().collect::<Vec<_>>().chunks(500) {
        let _ = std::process::Command::new("redis-cli").arg("del").args(chunk).output();
    }
    let _ =
        std::process::Command::new("mariadb").args(["-uroot", "-e", &format!("DROP DATABASE IF EXISTS {db}")]).output();
}

// ---- Kafka (rdkafka's MockCluster: the Kafka protocol on loopback, in this process) ----

#[test]
fn kafka_embedded_every_event_counts_once_across_kill_9() {
    use shrike_streams::rdkafka::consumer::{BaseConsumer, Consumer};
    use shrike_streams::rdkafka::producer::{FutureProducer, FutureRecord};
    use shrike_streams::rdkafka::{ClientConfig, TopicPartitionList};

    let rt = runtime();
    let cluster = shrike_streams::rdkafka::mocking::MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    cluster.create_topic("events", 2, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrike.toml");
    let text = format!(
        r#"[auth]
required = false

[stream]
url = "kafka://{brokers}"
consumer = "shrike"
batch = 32
max_in_flight = 128
retry_ms = 200
timeout_ms = 5000

[stream.kafka]
# A killed member's partitions are handed over once its session expires.
"session.timeout.ms" = "3000"
"heartbeat.interval.ms" = "500"

[[stream.inputs]]
source = "events"
mode = "ingest"
"#
    );
    std::fs::write(&path, text).unwrap();
    let msgs = messages("k");
    let producer: FutureProducer =
        ClientConfig::new().set("bootstrap.servers", &brokers).set("linger.ms", "0").create().unwrap();
    let publish = |part: Vec<String>| {
        let producer = producer.clone();
        rt.spawn(async move {
            for (c, chunk) in part.chunks(CHUNK).enumerate() {
                let key = (c % 2).to_string();
                let record = |m| FutureRecord::to("events").key(&key).payload(m);
                let sends: Vec<_> = chunk.iter().map(|m| producer.send_result(record(m)).ok().unwrap()).collect();
                for delivery in sends {
                    delivery.await.unwrap().unwrap();
                }
                tokio::time::sleep(PAUSE).await;
            }
        })
    };
    let (server, publisher) = kill_mid_stream(&dir.path().join("data"), &path, &msgs, &rt, publish);
    rt.block_on(publisher).unwrap();
    let group: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", &brokers).set("group.id", "shrike").create().unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition("events", 0);
    tpl.add_partition("events", 1);
    let mut committed = 0;
    for _ in 0..300 {
        let c = group.committed_offsets(tpl.clone(), Duration::from_secs(2)).unwrap();
        committed = c.elements().iter().map(|e| e.offset().to_raw().unwrap_or(0).max(0)).sum::<i64>();
        if committed == msgs.len() as i64 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(committed, msgs.len() as i64, "offsets committed to the end of the topic");
    // Kafka keeps order per partition only: the two partitions interleave arbitrarily, which
    // the 10-minute lateness absorbs.
    check_features(&server, "k", &msgs);
}
