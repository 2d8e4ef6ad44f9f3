//! # shrike-streams
//!
//! Event streams for the decision service: consume events from NATS JetStream (a durable
//! pull consumer per input) or Kafka (a consumer group), hand them to the engine in batches
//! ([`Engine`], implemented by the service over its engine thread), publish each decision to
//! a subject or topic, and acknowledge a message only once its event is durable.
//!
//! Invariants:
//! - At least once in, effectively once in the features: a message is acknowledged (NATS
//!   ack, Kafka offset commit) only after the engine answered its event durably and its
//!   decision was delivered; a redelivery is recognised by its `event_id` and changes nothing.
//! - Bounded: at most `batch` events per engine call, `max_in_flight` unacknowledged
//!   messages per input, [`nats::PUBLISH_CHUNK`] publishes awaiting acknowledgement; a full
//!   engine queue stops the pulling instead of dropping events.
//! - A message that is not a valid event never blocks its stream: it is rejected with the
//!   problem naming the field (dead-lettered when configured) and acknowledged.

pub mod config;
pub mod engine;
pub mod handle;
pub mod kafka;
pub mod metrics;
pub mod nats;
pub mod run;

pub use async_nats;
pub use config::{InputConfig, Mode, StreamConfig, Transport};
pub use engine::{Engine, Fate, Handled, Stopped};
pub use metrics::StreamMetrics;
pub use rdkafka;
pub use run::{StreamError, Streams};
