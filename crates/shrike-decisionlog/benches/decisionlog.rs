//! Insert rate and query latencies of the embedded decision log.
//!
//! `cargo bench -p shrike-decisionlog` — environment: `ROWS` (default 2,000,000), `BATCH`
//! (rows per `append`, default 64: the engine thread appends one request batch at a time),
//! `DIR` (default: a temporary directory), `QUERIES` (per kind, default 200).
//! Rows are shaped like the reference policy's decisions (90% allow, a tenth with 1–2 fired
//! rules, user/device/ip/email always set, card and shop on half, ~500 bytes of JSON).
//! Prints rows/s (wall) and rows per CPU-second of this process, then p50/p99 per query kind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is the point

use shrike_decisionlog::{DecisionLog, Options, RowRef};
use shrike_records::{DecisionQuery, DecisionRow, Entities, EntityKind};
use shrike_types::Outcome;
use shrike_types::clock::Stopwatch;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn decision(i: u64, rng: &mut Rng) -> DecisionRow {
    let outcome = match rng.below(100) {
        0..=89 => Outcome::Allow,
        90..=94 => Outcome::Challenge,
        95..=97 => Outcome::Review,
        _ => Outcome::Block,
    };
    let rules: Vec<String> = if outcome == Outcome::Allow {
        Vec::new()
    } else {
        (0..1 + rng.below(2)).map(|_| format!("rule_{}", rng.below(20))).collect()
    };
    let mut entities = Entities {
        user: Some(format!("u{:07}", rng.below(200_000))),
        device: Some(format!("dev-{:08x}", rng.below(300_000))),
        ip: Some(format!("10.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256))),
        email: Some(format!("buyer{}@mail.example", rng.below(200_000))),
        ..Entities::default()
    };
    if rng.below(2) == 0 {
        entities.card = Some(format!("fp_{:016x}", rng.below(u64::MAX)));
        entities.shop = Some(format!("s{:05}", rng.below(5_000)));
    }
    // 20 decisions per millisecond: 2M rows span 100 s.
    let decided_at = 1_790_000_000_000 + (i as i64) / 20;
    let json = format!(
        r#"{{"decision_id":"e{i:010}","decision":{{"event_id":"e{i:010}","outcome":"{o}","score":{s},"reasons":[{r}],"features":[{{"name":"user_txn_count_1h","value":3}}],"policy_version":"marketplace@v3","event_time":"2026-09-01T00:17:11.108Z","evaluated_at":"2026-09-01T00:17:11.108Z"}},"latency_us":87,"answered":true,"padding":"{pad}"}}"#,
        o = outcome.name(),
        s = rng.below(100),
        r = rules
            .iter()
            .map(|n| format!(r#"{{"rule":"{n}","reason":"a reason for the analyst","score":40}}"#))
            .collect::<Vec<_>>()
            .join(","),
        pad = "x".repeat(180),
    );
    DecisionRow {
        decision_id: format!("e{i:010}"),
        event_id: format!("e{i:010}"),
        event_type: "payment.attempt".into(),
        event_time: decided_at - 2,
        decided_at,
        outcome,
        score: rng.below(101) as u8,
        policy_version: if i < 1_000_000 { "marketplace@v2".into() } else { "marketplace@v3".into() },
        degraded: false,
        shadow: rng.below(50) == 0,
        latency_us: 87,
        entities,
        rules,
        decision_json: json,
    }
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`, 100 ticks/s).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, s)| s);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn insert(log: &DecisionLog, rows: u64, batch: u64) -> Vec<DecisionRow> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut samples = Vec::new();
    let (mut wall, mut cpu) = (0.0, 0.0);
    // Rows are generated 100,000 at a time outside the measured spans.
    let mut i = 0;
    while i < rows {
        let block: Vec<DecisionRow> = (i..(i + 100_000).min(rows)).map(|j| decision(j, &mut rng)).collect();
        samples.extend(block.iter().step_by(9_973).cloned());
        let mut scratch: Vec<Vec<&str>> = block.iter().map(|_| Vec::new()).collect();
        let refs: Vec<RowRef<'_>> = block.iter().zip(scratch.iter_mut()).map(|(r, s)| RowRef::of(r, s)).collect();
        let (t, c) = (Stopwatch::start(), cpu_secs());
        for chunk in refs.chunks(batch as usize) {
            log.append(chunk).unwrap();
        }
        wall += t.elapsed_secs_f64();
        cpu += cpu_secs() - c;
        i += 100_000;
    }
    println!(
        "insert: {rows} rows in batches of {batch}: {:.0} rows/s (wall), {:.0} rows per CPU-second (all threads of the process: appends, seals, syncs)",
        rows as f64 / wall,
        rows as f64 / cpu.max(0.01)
    );
    samples
}

fn measure(name: &str, n: usize, mut f: impl FnMut(usize) -> usize) {
    let mut times = Vec::with_capacity(n);
    let mut rows = 0;
    for i in 0..n {
        let t = Stopwatch::start();
        rows += f(i);
        times.push(t.elapsed_nanos());
    }
    times.sort_unstable();
    let pct = |p: f64| times[((n as f64 * p) as usize).min(n - 1)] as f64 / 1e3;
    println!(
        "{name:<28} p50 {:>9.1} µs  p99 {:>9.1} µs  ({:.1} rows/query)",
        pct(0.5),
        pct(0.99),
        rows as f64 / n as f64
    );
}

fn main() {
    let (rows, batch, queries) = (env("ROWS", 2_000_000), env("BATCH", 64), env("QUERIES", 200) as usize);
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var("DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| tmp.path().to_path_buf());
    let (log, _) = DecisionLog::open(&dir, Options::default()).unwrap();
    let samples = insert(&log, rows, batch);
    log.close().unwrap();
    let t = Stopwatch::start();
    drop(log);
    let (log, rec) = DecisionLog::open(&dir, Options::default()).unwrap();
    println!("reopen: {} segments, {} rows in {:.0} ms", rec.segments, rec.rows, t.elapsed_secs_f64() * 1e3);
    let pick = |i: usize| &samples[(i * 7919) % samples.len()];
    let page = |q: DecisionQuery| log.query(&q).unwrap().items.len();
    let by = |kind: EntityKind, i: usize| {
        let id = pick(i).entities.get(kind).or(pick(i + 1).entities.get(kind)).unwrap_or("none").to_string();
        DecisionQuery { entity: Some((kind, id)), limit: 50, ..DecisionQuery::default() }
    };
    measure("by id", queries, |i| usize::from(log.get(&pick(i).decision_id).unwrap().is_some()));
    measure("by id (absent)", queries, |i| usize::from(log.get(&format!("x{i}")).unwrap().is_some()));
    for kind in EntityKind::ALL.into_iter().filter(|k| !matches!(k, EntityKind::Phone)) {
        measure(&format!("entity {}", kind.name()), queries, |i| page(by(kind, i)));
    }
    measure("entity (unknown)", queries, |i| {
        page(DecisionQuery { entity: Some((EntityKind::User, format!("nobody{i}"))), limit: 50, ..Default::default() })
    });
    measure("outcome=block", queries, |_| {
        page(DecisionQuery { outcome: Some(Outcome::Block), limit: 50, ..Default::default() })
    });
    measure("rule", queries, |i| {
        page(DecisionQuery { rule: Some(format!("rule_{}", i % 20)), limit: 50, ..Default::default() })
    });
    measure("policy (older version)", queries, |_| {
        page(DecisionQuery { policy_version: Some("marketplace@v2".into()), limit: 50, ..Default::default() })
    });
    measure("shadow", queries, |_| page(DecisionQuery { shadow: true, limit: 50, ..Default::default() }));
    let span = (rows as i64) / 20;
    measure("10 s range", queries, |i| {
        let from = 1_790_000_000_000 + (i as i64 * 7919) % span.max(1);
        page(DecisionQuery { from: Some(from), to: Some(from + 10_000), limit: 50, ..Default::default() })
    });
    measure("block + user (rare pair)", queries, |i| {
        let mut q = by(EntityKind::User, i);
        q.outcome = Some(Outcome::Block);
        page(q)
    });
    measure("page 2 (cursor)", queries, |i| {
        let q = DecisionQuery { outcome: Some(Outcome::Challenge), limit: 50, ..Default::default() };
        let first = log.query(&q).unwrap();
        let _ = i;
        page(DecisionQuery { cursor: first.next, ..q })
    });
    let t = Stopwatch::start();
    let mut purge = log.delete_before(1_790_000_000_000 + span / 2, 1).unwrap();
    println!("retention: one step deleted {} rows in {:.1} ms", purge.deleted, t.elapsed_secs_f64() * 1e3);
    while !purge.done {
        purge = log.delete_before(1_790_000_000_000 + span / 2, 1).unwrap();
    }
}
