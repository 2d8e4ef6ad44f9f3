//! What a consumer does with one batch of messages, whatever the transport: each payload is
//! parsed once (a message that is not a valid event is *poison*: rejected with the parser's
//! problem, which names the field, line and column), the valid ones go to the engine as one
//! batch, and each message gets a [`Verdict`] the transport turns into an acknowledgement.

use bytes::Bytes;
use shrike_types::parse::parse_event;

use crate::config::Mode;
use crate::engine::{Engine, Fate, Handled, Stopped};
use crate::metrics::InputMetrics;

/// What to do with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Durable (applied, a duplicate, or late): publish `decision` if any, then acknowledge.
    Done { event_id: String, decision: Option<Bytes> },
    /// Not a valid event: the problem (`field: message (line L, column C)`). Dead-lettered
    /// when configured, then acknowledged, so it never blocks the stream.
    Poison(String),
    /// Not applied now: deliver again later.
    Retry,
}

/// Parses, hands the valid events of `payloads` to `engine` as one batch, and returns one
/// verdict per payload, in order. Counts what happened in `m`.
pub async fn handle<E: Engine>(
    engine: &E,
    mode: Mode,
    source: &str,
    payloads: &[Bytes],
    m: &InputMetrics,
) -> Result<Vec<Verdict>, Stopped> {
    let mut verdicts: Vec<Option<Verdict>> = Vec::with_capacity(payloads.len());
    let mut ids = Vec::with_capacity(payloads.len());
    let mut valid = Vec::with_capacity(payloads.len());
    for p in payloads {
        match parse_event(p) {
            Ok(e) => {
                ids.push(e.event_id.to_string());
                valid.push(p.clone());
                verdicts.push(None);
            }
            Err(e) => {
                let problem = e.to_string();
                tracing::warn!(input = source, field = e.field.as_deref().unwrap_or(""), %problem, "stream message is not a valid event: rejected");
                InputMetrics::add(&m.rejected, 1);
                verdicts.push(Some(Verdict::Poison(problem)));
            }
        }
    }
    let handled = if valid.is_empty() { Vec::new() } else { engine.handle(mode, valid).await? };
    let mut answers = ids.into_iter().zip(handled.into_iter().map(Some).chain(std::iter::repeat(None)));
    Ok(verdicts
        .into_iter()
        .map(|v| match v {
            Some(poison) => poison,
            None => match answers.next() {
                Some((event_id, Some(h))) => verdict(event_id, h, m),
                // The engine answered fewer events than it took: deliver them again.
                _ => Verdict::Retry,
            },
        })
        .collect())
}

fn verdict(event_id: String, h: Handled, m: &InputMetrics) -> Verdict {
    match h {
        Handled::Done { fate, decision } => {
            let counter = match fate {
                Fate::Applied => &m.applied,
                Fate::Duplicate => &m.duplicates,
                Fate::Late => &m.late,
            };
            InputMetrics::add(counter, 1);
            Verdict::Done { event_id, decision }
        }
        Handled::Retry => {
            InputMetrics::add(&m.retried, 1);
            Verdict::Retry
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// An engine that applies every event, answering the first `retry` with `Retry`.
    struct Counting {
        retry: usize,
    }

    impl Engine for Counting {
        async fn handle(&self, _: Mode, events: Vec<Bytes>) -> Result<Vec<Handled>, Stopped> {
            let done = Handled::Done { fate: Fate::Applied, decision: Some(Bytes::from_static(b"{}")) };
            Ok(events
                .iter()
                .enumerate()
                .map(|(i, _)| if i < self.retry { Handled::Retry } else { done.clone() })
                .collect())
        }
    }

    const EVENT: &str = r#"{"event_id":"e1","type":"account.login","timestamp":1788220800000,"user_id":"u1"}"#;

    #[tokio::test]
    async fn poison_is_named_and_does_not_stop_the_batch() {
        let m = InputMetrics::default();
        let bad = Bytes::from_static(br#"{"event_id":"e2","type":"account.login","timestamp":"yesterday"}"#);
        let payloads = [Bytes::from_static(EVENT.as_bytes()), bad, Bytes::from_static(b"not json")];
        let v = handle(&Counting { retry: 0 }, Mode::Decide, "s", &payloads, &m).await.unwrap();
        assert!(matches!(&v[0], Verdict::Done { event_id, decision: Some(_) } if event_id == "e1"));
        assert!(matches!(&v[1], Verdict::Poison(p) if p.starts_with("timestamp: ")), "{v:?}");
        assert!(matches!(&v[2], Verdict::Poison(p) if p.contains("line 1")), "{v:?}");
        assert_eq!(InputMetrics::get(&m.rejected), 2);
        assert_eq!(InputMetrics::get(&m.applied), 1);
    }

    #[tokio::test]
    async fn retries_are_counted_and_kept_in_place() {
        let m = InputMetrics::default();
        let payloads =
            [Bytes::from_static(b"{"), Bytes::from_static(EVENT.as_bytes()), Bytes::from_static(EVENT.as_bytes())];
        let v = handle(&Counting { retry: 1 }, Mode::Ingest, "s", &payloads, &m).await.unwrap();
        assert!(matches!(v[0], Verdict::Poison(_)));
        assert_eq!(v[1], Verdict::Retry);
        assert!(matches!(v[2], Verdict::Done { .. }));
        assert_eq!(InputMetrics::get(&m.retried), 1);
    }
}
