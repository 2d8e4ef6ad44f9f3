//! Pacing: how far apart arrivals are so that the stream fills the period at the requested
//! fraud share. Each process measures its events per arrival as it goes (starting from a
//! prior) and spaces arrivals so that, at that rate, its target is reached at the end of
//! the period. Everything here is a function of what was generated, so it is deterministic.

use crate::config::{GenConfig, Pattern};
use crate::fraud;

/// Honest events per candidate tick (including ticks dropped at night), measured on
/// default configs; only steers the first hours before measurements take over.
pub(crate) const PRIOR_EVENTS_PER_TICK: f64 = 1.55;
/// Weight of the prior, in ticks.
const PRIOR_TICKS: f64 = 2_000.0;
/// Below this many ticks or this much time left, pacing falls back to the whole-period rate
/// (the steering would otherwise swing wildly at the very end).
const MIN_TICKS_LEFT: f64 = 1_000.0;
const MIN_TIME_LEFT: f64 = 3_600_000.0;
/// Weight of a fraud prior, in episodes.
const PRIOR_EPISODES: f64 = 3.0;
/// Episodes of a pattern are planted only when its target holds at least this many.
const MIN_EPISODES: f64 = 0.5;

pub(crate) struct Calibration {
    span: f64,
    end: i64,
    honest_target: f64,
    honest_ticks: u64,
    honest_events: u64,
    fraud_target: [f64; 9],
    pub(crate) episodes: [u64; 9],
    fraud_events: [u64; 9],
}

impl Calibration {
    pub(crate) fn new(cfg: &GenConfig) -> Calibration {
        let n = cfg.events as f64;
        Calibration {
            span: cfg.span_ms() as f64,
            end: cfg.start.millis() + cfg.span_ms(),
            honest_target: n * (1.0 - cfg.fraud_rate),
            honest_ticks: 0,
            honest_events: 0,
            fraud_target: Pattern::ALL.map(|p| n * cfg.fraud_rate * fraud::share(p)),
            episodes: [0; 9],
            fraud_events: [0; 9],
        }
    }

    /// Candidate honest ticks expected over the period, by the prior.
    pub(crate) fn expected_ticks(&self) -> f64 {
        self.honest_target / PRIOR_EVENTS_PER_TICK
    }

    pub(crate) fn record_tick(&mut self, events: usize) {
        self.honest_ticks += 1;
        self.honest_events += events as u64;
    }

    pub(crate) fn record_episode(&mut self, p: Pattern, events: usize) {
        self.episodes[p.index()] += 1;
        self.fraud_events[p.index()] += events as u64;
    }

    /// Time to the next honest tick at `now`: uniform on `0..2×mean`, the mean spreading
    /// the honest events still due over the time left (so early misestimates correct
    /// themselves), or over the whole period once the period is over.
    pub(crate) fn honest_gap(&self, now: i64, unit: f64) -> i64 {
        let per_tick = (self.honest_events as f64 + PRIOR_EVENTS_PER_TICK * PRIOR_TICKS)
            / (self.honest_ticks as f64 + PRIOR_TICKS);
        let ticks_left = (self.honest_target - self.honest_events as f64) / per_tick;
        let time_left = (self.end - now) as f64;
        let mean = if ticks_left >= MIN_TICKS_LEFT && time_left >= MIN_TIME_LEFT {
            time_left / ticks_left
        } else {
            self.span / (self.honest_target / per_tick).max(1.0)
        };
        (mean * 2.0 * unit) as i64
    }

    /// Time to the next episode of `p` (`0.5..1.5×mean`), or `None` when the target is too
    /// small for another episode.
    pub(crate) fn fraud_gap(&self, p: Pattern, unit: f64) -> Option<i64> {
        let i = p.index();
        let per_episode = (self.fraud_events[i] as f64 + fraud::prior_events(p) * PRIOR_EPISODES)
            / (self.episodes[i] as f64 + PRIOR_EPISODES);
        let episodes = self.fraud_target[i] / per_episode.max(1.0);
        if episodes < MIN_EPISODES {
            return None;
        }
        Some((self.span / episodes * (0.5 + unit)) as i64)
    }
}
