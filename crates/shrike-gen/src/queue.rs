//! The schedule: one min-heap of things due at a delivery time — pending events and the
//! next arrival of each process. Ties break on insertion order, so popping is deterministic.
//!
//! Late delivery lives here too: a late event keeps its timestamp but is *due* up to
//! [`MAX_LATENESS_MS`] later, so it pops after events stamped in between. Since every
//! event stamped before its due time was scheduled before it pops, a late event is never
//! more than its delay behind the newest event already emitted.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::config::Pattern;
use crate::draft::{Draft, SEC};
use crate::rng::Rng;

/// Share of events delivered late (the documented out-of-order share).
pub const LATE_SHARE: f64 = 0.01;
/// Longest delivery delay of a late event, as mobile clients that batch uploads show.
pub const MAX_LATENESS_MS: i64 = 300 * SEC;

/// A process that produces activity when its next arrival is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Honest,
    Fraud(Pattern),
}

pub(crate) enum Item {
    Spawn(Source),
    /// Boxed so the heap moves small entries.
    Event(Box<Draft>),
}

struct Entry {
    due: i64,
    seq: u64,
    item: Item,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

#[derive(Default)]
pub(crate) struct Queue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl Queue {
    pub(crate) fn spawn_at(&mut self, due: i64, source: Source) {
        self.push(due, Item::Spawn(source));
    }

    /// Schedules an event; [`LATE_SHARE`] of them are delivered late. Returns whether it is.
    pub(crate) fn event(&mut self, rng: &mut Rng, draft: Draft) -> bool {
        let late = rng.chance(LATE_SHARE);
        let due = if late { draft.at + rng.skewed(SEC, MAX_LATENESS_MS) } else { draft.at };
        self.push(due, Item::Event(Box::new(draft)));
        late
    }

    fn push(&mut self, due: i64, item: Item) {
        self.seq += 1;
        self.heap.push(Entry { due, seq: self.seq, item });
    }

    /// The next due item and its due time.
    pub(crate) fn pop(&mut self) -> Option<(i64, Item)> {
        self.heap.pop().map(|e| (e.due, e.item))
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}
