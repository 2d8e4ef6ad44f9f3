//! Idempotency by `event_id`: a bounded memory of recently applied ids.
//!
//! Ids are remembered by a 128-bit hash (a false duplicate needs ~2^64 ids) together with the
//! original outcome and score, for as long as `retention` of event time behind the watermark.
//! An id older than that would be rejected as late anyway when retention >= lateness.

use hashbrown::HashMap;
use shrike_types::{Duration, Outcome, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub at: Timestamp,
    pub outcome: Outcome,
    pub score: u8,
}

#[derive(Debug, Default)]
pub struct Dedup {
    seen: HashMap<u128, Seen>,
    retention: Duration,
    last_sweep: i64,
}

impl Dedup {
    pub fn new(retention: Duration) -> Dedup {
        Dedup { seen: HashMap::new(), retention, last_sweep: i64::MIN }
    }

    pub fn get(&self, id: u128) -> Option<Seen> {
        self.seen.get(&id).copied()
    }

    pub fn insert(&mut self, id: u128, seen: Seen) {
        self.seen.insert(id, seen);
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Forgets ids older than the retention; runs at most once per hour of event time so the
    /// cost is amortised.
    pub fn sweep(&mut self, watermark: Timestamp) {
        let hour = watermark.0.div_euclid(Duration::HOUR.0);
        if hour <= self.last_sweep {
            return;
        }
        self.last_sweep = hour;
        let horizon = watermark.minus(self.retention);
        self.seen.retain(|_, s| s.at >= horizon);
    }
}
