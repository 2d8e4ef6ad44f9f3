//! Index keys: a 64-bit XXH3 of what a query can look for (a tag, the shadow flag, the
//! value). Every row is posted under each of its keys; a query walks the posting list of its
//! most selective filter and checks every filter on the rows it reads, so a hash collision
//! costs a read, never a wrong answer.

use shrike_records::{DecisionQuery, EntityKind};
use xxhash_rust::xxh3::xxh3_64;

use crate::row::RowRef;

const TAG_ID: u8 = 1;
const TAG_ALL: u8 = 2;
const TAG_OUTCOME: u8 = 3;
const TAG_POLICY: u8 = 4;
const TAG_RULE: u8 = 5;
/// Entities: `TAG_ENTITY + index in EntityKind::ALL`.
const TAG_ENTITY: u8 = 16;

fn key(tag: u8, shadow: bool, value: &[u8]) -> u64 {
    let mut buf = [0u8; 2 + 256];
    let head = [tag, u8::from(shadow)];
    if value.len() <= 256 {
        buf[..2].copy_from_slice(&head);
        buf[2..2 + value.len()].copy_from_slice(value);
        return xxh3_64(&buf[..2 + value.len()]);
    }
    xxh3_64(&[&head[..], value].concat())
}

/// The key of a decision id (shadow or not: ids are unique across both).
pub(crate) fn id_key(id: &str) -> u64 {
    key(TAG_ID, false, id.as_bytes())
}

fn entity_key(i: usize, shadow: bool, id: &str) -> u64 {
    key(TAG_ENTITY + i as u8, shadow, id.as_bytes())
}

/// Calls `post` with every key of `r`.
pub(crate) fn row_keys(r: &RowRef<'_>, mut post: impl FnMut(u64)) {
    let s = r.shadow;
    post(id_key(r.decision_id));
    post(key(TAG_ALL, s, b""));
    post(key(TAG_OUTCOME, s, &[r.outcome as u8]));
    post(key(TAG_POLICY, s, r.policy_version.as_bytes()));
    for (i, id) in r.entities.iter().enumerate() {
        if let Some(id) = id {
            post(entity_key(i, s, id));
        }
    }
    for rule in r.rules {
        post(key(TAG_RULE, s, rule.as_bytes()));
    }
}

/// At most how many keys [`row_keys`] posts for `r`.
pub(crate) fn max_keys(r: &RowRef<'_>) -> usize {
    4 + r.entities.len() + r.rules.len()
}

/// The posting list a query walks: its most selective filter (an entity, then a rule, a
/// policy version, an outcome), else every decision of its shadow flag (a time scan).
pub(crate) fn driver(q: &DecisionQuery) -> u64 {
    let s = q.shadow;
    if let Some((kind, id)) = &q.entity {
        let i = EntityKind::ALL.iter().position(|k| k == kind).unwrap_or(0);
        return entity_key(i, s, id);
    }
    if let Some(rule) = &q.rule {
        return key(TAG_RULE, s, rule.as_bytes());
    }
    if let Some(v) = &q.policy_version {
        return key(TAG_POLICY, s, v.as_bytes());
    }
    if let Some(o) = q.outcome {
        return key(TAG_OUTCOME, s, &[o as u8]);
    }
    key(TAG_ALL, s, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_tags_flags_and_long_values() {
        assert_ne!(key(TAG_RULE, false, b"x"), key(TAG_POLICY, false, b"x"));
        assert_ne!(key(TAG_RULE, false, b"x"), key(TAG_RULE, true, b"x"));
        let long = vec![b'a'; 300];
        assert_eq!(key(TAG_RULE, false, &long), xxh3_64(&[&[TAG_RULE, 0][..], &long].concat()));
        assert_eq!(key(TAG_RULE, false, b"ab"), xxh3_64(&[TAG_RULE, 0, b'a', b'b']));
    }
}
