//! [`PrefetchTable`]: a hash table keyed by 128-bit hashes whose lookups can be started from
//! the hash alone, a few events before they are made.
//!
//! Entries sit in a dense vector in insertion order; a separate open-addressing index maps a
//! key to its entry. An index word is `(tag << 32) | (position + 1)` (0 = empty), where the
//! tag is the low 32 bits of the key and also picks the home word (`tag & mask`), so:
//!
//! - the address of a key's home word is known without reading anything: prefetching it
//!   never waits for memory (a general-purpose table first has to load its control bytes
//!   to learn where the entry is, and that load is the miss being avoided);
//! - once the index line is in cache, the entry's address is one read away, and the entry
//!   can be prefetched in turn; the caller spaces the stages a few events apart;
//! - the index is at most half full (linear probing, short runs) and small (8 bytes per
//!   word, 16–32 bytes per key), and grows by rehashing its own words, never the entries;
//! - entries have no holes, so memory is the entries' own size plus the index, and a sweep
//!   over them (expiry, snapshots) is sequential.
//!
//! A tag match is confirmed by comparing the entry's full key; a false tag match costs one
//! comparison and is rare (the tag has `32 - log2(index size)` bits beyond the home word).

use crate::prefetch::{prefetch, prefetch_lines, prefetch_span};

/// Something stored under a 128-bit key (already a uniform hash).
pub trait Keyed {
    fn key(&self) -> u128;
}

/// Most entries a table holds: positions are stored in 32 bits.
pub const MAX_TABLE_ENTRIES: usize = u32::MAX as usize - 1;

/// Index words of a table's first allocation.
const MIN_INDEX: usize = 16;

/// Dense entries plus an index from key to position (see the module docs).
#[derive(Clone, Debug)]
pub struct PrefetchTable<T> {
    entries: Vec<T>,
    index: Vec<u64>,
}

impl<T> Default for PrefetchTable<T> {
    fn default() -> Self {
        PrefetchTable { entries: Vec::new(), index: Vec::new() }
    }
}

/// The tag of a key: its low 32 bits (the key is a uniform hash).
#[inline(always)]
fn tag(key: u128) -> u32 {
    key as u32
}

#[inline(always)]
fn word(tag: u32, position: usize) -> u64 {
    (u64::from(tag) << 32) | (position as u64 + 1)
}

impl<T: Keyed> PrefetchTable<T> {
    pub fn new() -> Self {
        PrefetchTable::default()
    }

    /// A table with room for `n` entries before it grows.
    pub fn with_capacity(n: usize) -> Self {
        let mut t = PrefetchTable { entries: Vec::with_capacity(n), index: Vec::new() };
        t.grow_index(n);
        t
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Heap bytes: entry capacity and index words (allocator overhead excluded).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<T>() + self.index.len() * size_of::<u64>()
    }

    /// Entry capacity (entries, not bytes).
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.index.len().wrapping_sub(1)
    }

    /// First stage of a lookup: starts loading `key`'s home index word, and the place after
    /// the last entry, where the key goes if it is new (fresh memory: a store there would
    /// otherwise wait for the line). Reads nothing.
    #[inline(always)]
    pub fn prefetch_index(&self, key: u128) {
        let home = tag(key) as usize & self.mask();
        if let Some(w) = self.index.get(home) {
            prefetch((w as *const u64).cast::<u8>());
        }
        if self.entries.len() < self.entries.capacity() {
            // Only an address: the spare capacity is not read.
            let end = self.entries.as_ptr().wrapping_add(self.entries.len());
            prefetch_span(end.cast::<u8>(), size_of::<T>());
        }
    }

    /// Second stage, once the index word is in cache: starts loading `key`'s entry (its
    /// first few cache lines). The first entry with `key`'s tag is taken without comparing
    /// its key, which would wait for the very load this starts.
    #[inline(always)]
    pub fn prefetch_entry(&self, key: u128) {
        if let Some(e) = self.candidate(key).and_then(|p| self.entries.get(p)) {
            prefetch_lines(e);
        }
    }

    /// The position of the first entry whose tag is `key`'s: almost always `key`'s own.
    #[inline]
    fn candidate(&self, key: u128) -> Option<usize> {
        let mask = self.mask();
        let t = tag(key);
        let mut i = t as usize & mask;
        loop {
            let w = *self.index.get(i)?;
            if w == 0 {
                return None;
            }
            if (w >> 32) as u32 == t {
                return Some((w as u32 as usize).wrapping_sub(1));
            }
            i = (i + 1) & mask;
        }
    }

    /// The position of `key`'s entry.
    #[inline]
    pub fn position(&self, key: u128) -> Option<usize> {
        let mask = self.mask();
        let t = tag(key);
        let mut i = t as usize & mask;
        loop {
            let w = *self.index.get(i)?;
            if w == 0 {
                return None;
            }
            if (w >> 32) as u32 == t {
                let p = (w as u32 as usize).wrapping_sub(1);
                if self.entries.get(p).is_some_and(|e| e.key() == key) {
                    return Some(p);
                }
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    pub fn find(&self, key: u128) -> Option<&T> {
        self.position(key).and_then(|p| self.entries.get(p))
    }

    #[inline]
    pub fn find_mut(&mut self, key: u128) -> Option<&mut T> {
        self.position(key).and_then(|p| self.entries.get_mut(p))
    }

    pub fn get_mut(&mut self, position: usize) -> Option<&mut T> {
        self.entries.get_mut(position)
    }

    /// Adds `value`, whose key must not be in the table. Returns it in place, or gives it
    /// back when the table holds [`MAX_TABLE_ENTRIES`] already.
    pub fn insert_new(&mut self, value: T) -> Result<&mut T, T> {
        let position = self.entries.len();
        if position >= MAX_TABLE_ENTRIES {
            return Err(value);
        }
        if (position + 1) * 2 > self.index.len() {
            self.grow_index(position + 1);
        }
        self.place(tag(value.key()), position);
        self.entries.push(value);
        // In bounds: the entry was just pushed there.
        Ok(&mut self.entries[position])
    }

    /// Writes the index word for the entry at `position` into the first free word of its run.
    #[inline]
    fn place(&mut self, t: u32, position: usize) {
        let mask = self.mask();
        let mut i = t as usize & mask;
        while let Some(w) = self.index.get_mut(i) {
            if *w == 0 {
                *w = word(t, position);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Makes the index big enough for `n` entries at most half full, rehashing its words.
    fn grow_index(&mut self, n: usize) {
        let size = (n * 2).next_power_of_two().max(MIN_INDEX);
        if size <= self.index.len() {
            return;
        }
        let old = std::mem::replace(&mut self.index, vec![0; size]);
        for w in old.into_iter().filter(|&w| w != 0) {
            self.place((w >> 32) as u32, (w as u32 as usize).wrapping_sub(1));
        }
    }

    /// Rebuilds the index from the entries (after they moved), sized for `len` entries.
    fn reindex(&mut self) {
        let size = (self.entries.len() * 2).next_power_of_two().max(MIN_INDEX);
        if size == self.index.len() {
            self.index.fill(0);
        } else {
            self.index = vec![0; size];
        }
        for p in 0..self.entries.len() {
            if let Some(e) = self.entries.get(p) {
                let t = tag(e.key());
                self.place(t, p);
            }
        }
    }

    /// Keeps the entries for which `keep` is true, in order; gives memory back when at most a
    /// quarter of the capacity is left in use.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        let before = self.entries.len();
        self.entries.retain(keep);
        if self.entries.len() == before {
            return;
        }
        if self.entries.len() * 4 < self.entries.capacity() && self.entries.capacity() > 1024 {
            self.entries.shrink_to(self.entries.len() * 2);
        }
        self.reindex();
    }

    /// Room for `more` entries beyond the current ones.
    pub fn reserve(&mut self, more: usize) {
        self.entries.reserve(more);
        self.grow_index(self.entries.len() + more);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.fill(0);
    }

    /// Entries in insertion order (expiry keeps the order of the others).
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.entries.iter()
    }

    pub fn into_entries(self) -> Vec<T> {
        self.entries
    }
}

impl<'a, T: Keyed> IntoIterator for &'a PrefetchTable<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct E(u128, u32);

    impl Keyed for E {
        fn key(&self) -> u128 {
            self.0
        }
    }

    fn key(i: u64) -> u128 {
        // Keys that share their low bits (same home, same tag) as well as uniform ones.
        let h = u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
        if i.is_multiple_of(7) { (h << 32) | 5 } else { h }
    }

    #[test]
    fn finds_what_was_inserted_through_growth_and_retain() {
        let mut t = PrefetchTable::new();
        for i in 0..5_000 {
            assert!(t.find(key(i)).is_none());
            assert!(t.insert_new(E(key(i), i as u32)).is_ok());
        }
        assert_eq!(t.len(), 5_000);
        for i in 0..5_000 {
            assert_eq!(t.find(key(i)), Some(&E(key(i), i as u32)), "{i}");
        }
        assert!(t.find(key(5_000)).is_none());
        t.retain(|e| e.1 % 3 == 0);
        for i in 0..5_000 {
            assert_eq!(t.find(key(i)).is_some(), i % 3 == 0, "{i}");
        }
        let order: Vec<u32> = t.iter().map(|e| e.1).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "insertion order is kept");
        if let Some(e) = t.find_mut(key(3)) {
            e.1 = 7;
        }
        assert_eq!(t.find(key(3)).map(|e| e.1), Some(7));
        t.clear();
        assert!(t.is_empty() && t.find(key(3)).is_none());
    }

    #[test]
    fn empty_tables_answer_and_prefetch_nothing() {
        let t: PrefetchTable<E> = PrefetchTable::new();
        assert!(t.find(1).is_none());
        t.prefetch_index(1);
        t.prefetch_entry(1);
        let r: PrefetchTable<E> = PrefetchTable::with_capacity(100);
        assert!(r.heap_bytes() >= 100 * size_of::<E>() + 200 * 8);
    }
}
