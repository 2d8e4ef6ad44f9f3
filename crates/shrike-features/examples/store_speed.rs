//! Throughput and memory of `MemoryStore` on a synthetic marketplace stream.
//!
//! 2M events, 6 groups (card, device, ip, user, email, shop), 15 features, keys drawn Zipf-like
//! (s = 1) from 100k entities per group, one day of event time with 10% of events up to 5 s
//! late. Every event calls `apply_and_read` once per group, updating and reading every feature.
//! Then a table of bytes per key for one feature of each kind at typical fill levels.
//!
//! Run: `cargo run --release -p shrike-features --example store_speed [events] [entities] [s] [x]`
//! (defaults 2000000 100000 1; `s` is the Zipf exponent, 0 = uniform; a fourth argument skips
//! the memory table)

use shrike_features::{
    AggKind, AggValue, FeatureSpec, FeatureStore, GroupSpec, Input, KeyHash, MemoryStore, StoreLayout, Update,
    ValueKind,
};
use shrike_types::clock::Stopwatch;
use shrike_types::{Duration, Money, Timestamp};

const GROUPS: usize = 6;
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const DAY: i64 = 86_400_000;
const LATENESS: Duration = Duration(5_000);

/// SplitMix64: a tiny deterministic generator, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Zipf(s) over `n` ranks by inverse CDF (s = 0 is uniform).
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = (1..=n)
            .map(|k| {
                acc += (k as f64).powf(-s);
                acc
            })
            .collect();
        cdf.iter_mut().for_each(|c| *c /= acc);
        Zipf(cdf)
    }

    fn sample(&self, rng: &mut Rng) -> u32 {
        let u = rng.unit();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1) as u32
    }
}

fn f(agg: AggKind, value_kind: ValueKind, window: &str) -> FeatureSpec {
    let window = Duration::parse_literal(window).expect("literal");
    FeatureSpec::new(agg, value_kind, window)
}

/// 15 features over 6 groups: card, device, ip, user, email, shop.
fn layout() -> StoreLayout {
    use {AggKind as A, ValueKind as V};
    let groups = [
        vec![
            f(A::Count, V::None, "10m"),
            f(A::Count, V::None, "1h"),
            f(A::Sum, V::Money, "24h"),
            f(A::Distinct, V::None, "24h"), // devices per card
            f(A::FirstSeen, V::None, "30d"),
        ],
        vec![f(A::Count, V::None, "1h"), f(A::Distinct, V::None, "24h"), f(A::LastSeen, V::None, "30d")],
        vec![f(A::Count, V::None, "10m"), f(A::Distinct, V::None, "1h")],
        vec![f(A::Avg, V::Money, "7d"), f(A::Max, V::Money, "24h")],
        vec![f(A::Count, V::None, "24h"), f(A::FirstSeen, V::None, "90d")],
        vec![f(A::Sum, V::Money, "1h")],
    ];
    let groups = groups.into_iter().map(|features| GroupSpec { features }).collect();
    StoreLayout { groups, allowed_lateness: LATENESS }
}

/// One synthetic event: its time, amount and the entity drawn for each group.
struct Event {
    at: i64,
    amount: Money,
    entity: [u32; GROUPS],
}

fn events(count: usize, entities: usize, s: f64) -> Vec<Event> {
    let zipf = Zipf::new(entities, s);
    let mut rng = Rng(42);
    let step = DAY / count as i64;
    (0..count as i64)
        .map(|i| {
            let late = if rng.next().is_multiple_of(10) { (rng.next() % 5_000) as i64 } else { 0 };
            let entity = std::array::from_fn(|_| zipf.sample(&mut rng));
            let amount = Money((rng.next() % 500_000_000) as i64);
            Event { at: T0 + i * step - late, amount, entity }
        })
        .collect()
}

/// 16-byte keys, as a normalised fingerprint or id would be.
fn key(group: usize, entity: u32) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&(group as u64 * 0x0100_0000_0000 + u64::from(entity)).to_le_bytes());
    k[8..].copy_from_slice(b"shrike:k");
    k
}

/// The updates of one event for one group: every feature, with the event's value for it.
fn updates(group: usize, e: &Event, out: &mut Vec<Update>, specs: &[FeatureSpec]) {
    out.clear();
    for (i, spec) in specs.iter().enumerate() {
        let input = match spec.agg {
            AggKind::Sum | AggKind::Avg | AggKind::Min | AggKind::Max => Input::Money(e.amount),
            // Distinct counts the entity of the next group: devices per card, cards per device...
            AggKind::Distinct => Input::Hash(u64::from(e.entity[(group + 1) % GROUPS])),
            _ => Input::None,
        };
        out.push(Update { feature: i as u16, input });
    }
}

fn speed(count: usize, entities: usize, s: f64) {
    let layout = layout();
    let mut store = MemoryStore::new(layout.clone()).expect("layout");
    let events = events(count, entities, s);
    let reads: Vec<Vec<u16>> = layout.groups.iter().map(|g| (0..g.features.len() as u16).collect()).collect();
    let mut ups = Vec::with_capacity(8);
    let mut out = [AggValue::Missing; 8];
    let mut checksum = 0u64;
    let (watch, cpu_start) = (Stopwatch::start(), cpu_seconds());
    for e in &events {
        for (g, spec) in layout.groups.iter().enumerate() {
            updates(g, e, &mut ups, &spec.features);
            // Built per call, as the engine builds key bytes from the event.
            let key = key(g, e.entity[g]);
            let n = reads[g].len();
            store.apply_and_read(g, KeyHash::of(&key), Timestamp(e.at), &ups, &reads[g], &mut out[..n]);
            checksum = checksum.wrapping_add(matches!(out[0], AggValue::Count(c) if c > 1) as u64);
        }
    }
    let wall = watch.elapsed_nanos() as f64;
    let cpu = cpu_start.zip(cpu_seconds()).map(|(a, b)| (b - a) * 1e9);
    let calls = (count * GROUPS) as f64;
    println!(
        "events: {count}, entities per group: {entities}, zipf s = {s}, group calls: {calls}, checksum {checksum}"
    );
    println!("ns per group call: {:.1} wall, {} cpu", wall / calls, per(cpu, calls));
    println!("ns per event (6 groups, 15 features): {:.1} wall, {} cpu", wall / count as f64, per(cpu, count as f64));
    println!("events per second: {:.0} (wall)", count as f64 / (wall / 1e9));
    let stats = store.stats();
    println!("keys per group: {:?}", stats.keys_per_group);
    println!(
        "heap: {:.1} MiB, {:.0} bytes per key (all groups)",
        stats.heap_bytes as f64 / 1048576.0,
        stats.heap_bytes as f64 / stats.keys() as f64
    );
    let watch = Stopwatch::start();
    let dropped = store.expire(Timestamp(T0 + 40 * DAY));
    println!(
        "expire: dropped {dropped} keys of card/device/ip/user/shop in {:.1} ms",
        watch.elapsed_nanos() as f64 / 1e6
    );
}

/// This thread's CPU time (Linux `/proc`, 10 ms ticks): on a shared machine wall time also
/// counts time spent descheduled.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0) // utime + stime, USER_HZ = 100
}

fn per(total: Option<f64>, n: f64) -> String {
    total.map_or("n/a".to_string(), |t| format!("{:.1}", t / n))
}

/// Heap bytes per feature and per key, at several fill levels: the marginal cost of a feature
/// (a group with two copies minus a group with one) and the fixed cost of a key.
fn memory_table() {
    use {AggKind as A, ValueKind as V};
    println!("\nbytes per key per feature, window 1h at 1m resolution, lateness 0:");
    println!("{:<16} {:>8} {:>8} {:>8}", "kind", "1 event", "3 bkts", "60 bkts");
    let kinds = [
        (A::Count, V::None),
        (A::Sum, V::Number),
        (A::Avg, V::Money),
        (A::Min, V::Money),
        (A::Distinct, V::None),
        (A::LastSeen, V::None),
    ];
    for (agg, vk) in kinds {
        let row = [1, 3, 60].map(|b| marginal(agg, vk, b, 1));
        let name = format!("{agg:?}/{vk:?}");
        println!("{name:<16} {:>8.0} {:>8.0} {:>8.0}", row[0], row[1], row[2]);
    }
    for values in [64, 65, 1_000, 10_000, 100_000] {
        let bytes = marginal(A::Distinct, V::None, 60, values);
        println!("{:<16} {bytes:>8.0}  ({values} distinct values over 60 buckets)", "Distinct");
    }
    let base = bytes_per_key(A::LastSeen, V::None, 1, 1, 1) - marginal(A::LastSeen, V::None, 1, 1);
    println!("per key, besides its features: {base:.0} bytes (table slot at hashbrown's load, 2k keys)");
}

fn marginal(agg: AggKind, vk: ValueKind, buckets: i64, values: u64) -> f64 {
    bytes_per_key(agg, vk, buckets, values, 2) - bytes_per_key(agg, vk, buckets, values, 1)
}

/// Average heap bytes per key of a group with `copies` identical features, when every key gets
/// events in `buckets` buckets carrying `values` distinct hashes spread over them.
fn bytes_per_key(agg: AggKind, vk: ValueKind, buckets: i64, values: u64, copies: u16) -> f64 {
    let features = vec![f(agg, vk, "1h"); usize::from(copies)];
    let groups = vec![GroupSpec { features }];
    let mut store = MemoryStore::new(StoreLayout { groups, allowed_lateness: Duration(0) }).expect("layout");
    let keys: u32 = if values > 100 { 20 } else { 2_000 };
    let per_bucket = values.div_ceil(buckets as u64).max(1);
    for k in 0..keys {
        for b in 0..buckets {
            for v in 0..per_bucket {
                let input = match (agg, vk) {
                    (AggKind::Distinct, _) => Input::Hash((b as u64 * per_bucket + v) % values),
                    (_, ValueKind::Number) => Input::Num(1.5),
                    (_, ValueKind::Money) => Input::Money(Money(1)),
                    _ => Input::None,
                };
                let ups: Vec<Update> = (0..copies).map(|feature| Update { feature, input }).collect();
                let at = Timestamp(T0 + b * 60_000);
                store.apply_and_read(0, KeyHash::of(&key(0, k)), at, &ups, &[], &mut []);
            }
        }
    }
    store.stats().heap_bytes as f64 / f64::from(keys)
}

fn main() {
    let arg = |i: usize| std::env::args().nth(i);
    let count = arg(1).and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    let entities = arg(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let s = arg(3).and_then(|a| a.parse().ok()).unwrap_or(1.0);
    speed(count, entities, s);
    if arg(4).is_none() {
        memory_table();
    }
}
