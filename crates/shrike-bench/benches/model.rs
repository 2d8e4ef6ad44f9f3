//! What the reference policy's tree model costs (a 200-tree, depth-6 model scored on every
//! payment attempt and explained when one of its rules fires): decide passes over the
//! generated stream with the reference policy and with the same policy cut before its
//! tree-model section, taking turns run after run so a shared machine disturbs both alike.
//! The difference, over the payment attempts that were scored, is the model's cost per
//! scored event (row building, scoring, and the explanations of the few decisions a model
//! rule fired on).

use std::sync::Arc;

use shrike_bench::fixture;
use shrike_bench::harness::{Mode, Timing, once};
use shrike_dsl::CompiledPolicy;
use shrike_types::Event;

/// Stream length of a benchmark run and of a smoke run.
const EVENTS: (u64, u64) = (200_000, 2_000);

fn main() {
    let mode = Mode::from_args();
    mode.announce("model");
    let with = fixture::reference_policy();
    let without = fixture::compile(fixture::reference_rules_source());
    let lines = fixture::generate(mode.events(EVENTS.0, EVENTS.1));
    let (scored, explained) = counts(&with, &lines);
    println!(
        "{} events, seed {}: {scored} scored by the model, {explained} of them explained",
        lines.len(),
        fixture::SEED
    );
    let mut secs: [Vec<f64>; 2] = Default::default();
    for run in 0..=mode.runs {
        let times = [once(|| pass(&with, &lines)).1, once(|| pass(&without, &lines)).1];
        if run > 0 {
            secs.iter_mut().zip(times).for_each(|(v, t)| v.push(t));
        }
    }
    let [a, b] = secs.map(Timing::from_runs);
    let n = lines.len() as u64;
    a.report("decide/reference policy with its model", n, "event");
    b.report("decide/reference policy without it", n, "event");
    let per = |t: &Timing, f: fn(&Timing) -> f64| f(t) * 1e9;
    let added = |f: fn(&Timing) -> f64| (per(&a, f) - per(&b, f)).max(0.0);
    println!(
        "==> the model adds {:.0} ns per scored event (medians; fastest runs {:.0}), {:.0} ns per event overall",
        added(Timing::median) / scored.max(1) as f64,
        added(Timing::fastest) / scored.max(1) as f64,
        added(Timing::median) / n as f64
    );
    println!("==> with the model: {:.0} events/s on one core (median run)", n as f64 / a.median());
}

/// Decides every line in batches of 256, as replay and `shrike bench` do.
fn pass(policy: &Arc<CompiledPolicy>, lines: &[String]) -> usize {
    let (mut engine, clock) = fixture::memory_engine(Arc::clone(policy));
    let mut flagged = 0;
    for chunk in lines.chunks(256) {
        let parsed: Vec<Event<'_>> = chunk.iter().map(|l| fixture::parse(l)).collect();
        engine.decide_batch(&parsed, Some(&clock), |_, d| flagged += usize::from(!d.reasons.is_empty()));
    }
    flagged
}

/// Decisions with a model score, and those with an explanation.
fn counts(policy: &Arc<CompiledPolicy>, lines: &[String]) -> (usize, usize) {
    let (mut engine, clock) = fixture::memory_engine(Arc::clone(policy));
    let (mut scored, mut explained) = (0, 0);
    for chunk in lines.chunks(256) {
        let parsed: Vec<Event<'_>> = chunk.iter().map(|l| fixture::parse(l)).collect();
        engine.decide_batch(&parsed, Some(&clock), |_, d| {
            scored += usize::from(!d.models.is_empty());
            explained += usize::from(d.models.iter().any(|m| m.explanation.is_some()));
        });
    }
    (scored, explained)
}
