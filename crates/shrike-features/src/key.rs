//! Table keys. Short keys (ids, fingerprints, IPs, most e-mails) live inline in the table slot:
//! no allocation per key and no pointer chase on lookup. [`KeyRef`] looks a key up from a
//! borrowed `&[u8]` without allocating, comparing 8 bytes at a time instead of calling `memcmp`.

use std::hash::{Hash, Hasher};

use hashbrown::Equivalent;

/// Longest key stored inline (the key takes 40 bytes of the slot). Composite keys such as
/// `user_id, device_id` or `user_id, card.fingerprint` encode to 27-34 bytes: inline, a hit
/// compares them without a dependent miss on a heap copy.
pub(crate) const INLINE_KEY: usize = 38;

/// An owned key.
#[derive(Clone, Debug)]
pub(crate) enum Key {
    Inline { len: u8, bytes: [u8; INLINE_KEY] },
    Heap(Box<[u8]>),
}

impl Key {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Heap(b) => b,
        }
    }

    /// Bytes allocated outside the table slot.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Key::Inline { .. } => 0,
            Key::Heap(b) => b.len(),
        }
    }
}

impl From<&[u8]> for Key {
    fn from(key: &[u8]) -> Self {
        if key.len() <= INLINE_KEY {
            let mut bytes = [0; INLINE_KEY];
            bytes[..key.len()].copy_from_slice(key);
            // len <= INLINE_KEY fits in u8.
            Key::Inline { len: key.len() as u8, bytes }
        } else {
            Key::Heap(key.into())
        }
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.as_bytes());
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        same_bytes(self.as_bytes(), other.as_bytes())
    }
}

impl Eq for Key {}

/// A borrowed key for lookups; hashes exactly like [`Key`].
pub(crate) struct KeyRef<'a>(pub(crate) &'a [u8]);

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.0);
    }
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        same_bytes(self.0, key.as_bytes())
    }
}

impl From<&KeyRef<'_>> for Key {
    fn from(key: &KeyRef<'_>) -> Self {
        Key::from(key.0)
    }
}

/// Byte equality in 8-byte words: keys are short, and a `memcmp` call costs more than the
/// comparison itself.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    if !(&mut x).zip(&mut y).all(|(p, q)| p.first_chunk::<8>() == q.first_chunk::<8>()) {
        return false;
    }
    x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_inline_and_long_keys_on_the_heap() {
        let short = Key::from(&b"card:4242"[..]);
        assert!(matches!(short, Key::Inline { len: 9, .. }));
        assert_eq!(short.as_bytes(), b"card:4242");
        let long = Key::from(&[7u8; INLINE_KEY + 1][..]);
        assert!(matches!(long, Key::Heap(_)));
        assert_eq!(long.heap_bytes(), INLINE_KEY + 1);
        assert_eq!(size_of::<Key>(), 40);
    }

    #[test]
    fn compares_every_byte() {
        let base: Vec<u8> = (0..40).collect();
        for len in [0, 1, 7, 8, 9, 16, 22, 23, 40] {
            let k = Key::from(&base[..len]);
            assert!(KeyRef(&base[..len]).equivalent(&k));
            for i in 0..len {
                let mut other = base[..len].to_vec();
                other[i] ^= 1;
                assert!(!KeyRef(&other).equivalent(&k), "len {len} byte {i}");
            }
            assert!(len == 0 || !KeyRef(&base[..len - 1]).equivalent(&k));
        }
    }
}
