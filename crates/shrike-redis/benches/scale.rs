//! The scale-out benchmark (docs/scale-out.md, BENCHMARKS.md): against the local Redis
//! (`SHRIKE_BENCH_REDIS`, default redis://127.0.0.1:6379), over the generated marketplace
//! stream (`EVENTS`, default 100,000, one day of event time):
//!
//! 1. decisions/s and per-decision latency (p50/p99: a decision waits for its whole batch)
//!    of the reference policy, embedded (in memory) vs one and two scale-out nodes on Redis
//!    (threads with their own engine, store and connections, events split between them);
//! 2. the same counts (12: events per user, device, IP and card over 10m, 1h, 1d) by
//!    Shrike's Redis mode and by a naive hand-written sliding window on sorted sets (per key
//!    and event: `ZADD`, `ZREMRANGEBYSCORE`, `ZCOUNT` x2, `ZCARD`, `PEXPIRE`, one pipeline per
//!    event), one and two clients, with how often their counts agree;
//! 3. Redis memory of one key at two event rates, both ways.
//!
//! Run: `cargo bench -p shrike-redis --bench scale`. Not a test: it asserts nothing.
//! `ONLY_NODE=1` runs one node on the reference policy alone (for profiling).

#![allow(clippy::unwrap_used)] // a benchmark: a failure is a crash with a message

use std::sync::Arc;
use std::time::Duration;

use shrike_engine::layout::feature_identity;
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_gen::{GenConfig, Generator};
use shrike_redis::redis;
use shrike_redis::{Conn, SharedStore, StateOptions};
use shrike_types::clock::{ManualClock, Stopwatch};
use shrike_types::parse::parse_event;
use shrike_types::{Event, Timestamp, Value};

const REFERENCE: &str = include_str!("../../../examples/marketplace/policy.shrike");
const COUNTS: &str = include_str!("counts.shrike");
const BATCH: usize = 256;

fn redis_url() -> String {
    std::env::var("SHRIKE_BENCH_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Throughput and per-decision latency of one configuration.
struct Run {
    name: String,
    events: usize,
    secs: f64,
    latencies_us: Vec<f64>,
}

impl Run {
    fn row(&mut self) -> String {
        self.latencies_us.sort_by(f64::total_cmp);
        let q = |p: f64| self.latencies_us[((self.latencies_us.len() - 1) as f64 * p) as usize];
        format!("| {} | {:.0} | {:.0} | {:.0} |", self.name, self.events as f64 / self.secs, q(0.5), q(0.99))
    }
}

fn compile(source: &str) -> Arc<shrike_dsl::plan::CompiledPolicy> {
    Arc::new(shrike_dsl::compile(source).unwrap())
}

fn identities(p: &shrike_dsl::plan::CompiledPolicy) -> Vec<String> {
    let group = |g: &shrike_dsl::plan::GroupDef| {
        g.features.iter().map(|f| feature_identity(p, p.feature(*f))).collect::<Vec<_>>().join("\n")
    };
    p.groups.iter().map(group).collect()
}

fn options(prefix: &str) -> StateOptions {
    StateOptions {
        prefix: prefix.to_string(),
        timeout: Duration::from_secs(5),
        retry_after: Duration::from_millis(100),
        ttl_margin: Duration::from_secs(600),
        claim_ttl: Duration::from_secs(600),
        pending_ttl: Duration::from_secs(10),
    }
}

/// Decides `lines` in batches on an embedded engine; per-batch times.
fn embedded(policy: &Arc<shrike_dsl::plan::CompiledPolicy>, lines: &[String]) -> Run {
    embedded_batched(policy, lines, BATCH)
}

fn embedded_batched(policy: &Arc<shrike_dsl::plan::CompiledPolicy>, lines: &[String], batch: usize) -> Run {
    let store = MemoryStore::new(store_layout(policy)).unwrap();
    let mut engine = Engine::new(Arc::clone(policy), store, Arc::new(ManualClock::new(Timestamp(0))));
    let mut latencies = Vec::new();
    let start = Stopwatch::start();
    for chunk in lines.chunks(batch) {
        let t = Stopwatch::start();
        let events: Vec<Event<'_>> = chunk.iter().map(|l| parse_event(l.as_bytes()).unwrap()).collect();
        engine.decide_batch(&events, None, |_, d| drop(d));
        let us = t.elapsed_nanos() as f64 / 1_000.0;
        latencies.extend(std::iter::repeat_n(us, chunk.len()));
    }
    Run {
        name: "embedded (memory), 1 thread".into(),
        events: lines.len(),
        secs: start.elapsed_secs_f64(),
        latencies_us: latencies,
    }
}

/// One scale-out node deciding its share of events; per-event latencies (its batch's time).
fn node(
    rt: &tokio::runtime::Runtime,
    policy: &Arc<shrike_dsl::plan::CompiledPolicy>,
    prefix: &str,
    lines: &[String],
    per_event: impl FnMut(&Engine<SharedStore>),
) -> Vec<f64> {
    node_batched(rt, policy, prefix, lines, BATCH, per_event)
}

fn node_batched(
    rt: &tokio::runtime::Runtime,
    policy: &Arc<shrike_dsl::plan::CompiledPolicy>,
    prefix: &str,
    lines: &[String],
    batch: usize,
    mut per_event: impl FnMut(&Engine<SharedStore>),
) -> Vec<f64> {
    let conn = rt.block_on(Conn::connect(&[redis_url()], Duration::from_secs(5))).unwrap();
    let store = SharedStore::new(store_layout(policy), &identities(policy), conn, rt.handle().clone(), options(prefix))
        .unwrap();
    let mut engine = Engine::new(Arc::clone(policy), store, Arc::new(ManualClock::new(Timestamp(0))));
    let mut latencies = Vec::with_capacity(lines.len());
    let mut keys = Vec::new();
    for chunk in lines.chunks(batch) {
        let t = Stopwatch::start();
        let events: Vec<Event<'_>> = chunk.iter().map(|l| parse_event(l.as_bytes()).unwrap()).collect();
        let ids: Vec<u128> = events.iter().map(|e| shrike_engine::keys::hash_id(&e.event_id)).collect();
        keys.clear();
        engine.batch_keys(&events, &mut keys);
        engine.store_mut().begin(&keys, &ids).unwrap();
        let mut finals = Vec::with_capacity(events.len());
        engine.decide_batch_hooked(
            &events,
            None,
            |_, _| {},
            |e, ev, d| {
                per_event(e);
                if d.not_applied.is_none() {
                    finals.push((shrike_engine::keys::hash_id(&ev.event_id), Some((d.outcome, d.score))));
                }
            },
        );
        engine.store_mut().commit(&finals).unwrap();
        let us = t.elapsed_nanos() as f64 / 1_000.0;
        latencies.extend(std::iter::repeat_n(us, chunk.len()));
    }
    latencies
}

/// `nodes` scale-out nodes on one Redis, events dealt round-robin.
fn scale_out(policy: &Arc<shrike_dsl::plan::CompiledPolicy>, lines: &[String], nodes: usize, prefix: &str) -> Run {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let shares: Vec<Vec<String>> = (0..nodes).map(|n| lines.iter().skip(n).step_by(nodes).cloned().collect()).collect();
    let start = Stopwatch::start();
    let latencies: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = shares.iter().map(|share| s.spawn(|| node(&rt, policy, prefix, share, |_| {}))).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let secs = start.elapsed_secs_f64();
    Run { name: format!("Redis mode, {nodes} node(s)"), events: lines.len(), secs, latencies_us: latencies }
}

/// The entity values the counting policy keys by: user, device, IP, card (when present).
fn entities(e: &Event<'_>) -> [Option<String>; 4] {
    let s = |v: &Option<std::borrow::Cow<'_, str>>| v.as_ref().map(|x| x.to_string());
    [s(&e.user_id), s(&e.device_id), e.ip.map(|ip| ip.to_string()), e.card.as_ref().and_then(|c| s(&c.fingerprint))]
}

const WINDOWS_MS: [i64; 3] = [600_000, 3_600_000, 86_400_000];

/// One event's 12 counts (`None`: the event has no such entity).
type Counts = [Option<u64>; 12];

/// The naive sliding window: per event one pipeline with, per entity key, `ZADD`,
/// `ZREMRANGEBYSCORE` (older than the longest window), `ZCOUNT` (10m, 1h), `ZCARD` (1d) and
/// `PEXPIRE`. Returns latencies and, per event, the 12 counts (`None` without the entity).
fn naive_client(prefix: &str, lines: &[String]) -> (Vec<f64>, Vec<Counts>) {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let mut latencies = Vec::with_capacity(lines.len());
    let mut counts = Vec::with_capacity(lines.len());
    for l in lines {
        let t = Stopwatch::start();
        let e = parse_event(l.as_bytes()).unwrap();
        let ts = e.timestamp.0;
        let mut pipe = redis::pipe();
        let present = entities(&e);
        for (kind, v) in present.iter().enumerate() {
            let Some(v) = v else { continue };
            let key = format!("{prefix}:z:{kind}:{v}");
            pipe.cmd("ZADD").arg(&key).arg(ts).arg(e.event_id.as_ref());
            pipe.cmd("ZREMRANGEBYSCORE").arg(&key).arg("-inf").arg(format!("({}", ts - WINDOWS_MS[2]));
            pipe.cmd("ZCOUNT").arg(&key).arg(format!("({}", ts - WINDOWS_MS[0])).arg("+inf");
            pipe.cmd("ZCOUNT").arg(&key).arg(format!("({}", ts - WINDOWS_MS[1])).arg("+inf");
            pipe.cmd("ZCARD").arg(&key);
            pipe.cmd("PEXPIRE").arg(&key).arg(WINDOWS_MS[2]).ignore();
        }
        let replies: Vec<i64> = pipe.query(&mut conn).unwrap();
        let mut row = [None; 12];
        let mut r = replies.chunks(5);
        for (kind, v) in present.iter().enumerate() {
            if v.is_some()
                && let Some(c) = r.next()
            {
                for w in 0..3 {
                    row[kind * 3 + w] = Some(c[2 + w] as u64);
                }
            }
        }
        counts.push(row);
        latencies.push(t.elapsed_nanos() as f64 / 1_000.0);
    }
    (latencies, counts)
}

fn naive(lines: &[String], clients: usize, prefix: &str) -> (Run, Vec<Counts>) {
    let shares: Vec<Vec<String>> =
        (0..clients).map(|n| lines.iter().skip(n).step_by(clients).cloned().collect()).collect();
    let start = Stopwatch::start();
    let results: Vec<(Vec<f64>, Vec<Counts>)> = std::thread::scope(|s| {
        let handles: Vec<_> = shares.iter().map(|share| s.spawn(|| naive_client(prefix, share))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let secs = start.elapsed_secs_f64();
    let latencies = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    let counts = results.into_iter().next().map(|r| r.1).unwrap_or_default();
    let name = format!("naive sorted sets, {clients} client(s)");
    (Run { name, events: lines.len(), secs, latencies_us: latencies }, counts)
}

/// Shrike's 12 counts per event (one node), to compare with the naive ones.
fn shrike_counts(policy: &Arc<shrike_dsl::plan::CompiledPolicy>, lines: &[String], prefix: &str) -> Vec<Counts> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let mut out = Vec::with_capacity(lines.len());
    node(&rt, policy, prefix, lines, |engine| {
        let mut row = [None; 12];
        for (i, v) in engine.feature_values().iter().take(12).enumerate() {
            if let Value::Num(n) = v {
                row[i] = Some(*n as u64);
            }
        }
        out.push(row);
    });
    out
}

fn clean(prefix: &str) {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut c = client.get_connection().unwrap();
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg(format!("{prefix}:*")).query(&mut c).unwrap();
    for chunk in keys.chunks(1_000) {
        let _: () = redis::cmd("DEL").arg(chunk).query(&mut c).unwrap();
    }
}

fn memory_usage(key: &[u8]) -> u64 {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut c = client.get_connection().unwrap();
    redis::cmd("MEMORY").arg("USAGE").arg(key).query::<Option<u64>>(&mut c).unwrap().unwrap_or(0)
}

/// Redis bytes of one user's key after `n` events spread evenly over one hour, both ways.
fn memory(policy: &Arc<shrike_dsl::plan::CompiledPolicy>, n: usize) -> (u64, u64) {
    let prefix = format!("bench-mem-{n}");
    let step = 3_600_000 / n as i64;
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let t = 1_788_220_800_000 + i as i64 * step;
            format!(r#"{{"event_id":"m{n}_{i}","type":"account.login","timestamp":{t},"user_id":"hot"}}"#)
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    node(&rt, policy, &prefix, &lines, |_| {});
    naive_client(&prefix, &lines);
    let client = redis::Client::open(redis_url()).unwrap();
    let mut c = client.get_connection().unwrap();
    let state: Vec<Vec<u8>> = redis::cmd("KEYS").arg(format!("{prefix}:f:*")).query(&mut c).unwrap();
    let user_group = state.iter().map(|k| memory_usage(k)).max().unwrap_or(0);
    let zset = memory_usage(format!("{prefix}:z:0:hot").as_bytes());
    clean(&prefix);
    (user_group, zset)
}

fn main() {
    let events: u64 = std::env::var("EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let cfg = GenConfig { events, seed: 5, days: 1, ..GenConfig::default() };
    let lines: Vec<String> = Generator::new(cfg).map(|g| g.json).collect();
    // The rules and features of the reference policy, without its tree-model section: this
    // bench measures feature state, and the model costs the same in every mode.
    let reference = compile(REFERENCE.find("# --- tree model").map_or(REFERENCE, |at| &REFERENCE[..at]));
    let counts = compile(COUNTS);
    println!("{} events, batches of {BATCH}, Redis at {}\n", lines.len(), redis_url());
    if std::env::var("ONLY_NODE").is_ok() {
        // For profiling: one node on the reference policy, nothing else.
        println!("{}", scale_out(&reference, &lines, 1, "bench-only").row());
        clean("bench-only");
        return;
    }
    println!("| reference policy | decisions/s | p50 µs | p99 µs |\n| --- | --- | --- | --- |");
    println!("{}", embedded(&reference, &lines).row());
    for nodes in [1, 2] {
        let prefix = format!("bench-ref-{nodes}");
        println!("{}", scale_out(&reference, &lines, nodes, &prefix).row());
        clean(&prefix);
    }
    latency_added(&reference, &lines[..lines.len().min(5_000)]);
    println!(
        "\n| 12 counts (user, device, IP, card x 10m, 1h, 1d) | events/s | p50 µs | p99 µs |\n| --- | --- | --- | --- |"
    );
    let mut shrike = Vec::new();
    for nodes in [1, 2] {
        let prefix = format!("bench-cnt-{nodes}");
        let mut run = scale_out(&counts, &lines, nodes, &prefix);
        println!("{}", run.row());
        shrike.push(run.events as f64 / run.secs);
        clean(&prefix);
    }
    let mut naive_rates = Vec::new();
    let mut naive_counts = Vec::new();
    for clients in [1, 2] {
        let prefix = format!("bench-naive-{clients}");
        let (mut run, c) = naive(&lines, clients, &prefix);
        println!("{}", run.row());
        naive_rates.push(run.events as f64 / run.secs);
        if clients == 1 {
            naive_counts = c;
        }
        clean(&prefix);
    }
    println!(
        "\nShrike / naive throughput: {:.1}x (1 node vs 1 client), {:.1}x (2 vs 2)",
        shrike[0] / naive_rates[0],
        shrike[1] / naive_rates[1]
    );
    agreement(&counts, &lines, &naive_counts);
    println!(
        "\n| events in the window of one key | Shrike Redis bytes (user group key) | sorted set bytes |\n| --- | --- | --- |"
    );
    for n in [100, 10_000] {
        let (s, z) = memory(&counts, n);
        println!("| {n} in 1h | {s} | {z} |");
    }
}

/// Per-decision latency one at a time (batches of 1: a lightly loaded node), embedded vs
/// Redis mode: the difference is what Redis adds (two round trips and their work).
fn latency_added(policy: &Arc<shrike_dsl::plan::CompiledPolicy>, lines: &[String]) {
    let mut e = embedded_batched(policy, lines, 1);
    e.name = "embedded, batches of 1".into();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let start = Stopwatch::start();
    let latencies = node_batched(&rt, policy, "bench-lat", lines, 1, |_| {});
    let mut r = Run {
        name: "Redis mode, batches of 1".into(),
        events: lines.len(),
        secs: start.elapsed_secs_f64(),
        latencies_us: latencies,
    };
    clean("bench-lat");
    println!("{}\n{}", e.row(), r.row());
}

/// How often Shrike's bucketed counts equal the naive exact ones (they differ only at window
/// edges: Shrike's windows are exact at bucket resolution, 1/60 of the window).
fn agreement(policy: &Arc<shrike_dsl::plan::CompiledPolicy>, lines: &[String], naive: &[Counts]) {
    let prefix = "bench-agree";
    let shrike = shrike_counts(policy, lines, prefix);
    clean(prefix);
    let (mut same, mut total, mut max_diff) = (0u64, 0u64, 0u64);
    for (a, b) in shrike.iter().zip(naive) {
        for (x, y) in a.iter().zip(b) {
            if let (Some(x), Some(y)) = (x, y) {
                total += 1;
                same += u64::from(x == y);
                max_diff = max_diff.max(x.abs_diff(*y));
            }
        }
    }
    println!(
        "counts equal on {same} of {total} reads ({:.2}%), largest difference {max_diff}",
        100.0 * same as f64 / total.max(1) as f64
    );
}
