//! The `[stream]` section of the service's configuration: where events come from, what is
//! done with them, where decisions and rejected messages go, and the bounds of the work in
//! flight. Every field has a default; docs/scale-out.md ("Streams") documents each.

use std::time::Duration;

use serde::Deserialize;

/// Most events taken from a stream as one engine batch: bounds one batch's memory.
pub const MAX_BATCH: usize = 4_096;
/// Most un-acknowledged messages one input may hold: bounds the messages buffered in this
/// process (and, for NATS, the consumer's `max_ack_pending`).
pub const MAX_IN_FLIGHT: usize = 65_536;

/// What is done with the events of one input.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Each event is decided, as `POST /v1/decide` would, and its decision published to
    /// `stream.decisions` (when set).
    Decide,
    /// Each event only updates the features, as `POST /v1/events` would: nothing is published.
    Ingest,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Decide => "decide",
            Mode::Ingest => "ingest",
        }
    }
}

/// One source of events.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// NATS: a subject (wildcards allowed) of the JetStream stream; Kafka: a topic.
    pub source: String,
    /// `decide` or `ingest`.
    pub mode: Mode,
}

/// Event streams: none unless `url` is set.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StreamConfig {
    /// `"nats://HOST:PORT"` (JetStream) or `"kafka://HOST:PORT[,HOST:PORT…]"` (bootstrap
    /// brokers). Env `SHRIKE_STREAM`.
    pub url: Option<String>,
    /// What to consume (at least one when `url` is set).
    pub inputs: Vec<InputConfig>,
    /// Subject (NATS) or topic (Kafka) the decisions of `decide` inputs are published to,
    /// keyed by event id; none: decisions are not published (they are still logged).
    pub decisions: Option<String>,
    /// Subject or topic a message that is not a valid event is published to (with the
    /// problem in a header) before it is acknowledged; none: it is logged and dropped
    /// (NATS: terminated; Kafka: committed past).
    pub dead_letter: Option<String>,
    /// NATS: the JetStream stream holding the inputs' subjects (and the decisions and
    /// dead-letter subjects), created with those subjects when missing.
    pub jetstream: String,
    /// NATS: prefix of the durable consumer names (one per input: `PREFIX-MODE-SOURCE`);
    /// Kafka: the consumer group. Nodes with the same name share the work.
    pub consumer: String,
    /// Most events handed to the engine at once (at most [`MAX_BATCH`]).
    pub batch: usize,
    /// Most messages of one input delivered and not yet acknowledged (at most
    /// [`MAX_IN_FLIGHT`], at least `batch`): past it the consumer stops pulling.
    pub max_in_flight: usize,
    /// NATS: how long a delivered message may stay unacknowledged before it is delivered
    /// again (ms): after a crash, un-acknowledged messages come back after this.
    pub ack_wait_ms: u64,
    /// How long an event the engine could not apply now (shared state unreachable, or
    /// being applied by another node) waits before it is tried again (ms).
    pub retry_ms: u64,
    /// Longest wait for a publish acknowledgement or a connection (ms).
    pub timeout_ms: u64,
    /// Kafka: further librdkafka properties for every client (e.g. `security.protocol`,
    /// `sasl.mechanism`, `session.timeout.ms`); they override Shrike's own settings.
    pub kafka: std::collections::BTreeMap<String, String>,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            url: None,
            inputs: Vec::new(),
            decisions: None,
            dead_letter: None,
            jetstream: "SHRIKE".into(),
            consumer: "shrike".into(),
            batch: 256,
            max_in_flight: 1_024,
            ack_wait_ms: 30_000,
            retry_ms: 1_000,
            timeout_ms: 10_000,
            kafka: Default::default(),
        }
    }
}

/// The transport a `url` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A NATS server URL (`nats://…`, kept as given).
    Nats(String),
    /// Kafka bootstrap brokers, comma-separated `HOST:PORT`s.
    Kafka(String),
}

/// A configuration value that cannot work, naming its key.
#[derive(Debug, thiserror::Error)]
#[error("stream.{field}: {message}")]
pub struct ConfigError {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { field, message: message.into() }
}

impl StreamConfig {
    /// The transport, or `None` when streams are off.
    pub fn transport(&self) -> Result<Option<Transport>, ConfigError> {
        let Some(url) = &self.url else { return Ok(None) };
        if url.starts_with("nats://") || url.starts_with("tls://") {
            return Ok(Some(Transport::Nats(url.clone())));
        }
        match url.strip_prefix("kafka://") {
            Some(brokers) if !brokers.trim().is_empty() => Ok(Some(Transport::Kafka(brokers.to_string()))),
            _ => {
                Err(invalid("url", format!("expected \"nats://HOST:PORT\" or \"kafka://HOST:PORT[,…]\", got {url:?}")))
            }
        }
    }

    /// Checks what serde cannot: the transport, at least one input, bounds.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.transport()?.is_none() {
            return Ok(());
        }
        if self.inputs.is_empty() {
            return Err(invalid("inputs", "at least one input ([[stream.inputs]] source, mode) is needed"));
        }
        if let Some(i) = self.inputs.iter().position(|i| i.source.trim().is_empty()) {
            return Err(invalid("inputs", format!("input {i}: source is empty")));
        }
        if !(1..=MAX_BATCH).contains(&self.batch) {
            return Err(invalid("batch", format!("must be 1 to {MAX_BATCH}, got {}", self.batch)));
        }
        if !(self.batch..=MAX_IN_FLIGHT).contains(&self.max_in_flight) {
            let message =
                format!("must be from stream.batch ({}) to {MAX_IN_FLIGHT}, got {}", self.batch, self.max_in_flight);
            return Err(invalid("max_in_flight", message));
        }
        for (field, v) in
            [("ack_wait_ms", self.ack_wait_ms), ("retry_ms", self.retry_ms), ("timeout_ms", self.timeout_ms)]
        {
            if v == 0 {
                return Err(invalid(field, "must be at least 1"));
            }
        }
        for (field, name) in [("jetstream", &self.jetstream), ("consumer", &self.consumer)] {
            if name.is_empty()
                || name.contains(|c: char| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\'))
            {
                return Err(invalid(field, format!("{name:?}: a name without spaces, '.', '*', '>' or slashes")));
            }
        }
        Ok(())
    }

    pub fn ack_wait(&self) -> Duration {
        Duration::from_millis(self.ack_wait_ms)
    }

    pub fn retry(&self) -> Duration {
        Duration::from_millis(self.retry_ms)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &str) -> StreamConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn off_by_default_and_valid() {
        let c = StreamConfig::default();
        assert_eq!(c.transport().unwrap(), None);
        c.validate().unwrap();
    }

    #[test]
    fn nats_and_kafka_urls() {
        let c = parse("url = \"nats://127.0.0.1:4222\"\n[[inputs]]\nsource = \"a.b\"\nmode = \"decide\"\n");
        assert_eq!(c.transport().unwrap(), Some(Transport::Nats("nats://127.0.0.1:4222".into())));
        c.validate().unwrap();
        let k = parse("url = \"kafka://a:9092,b:9092\"\n[[inputs]]\nsource = \"t\"\nmode = \"ingest\"\n");
        assert_eq!(k.transport().unwrap(), Some(Transport::Kafka("a:9092,b:9092".into())));
        assert_eq!(k.inputs[0].mode, Mode::Ingest);
    }

    #[test]
    fn bad_values_name_their_key() {
        let no_inputs = parse("url = \"nats://x:1\"\n");
        assert!(no_inputs.validate().unwrap_err().to_string().starts_with("stream.inputs"));
        let scheme = parse("url = \"amqp://x\"\n");
        assert!(scheme.validate().unwrap_err().to_string().starts_with("stream.url"));
        let mut c = parse("url = \"nats://x:1\"\n[[inputs]]\nsource = \"a\"\nmode = \"decide\"\n");
        c.max_in_flight = c.batch - 1;
        assert!(c.validate().unwrap_err().to_string().starts_with("stream.max_in_flight"));
        c.max_in_flight = 1_024;
        c.consumer = "a.b".into();
        assert!(c.validate().unwrap_err().to_string().starts_with("stream.consumer"));
        let mode: Result<StreamConfig, _> = toml::from_str("[[inputs]]\nsource = \"a\"\nmode = \"score\"\n");
        assert!(mode.unwrap_err().to_string().contains("score"));
    }
}
