//! Canonical byte encodings of values: entity keys for the feature store and the 64-bit hashes
//! that distinct counts use. Each value is tagged with its type and length-delimited, so
//! composite keys (`by user_id, device_id`) can never collide by concatenation.

use std::hash::{BuildHasher, Hasher};

use shrike_types::Value;

/// Appends the canonical encoding of `v`; returns false for a missing value.
pub fn encode(v: &Value<'_>, out: &mut Vec<u8>) -> bool {
    match v {
        Value::Missing => return false,
        Value::Str(s) => {
            out.push(b's');
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
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

/// Seeds of the fixed hashers: stable across runs so that state snapshots stay valid.
const SEED_A: u64 = 0x5157_4b45_0000_0001;
const SEED_B: u64 = 0x5157_4b45_0000_0002;

/// A stable 64-bit hash of a value's canonical encoding (for distinct counts).
pub fn hash_value(v: &Value<'_>, scratch: &mut Vec<u8>) -> Option<u64> {
    scratch.clear();
    encode(v, scratch).then(|| hash_bytes(SEED_A, scratch))
}

/// A stable 128-bit hash of an event id (for idempotency).
pub fn hash_id(id: &str) -> u128 {
    (u128::from(hash_bytes(SEED_A, id.as_bytes())) << 64) | u128::from(hash_bytes(SEED_B, id.as_bytes()))
}

fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = foldhash::quality::FixedState::with_seed(seed).build_hasher();
    h.write(bytes);
    h.finish()
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
