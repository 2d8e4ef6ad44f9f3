//! NATS JetStream: one durable pull consumer per input, decisions and rejected messages
//! published with JetStream (acknowledged by the server, awaited in bounded chunks).
//!
//! Acknowledgement: a message is acked only after the engine answered it durably (journaled
//! and applied, or committed to the shared state) and its decision's publish was
//! acknowledged by JetStream. A crash before that leaves it unacked: JetStream delivers it
//! again after `ack_wait`, and the event's id makes the redelivery a duplicate (its decision
//! is published again with the same `Nats-Msg-Id`, which JetStream's duplicate window drops).

use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::{AckKind, Context, Message};
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::watch;

use crate::config::{InputConfig, StreamConfig};
use crate::engine::Engine;
use crate::handle::{Verdict, handle};
use crate::metrics::InputMetrics;
use crate::run::{Shared, StreamError, stopped};

/// JetStream publishes sent before their acknowledgements are awaited: holding many more
/// un-awaited publishes stalls the client (seen at tens of thousands).
pub const PUBLISH_CHUNK: usize = 256;
/// Idle heartbeat of a pull request: a silent server is noticed within twice this.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// Header naming why a message was dead-lettered.
pub const PROBLEM_HEADER: &str = "Shrike-Problem";
/// Header naming the subject a dead-lettered message came from.
pub const SOURCE_HEADER: &str = "Shrike-Source";

/// A JetStream context on a client that connects (and reconnects) in the background.
pub async fn connect(url: &str, cfg: &StreamConfig) -> Result<Context, StreamError> {
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(cfg.timeout())
        .retry_on_initial_connect()
        .connect(url)
        .await
        .map_err(|e| StreamError::Connect(e.to_string()))?;
    Ok(async_nats::jetstream::context::ContextBuilder::new().timeout(cfg.timeout()).build(client))
}

/// The durable consumer name of an input: `PREFIX-MODE-SOURCE`, the subject's dots and
/// wildcards spelled out (JetStream names allow neither).
pub fn durable_name(cfg: &StreamConfig, input: &InputConfig) -> String {
    let source: String = input
        .source
        .split('.')
        .map(|t| match t {
            "*" => "STAR".to_string(),
            ">" => "ALL".to_string(),
            t => t.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect(),
        })
        .collect::<Vec<_>>()
        .join("_");
    format!("{}-{}-{source}", cfg.consumer, input.mode.as_str())
}

/// Whether a stream subject `pattern` captures every subject `subject` names (itself
/// possibly a wildcard pattern).
pub fn covers(pattern: &str, subject: &str) -> bool {
    let mut p = pattern.split('.');
    let mut s = subject.split('.');
    loop {
        match (p.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(t)) if t != ">" => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Every subject the JetStream stream must capture: the inputs', the decisions' and the
/// dead letters'.
fn needed_subjects(cfg: &StreamConfig) -> Vec<String> {
    let inputs = cfg.inputs.iter().map(|i| i.source.clone());
    inputs.chain(cfg.decisions.clone()).chain(cfg.dead_letter.clone()).collect()
}

/// Gets the configured JetStream stream, creating it with the needed subjects when missing;
/// an existing one must capture them all.
async fn ensure_stream(js: &Context, cfg: &StreamConfig) -> Result<async_nats::jetstream::stream::Stream, StreamError> {
    let subjects = needed_subjects(cfg);
    let config = async_nats::jetstream::stream::Config {
        name: cfg.jetstream.clone(),
        subjects: subjects.clone(),
        ..Default::default()
    };
    let mut stream = js.get_or_create_stream(config).await.map_err(StreamError::nats)?;
    let info = stream.info().await.map_err(StreamError::nats)?;
    let captured = &info.config.subjects;
    if let Some(missing) = subjects.iter().find(|s| !captured.iter().any(|p| covers(p, s))) {
        let message = format!(
            "subject {missing:?} is not captured by JetStream stream {:?} (subjects {captured:?})",
            cfg.jetstream
        );
        return Err(StreamError::Config(message));
    }
    Ok(stream)
}

async fn consumer(js: &Context, cfg: &StreamConfig, input: &InputConfig) -> Result<PullConsumer, StreamError> {
    let stream = ensure_stream(js, cfg).await?;
    let name = durable_name(cfg, input);
    let config = pull::Config {
        durable_name: Some(name.clone()),
        filter_subject: input.source.clone(),
        deliver_policy: DeliverPolicy::All,
        ack_policy: AckPolicy::Explicit,
        ack_wait: cfg.ack_wait(),
        max_ack_pending: cfg.max_in_flight as i64,
        ..Default::default()
    };
    stream.get_or_create_consumer(&name, config).await.map_err(StreamError::nats)
}

/// Consumes input `index` until `stop` (returns `Ok`) or a failure (the caller sets up
/// again after a pause).
pub async fn consume<E: Engine>(
    shared: &Shared<E>,
    js: &Context,
    index: usize,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), StreamError> {
    let cfg = &shared.config;
    let consumer = consumer(js, cfg, &cfg.inputs[index]).await?;
    let pending = consumer.cached_info().num_pending as i64;
    shared.metrics.inputs[index].1.lag.store(pending, std::sync::atomic::Ordering::Relaxed);
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(cfg.batch)
        .heartbeat(HEARTBEAT)
        .messages()
        .await
        .map_err(StreamError::nats)?;
    tracing::info!(input = %cfg.inputs[index].source, consumer = %durable_name(cfg, &cfg.inputs[index]), "consuming from NATS JetStream");
    loop {
        let first = tokio::select! {
            biased;
            () = stopped(stop) => {
                give_back(&mut messages).await;
                return Ok(());
            }
            m = messages.next() => m,
        };
        let first = first.ok_or_else(|| StreamError::Nats("the message stream ended".into()))?;
        let mut batch = vec![first.map_err(StreamError::nats)?];
        while batch.len() < cfg.batch {
            match messages.next().now_or_never() {
                Some(Some(Ok(m))) => batch.push(m),
                Some(Some(Err(e))) => tracing::warn!(error = %e, "NATS pull"),
                _ => break,
            }
        }
        if !process(shared, js, index, batch).await {
            give_back(&mut messages).await;
            return Ok(());
        }
    }
}

/// On a stop: the messages already delivered to this process go back at once (nak) rather
/// than after `ack_wait`.
async fn give_back(messages: &mut pull::Stream) {
    while let Some(Some(Ok(m))) = messages.next().now_or_never() {
        let _ = m.ack_with(AckKind::Nak(None)).await;
    }
}

/// Handles one batch and acknowledges it; `false` when the engine has stopped.
async fn process<E: Engine>(shared: &Shared<E>, js: &Context, index: usize, batch: Vec<Message>) -> bool {
    let (cfg, m) = (&shared.config, &shared.metrics.inputs[index].1);
    let input = &cfg.inputs[index];
    InputMetrics::add(&m.consumed, batch.len());
    if let Some(info) = batch.last().and_then(|msg| msg.info().ok()) {
        m.lag.store(info.pending as i64, std::sync::atomic::Ordering::Relaxed);
    }
    let payloads: Vec<Bytes> = batch.iter().map(|msg| msg.payload.clone()).collect();
    let Ok(verdicts) = handle(shared.engine.as_ref(), input.mode, &input.source, &payloads, m).await else {
        for msg in &batch {
            let _ = msg.ack_with(AckKind::Nak(None)).await;
        }
        return false;
    };
    let published = publish_decisions(js, cfg, &batch, &verdicts, m).await;
    let dead = dead_letter(js, cfg, &batch, &verdicts).await;
    for (msg, v) in batch.iter().zip(&verdicts) {
        let kind = match v {
            Verdict::Done { .. } if published => AckKind::Ack,
            Verdict::Poison(_) if cfg.dead_letter.is_none() => AckKind::Term,
            Verdict::Poison(_) if dead => AckKind::Ack,
            _ => AckKind::Nak(Some(cfg.retry())),
        };
        if let Err(e) = msg.ack_with(kind).await {
            tracing::warn!(error = %e, "NATS acknowledgement not sent: the message will be delivered again");
        }
    }
    true
}

/// Publishes the decisions of the batch, keyed (`Nats-Msg-Id`) by event id; `false` when a
/// publish was not acknowledged (the batch is then delivered again).
async fn publish_decisions(
    js: &Context,
    cfg: &StreamConfig,
    batch: &[Message],
    verdicts: &[Verdict],
    m: &InputMetrics,
) -> bool {
    let Some(subject) = &cfg.decisions else { return true };
    let items: Vec<(HeaderMap, Bytes)> = verdicts
        .iter()
        .filter_map(|v| match v {
            Verdict::Done { event_id, decision: Some(d) } => {
                let mut h = HeaderMap::new();
                h.insert("Nats-Msg-Id", event_id.as_str());
                Some((h, d.clone()))
            }
            _ => None,
        })
        .collect();
    let n = items.len();
    match publish_all(js, subject, items).await {
        Ok(()) => {
            InputMetrics::add(&m.published, n);
            true
        }
        Err(e) => {
            tracing::error!(error = %e, subject, messages = batch.len(), "decisions not published: the batch will be delivered again");
            false
        }
    }
}

/// Publishes the batch's poison messages to the dead-letter subject with the problem and
/// source in headers; `false` when that failed.
async fn dead_letter(js: &Context, cfg: &StreamConfig, batch: &[Message], verdicts: &[Verdict]) -> bool {
    let Some(subject) = &cfg.dead_letter else { return true };
    let items: Vec<(HeaderMap, Bytes)> = batch
        .iter()
        .zip(verdicts)
        .filter_map(|(msg, v)| match v {
            Verdict::Poison(problem) => {
                let mut h = HeaderMap::new();
                h.insert(PROBLEM_HEADER, problem.replace(['\r', '\n'], " ").as_str());
                h.insert(SOURCE_HEADER, msg.subject.as_str());
                Some((h, msg.payload.clone()))
            }
            _ => None,
        })
        .collect();
    if items.is_empty() {
        return true;
    }
    match publish_all(js, subject, items).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, subject, "dead letters not published: delivered again later");
            false
        }
    }
}

/// Publishes every item, awaiting the acknowledgements [`PUBLISH_CHUNK`] at a time.
async fn publish_all(js: &Context, subject: &str, items: Vec<(HeaderMap, Bytes)>) -> Result<(), StreamError> {
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut acks = Vec::with_capacity(PUBLISH_CHUNK);
        for (headers, payload) in items.by_ref().take(PUBLISH_CHUNK) {
            let subject = subject.to_string();
            acks.push(js.publish_with_headers(subject, headers, payload).await.map_err(StreamError::nats)?);
        }
        for ack in acks {
            ack.await.map_err(StreamError::nats)?;
        }
    }
    Ok(())
}

/// The engine, config and counters the consumer tasks share.
pub fn spawn_inputs<E: Engine>(
    shared: Arc<Shared<E>>,
    js: Context,
    stop: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..shared.config.inputs.len())
        .map(|index| {
            let (shared, js, mut stop) = (Arc::clone(&shared), js.clone(), stop.clone());
            tokio::spawn(async move {
                let run = |stop: &mut watch::Receiver<bool>| {
                    let (shared, js) = (Arc::clone(&shared), js.clone());
                    let mut stop = stop.clone();
                    async move { consume(&shared, &js, index, &mut stop).await }
                };
                crate::run::retrying(&shared.config.inputs[index].source, &mut stop, run).await;
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_cover_patterns() {
        assert!(covers("a.b", "a.b"));
        assert!(covers("a.*", "a.b"));
        assert!(covers("a.>", "a.b.c"));
        assert!(covers("a.>", "a.*"));
        assert!(!covers("a.*", "a.>"));
        assert!(!covers("a.b", "a.b.c"));
        assert!(!covers("a.>", "a"));
    }

    #[test]
    fn durable_names_have_no_dots_or_wildcards() {
        let cfg = StreamConfig::default();
        let input = InputConfig { source: "shop.events.>".into(), mode: crate::config::Mode::Decide };
        assert_eq!(durable_name(&cfg, &input), "shrike-decide-shop_events_ALL");
    }
}
