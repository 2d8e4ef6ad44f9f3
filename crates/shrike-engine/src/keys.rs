//! Canonical byte encodings of values: entity keys for the feature store and the 64-bit hashes
//! that distinct counts use. Each value is tagged with its type and length-delimited, so
//! composite keys (`by user_id, device_id`) can never collide by concatenation.

use shrike_dsl::eval::{EvalCtx, eval};
use shrike_dsl::ir::Expr;
use shrike_features::KeyHash;
use shrike_types::{Type, Value};

/// Appends the canonical encoding of `expr`'s value; returns false for a missing value. The
/// same bytes as [`encode`] of [`eval`], without building a [`Value`] for the commonest key
/// and distinct argument: a string field (`device_id`, `card.fingerprint`).
pub fn encode_expr(expr: &Expr, ctx: &EvalCtx<'_, '_>, out: &mut Vec<u8>) -> bool {
    match expr {
        Expr::Field(f) if f.ty() == Type::String => match f.get_str(ctx.event) {
            Some(s) => {
                encode_str(s, out);
                true
            }
            None => false,
        },
        _ => encode(&eval(expr, ctx), out),
    }
}

/// A string's encoding: tag, length, bytes.
fn encode_str(s: &str, out: &mut Vec<u8>) {
    // Strings are bounded by the event size limit, far below 4 GiB.
    let len = (s.len() as u32).to_le_bytes();
    let head = [b's', len[0], len[1], len[2], len[3]];
    out.extend_from_slice(&head);
    out.extend_from_slice(s.as_bytes());
}

/// Appends the canonical encoding of `v`; returns false for a missing value.
pub fn encode(v: &Value<'_>, out: &mut Vec<u8>) -> bool {
    match v {
        Value::Missing => return false,
        Value::Str(s) => encode_str(s, out),
        Value::Bool(b) => out.extend_from_slice(&[b'b', u8::from(*b)]),
        Value::Num(n) => {
            out.push(b'n');
            // -0.0 and 0.0 are one key.
            let n = if *n == 0.0 { 0.0 } else { *n };
            out.extend_from_slice(&n.to_bits().to_le_bytes());
        }
        Value::Money(m) => {
            out.push(b'm');
            out.extend_from_slice(&m.0.to_le_bytes());
        }
        Value::Time(t) => {
            out.push(b't');
            out.extend_from_slice(&t.0.to_le_bytes());
        }
        Value::Dur(d) => {
            out.push(b'd');
            out.extend_from_slice(&d.0.to_le_bytes());
        }
        Value::Ip(ip) => {
            out.push(b'i');
            match ip {
                std::net::IpAddr::V4(v4) => out.extend_from_slice(&v4.octets()),
                std::net::IpAddr::V6(v6) => out.extend_from_slice(&v6.octets()),
            }
        }
    }
    true
}

/// The store key of an encoded key (see [`encode`]).
pub fn key_hash(encoded: &[u8]) -> KeyHash {
    KeyHash::of(encoded)
}

/// A stable 64-bit hash of a value's canonical encoding (for distinct counts): XXH3-64, so
/// hashes kept in snapshots and shared stores mean the same on every build and machine.
pub fn hash_value(v: &Value<'_>, scratch: &mut Vec<u8>) -> Option<u64> {
    scratch.clear();
    encode(v, scratch).then(|| xxhash_rust::xxh3::xxh3_64(scratch))
}

/// [`hash_value`] of `expr`'s value, through [`encode_expr`].
pub fn hash_expr(expr: &Expr, ctx: &EvalCtx<'_, '_>, scratch: &mut Vec<u8>) -> Option<u64> {
    scratch.clear();
    encode_expr(expr, ctx, scratch).then(|| xxhash_rust::xxh3::xxh3_64(scratch))
}

/// A stable 128-bit hash of an event id (for idempotency): XXH3-128.
pub fn hash_id(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn composite_keys_do_not_collide() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode(&Value::Str(Cow::Borrowed("ab")), &mut a);
        encode(&Value::Str(Cow::Borrowed("c")), &mut a);
        encode(&Value::Str(Cow::Borrowed("a")), &mut b);
        encode(&Value::Str(Cow::Borrowed("bc")), &mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn missing_is_not_a_key() {
        assert!(!encode(&Value::Missing, &mut Vec::new()));
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(hash_id("e1"), hash_id("e1"));
        assert_ne!(hash_id("e1"), hash_id("e2"));
    }
}
