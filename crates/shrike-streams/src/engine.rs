//! The seam between a stream consumer and the decision engine. The service implements
//! [`Engine`] over its engine thread's queue (embedded or scale-out alike); this crate knows
//! nothing of HTTP, journals or Redis.

use std::future::Future;

use bytes::Bytes;

use crate::config::Mode;

/// What became of an event the engine took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Applied to the features now.
    Applied,
    /// Seen before (same `event_id`): nothing changed.
    Duplicate,
    /// Older than the policy's lateness allows: decided, not applied.
    Late,
}

/// The engine's answer for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Done for good (durable: journaled, or committed to the shared state). `decision` is
    /// the decision's JSON as `POST /v1/decide` answers it (`decide` inputs only).
    Done { fate: Fate, decision: Option<Bytes> },
    /// Not applied now (the shared state unreachable, the event being applied by another
    /// node, or the journal refusing it): it must be delivered again later.
    Retry,
}

/// The engine has stopped (the service is shutting down): nothing more is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the engine has stopped")]
pub struct Stopped;

/// Where a consumer hands its events.
pub trait Engine: Send + Sync + 'static {
    /// Decides (or ingests) `events`, each a JSON body that parses as an event, in order;
    /// resolves once every answer is durable, one [`Handled`] per event. When the engine's
    /// queue is full this waits (the consumer pulls nothing meanwhile): events are never
    /// dropped for lack of room.
    fn handle(&self, mode: Mode, events: Vec<Bytes>) -> impl Future<Output = Result<Vec<Handled>, Stopped>> + Send;
}
