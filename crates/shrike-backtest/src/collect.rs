//! The per-event accounting of a backtest: outcome × label counts, per-rule hits, score
//! samples, the timeline, and (against a baseline run) outcome changes. Nothing here
//! allocates per event beyond amortised vector growth, and nothing re-serialises the event
//! or the decision.

use std::io;
use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_engine::Engine;
use shrike_engine::replay::LineError;
use shrike_features::FeatureStore;
use shrike_metrics::Samples;
use shrike_types::{Decision, Event, Outcome, RuleMode, Timestamp};

use crate::labels::Label;
use crate::run::Observer;
use crate::timeline::Timeline;

/// Changed events kept as examples in a diff.
pub const MAX_DIFF_EXAMPLES: usize = 200;
/// Bad input lines kept with their error (the rest are only counted).
pub const MAX_KEPT_BAD_LINES: usize = 20;

/// Events and money (micros) of one outcome × label cell.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cell {
    pub events: u64,
    pub money: i128,
}

/// Counts of one rule.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RuleCounts {
    pub hits: u64,
    pub fraud_hits: u64,
    pub fraud_money: i128,
}

/// One event whose outcome changed between the baseline and this policy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangedEvent {
    pub event_id: String,
    pub event_time: Timestamp,
    pub fraud: bool,
    pub from: Outcome,
    pub to: Outcome,
    pub score_from: u8,
    pub score_to: u8,
}

/// A baseline run's outcome and score per scored event, in stream order.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub outcomes: Vec<u8>,
    pub scores: Vec<u8>,
}

/// Outcome changes against a baseline.
#[derive(Debug, Clone, Default)]
pub(crate) struct DiffCounts {
    pub base: Baseline,
    /// `[from][to][fraud]` events.
    pub transitions: [[[u64; 2]; 4]; 4],
    pub examples: Vec<ChangedEvent>,
    /// Events beyond the baseline's length (the streams differ).
    pub unmatched: u64,
}

/// Everything a backtest pass accumulates for one policy.
pub struct PolicyRun {
    pub(crate) policy: Arc<CompiledPolicy>,
    /// `[outcome][fraud]`.
    pub(crate) cells: [[Cell; 2]; 4],
    pub(crate) rules: Vec<RuleCounts>,
    /// Score (0–100), fraud, weight (amount for fraud, 1 otherwise: "by money").
    pub(crate) samples: Samples,
    pub(crate) timeline: Timeline,
    /// Events where a shadow rule fired: `[fraud]`.
    pub(crate) shadow_flagged: [u64; 2],
    pub(crate) late: u64,
    pub(crate) mine: Baseline,
    pub(crate) diff: Option<DiffCounts>,
    pub(crate) bad_lines: Vec<String>,
    pub(crate) bad_line_count: u64,
}

impl PolicyRun {
    pub fn new(policy: Arc<CompiledPolicy>) -> PolicyRun {
        let rules = vec![RuleCounts::default(); policy.rules.len()];
        PolicyRun {
            policy,
            cells: [[Cell::default(); 2]; 4],
            rules,
            samples: Samples::default(),
            timeline: Timeline::default(),
            shadow_flagged: [0; 2],
            late: 0,
            mine: Baseline::default(),
            diff: None,
            bad_lines: Vec::new(),
            bad_line_count: 0,
        }
    }

    /// A run that also records how outcomes change against `base` (same stream).
    pub fn against(policy: Arc<CompiledPolicy>, base: Baseline) -> PolicyRun {
        let mut run = PolicyRun::new(policy);
        run.diff = Some(DiffCounts { base, ..DiffCounts::default() });
        run
    }

    /// This run's outcomes and scores, the baseline for a second policy.
    pub fn baseline(&self) -> Baseline {
        self.mine.clone()
    }

    fn record_rules(&mut self, fired: &[u16], fraud: bool, money: i128) -> bool {
        let mut shadow = false;
        for &r in fired {
            let c = &mut self.rules[r as usize];
            c.hits += 1;
            if fraud {
                c.fraud_hits += 1;
                c.fraud_money += money;
            }
            shadow |= self.policy.rules[r as usize].mode == RuleMode::Shadow;
        }
        shadow
    }

    fn record_diff(&mut self, event: &Event<'_>, d: &Decision, fraud: bool) {
        let Some(diff) = &mut self.diff else { return };
        let i = self.mine.outcomes.len() - 1;
        let (Some(&from), Some(&score_from)) = (diff.base.outcomes.get(i), diff.base.scores.get(i)) else {
            diff.unmatched += 1;
            return;
        };
        let to = d.outcome as usize;
        diff.transitions[from as usize][to][usize::from(fraud)] += 1;
        if from as usize != to && diff.examples.len() < MAX_DIFF_EXAMPLES {
            diff.examples.push(ChangedEvent {
                event_id: event.event_id.to_string(),
                event_time: event.timestamp,
                fraud,
                from: Outcome::ALL[from as usize],
                to: d.outcome,
                score_from,
                score_to: d.score,
            });
        }
    }
}

impl<S: FeatureStore> Observer<S> for PolicyRun {
    fn event(&mut self, engine: &Engine<S>, event: &Event<'_>, d: &Decision, label: Option<Label>) -> io::Result<()> {
        let fraud = label.is_some_and(|l| l.fraud);
        let money = i128::from(event.amount.map_or(0, |m| m.0));
        let cell = &mut self.cells[d.outcome as usize][usize::from(fraud)];
        cell.events += 1;
        cell.money += money;
        if self.record_rules(engine.fired_rules(), fraud, money) {
            self.shadow_flagged[usize::from(fraud)] += 1;
        }
        let weight = if fraud { money as f64 / 1e6 } else { 1.0 };
        self.samples.push(f64::from(d.score), fraud, weight);
        self.timeline.add(event.timestamp, d.outcome, fraud);
        self.late += u64::from(d.not_applied.is_some());
        self.mine.outcomes.push(d.outcome as u8);
        self.mine.scores.push(d.score);
        self.record_diff(event, d, fraud);
        Ok(())
    }

    fn bad_line(&mut self, error: LineError) {
        self.bad_line_count += 1;
        if self.bad_lines.len() < MAX_KEPT_BAD_LINES {
            self.bad_lines.push(error.to_string());
        }
    }
}
