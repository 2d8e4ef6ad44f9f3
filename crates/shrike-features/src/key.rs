//! Table keys. The store identifies an entity key (`device_id = "dv_1"`, or the pair
//! `user_id, card.fingerprint`) by a 128-bit hash of its canonical bytes, never by the bytes:
//! every slot has the same small size, a lookup compares two words, and the engine can compute
//! the hash of an event's keys ahead of time to prefetch their state.
//!
//! A false match needs two different keys with equal 128-bit hashes: for a billion keys the
//! probability is below 10^-20. The hash is XXH3-128, a published algorithm, so hashes (and
//! with them snapshots and shared stores) are stable across builds and machines.

/// The identity of one entity key: XXH3-128 of its canonical bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct KeyHash(pub u128);

impl KeyHash {
    /// The hash of a key's canonical bytes (see `shrike_engine::keys::encode`).
    pub fn of(bytes: &[u8]) -> KeyHash {
        KeyHash(xxhash_rust::xxh3::xxh3_128(bytes))
    }

    /// The key as 32 lower-case hex digits, for stores that name keys by text.
    pub fn to_hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_the_published_xxh3_128() {
        // Reference value of XXH3-128 for the empty input (xxHash test vectors).
        assert_eq!(KeyHash::of(b"").0, 0x99aa06d3014798d86001c324468d497f);
        assert_ne!(KeyHash::of(b"a"), KeyHash::of(b"b"));
        assert_eq!(KeyHash::of(b"card:4242").to_hex().len(), 32);
    }
}
