//! Event streams through an in-process service: a NATS JetStream decide stream against the
//! local NATS server (127.0.0.1:4222; `./scripts/test.sh` starts it), a Kafka stream against
//! rdkafka's `MockCluster` (the Kafka protocol on loopback: no broker is installable here),
//! and backpressure from a full engine queue. Every test uses names of its own and deletes
//! what it creates. The crash tests (kill -9 mid-stream) are in crates/shrike-cli/tests.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::{config, start};
use futures_util::StreamExt;
use shrike_streams::async_nats::jetstream;
use shrike_streams::rdkafka;
use shrike_streams::{InputConfig, Mode, StreamConfig};

const BASE_MS: i64 = 1_788_220_800_000;

/// Event `i`: a login or a sign-up of one of a few users and devices.
fn event(tag: &str, i: usize) -> String {
    let kind = if i.is_multiple_of(3) { "account.signup" } else { "account.login" };
    format!(
        r#"{{"event_id":"{tag}-{i}","type":"{kind}","timestamp":{},"user_id":"u{}","device_id":"d{}","ip":"10.0.0.{}"}}"#,
        BASE_MS + i as i64 * 1_000,
        i % 7,
        i % 3,
        i % 5
    )
}

/// 40 events, 5 of them delivered twice, and two messages that are not events.
fn messages(tag: &str) -> Vec<String> {
    let mut out: Vec<String> = (0..40).map(|i| event(tag, i)).collect();
    out.extend((0..5).map(|i| event(tag, i * 7)));
    out.push(format!(r#"{{"event_id":"{tag}-bad","type":"account.login","timestamp":"yesterday"}}"#));
    out.push("{not json".into());
    out
}

fn unique(name: &str) -> String {
    let nanos = shrike_types::clock::Stopwatch::start().elapsed_nanos() % 1_000_000_007;
    format!("t{name}{}x{nanos}", std::process::id())
}

fn stream_config(url: &str, source: &str, mode: Mode) -> StreamConfig {
    StreamConfig {
        url: Some(url.to_string()),
        inputs: vec![InputConfig { source: source.to_string(), mode }],
        batch: 16,
        max_in_flight: 64,
        ack_wait_ms: 2_000,
        retry_ms: 100,
        timeout_ms: 5_000,
        ..StreamConfig::default()
    }
}

/// Polls the service's stream counters until `n` messages are settled (applied, duplicate,
/// late or rejected), 20 s at most.
async fn wait_consumed(svc: &shrike_server::service::Service, n: u64) {
    use shrike_streams::metrics::InputMetrics;
    for _ in 0..400 {
        let settled: u64 = svc.state.metrics.streams.get().map_or(0, |m| {
            let i = &m.inputs[0].1;
            [&i.applied, &i.duplicates, &i.late, &i.rejected].iter().map(|c| InputMetrics::get(c)).sum()
        });
        if settled >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the stream was not consumed in time:\n{}", svc.state.metrics.render());
}

fn counter(
    svc: &shrike_server::service::Service,
    pick: fn(&shrike_streams::metrics::InputMetrics) -> &std::sync::atomic::AtomicU64,
) -> u64 {
    let m = svc.state.metrics.streams.get().unwrap();
    shrike_streams::metrics::InputMetrics::get(pick(&m.inputs[0].1))
}

async fn jetstream() -> jetstream::Context {
    let client = shrike_streams::async_nats::connect("127.0.0.1:4222")
        .await
        .expect("NATS with JetStream is required on 127.0.0.1:4222: run ./scripts/test.sh (it starts nats-server)");
    jetstream::new(client)
}

/// Every message of `subject` in stream `name`, with its headers.
async fn read_all(js: &jetstream::Context, name: &str, subject: &str) -> Vec<shrike_streams::async_nats::Message> {
    let stream = js.get_stream(name).await.unwrap();
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            filter_subject: subject.to_string(),
            ack_policy: jetstream::consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    let mut batch = consumer.fetch().max_messages(1_000).messages().await.unwrap();
    while let Some(m) = batch.next().await {
        out.push(m.unwrap().message);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_decide_stream_publishes_each_decision_once_and_dead_letters_poison() {
    let name = unique("DECIDE");
    let subject = name.to_lowercase();
    let js = jetstream().await;
    let mut c = config();
    c.stream = stream_config("nats://127.0.0.1:4222", &format!("{subject}.in"), Mode::Decide);
    c.stream.jetstream = name.clone();
    c.stream.decisions = Some(format!("{subject}.decisions"));
    c.stream.dead_letter = Some(format!("{subject}.dead"));
    let msgs = messages(&subject);
    let svc = start(c).await;
    // The service creates the stream (with the three subjects) before it consumes.
    for _ in 0..100 {
        if js.get_stream(&name).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for m in &msgs {
        js.publish(format!("{subject}.in"), m.clone().into()).await.unwrap().await.unwrap();
    }
    wait_consumed(&svc, msgs.len() as u64).await;
    assert_eq!(counter(&svc, |m| &m.applied), 40);
    assert_eq!(counter(&svc, |m| &m.duplicates), 5);
    assert_eq!(counter(&svc, |m| &m.rejected), 2);

    let decisions = read_all(&js, &name, &format!("{subject}.decisions")).await;
    let ids: Vec<String> = decisions
        .iter()
        .map(|d| {
            let v: serde_json::Value = serde_json::from_slice(&d.payload).unwrap();
            assert!(v["outcome"].is_string() && v["policy_version"] == "marketplace@v1", "{v}");
            v["event_id"].as_str().unwrap().to_string()
        })
        .collect();
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (40, 40), "one decision per event: redeliveries dropped by Nats-Msg-Id");

    let dead = read_all(&js, &name, &format!("{subject}.dead")).await;
    assert_eq!(dead.len(), 2);
    let problem = |m: &shrike_streams::async_nats::Message| {
        m.headers.as_ref().and_then(|h| h.get("Shrike-Problem")).map(|v| v.to_string()).unwrap_or_default()
    };
    assert!(problem(&dead[0]).starts_with("timestamp: "), "{}", problem(&dead[0]));
    assert!(problem(&dead[1]).contains("line 1"), "{}", problem(&dead[1]));
    let text = svc.state.metrics.render();
    assert!(text.contains(&format!("shrike_stream_applied_total{{input=\"{subject}.in\"}} 40")), "{text}");
    svc.stop().await.unwrap();
    js.delete_stream(&name).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_engine_queue_pauses_the_stream_and_drops_nothing() {
    let name = unique("FULL");
    let subject = name.to_lowercase();
    let js = jetstream().await;
    js.create_stream(jetstream::stream::Config {
        name: name.clone(),
        subjects: vec![format!("{subject}.>")],
        ..Default::default()
    })
    .await
    .unwrap();
    let mut acks = Vec::new();
    for i in 0..600 {
        acks.push(js.publish(format!("{subject}.in"), event(&subject, i).into()).await.unwrap());
    }
    for a in acks {
        a.await.unwrap();
    }
    let mut c = config();
    c.engine.queue_capacity = 2;
    c.engine.batch = 2;
    // Decide mode: one queue command per event, 200 per stream batch, for a queue of 2.
    c.stream = stream_config("nats://127.0.0.1:4222", &format!("{subject}.in"), Mode::Decide);
    c.stream.jetstream = name.clone();
    c.stream.batch = 200;
    c.stream.max_in_flight = 400;
    let svc = start(c).await;
    wait_consumed(&svc, 600).await;
    assert_eq!(counter(&svc, |m| &m.applied), 600, "every event applied despite a queue of 2");
    assert_eq!(counter(&svc, |m| &m.retried), 0);
    svc.stop().await.unwrap();
    js.delete_stream(&name).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kafka_decide_stream_publishes_decisions_and_commits_offsets() {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::producer::{FutureProducer, FutureRecord};
    use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

    let cluster = rdkafka::mocking::MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    cluster.create_topic("events", 2, 1).unwrap();
    cluster.create_topic("decisions", 1, 1).unwrap();
    cluster.create_topic("dead", 1, 1).unwrap();
    let producer: FutureProducer = ClientConfig::new().set("bootstrap.servers", &brokers).create().unwrap();
    let msgs = messages("k");
    for (i, m) in msgs.iter().enumerate() {
        let key = (i % 2).to_string();
        producer.send(FutureRecord::to("events").key(&key).payload(m), Duration::from_secs(5)).await.unwrap();
    }
    let mut c = config();
    c.stream = stream_config(&format!("kafka://{brokers}"), "events", Mode::Decide);
    c.stream.decisions = Some("decisions".into());
    c.stream.dead_letter = Some("dead".into());
    let svc = start(c).await;
    wait_consumed(&svc, msgs.len() as u64).await;
    assert_eq!((counter(&svc, |m| &m.applied), counter(&svc, |m| &m.duplicates)), (40, 5));
    assert_eq!(counter(&svc, |m| &m.rejected), 2);

    let reader: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let read = |topic: &str, n: usize| {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, 0, Offset::Beginning).unwrap();
        reader.assign(&tpl).unwrap();
        let mut out = Vec::new();
        for _ in 0..200 {
            if out.len() == n {
                break;
            }
            if let Some(Ok(m)) = reader.poll(Duration::from_millis(50)) {
                out.push(m.detach());
            }
        }
        out
    };
    let decisions = read("decisions", 45);
    let mut by_id: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
    for d in &decisions {
        let v: serde_json::Value = serde_json::from_slice(d.payload().unwrap()).unwrap();
        assert_eq!(d.key(), Some(v["event_id"].as_str().unwrap().as_bytes()), "keyed by event id");
        by_id.entry(v["event_id"].as_str().unwrap().to_string()).or_default().push(v);
    }
    assert_eq!((decisions.len(), by_id.len()), (45, 40));
    let repeats = by_id.values().filter(|v| v.len() == 2).count();
    assert_eq!(repeats, 5);
    assert!(by_id.values().filter(|v| v.len() == 2).all(|v| v[1]["not_applied"] == "duplicate"));
    let dead = read("dead", 2);
    assert_eq!(dead.len(), 2);

    // Offsets are committed (asynchronously) up to the end of both partitions.
    let group: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", &brokers).set("group.id", "shrike").create().unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition("events", 0);
    tpl.add_partition("events", 1);
    let mut committed = 0;
    for _ in 0..100 {
        let c = group.committed_offsets(tpl.clone(), Duration::from_secs(2)).unwrap();
        committed = c.elements().iter().map(|e| e.offset().to_raw().unwrap_or(0).max(0)).sum::<i64>();
        if committed == msgs.len() as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(committed, msgs.len() as i64);
    svc.stop().await.unwrap();
}
