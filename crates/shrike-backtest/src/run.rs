//! One pass over a stream: [`shrike_engine::replay::replay_with`] (the live engine's replay
//! loop and [`Engine::decide`]), with label events merged in at the times labels became
//! known, and an [`Observer`] called for every scored event.

use std::io::{self, BufRead};

use shrike_engine::Engine;
use shrike_engine::replay::{LineError, ReplayHooks, ReplaySummary, replay_with};
use shrike_features::FeatureStore;
use shrike_types::clock::ManualClock;
use shrike_types::{Decision, Duration, Event, NotApplied};

use crate::inject::Pending;
use crate::labels::{Label, LabelDelays, LabelSet};

/// What a pass does with each scored event (every input event except exact duplicates;
/// label events are not scored).
pub trait Observer<S: FeatureStore> {
    /// `engine` still holds the event's feature values ([`Engine::feature_values`]) and fired
    /// rules ([`Engine::fired_rules`]).
    fn event(
        &mut self,
        engine: &Engine<S>,
        event: &Event<'_>,
        decision: &Decision,
        label: Option<Label>,
    ) -> io::Result<()>;
    fn bad_line(&mut self, _error: LineError) {}
    /// Every `shrike_engine::replay::PROGRESS_EVERY` input lines.
    fn progress(&mut self, _lines: u64) {}
}

/// The labels of a pass and when each kind becomes known.
#[derive(Clone, Copy)]
pub struct LabelInput<'a> {
    pub labels: &'a LabelSet,
    pub delays: &'a LabelDelays,
}

/// What a pass did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PassSummary {
    #[serde(flatten)]
    pub replay: ReplaySummary,
    /// Input events observed (decisions less duplicates).
    pub scored: u64,
    pub duplicates: u64,
    /// Label events merged into the stream.
    pub label_events: u64,
    /// Labels still waiting for their time when the input ended (they could affect no event).
    pub labels_pending_at_end: usize,
}

/// Runs one pass. The clock is set to each event's time (and to each label event's), so
/// decisions are deterministic.
pub fn run_pass<S: FeatureStore, O: Observer<S>>(
    engine: &mut Engine<S>,
    input: impl BufRead,
    clock: &ManualClock,
    labels: Option<LabelInput<'_>>,
    observer: &mut O,
) -> io::Result<PassSummary> {
    let delays = labels.map(|l| l.delays.resolve(l.labels)).unwrap_or_default();
    let mut hooks = Hooks {
        observer,
        labels: labels.map(|l| l.labels),
        delays,
        pending: Pending::default(),
        clock,
        summary: PassSummary::default(),
    };
    let replay = replay_with(engine, input, Some(clock), &mut hooks)?;
    let mut summary = hooks.summary;
    summary.labels_pending_at_end = hooks.pending.len();
    summary.replay = replay;
    Ok(summary)
}

struct Hooks<'a, O> {
    observer: &'a mut O,
    labels: Option<&'a LabelSet>,
    delays: Vec<Duration>,
    pending: Pending,
    clock: &'a ManualClock,
    summary: PassSummary,
}

impl<S: FeatureStore, O: Observer<S>> ReplayHooks<S> for Hooks<'_, O> {
    /// Label events known by the event's time go first: a feature at time `t` sees every
    /// label known at or before `t`, and none known later.
    fn before(&mut self, engine: &mut Engine<S>, event: &Event<'_>) -> io::Result<()> {
        while let Some(label_event) = self.pending.pop_due(event.timestamp) {
            self.clock.set(label_event.timestamp);
            engine.decide(&label_event);
            self.summary.label_events += 1;
        }
        Ok(())
    }

    fn decided(&mut self, engine: &Engine<S>, event: &Event<'_>, decision: &Decision) -> io::Result<()> {
        if decision.not_applied == Some(NotApplied::Duplicate) {
            self.summary.duplicates += 1;
            return Ok(());
        }
        self.summary.scored += 1;
        let label = self.labels.and_then(|l| l.get(&event.event_id)).copied();
        self.observer.event(engine, event, decision, label)?;
        if let (Some(l), Some(set)) = (label, self.labels) {
            let k = l.kind as usize;
            self.pending.schedule(event, &l, &set.kinds()[k], self.delays[k]).map_err(io::Error::other)?;
        }
        Ok(())
    }

    fn bad_line(&mut self, error: LineError) {
        self.observer.bad_line(error);
    }

    fn progress(&mut self, lines: u64) {
        self.observer.progress(lines);
    }
}
