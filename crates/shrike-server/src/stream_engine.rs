//! The service's side of the stream seam: [`shrike_streams::Engine`] over the engine
//! thread's queue, so a streamed event takes exactly the path of an HTTP request (the same
//! batching, journal or shared-state commit, idempotency and decision log). An event is
//! answered `Done` only once durable; what the engine could not apply now (a scale-out node
//! degraded, or the event in flight on another node) is answered `Retry`.

use std::time::Duration;

use bytes::Bytes;
use shrike_streams::{Fate, Handled, Mode, Stopped};
use shrike_types::NotApplied;
use shrike_types::clock::Stopwatch;
use tokio::sync::oneshot;

use crate::api::types::DecisionResponse;
use crate::worker::{Command, DecideRequest, Decided, EngineHandle, IngestRequest, Ingested, Refused};

/// First wait before offering a command again to a full engine queue; doubled per refusal
/// up to [`MAX_FULL_WAIT`]. The consumer pulls nothing while it waits (backpressure).
const MIN_FULL_WAIT: Duration = Duration::from_millis(1);
/// Longest wait between two offers to a full engine queue.
const MAX_FULL_WAIT: Duration = Duration::from_millis(50);

/// Stream events into the engine thread's queue.
#[derive(Clone)]
pub struct StreamEngine {
    handle: EngineHandle,
}

impl StreamEngine {
    pub fn new(handle: EngineHandle) -> StreamEngine {
        StreamEngine { handle }
    }

    /// Queues `cmd`, waiting while the queue is full; `Stopped` once the engine is gone.
    async fn offer(&self, mut cmd: Command) -> Result<(), Stopped> {
        let mut wait = MIN_FULL_WAIT;
        loop {
            match self.handle.offer(cmd) {
                Ok(()) => return Ok(()),
                Err((Refused::Stopped, _)) => return Err(Stopped),
                Err((Refused::Full, c)) => {
                    cmd = c;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_FULL_WAIT);
                }
            }
        }
    }

    async fn decide(&self, events: Vec<Bytes>) -> Result<Vec<Handled>, Stopped> {
        let mut answers = Vec::with_capacity(events.len());
        for body in events {
            let (reply, answer) = oneshot::channel();
            let received = Stopwatch::start();
            self.offer(Command::Decide(DecideRequest { body, received, reply })).await?;
            answers.push((received, answer));
        }
        let mut out = Vec::with_capacity(answers.len());
        for (received, answer) in answers {
            // A dropped reply: the journal refused the event (nothing applied).
            out.push(answer.await.map_or(Handled::Retry, |d| decided(d, received)));
        }
        Ok(out)
    }

    async fn ingest(&self, events: Vec<Bytes>) -> Result<Vec<Handled>, Stopped> {
        let n = events.len();
        let (reply, answer) = oneshot::channel();
        self.offer(Command::Ingest(IngestRequest { bodies: events, reply })).await?;
        let Ok(results) = answer.await else { return Ok(vec![Handled::Retry; n]) };
        let done = |fate| Handled::Done { fate, decision: None };
        Ok(results
            .into_iter()
            .map(|r| match r {
                Ingested::Applied => done(Fate::Applied),
                Ingested::Duplicate => done(Fate::Duplicate),
                Ingested::Late => done(Fate::Late),
                Ingested::Unavailable => Handled::Retry,
            })
            .collect())
    }
}

/// A decision as the stream sees it: its `POST /v1/decide` JSON, or `Retry` when it was
/// made degraded (not applied).
fn decided(d: Decided, received: Stopwatch) -> Handled {
    if d.degraded {
        return Handled::Retry;
    }
    let fate = match d.decision.not_applied {
        None => Fate::Applied,
        Some(NotApplied::Duplicate) => Fate::Duplicate,
        Some(NotApplied::Late) => Fate::Late,
    };
    let response = DecisionResponse::new(Some(d.decision_id), d.decision, received.elapsed_nanos() / 1_000, false);
    let decision = serde_json::to_vec(&response).ok().map(Bytes::from);
    Handled::Done { fate, decision }
}

impl shrike_streams::Engine for StreamEngine {
    async fn handle(&self, mode: Mode, events: Vec<Bytes>) -> Result<Vec<Handled>, Stopped> {
        match mode {
            Mode::Decide => self.decide(events).await,
            Mode::Ingest => self.ingest(events).await,
        }
    }
}
