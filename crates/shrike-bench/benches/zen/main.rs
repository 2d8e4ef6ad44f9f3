//! Rule evaluation, Shrike against zen-expression: the reference policy's rule conditions,
//! evaluated by Shrike's evaluator (`shrike_dsl::eval::is_true` over the typed IR) and by
//! zen-expression (the same conditions hand-written in zen syntax, `rules.rs`, compiled once),
//! on the same events with the same feature values.
//!
//! Method:
//! 1. generate the stream and decide it with the reference policy plus a capture rule
//!    (`shrike_bench::capture`), keeping every [`SAMPLE_EVERY`]-th event with every feature
//!    value and the rules the engine fired;
//! 2. per sampled event, build zen's context (`context.rs`) outside the timed loops;
//! 3. check, event by event, that Shrike's evaluator fires what the engine fired and that zen
//!    fires what Shrike fires (panics on any difference or zen error);
//! 4. time both over every applicable rule (`policy.per_type[t].rules`) of every sampled
//!    event, then rule by rule.

mod context;
mod rules;

use shrike_bench::capture::{self, Captured};
use shrike_bench::fixture::{self, REFERENCE_POLICY};
use shrike_bench::harness::{Mode, Timing, measure, once};
use shrike_dsl::CompiledPolicy;
use shrike_dsl::eval::{EvalCtx, ListLookup, is_true};
use shrike_engine::lists::MemoryLists;
use shrike_types::Event;
use zen_expression::expression::Standard;
use zen_expression::vm::VM;
use zen_expression::{Expression, Isolate, Scope, Variable};

use crate::context::ContextBuilder;

/// Stream length of a benchmark run and of a smoke run.
const EVENTS: (u64, u64) = (200_000, 2_000);
/// One event in this many is sampled: 20,000 samples from the 200,000-event stream.
const SAMPLE_EVERY: usize = 10;
/// The target: Shrike's evaluator at least this many times faster than zen-expression.
const TARGET_RATIO: f64 = 5.0;

/// One sampled event with everything both evaluators need, built before timing.
struct Sample<'a> {
    event: Event<'a>,
    captured: &'a Captured,
    /// The rules of the event's type, in policy order.
    rules: &'a [u16],
    zen: Scope,
}

fn main() {
    let mode = Mode::from_args();
    mode.announce("zen");
    let policy = fixture::reference_policy();
    let lines = fixture::generate(mode.events(EVENTS.0, EVENTS.1));
    let (captured, secs) =
        once(|| capture::capture(REFERENCE_POLICY, &policy, &lines, SAMPLE_EVERY));
    println!(
        "captured {} of {} events (one in {SAMPLE_EVERY}, duplicates skipped) in {secs:.2} s",
        captured.len(),
        lines.len()
    );
    let zen = compile_zen(&policy);
    let builder = ContextBuilder::new(&policy);
    let samples: Vec<Sample<'_>> = captured
        .iter()
        .map(|c| sample(&policy, &builder, &lines, c))
        .collect();
    let mut lists = MemoryLists::default();
    lists.bind(&policy);
    agreement(&policy, &lists, &zen, &samples);
    let shrike_t = measure(
        mode.runs,
        || (),
        |()| shrike_pass(&policy, &lists, &samples, |_| true),
    );
    let zen_t = measure(mode.runs, VM::new, |mut vm| {
        zen_pass(&zen, &samples, &mut vm, |_| true)
    });
    summary(&samples, &shrike_t, &zen_t);
    per_rule(mode, &policy, &lists, &zen, &samples);
}

/// Compiles the zen table once, checking it covers exactly the policy's rules, in order.
fn compile_zen(policy: &CompiledPolicy) -> Vec<Expression<Standard>> {
    let names: Vec<&str> = policy.rules.iter().map(|r| r.name.as_ref()).collect();
    let table: Vec<&str> = rules::ZEN_RULES.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names, table,
        "rules.rs must translate every rule of the reference policy, in order"
    );
    let mut isolate = Isolate::new();
    let compile = |(name, src): &(&str, &str)| {
        isolate
            .compile_standard(src)
            .unwrap_or_else(|e| panic!("zen rejects the translation of `{name}`: {e}"))
    };
    rules::ZEN_RULES.iter().map(compile).collect()
}

fn sample<'a>(
    policy: &'a CompiledPolicy,
    builder: &ContextBuilder,
    lines: &'a [String],
    c: &'a Captured,
) -> Sample<'a> {
    let event = fixture::parse(&lines[c.line]);
    let rules = policy.per_type[policy.type_index(&event.event_type)]
        .rules
        .as_slice();
    let zen = Scope::new(builder.build(&event, &c.features));
    Sample {
        event,
        captured: c,
        rules,
        zen,
    }
}

/// Shrike: every selected applicable rule of every sample; returns how many fired.
fn shrike_pass(
    policy: &CompiledPolicy,
    lists: &dyn ListLookup,
    samples: &[Sample<'_>],
    select: impl Fn(u16) -> bool,
) -> u64 {
    let mut fired = 0;
    for s in samples {
        let ctx = EvalCtx {
            event: &s.event,
            features: &s.captured.features,
            lists,
        };
        for &r in s.rules.iter().filter(|&&r| select(r)) {
            fired += u64::from(is_true(&policy.rules[r as usize].condition, &ctx));
        }
    }
    fired
}

/// zen: the same rules on the prebuilt contexts; returns how many fired (errors count as not).
fn zen_pass(
    zen: &[Expression<Standard>],
    samples: &[Sample<'_>],
    vm: &mut VM,
    select: impl Fn(u16) -> bool,
) -> u64 {
    let mut fired = 0;
    for s in samples {
        for &r in s.rules.iter().filter(|&&r| select(r)) {
            fired += u64::from(zen_fires(&zen[r as usize], &s.zen, vm).unwrap_or(false));
        }
    }
    fired
}

fn zen_fires(expr: &Expression<Standard>, scope: &Scope, vm: &mut VM) -> Result<bool, String> {
    match expr.evaluate_with_scope(scope, vm) {
        Ok(v) => Ok(matches!(v, Variable::Bool(true))),
        Err(e) => Err(e.to_string()),
    }
}

/// Checks, per sample and rule, engine == Shrike's evaluator == zen; panics on a difference.
fn agreement(
    policy: &CompiledPolicy,
    lists: &dyn ListLookup,
    zen: &[Expression<Standard>],
    samples: &[Sample<'_>],
) {
    let mut vm = VM::new();
    let (mut evals, mut fired) = (0u64, 0u64);
    let mut problems = Vec::new();
    for s in samples {
        let ctx = EvalCtx {
            event: &s.event,
            features: &s.captured.features,
            lists,
        };
        let mut shrike_fired = Vec::new();
        for &r in s.rules {
            let rule = &policy.rules[r as usize];
            let ours = is_true(&rule.condition, &ctx);
            let theirs = zen_fires(&zen[r as usize], &s.zen, &mut vm);
            if theirs.as_ref() != Ok(&ours) {
                problems.push(format!(
                    "line {}: rule {}: Shrike {ours}, zen {theirs:?}",
                    s.captured.line, rule.name
                ));
            }
            shrike_fired.extend(ours.then_some(r));
            evals += 1;
        }
        fired += shrike_fired.len() as u64;
        if shrike_fired != s.captured.fired {
            problems.push(format!(
                "line {}: engine fired {:?}, evaluator {shrike_fired:?}",
                s.captured.line, s.captured.fired
            ));
        }
    }
    if !problems.is_empty() {
        let shown: Vec<&String> = problems.iter().take(20).collect();
        panic!(
            "{} disagreement(s), first ones:\n{shown:#?}",
            problems.len()
        );
    }
    println!(
        "agreement: {} events, {evals} rule evaluations, {fired} fired; engine, Shrike's evaluator and zen agree on all, 0 zen errors",
        samples.len()
    );
}

fn summary(samples: &[Sample<'_>], shrike: &Timing, zen: &Timing) {
    let evals: u64 = samples.iter().map(|s| s.rules.len() as u64).sum();
    let n = samples.len() as u64;
    shrike.report("shrike/all rules per eval", evals, "eval");
    zen.report("zen/all rules per eval", evals, "eval");
    shrike.report("shrike/all rules per event", n, "event");
    zen.report("zen/all rules per event", n, "event");
    let ratio = zen.median() / shrike.median();
    let verdict = if ratio >= TARGET_RATIO {
        "meets"
    } else {
        "MISSES"
    };
    println!(
        "==> ratio zen/Shrike: {ratio:.1}x (fastest runs {:.1}x); {verdict} the {TARGET_RATIO:.0}x target",
        zen.fastest() / shrike.fastest()
    );
}

/// The same comparison rule by rule, over the samples the rule applies to.
fn per_rule(
    mode: Mode,
    policy: &CompiledPolicy,
    lists: &dyn ListLookup,
    zen: &[Expression<Standard>],
    samples: &[Sample<'_>],
) {
    println!(
        "{:<36} {:>7} {:>6} {:>10} {:>10} {:>6}",
        "per rule (median ns/eval)", "evals", "fired", "shrike", "zen", "ratio"
    );
    for (i, rule) in policy.rules.iter().enumerate() {
        let r = i as u16;
        let evals = samples.iter().filter(|s| s.rules.contains(&r)).count() as u64;
        if evals == 0 {
            println!("{:<36} {:>7}", rule.name, 0);
            continue;
        }
        let fired = shrike_pass(policy, lists, samples, |x| x == r);
        let ours = measure(
            mode.runs,
            || (),
            |()| shrike_pass(policy, lists, samples, |x| x == r),
        );
        let theirs = measure(mode.runs, VM::new, |mut vm| {
            zen_pass(zen, samples, &mut vm, |x| x == r)
        });
        let (a, b) = (ours.ns_per(evals), theirs.ns_per(evals));
        println!(
            "{:<36} {evals:>7} {fired:>6} {a:>10.1} {b:>10.1} {:>5.1}x",
            rule.name,
            b / a
        );
    }
}
