//! The engine: one event in, one decision out. See ARCHITECTURE.md for the path of an event.
//!
//! Order of work for an event (the order is part of the contract, identical in replay):
//! 1. idempotency: a known `event_id` returns the original outcome and score, changes nothing;
//! 2. lateness: an event older than the watermark minus the policy's lateness is evaluated
//!    but not applied;
//! 3. features: for each key group the event type touches, the event is applied to the
//!    features it matches (type selector and filter) and the features the rules need are
//!    read — *including* the current event (except first_seen / last_seen, which report
//!    earlier events only);
//! 4. rules: the event type's rules run in policy order;
//! 5. outcome resolution ([`crate::resolve`]).

use std::sync::Arc;

use shrike_dsl::eval::{EvalCtx, eval, is_true};
use shrike_dsl::plan::{Aggregate, CompiledPolicy, FeatureDef, GroupWork};
use shrike_features::{AggValue, FeatureStore, Input, KeyHash, Update};
use shrike_types::clock::Clock;
use shrike_types::{
    Decision, Duration, Event, EventId, FeatureReading, NotApplied, Outcome, RuleHit, Timestamp, Value,
};

use crate::batch::Prepared;
use crate::dedup::{Dedup, Seen};
use crate::keys;
use crate::lists::MemoryLists;
use crate::resolve::resolve;
use crate::stats::EngineStats;

/// The shortest time event ids are remembered for idempotency (longer if the lateness is).
pub const MIN_DEDUP_RETENTION: Duration = Duration::DAY;
/// How often (in event time) idle feature keys are swept. A sweep visits every key, so it
/// is amortised: an idle key outlives its window by at most this much.
pub const EXPIRY_INTERVAL: Duration = Duration::DAY;

/// Evaluates events against one compiled policy and a feature store.
pub struct Engine<S> {
    pub(crate) policy: Arc<CompiledPolicy>,
    pub(crate) store: S,
    pub(crate) lists: MemoryLists,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) dedup: Dedup,
    pub(crate) watermark: Timestamp,
    pub(crate) last_expiry_period: i64,
    pub(crate) stats: EngineStats,
    pub(crate) scratch: Scratch,
    /// Prepared events of a batch in flight ([`crate::batch`]); one for a single decide.
    pub(crate) ring: Vec<Prepared>,
}

/// What [`Engine::features_only`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Applied to the feature state.
    Applied,
    /// Its `event_id` was seen before: nothing changed.
    Duplicate,
    /// Older than the watermark minus the lateness: not applied.
    Late,
}

/// How long event ids are remembered under `policy`.
pub(crate) fn dedup_retention(policy: &CompiledPolicy) -> Duration {
    policy.lateness.max(MIN_DEDUP_RETENTION)
}

/// Buffers reused across events so the hot path does not allocate.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) features: Vec<Value<'static>>,
    pub(crate) key: Vec<u8>,
    hash: Vec<u8>,
    updates: Vec<Update>,
    out: Vec<AggValue>,
    pub(crate) fired: Vec<u16>,
    pub(crate) models: crate::models::ModelScratch,
}

impl Scratch {
    /// Buffers sized for `policy`: a value slot per feature and model, rows per model.
    pub(crate) fn for_policy(policy: &CompiledPolicy) -> Scratch {
        let features = vec![Value::Missing; policy.value_slots()];
        Scratch { features, models: crate::models::ModelScratch::for_policy(policy), ..Scratch::default() }
    }
}

impl<S: FeatureStore> Engine<S> {
    /// An engine over `store`, which must have been built for this policy's layout
    /// ([`crate::layout::store_layout`]).
    pub fn new(policy: Arc<CompiledPolicy>, store: S, clock: Arc<dyn Clock>) -> Self {
        let mut lists = MemoryLists::default();
        lists.bind(&policy);
        let retention = dedup_retention(&policy);
        let stats = EngineStats::new(&policy);
        let scratch = Scratch::for_policy(&policy);
        Engine {
            policy,
            store,
            lists,
            clock,
            dedup: Dedup::new(retention),
            watermark: Timestamp(i64::MIN),
            last_expiry_period: i64::MIN,
            stats,
            scratch,
            ring: Vec::new(),
        }
    }

    pub fn policy(&self) -> &Arc<CompiledPolicy> {
        &self.policy
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn lists(&self) -> &MemoryLists {
        &self.lists
    }

    pub fn lists_mut(&mut self) -> &mut MemoryLists {
        &mut self.lists
    }

    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The newest event time applied so far.
    pub fn watermark(&self) -> Timestamp {
        self.watermark
    }

    /// The feature values computed for the last decided event, indexed by feature id. Only
    /// the features its event type reads are current (every feature, with
    /// `shrike_dsl::planner::read_every_feature`); a duplicate leaves them unchanged.
    pub fn feature_values(&self) -> &[Value<'static>] {
        &self.scratch.features[..self.policy.features.len()]
    }

    /// The rules (indices into the policy's rules) that fired on the last decided event, in
    /// policy order, shadow rules included; a duplicate leaves them unchanged.
    pub fn fired_rules(&self) -> &[u16] {
        &self.scratch.fired
    }

    /// Decides one event (and applies it to the feature state unless duplicate or late).
    /// [`Engine::decide_batch`] gives the same decisions for a run of events, faster.
    pub fn decide(&mut self, event: &Event<'_>) -> Decision {
        let mut p = self.ring.pop().unwrap_or_default();
        self.prepare(event, &mut p);
        let decision = self.decide_prepared(event, &p);
        self.ring.push(p);
        decision
    }

    /// Applies an event to the features without running rules (ingestion without a
    /// decision; the benchmark's split of time between features and rules). Idempotency and
    /// lateness apply as in `decide`; a later duplicate of it answers with outcome allow.
    pub fn features_only(&mut self, event: &Event<'_>) -> Applied {
        let mut p = self.ring.pop().unwrap_or_default();
        self.prepare(event, &mut p);
        let applied = self.features_only_prepared(event, &p);
        self.ring.push(p);
        applied
    }

    pub(crate) fn decide_prepared(&mut self, event: &Event<'_>, p: &Prepared) -> Decision {
        if let Some(seen) = self.dedup.get(p.id) {
            self.stats.duplicates += 1;
            return self.duplicate(event, seen);
        }
        let late = event.timestamp < self.watermark.minus(self.policy.lateness);
        self.compute_features(event, p, !late);
        self.score_models(event, p.type_index);
        self.run_rules(event, p.type_index);
        let mut decision = self.build_decision(event, late);
        self.attach_models(event, p.type_index, &mut decision);
        self.stats.record(&decision, &self.scratch.fired);
        if late {
            self.stats.late += 1;
        } else {
            let seen = Seen { at: event.timestamp, outcome: decision.outcome, score: decision.score };
            self.dedup.insert(p.id, seen);
            self.advance(event.timestamp);
        }
        decision
    }

    pub(crate) fn features_only_prepared(&mut self, event: &Event<'_>, p: &Prepared) -> Applied {
        if self.dedup.get(p.id).is_some() {
            self.stats.duplicates += 1;
            return Applied::Duplicate;
        }
        let late = event.timestamp < self.watermark.minus(self.policy.lateness);
        if late {
            self.stats.late += 1;
            return Applied::Late;
        }
        self.compute_features(event, p, true);
        let seen = Seen { at: event.timestamp, outcome: Outcome::Allow, score: 0 };
        self.dedup.insert(p.id, seen);
        self.advance(event.timestamp);
        Applied::Applied
    }

    /// What [`Engine::prepare`] reads and its key buffer.
    pub(crate) fn prepare_parts(&mut self) -> (&CompiledPolicy, &MemoryLists, &mut Vec<u8>) {
        (&self.policy, &self.lists, &mut self.scratch.key)
    }

    /// The store, for the batch pipeline's prefetches.
    pub(crate) fn store_ref(&self) -> &S {
        &self.store
    }

    /// The dedup memory, for the batch pipeline's prefetches.
    pub(crate) fn dedup_ref(&self) -> &Dedup {
        &self.dedup
    }

    fn advance(&mut self, at: Timestamp) {
        if at <= self.watermark {
            return;
        }
        self.watermark = at;
        self.dedup.sweep(at);
        let period = at.0.div_euclid(EXPIRY_INTERVAL.0);
        if period > self.last_expiry_period {
            self.last_expiry_period = period;
            self.stats.expired_keys += self.store.expire(at) as u64;
        }
    }

    fn compute_features(&mut self, event: &Event<'_>, p: &Prepared, apply: bool) {
        let Engine { policy, store, lists, scratch, .. } = self;
        for (work, key) in policy.per_type[p.type_index].groups.iter().zip(&p.keys) {
            group(event, policy, work, *key, apply, store, lists, scratch);
        }
    }

    fn run_rules(&mut self, event: &Event<'_>, t: usize) {
        let s = &mut self.scratch;
        s.fired.clear();
        let ctx = EvalCtx { event, features: &s.features, lists: &self.lists };
        for &r in &self.policy.per_type[t].rules {
            if is_true(&self.policy.rules[r as usize].condition, &ctx) {
                s.fired.push(r);
            }
        }
    }

    fn build_decision(&self, event: &Event<'_>, late: bool) -> Decision {
        let policy = &self.policy;
        let fired = || self.scratch.fired.iter().map(|&r| &policy.rules[r as usize]);
        let (outcome, score) = resolve(fired(), &policy.thresholds);
        let (mut reasons, mut shadow_hits) = (Vec::new(), Vec::new());
        let mut read: Vec<u16> = Vec::new();
        for rule in fired() {
            let hit = RuleHit {
                rule: Arc::clone(&rule.name),
                reason: Arc::clone(&rule.reason),
                outcome: rule.outcome,
                score: rule.score,
                tags: Arc::clone(&rule.tags),
                models: Vec::new(),
            };
            match rule.mode {
                shrike_types::RuleMode::Live => reasons.push(hit),
                shrike_types::RuleMode::Shadow => shadow_hits.push(hit),
            }
            read.extend(rule.reads.iter().map(|f| f.0));
        }
        read.sort_unstable();
        read.dedup();
        let features = read
            .iter()
            .map(|&f| FeatureReading {
                name: Arc::clone(&policy.features[f as usize].name),
                value: self.scratch.features[f as usize].clone(),
            })
            .collect();
        Decision {
            event_id: EventId::new(&event.event_id),
            outcome,
            score,
            reasons,
            shadow_hits,
            features,
            models: Vec::new(),
            policy_version: Arc::clone(&policy.version),
            event_time: event.timestamp,
            evaluated_at: self.clock.now(),
            not_applied: late.then_some(NotApplied::Late),
        }
    }

    fn duplicate(&self, event: &Event<'_>, seen: Seen) -> Decision {
        Decision {
            event_id: EventId::new(&event.event_id),
            outcome: seen.outcome,
            score: seen.score,
            reasons: Vec::new(),
            shadow_hits: Vec::new(),
            features: Vec::new(),
            models: Vec::new(),
            policy_version: Arc::clone(&self.policy.version),
            event_time: event.timestamp,
            evaluated_at: self.clock.now(),
            not_applied: Some(NotApplied::Duplicate),
        }
    }
}

/// One key group: collect matching updates, apply and read. `key` is the group's key for
/// this event ([`crate::batch`]), `None` when a key value is missing.
#[allow(clippy::too_many_arguments)]
fn group<S: FeatureStore>(
    event: &Event<'_>,
    policy: &CompiledPolicy,
    work: &GroupWork,
    key: Option<KeyHash>,
    apply: bool,
    store: &mut S,
    lists: &MemoryLists,
    s: &mut Scratch,
) {
    let ctx = EvalCtx { event, features: &[], lists };
    let Some(key) = key else {
        for f in &work.reads {
            s.features[f.0 as usize] = Value::Missing;
        }
        return;
    };
    s.updates.clear();
    if apply {
        for f in &work.updates {
            let def = policy.feature(*f);
            if let Some(input) = update_input(def, &ctx, &mut s.hash) {
                s.updates.push(Update { feature: def.slot, input });
            }
        }
    }
    s.out.clear();
    s.out.resize(work.reads.len(), AggValue::Missing);
    store.apply_and_read(work.group, key, event.timestamp, &s.updates, &work.read_slots, &mut s.out);
    for (f, v) in work.reads.iter().zip(&s.out) {
        s.features[f.0 as usize] = to_value(*v);
    }
}

/// The value a matching event contributes to a feature, or `None` if it does not match
/// (filter not true) or has no value to aggregate (missing).
fn update_input(def: &FeatureDef, ctx: &EvalCtx<'_, '_>, scratch: &mut Vec<u8>) -> Option<Input> {
    if def.filter.as_ref().is_some_and(|f| !is_true(f, ctx)) {
        return None;
    }
    let Some((arg, _)) = &def.arg else { return Some(Input::None) };
    if def.agg == Aggregate::Distinct {
        return keys::hash_expr(arg, ctx, scratch).map(Input::Hash);
    }
    match (def.agg, eval(arg, ctx)) {
        (_, Value::Num(n)) if n.is_finite() => Some(Input::Num(n)),
        (_, Value::Money(m)) => Some(Input::Money(m)),
        _ => None,
    }
}

pub(crate) fn to_value(v: AggValue) -> Value<'static> {
    match v {
        AggValue::Missing => Value::Missing,
        AggValue::Count(n) => Value::Num(n as f64),
        AggValue::Num(n) => Value::Num(n),
        AggValue::Money(m) => Value::Money(m),
        AggValue::Time(t) => Value::Time(t),
    }
}
