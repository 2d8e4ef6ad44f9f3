//! Key names and values. Every key starts with the configured prefix; the part in braces is
//! the cluster hash tag, so one entity's state (and an event's claim) sits in one slot.
//!
//! - feature state of one `(group, key)`: `PREFIX:f:GROUP:{KEY}`, `GROUP` the 16-hex-digit
//!   identity of the group's layout (so a policy that changes a group starts it afresh and
//!   one that keeps it keeps its state), `KEY` the 32-hex-digit `KeyHash`. Value:
//!   `write token u64 | codec version u16 | MemoryStore::export_key bytes` (little-endian).
//! - idempotency claim of one event: `PREFIX:e:{ID}`, `ID` the 32-hex-digit id hash. Value:
//!   `p` + node token u64 + batch u64 while pending, `d` + outcome u8 + score u8 once decided.

use shrike_features::KeyHash;
use shrike_types::Outcome;

/// Version of the value layout after the write token; a node refuses other versions.
pub const VALUE_VERSION: u16 = 1;
/// Bytes before a value's state: write token and version.
pub const VALUE_HEADER: usize = 10;

/// The name of a feature-state key.
pub fn state_key(prefix: &str, group_id: u64, key: KeyHash) -> Vec<u8> {
    format!("{prefix}:f:{group_id:016x}:{{{:032x}}}", key.0).into_bytes()
}

/// The name of an event's claim.
pub fn claim_key(prefix: &str, id: u128) -> Vec<u8> {
    format!("{prefix}:e:{{{id:032x}}}").into_bytes()
}

/// A stored state value: token, version, state bytes.
pub fn state_value(token: u64, state: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(VALUE_HEADER + state.len());
    v.extend_from_slice(&token.to_le_bytes());
    v.extend_from_slice(&VALUE_VERSION.to_le_bytes());
    v.extend_from_slice(state);
    v
}

/// `(token bytes, state bytes)` of a stored value; `None` when it is not one this version
/// reads (the token, when there is one, still lets a write replace it).
pub fn split_value(v: &[u8]) -> (&[u8], Option<&[u8]>) {
    let token = v.get(..8).unwrap_or(v);
    match v.get(8..VALUE_HEADER) {
        Some(ver) if ver == VALUE_VERSION.to_le_bytes() => (token, v.get(VALUE_HEADER..)),
        _ => (token, None),
    }
}

/// What a claim says about an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This call claimed it: decide and apply it.
    Ours,
    /// Decided before (by any node): the original outcome and score.
    Decided { outcome: Outcome, score: u8 },
    /// Claimed by another node (or an earlier batch that never finished): being decided
    /// there, or its node died mid-event. Not applied again.
    Pending,
}

pub fn pending_value(node: u64, batch: u64) -> Vec<u8> {
    let mut v = vec![b'p'];
    v.extend_from_slice(&node.to_le_bytes());
    v.extend_from_slice(&batch.to_le_bytes());
    v
}

pub fn decided_value(outcome: Outcome, score: u8) -> Vec<u8> {
    vec![b'd', outcome as u8, score]
}

/// Reads the previous value of a claim: `None` (it did not exist) is ours; our own pending
/// value of the same batch is ours too (a repeat within one batch, which the engine's own
/// idempotency memory answers).
pub fn read_claim(previous: Option<&[u8]>, node: u64, batch: u64) -> Claim {
    match previous {
        None => Claim::Ours,
        Some([b'd', o, score]) => match Outcome::ALL.get(usize::from(*o)) {
            Some(&outcome) => Claim::Decided { outcome, score: *score },
            None => Claim::Pending,
        },
        Some(p) if p == pending_value(node, batch).as_slice() => Claim::Ours,
        Some(_) => Claim::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_round_trip() {
        let k = state_key("shrike", 0xab, KeyHash(7));
        assert_eq!(k, b"shrike:f:00000000000000ab:{00000000000000000000000000000007}");
        assert_eq!(crate::slot::key_slot(&k), crate::slot::key_slot(b"{00000000000000000000000000000007}"));
        let v = state_value(42, b"abc");
        assert_eq!(split_value(&v), (&42u64.to_le_bytes()[..], Some(&b"abc"[..])));
        assert_eq!(split_value(b"short").1, None);
        assert_eq!(read_claim(None, 1, 2), Claim::Ours);
        assert_eq!(read_claim(Some(&pending_value(1, 2)), 1, 2), Claim::Ours);
        assert_eq!(read_claim(Some(&pending_value(1, 1)), 1, 2), Claim::Pending);
        assert_eq!(read_claim(Some(&pending_value(3, 2)), 1, 2), Claim::Pending);
        let d = decided_value(Outcome::Block, 90);
        assert_eq!(read_claim(Some(&d), 1, 2), Claim::Decided { outcome: Outcome::Block, score: 90 });
    }
}
