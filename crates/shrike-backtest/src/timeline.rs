//! Outcomes over time: hourly counts per outcome and of fraud, shown in reports in at most
//! [`MAX_TIMELINE_BARS`] bars.

use shrike_types::{Duration, Outcome, Timestamp};

/// Most hourly buckets kept (two years); later events land in the last one.
pub const MAX_TIMELINE_HOURS: usize = 2 * 366 * 24;
/// Most bars a report shows: hours are merged into wider bars.
pub const MAX_TIMELINE_BARS: usize = 120;

/// Hourly counts `[allow, challenge, review, block, fraud]` from the first event's hour.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    start: Option<i64>,
    hours: Vec<[u64; 5]>,
    /// The hour of the last event, `[from, to)` in ms and its index: most events fall in the
    /// same hour as the one before, and then need no division.
    last: (i64, i64, usize),
}

/// One bar of a report's timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bar {
    pub from: Timestamp,
    /// Events per outcome, in severity order.
    pub outcomes: [u64; 4],
    pub fraud: u64,
}

impl Timeline {
    /// Counts an event. Events before the first event's hour (out of order) count in the
    /// first hour.
    pub fn add(&mut self, at: Timestamp, outcome: Outcome, fraud: bool) {
        let (from, to, cached) = self.last;
        let i = if at.0 >= from && at.0 < to { cached } else { self.locate(at) };
        let h = &mut self.hours[i];
        h[outcome as usize] += 1;
        h[4] += u64::from(fraud);
    }

    /// The bucket of `at`, created if new; remembered for the next event.
    fn locate(&mut self, at: Timestamp) -> usize {
        let hour = at.0.div_euclid(Duration::HOUR.0);
        let start = *self.start.get_or_insert(hour);
        let i = (hour - start).clamp(0, MAX_TIMELINE_HOURS as i64 - 1) as usize;
        if i >= self.hours.len() {
            self.hours.resize(i + 1, [0; 5]);
        }
        // Only an event inside the hour's own bucket may reuse it (not one clamped into it).
        if hour - start == i as i64 {
            self.last = (hour * Duration::HOUR.0, (hour + 1) * Duration::HOUR.0, i);
        }
        i
    }

    /// Hours per bar in [`Timeline::bars`].
    pub fn hours_per_bar(&self) -> usize {
        self.hours.len().div_ceil(MAX_TIMELINE_BARS).max(1)
    }

    /// The counts in at most [`MAX_TIMELINE_BARS`] bars of [`Timeline::hours_per_bar`] hours.
    pub fn bars(&self) -> Vec<Bar> {
        let Some(start) = self.start else { return Vec::new() };
        let per = self.hours_per_bar();
        let bar = |(k, chunk): (usize, &[[u64; 5]])| {
            let mut sum = [0u64; 5];
            chunk.iter().for_each(|h| sum.iter_mut().zip(h).for_each(|(s, x)| *s += x));
            let from = Timestamp((start + (k * per) as i64) * Duration::HOUR.0);
            Bar { from, outcomes: [sum[0], sum[1], sum[2], sum[3]], fraud: sum[4] }
        };
        self.hours.chunks(per).enumerate().map(bar).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_merge_into_bounded_bars() {
        let mut t = Timeline::default();
        let h = Duration::HOUR.0;
        t.add(Timestamp(10 * h + 5), Outcome::Block, true);
        t.add(Timestamp(9 * h), Outcome::Allow, false); // before the start: first hour
        t.add(Timestamp(10 * h + 300 * h), Outcome::Review, false);
        assert_eq!(t.hours_per_bar(), 3);
        let bars = t.bars();
        assert_eq!(bars.len(), 101);
        assert_eq!(bars[0].outcomes, [1, 0, 0, 1]);
        assert_eq!(bars[0].fraud, 1);
        assert_eq!(bars[0].from, Timestamp(10 * h));
        assert_eq!(bars[100].outcomes, [0, 0, 1, 0]);
        assert_eq!(bars[100].from, Timestamp((10 + 300) * h));
    }
}
