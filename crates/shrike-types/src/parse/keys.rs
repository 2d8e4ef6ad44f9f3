//! Perfect-hash tables of the fixed names the format knows: the event's fields, the fields
//! of `card`, addresses and items, and the known event types.
//!
//! A name of at most 16 bytes is two little-endian words, zero-padded ([`words`]); the
//! reader gets those words straight from the 16 bytes it loads after a quote, so finding a
//! name is: find the closing quote in the two words, mask, one multiply, one table load,
//! three comparisons. The multiplier is searched at compile time so that the names of a
//! table land in distinct slots (a table that cannot be built fails the build).

/// One slot: the name's words and length, and its index in the table's name list.
#[derive(Clone, Copy)]
struct Slot {
    words: [u64; 2],
    len: usize,
    index: usize,
}

/// A slot no key matches: no name is that long.
const EMPTY: Slot = Slot { words: [0, 0], len: usize::MAX, index: 0 };

/// The longest name a table holds: the two words the reader loads.
pub(crate) const MAX_NAME: usize = 16;

/// A table of `N` slots (a power of two) over `names`, in index order.
pub(crate) struct KeyTable<const N: usize> {
    pub(crate) names: &'static [&'static str],
    magic: u64,
    slots: [Slot; N],
    /// Per name, the 16 bytes after a key's opening quote if the key is that name followed
    /// by `":` (as masked words), for [`KeyTable::predicted`].
    patterns: [Pattern; N],
}

/// Bytes `name":` as two zero-padded words and the mask of their length.
#[derive(Clone, Copy)]
pub(crate) struct Pattern {
    pub(crate) words: [u64; 2],
    pub(crate) mask: [u64; 2],
    /// The name's length.
    pub(crate) len: usize,
}

/// A pattern nothing matches: names too long to carry `":` in 16 bytes, indexes past the
/// names.
const NEVER: Pattern = Pattern { words: [1, 0], mask: [0, 0], len: 0 };

/// Index of the name before the first key, for [`KeyTable::predicted`].
pub(crate) const START: usize = usize::MAX;

impl<const N: usize> KeyTable<N> {
    const BITS: u32 = N.trailing_zeros();

    /// Builds the table at compile time; fails the build if a name is empty, longer than
    /// [`MAX_NAME`] or repeated, or if no multiplier separates the names.
    pub(crate) const fn new(names: &'static [&'static str]) -> Self {
        assert!(N.is_power_of_two() && N >= names.len(), "a table needs a slot per name");
        let mut candidate = 0x9E37_79B9_7F4A_7C15u64;
        let mut tries = 0;
        while tries < 100_000 {
            if let Some(slots) = Self::place(names, candidate) {
                return KeyTable { names, magic: candidate, slots, patterns: Self::patterns(names) };
            }
            candidate = candidate.wrapping_mul(0x2545_F491_4F6C_DD1D).wrapping_add(0x6A09_E667_F3BC_C909) | 1;
            tries += 1;
        }
        panic!("no multiplier separates the names of this table: give it more slots");
    }

    /// The slots for multiplier `magic`, or `None` if two names share one.
    const fn place(names: &'static [&'static str], magic: u64) -> Option<[Slot; N]> {
        let mut slots = [EMPTY; N];
        let mut i = 0;
        while i < names.len() {
            let name = names[i].as_bytes();
            assert!(!name.is_empty() && name.len() <= MAX_NAME, "names are 1 to 16 bytes");
            let words = const_words(name);
            let s = slot_of(words, magic, Self::BITS);
            if slots[s].len != usize::MAX {
                return None;
            }
            slots[s] = Slot { words, len: name.len(), index: i };
            i += 1;
        }
        Some(slots)
    }

    const fn patterns(names: &'static [&'static str]) -> [Pattern; N] {
        assert!(names.len() < N, "`predicted` indexes one past the last name");
        let mut patterns = [NEVER; N];
        let mut i = 0;
        while i < names.len() {
            let name = names[i].as_bytes();
            let n = name.len();
            if n + 2 <= MAX_NAME {
                let mut bytes = [0u8; MAX_NAME];
                let mut mask = [0u8; MAX_NAME];
                let mut j = 0;
                while j < n + 2 {
                    bytes[j] = if j < n {
                        name[j]
                    } else if j == n {
                        b'"'
                    } else {
                        b':'
                    };
                    mask[j] = 0xff;
                    j += 1;
                }
                patterns[i] = Pattern { words: const_words(&bytes), mask: const_words(&mask), len: n };
            }
            i += 1;
        }
        patterns
    }

    /// The name expected after the one at index `last` (or at [`START`]): the next in the
    /// table's order, which is the order of the docs and of what Shrike writes, so the
    /// order most producers keep. Checking a key against it is two masked comparisons, no
    /// search for the closing quote and no hash; a wrong guess only falls back to `find`.
    #[inline(always)]
    pub(crate) fn predicted(&self, last: usize) -> (usize, &Pattern) {
        let index = last.wrapping_add(1);
        (index, self.patterns.get(index).unwrap_or(&NEVER))
    }

    /// The index of the name whose [`words`] and length these are.
    #[inline(always)]
    pub(crate) fn find(&self, words: [u64; 2], len: usize) -> Option<usize> {
        let slot = self.slots.get(slot_of(words, self.magic, Self::BITS))?;
        (slot.words == words && slot.len == len).then_some(slot.index)
    }

    /// The index of `name`, if it is one of the table's names.
    #[inline]
    pub(crate) fn lookup(&self, name: &str) -> Option<usize> {
        let bytes = name.as_bytes();
        if bytes.len() > MAX_NAME {
            return None;
        }
        self.find(words(bytes), bytes.len())
    }

    /// The name at `index` (a table load; empty for an index out of range).
    #[inline]
    pub(crate) fn name(&self, index: usize) -> &'static str {
        self.names.get(index).copied().unwrap_or_default()
    }
}

#[inline(always)]
const fn slot_of(words: [u64; 2], magic: u64, bits: u32) -> usize {
    // High bits of the product depend on every bit of the input.
    ((words[0] ^ words[1].rotate_left(23)).wrapping_mul(magic) >> (64 - bits)) as usize
}

/// A name of at most 16 bytes as two little-endian words, zero-padded.
pub(crate) fn words(name: &[u8]) -> [u64; 2] {
    let mut padded = [0u8; MAX_NAME];
    if let Some(dst) = padded.get_mut(..name.len()) {
        dst.copy_from_slice(name);
    }
    let word = u128::from_le_bytes(padded);
    [word as u64, (word >> 64) as u64]
}

/// [`words`] at compile time.
const fn const_words(name: &[u8]) -> [u64; 2] {
    let mut out = [0u64; 2];
    let mut i = name.len();
    while i > 0 {
        i -= 1;
        out[i / 8] |= (name[i] as u64) << (8 * (i % 8));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["a", "ab", "line1", "country", "event_id", "shipping_address", "fingerprint"];
    const TABLE: KeyTable<16> = KeyTable::new(NAMES);

    #[test]
    fn finds_every_name_and_nothing_else() {
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(TABLE.lookup(name), Some(i), "{name}");
            assert_eq!(TABLE.name(i), *name);
            assert_eq!(words(name.as_bytes()), const_words(name.as_bytes()), "{name}");
        }
        for other in ["", "b", "a\0", "ab\0", "line1 ", "line", "event_iD", "shipping_addresss", "shipping_addres"] {
            assert_eq!(TABLE.lookup(other), None, "{other:?}");
        }
        // Same words, other length: a key holding NUL bytes must not match a shorter name.
        assert_eq!(TABLE.find(words(b"a"), 2), None);
    }

    #[test]
    fn predictions_are_the_next_name_and_its_colon() {
        let matches = |p: &Pattern, text: &[u8]| {
            let w = words(&text[..MAX_NAME.min(text.len())]);
            w[0] & p.mask[0] == p.words[0] && w[1] & p.mask[1] == p.words[1]
        };
        let (index, first) = TABLE.predicted(START);
        assert_eq!((index, first.len), (0, 1));
        assert!(matches(first, b"a\":1,"));
        assert!(!matches(first, b"a \":1"));
        assert!(!matches(first, b"ab\":1"));
        let (index, after_line1) = TABLE.predicted(2);
        assert_eq!(index, 3);
        assert!(matches(after_line1, b"country\":\"US\""));
        assert!(!matches(after_line1, b"country\" :\"US\""));
        assert!(!matches(after_line1, b"countryX\":\"US\""));
        // Too long to carry `":` in 16 bytes: never predicted.
        assert!(!matches(TABLE.predicted(4).1, b"shipping_address\":{"));
        assert!(!matches(TABLE.predicted(NAMES.len() - 1).1, &[0; 16]));
    }
}
