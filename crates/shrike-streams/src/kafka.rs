//! Kafka: one consumer per input in the consumer group `stream.consumer`, decisions and
//! rejected messages produced to topics (delivery awaited in bounded chunks).
//!
//! Offsets: auto-commit is off. A batch's offsets (per partition, the highest + 1) are
//! committed only after every event of the batch was answered durably by the engine and its
//! decision delivered; an event the engine could not apply now is retried in place (the
//! consumer pulls nothing meanwhile) because a partition's offset cannot skip it. A crash
//! before the commit delivers the batch again from the last committed offset, and the events'
//! ids make the redeliveries duplicates.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bytes::Bytes;
use futures_util::FutureExt;
use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::message::{Header, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, ClientContext, Offset, Statistics, TopicPartitionList};
use tokio::sync::watch;

use crate::config::StreamConfig;
use crate::engine::Engine;
use crate::handle::{Verdict, handle};
use crate::metrics::InputMetrics;
use crate::nats::{PROBLEM_HEADER, PUBLISH_CHUNK, SOURCE_HEADER};
use crate::run::{Shared, StreamError, pause, stopped};

/// How often librdkafka reports statistics (the consumer lag gauge), in ms.
const STATS_INTERVAL_MS: &str = "5000";

/// Reports the consumer lag of the assigned partitions from librdkafka's statistics.
pub struct LagContext {
    lag: Arc<AtomicI64>,
}

impl ClientContext for LagContext {
    /// librdkafka's own log lines, into the service's log.
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        use rdkafka::config::RDKafkaLogLevel as L;
        match level {
            L::Emerg | L::Alert | L::Critical | L::Error => tracing::error!(target: "librdkafka", fac, "{message}"),
            L::Warning => tracing::warn!(target: "librdkafka", fac, "{message}"),
            L::Notice | L::Info => tracing::info!(target: "librdkafka", fac, "{message}"),
            L::Debug => tracing::debug!(target: "librdkafka", fac, "{message}"),
        }
    }

    fn stats(&self, statistics: Statistics) {
        let partitions = statistics.topics.values().flat_map(|t| t.partitions.iter());
        let lag = partitions.filter(|(p, s)| **p >= 0 && s.consumer_lag >= 0).map(|(_, s)| s.consumer_lag).sum();
        self.lag.store(lag, Ordering::Relaxed);
    }
}

impl ConsumerContext for LagContext {}

/// Shrike's settings, then the configured extra properties over them.
fn client_config(brokers: &str, cfg: &StreamConfig, own: &[(&str, String)]) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers);
    for (k, v) in own {
        c.set(*k, v);
    }
    for (k, v) in &cfg.kafka {
        c.set(k, v);
    }
    c
}

fn consumer(brokers: &str, cfg: &StreamConfig, lag: Arc<AtomicI64>) -> Result<StreamConsumer<LagContext>, StreamError> {
    let own = [
        ("group.id", cfg.consumer.clone()),
        ("enable.auto.commit", "false".into()),
        ("enable.auto.offset.store", "false".into()),
        ("auto.offset.reset", "earliest".into()),
        // Prefetch per partition: bounded by the in-flight bound, not librdkafka's 100,000.
        ("queued.min.messages", cfg.max_in_flight.to_string()),
        ("socket.timeout.ms", cfg.timeout_ms.max(10).to_string()),
        ("statistics.interval.ms", STATS_INTERVAL_MS.into()),
    ];
    client_config(brokers, cfg, &own).create_with_context(LagContext { lag }).map_err(StreamError::kafka)
}

fn producer(brokers: &str, cfg: &StreamConfig) -> Result<FutureProducer, StreamError> {
    let own =
        [("acks", "all".to_string()), ("message.timeout.ms", cfg.timeout_ms.to_string()), ("linger.ms", "2".into())];
    client_config(brokers, cfg, &own).create().map_err(StreamError::kafka)
}

/// Consumes input `index` from `brokers` until `stop`.
pub async fn consume<E: Engine>(
    shared: &Shared<E>,
    brokers: &str,
    index: usize,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), StreamError> {
    let cfg = &shared.config;
    let input = &cfg.inputs[index];
    let m = &shared.metrics.inputs[index].1;
    let lag = Arc::new(AtomicI64::new(-1));
    let consumer = consumer(brokers, cfg, Arc::clone(&lag))?;
    consumer.subscribe(&[input.source.as_str()]).map_err(StreamError::kafka)?;
    let producer = match cfg.decisions.is_some() || cfg.dead_letter.is_some() {
        true => Some(producer(brokers, cfg)?),
        false => None,
    };
    tracing::info!(topic = %input.source, group = %cfg.consumer, "consuming from Kafka");
    loop {
        let first = tokio::select! {
            biased;
            () = stopped(stop) => return Ok(()),
            m = consumer.recv() => m.map_err(StreamError::kafka)?.detach(),
        };
        let mut batch = vec![first];
        while batch.len() < cfg.batch {
            match consumer.recv().now_or_never() {
                Some(Ok(msg)) => batch.push(msg.detach()),
                Some(Err(e)) => tracing::warn!(error = %e, "Kafka receive"),
                None => break,
            }
        }
        m.lag.store(lag.load(Ordering::Relaxed), Ordering::Relaxed);
        if !settle(shared, producer.as_ref(), index, &batch, stop).await {
            return Ok(());
        }
        commit(&consumer, &batch);
    }
}

/// Handles a batch until every message is done (retrying in place what the engine could
/// not apply now, and publishing until delivered); `false` when stopped first (nothing is
/// committed: the batch comes again after a restart).
async fn settle<E: Engine>(
    shared: &Shared<E>,
    producer: Option<&FutureProducer>,
    index: usize,
    batch: &[OwnedMessage],
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let (cfg, m) = (&shared.config, &shared.metrics.inputs[index].1);
    let input = &cfg.inputs[index];
    InputMetrics::add(&m.consumed, batch.len());
    let mut todo: Vec<&OwnedMessage> = batch.iter().collect();
    while !todo.is_empty() {
        let payloads: Vec<Bytes> =
            todo.iter().map(|msg| Bytes::copy_from_slice(msg.payload().unwrap_or_default())).collect();
        let Ok(verdicts) = handle(shared.engine.as_ref(), input.mode, &input.source, &payloads, m).await else {
            return false;
        };
        loop {
            let out = deliver(cfg, producer, &todo, &verdicts).await;
            match out {
                Ok(published) => {
                    InputMetrics::add(&m.published, published);
                    break;
                }
                Err(e) => tracing::error!(error = %e, "Kafka publish failed: trying again"),
            }
            if !pause(cfg.retry(), stop).await {
                return false;
            }
        }
        todo = todo.into_iter().zip(&verdicts).filter(|(_, v)| **v == Verdict::Retry).map(|(msg, _)| msg).collect();
        if !todo.is_empty() && !pause(cfg.retry(), stop).await {
            return false;
        }
    }
    true
}

/// Produces the decisions (key: event id) and dead letters of `verdicts`; how many
/// decisions were delivered.
async fn deliver(
    cfg: &StreamConfig,
    producer: Option<&FutureProducer>,
    batch: &[&OwnedMessage],
    verdicts: &[Verdict],
) -> Result<usize, StreamError> {
    let Some(producer) = producer else { return Ok(0) };
    let mut records: Vec<(&str, &str, &[u8], Option<OwnedHeaders>)> = Vec::new();
    for (msg, v) in batch.iter().zip(verdicts) {
        match (v, &cfg.decisions, &cfg.dead_letter) {
            (Verdict::Done { event_id, decision: Some(d) }, Some(topic), _) => records.push((topic, event_id, d, None)),
            (Verdict::Poison(problem), _, Some(topic)) => {
                let headers = OwnedHeaders::new()
                    .insert(Header { key: PROBLEM_HEADER, value: Some(problem.as_str()) })
                    .insert(Header { key: SOURCE_HEADER, value: Some(msg.topic()) });
                records.push((topic, "", msg.payload().unwrap_or_default(), Some(headers)));
            }
            _ => {}
        }
    }
    let decisions = records.iter().filter(|r| r.3.is_none()).count();
    for chunk in records.chunks(PUBLISH_CHUNK) {
        let mut deliveries = Vec::with_capacity(chunk.len());
        for (topic, key, payload, headers) in chunk {
            let mut record = FutureRecord::to(topic).payload(*payload);
            if !key.is_empty() {
                record = record.key(*key);
            }
            if let Some(h) = headers {
                record = record.headers(h.clone());
            }
            deliveries.push(producer.send_result(record).map_err(|(e, _)| StreamError::kafka(e))?);
        }
        for d in deliveries {
            match d.await {
                Ok(Ok(_)) => {}
                Ok(Err((e, _))) => return Err(StreamError::kafka(e)),
                Err(_) => return Err(StreamError::Kafka("delivery report lost".into())),
            }
        }
    }
    Ok(decisions)
}

/// Commits, per partition, the offset after the highest message of the batch.
fn commit(consumer: &StreamConsumer<LagContext>, batch: &[OwnedMessage]) {
    let mut next: std::collections::BTreeMap<(&str, i32), i64> = Default::default();
    for msg in batch {
        let o = next.entry((msg.topic(), msg.partition())).or_insert(0);
        *o = (*o).max(msg.offset() + 1);
    }
    let mut tpl = TopicPartitionList::new();
    for ((topic, partition), offset) in next {
        if let Err(e) = tpl.add_partition_offset(topic, partition, Offset::Offset(offset)) {
            tracing::warn!(error = %e, "Kafka offset");
        }
    }
    if let Err(e) = consumer.commit(&tpl, CommitMode::Async) {
        // A rebalance took the partition: its new owner gets these again (duplicates).
        tracing::warn!(error = %e, "Kafka offsets not committed: the messages will be delivered again");
    }
}

/// Spawns one consumer task per input.
pub fn spawn_inputs<E: Engine>(
    shared: Arc<Shared<E>>,
    brokers: String,
    stop: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..shared.config.inputs.len())
        .map(|index| {
            let (shared, brokers, mut stop) = (Arc::clone(&shared), brokers.clone(), stop.clone());
            tokio::spawn(async move {
                let run = |stop: &mut watch::Receiver<bool>| {
                    let (shared, brokers) = (Arc::clone(&shared), brokers.clone());
                    let mut stop = stop.clone();
                    async move { consume(&shared, &brokers, index, &mut stop).await }
                };
                crate::run::retrying(&shared.config.inputs[index].source, &mut stop, run).await;
            })
        })
        .collect()
}
