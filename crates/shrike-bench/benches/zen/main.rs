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
//!
//! Two timings of the same work. *Cache-resident* (the figure the target is about): samples
//! in chunks of [`CHUNK`], each chunk timed right after an untimed pass over it, as in the
//! engine, where rules run on an event just parsed and features just read, and as zen's best
//! case, a context just built. *Streaming*: one pass over all samples, whose events, features
//! and contexts do not fit in the caches; it adds the memory latency of replaying a large
//! buffer to both sides and is printed for completeness.

mod context;
mod rules;

use shrike_bench::capture::{self, Captured};
use shrike_bench::fixture;
use shrike_bench::harness::{Mode, Timing, measure, measure_timed, once, time_warm_chunks};
use shrike_dsl::CompiledPolicy;
use shrike_dsl::eval::{EvalCtx, ListLookup, is_true};
use shrike_dsl::ir::Expr;
use shrike_engine::lists::MemoryLists;
use shrike_types::{Event, Value};
use zen_expression::expression::Standard;
use zen_expression::vm::VM;
use zen_expression::{Expression, Isolate, Scope, Variable};

use crate::context::ContextBuilder;

/// Stream length of a benchmark run and of a smoke run.
const EVENTS: (u64, u64) = (200_000, 2_000);
/// One event in this many is sampled: 20,000 samples from the 200,000-event stream.
const SAMPLE_EVERY: usize = 10;
/// Events per cache-resident chunk: small enough that a chunk's events, features and zen
/// contexts stay in L2 between the untimed and the timed pass over it.
const CHUNK: usize = 32;
/// The target: Shrike's evaluator at least this many times faster than zen-expression.
const TARGET_RATIO: f64 = 5.0;

/// One sampled event with everything both evaluators need, built before timing.
struct Sample<'a> {
    event: Event<'a>,
    captured: &'a Captured,
    /// A copy of `captured.features`, allocated next to this sample's zen context so neither
    /// side has a better memory layout.
    features: Vec<Value<'static>>,
    /// The rules of the event's type, in policy order.
    rules: &'a [u16],
    zen: Scope,
}

fn main() {
    let mode = Mode::from_args();
    mode.announce("zen");
    // the rules alone: the tree model's rules have no zen counterpart
    let policy = fixture::compile(fixture::reference_rules_source());
    let lines = fixture::generate(mode.events(EVENTS.0, EVENTS.1));
    let (captured, secs) = once(|| capture::capture(fixture::reference_rules_source(), &policy, &lines, SAMPLE_EVERY));
    println!(
        "captured {} of {} events (one in {SAMPLE_EVERY}, duplicates skipped) in {secs:.2} s",
        captured.len(),
        lines.len()
    );
    let zen = compile_zen(&policy);
    let builder = ContextBuilder::new(&policy);
    // The sampled lines, copied together: events borrow their strings from them, as zen's
    // contexts hold theirs, rather than from every tenth line of the whole stream.
    let texts: Vec<String> = captured.iter().map(|c| lines[c.line].clone()).collect();
    drop(lines);
    let samples: Vec<Sample<'_>> = captured.iter().zip(&texts).map(|(c, t)| sample(&policy, &builder, t, c)).collect();
    let all: Vec<&Sample<'_>> = samples.iter().collect();
    let mut lists = MemoryLists::default();
    lists.bind(&policy);
    agreement(&policy, &lists, &zen, &all);
    let (mut vm, runs) = (VM::new(), mode.runs);
    let ours = measure_timed(runs, || time_warm_chunks(&all, CHUNK, |c| shrike_pass(&policy, &lists, c)));
    let theirs = measure_timed(runs, || time_warm_chunks(&all, CHUNK, |c| zen_pass(&zen, c, &mut vm)));
    println!("-- cache-resident: chunks of {CHUNK} events, each timed after an untimed pass over it");
    summary(&all, &ours, &theirs);
    let ours = measure(runs, || (), |()| shrike_pass(&policy, &lists, &all));
    let theirs = measure(runs, || (), |()| zen_pass(&zen, &all, &mut vm));
    println!("-- streaming: one pass over all samples, whose data exceeds the caches (adds memory latency to both)");
    summary(&all, &ours, &theirs);
    per_rule(mode, &policy, &lists, &zen, &all);
}

/// Compiles the zen table once, checking it covers exactly the policy's rules, in order.
fn compile_zen(policy: &CompiledPolicy) -> Vec<Expression<Standard>> {
    let names: Vec<&str> = policy.rules.iter().map(|r| r.name.as_ref()).collect();
    let table: Vec<&str> = rules::ZEN_RULES.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, table, "rules.rs must translate every rule of the reference policy, in order");
    let mut isolate = Isolate::new();
    let compile = |(name, src): &(&str, &str)| {
        isolate.compile_standard(src).unwrap_or_else(|e| panic!("zen rejects the translation of `{name}`: {e}"))
    };
    rules::ZEN_RULES.iter().map(compile).collect()
}

fn sample<'a>(policy: &'a CompiledPolicy, builder: &ContextBuilder, text: &'a str, c: &'a Captured) -> Sample<'a> {
    let event = fixture::parse(text);
    let rules = policy.per_type[policy.type_index(&event.event_type)].rules.as_slice();
    let zen = Scope::new(builder.build(&event, &c.features));
    Sample { event, captured: c, features: c.features.clone(), rules, zen }
}

/// Shrike: every applicable rule of every sample; returns how many fired.
fn shrike_pass(policy: &CompiledPolicy, lists: &dyn ListLookup, samples: &[&Sample<'_>]) -> u64 {
    let mut fired = 0;
    for s in samples {
        let ctx = EvalCtx { event: &s.event, features: &s.features, lists };
        for &r in s.rules {
            fired += u64::from(is_true(&policy.rules[r as usize].condition, &ctx));
        }
    }
    fired
}

/// zen: the same rules on the prebuilt contexts; returns how many fired (errors count as not).
fn zen_pass(zen: &[Expression<Standard>], samples: &[&Sample<'_>], vm: &mut VM) -> u64 {
    let mut fired = 0;
    for s in samples {
        for &r in s.rules {
            fired += u64::from(zen_fires(&zen[r as usize], &s.zen, vm).unwrap_or(false));
        }
    }
    fired
}

/// Shrike: one rule over the samples it applies to; returns how many fired.
fn shrike_rule(condition: &Expr, lists: &dyn ListLookup, samples: &[&Sample<'_>]) -> u64 {
    let mut fired = 0;
    for s in samples {
        let ctx = EvalCtx { event: &s.event, features: &s.features, lists };
        fired += u64::from(is_true(condition, &ctx));
    }
    fired
}

/// zen: one rule over the samples it applies to; returns how many fired.
fn zen_rule(expr: &Expression<Standard>, samples: &[&Sample<'_>], vm: &mut VM) -> u64 {
    let mut fired = 0;
    for s in samples {
        fired += u64::from(zen_fires(expr, &s.zen, vm).unwrap_or(false));
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
fn agreement(policy: &CompiledPolicy, lists: &dyn ListLookup, zen: &[Expression<Standard>], samples: &[&Sample<'_>]) {
    let mut vm = VM::new();
    let (mut evals, mut fired) = (0u64, 0u64);
    let mut problems = Vec::new();
    for s in samples {
        let ctx = EvalCtx { event: &s.event, features: &s.features, lists };
        let mut shrike_fired = Vec::new();
        for &r in s.rules {
            let rule = &policy.rules[r as usize];
            let ours = is_true(&rule.condition, &ctx);
            let theirs = zen_fires(&zen[r as usize], &s.zen, &mut vm);
            if theirs.as_ref() != Ok(&ours) {
                problems.push(format!("line {}: rule {}: Shrike {ours}, zen {theirs:?}", s.captured.line, rule.name));
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
        panic!("{} disagreement(s), first ones:\n{shown:#?}", problems.len());
    }
    println!(
        "agreement: {} events, {evals} rule evaluations, {fired} fired; engine = Shrike's evaluator = zen, 0 zen errors",
        samples.len()
    );
}

/// Prints both evaluators' figures per evaluation and per event, and their ratio.
fn summary(samples: &[&Sample<'_>], shrike: &Timing, zen: &Timing) {
    let evals: u64 = samples.iter().map(|s| s.rules.len() as u64).sum();
    let n = samples.len() as u64;
    shrike.report("shrike/all rules per eval", evals, "eval");
    zen.report("zen/all rules per eval", evals, "eval");
    shrike.report("shrike/all rules per event", n, "event");
    zen.report("zen/all rules per event", n, "event");
    let ratio = zen.median() / shrike.median();
    let verdict = if ratio >= TARGET_RATIO { "meets" } else { "MISSES" };
    println!(
        "==> ratio zen/Shrike: {ratio:.1}x (fastest runs {:.1}x); {verdict} the {TARGET_RATIO:.0}x target",
        zen.fastest() / shrike.fastest()
    );
}

/// The cache-resident comparison rule by rule, over the samples each rule applies to.
fn per_rule(
    mode: Mode,
    policy: &CompiledPolicy,
    lists: &dyn ListLookup,
    zen: &[Expression<Standard>],
    samples: &[&Sample<'_>],
) {
    println!("-- per rule, cache-resident (median ns/eval)");
    println!("{:<36} {:>7} {:>6} {:>8} {:>8} {:>6}", "rule", "evals", "fired", "shrike", "zen", "ratio");
    let mut vm = VM::new();
    for (i, rule) in policy.rules.iter().enumerate() {
        let applicable: Vec<&Sample<'_>> = samples.iter().copied().filter(|s| s.rules.contains(&(i as u16))).collect();
        let evals = applicable.len() as u64;
        if evals == 0 {
            println!("{:<36} {evals:>7}", rule.name);
            continue;
        }
        let fired = shrike_rule(&rule.condition, lists, &applicable);
        let ours = measure_timed(mode.runs, || {
            time_warm_chunks(&applicable, CHUNK, |c| shrike_rule(&rule.condition, lists, c))
        });
        let theirs =
            measure_timed(mode.runs, || time_warm_chunks(&applicable, CHUNK, |c| zen_rule(&zen[i], c, &mut vm)));
        let (a, b) = (ours.ns_per(evals), theirs.ns_per(evals));
        println!("{:<36} {evals:>7} {fired:>6} {a:>8.1} {b:>8.1} {:>5.1}x", rule.name, b / a);
    }
}
