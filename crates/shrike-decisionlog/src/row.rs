//! One decision as the log stores it: a borrowed view to write ([`RowRef`]) and its binary
//! encoding, decoded back into a [`DecisionRow`].
//!
//! Layout (little-endian): `decided_at i64 | event_time i64 | latency_us u64 | score u8 |
//! outcome u8 | flags u8 (1 degraded, 2 shadow) | entity mask u8 | decision_id, event_id,
//! event_type, policy_version (u16 length + bytes each) | each present entity (u16 + bytes)
//! | rule count u8, each rule (u8 + bytes) | decision JSON (u32 + bytes)`.

use shrike_records::{DecisionRow, Entities, EntityKind};
use shrike_types::Outcome;

use crate::error::{LogError, Result};
use crate::limits::MAX_ROW_BYTES;

/// A decision to append, borrowed from wherever the caller holds it.
#[derive(Clone, Copy, Debug)]
pub struct RowRef<'a> {
    pub decision_id: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub event_time: i64,
    pub decided_at: i64,
    pub outcome: Outcome,
    pub score: u8,
    pub policy_version: &'a str,
    pub degraded: bool,
    pub shadow: bool,
    pub latency_us: u64,
    /// Entity ids in [`EntityKind::ALL`] order.
    pub entities: [Option<&'a str>; 7],
    pub rules: &'a [&'a str],
    pub decision_json: &'a str,
}

impl<'a> RowRef<'a> {
    /// A view of an owned row; `rules` is scratch space for the rule names.
    pub fn of(r: &'a DecisionRow, rules: &'a mut Vec<&'a str>) -> RowRef<'a> {
        rules.extend(r.rules.iter().map(String::as_str));
        RowRef {
            decision_id: &r.decision_id,
            event_id: &r.event_id,
            event_type: &r.event_type,
            event_time: r.event_time,
            decided_at: r.decided_at,
            outcome: r.outcome,
            score: r.score,
            policy_version: &r.policy_version,
            degraded: r.degraded,
            shadow: r.shadow,
            latency_us: r.latency_us,
            entities: EntityKind::ALL.map(|k| r.entities.get(k)),
            rules,
            decision_json: &r.decision_json,
        }
    }
}

fn short(out: &mut Vec<u8>, field: &'static str, s: &str) -> Result<()> {
    let len =
        u16::try_from(s.len()).map_err(|_| LogError::Invalid { field, message: "longer than 65535 bytes".into() })?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// Appends the encoding of `r` to `out`; on error `out` is left as it was.
pub(crate) fn encode(r: &RowRef<'_>, out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    let result = encode_inner(r, out);
    if result.is_err() || out.len() - start > MAX_ROW_BYTES {
        out.truncate(start);
        return result.and(Err(LogError::Invalid {
            field: "decision_json",
            message: format!("the encoded decision is over {MAX_ROW_BYTES} bytes"),
        }));
    }
    Ok(())
}

fn encode_inner(r: &RowRef<'_>, out: &mut Vec<u8>) -> Result<()> {
    out.extend_from_slice(&r.decided_at.to_le_bytes());
    out.extend_from_slice(&r.event_time.to_le_bytes());
    out.extend_from_slice(&r.latency_us.to_le_bytes());
    let flags = u8::from(r.degraded) | (u8::from(r.shadow) << 1);
    let mask = r.entities.iter().enumerate().fold(0u8, |m, (i, e)| m | (u8::from(e.is_some()) << i));
    out.extend_from_slice(&[r.score, r.outcome as u8, flags, mask]);
    short(out, "decision_id", r.decision_id)?;
    short(out, "event_id", r.event_id)?;
    short(out, "event_type", r.event_type)?;
    short(out, "policy_version", r.policy_version)?;
    for id in r.entities.iter().flatten() {
        short(out, "entities", id)?;
    }
    let count = u8::try_from(r.rules.len())
        .map_err(|_| LogError::Invalid { field: "rules", message: "more than 255 rules".into() })?;
    out.push(count);
    for rule in r.rules {
        let len = u8::try_from(rule.len())
            .map_err(|_| LogError::Invalid { field: "rules", message: "a rule name over 255 bytes".into() })?;
        out.push(len);
        out.extend_from_slice(rule.as_bytes());
    }
    let len = u32::try_from(r.decision_json.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(r.decision_json.as_bytes());
    Ok(())
}

/// Reads an encoded row; `None` if the bytes are not one (a checksum passed, so this is a
/// bug or a format change, reported as corruption by the caller).
pub(crate) fn decode(b: &[u8]) -> Option<DecisionRow> {
    let mut r = Reader(b);
    let decided_at = r.i64()?;
    let event_time = r.i64()?;
    let latency_us = r.u64()?;
    let [score, outcome, flags, mask] = r.take::<4>()?;
    let outcome = *Outcome::ALL.get(usize::from(outcome))?;
    let decision_id = r.text(2)?;
    let event_id = r.text(2)?;
    let event_type = r.text(2)?;
    let policy_version = r.text(2)?;
    let mut entities = Entities::default();
    for (i, kind) in EntityKind::ALL.into_iter().enumerate() {
        if mask & (1 << i) != 0 {
            entities.set(kind, Some(r.text(2)?));
        }
    }
    let count = r.take::<1>()?[0];
    let rules = (0..count).map(|_| r.text(1)).collect::<Option<Vec<_>>>()?;
    let decision_json = r.text(4)?;
    Some(DecisionRow {
        decision_id,
        event_id,
        event_type,
        event_time,
        decided_at,
        outcome,
        score,
        policy_version,
        degraded: flags & 1 != 0,
        shadow: flags & 2 != 0,
        latency_us,
        entities,
        rules,
        decision_json,
    })
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take::<8>().map(i64::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take::<8>().map(u64::from_le_bytes)
    }
    /// A string with a `width`-byte length prefix.
    fn text(&mut self, width: usize) -> Option<String> {
        let (len, rest) = self.0.split_at_checked(width)?;
        let mut n = [0u8; 8];
        n[..width].copy_from_slice(len);
        let (s, rest) = rest.split_at_checked(usize::try_from(u64::from_le_bytes(n)).ok()?)?;
        self.0 = rest;
        String::from_utf8(s.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_oversized_fields_are_refused() {
        let row = DecisionRow {
            decision_id: "e1:shadow".into(),
            event_id: "e1".into(),
            event_type: "login".into(),
            event_time: -5,
            decided_at: 1_790_000_000_000,
            outcome: Outcome::Review,
            score: 42,
            policy_version: "p@v1".into(),
            degraded: true,
            shadow: true,
            latency_us: 77,
            entities: Entities { device: Some("dv".into()), shop: Some("".into()), ..Entities::default() },
            rules: vec!["a".into(), "b_c".into()],
            decision_json: "{\"x\":1}".into(),
        };
        let mut scratch = Vec::new();
        let mut out = vec![9];
        encode(&RowRef::of(&row, &mut scratch), &mut out).unwrap();
        assert_eq!(decode(&out[1..]), Some(row.clone()));
        assert_eq!(decode(&out[1..out.len() - 1]), None);
        let long = "x".repeat(70_000);
        let mut scratch = Vec::new();
        let mut bad = RowRef::of(&row, &mut scratch);
        bad.event_id = &long;
        let before = out.len();
        let err = encode(&bad, &mut out).unwrap_err();
        assert!(err.to_string().contains("event_id"), "{err}");
        assert_eq!(out.len(), before, "a refused row leaves the buffer as it was");
    }
}
