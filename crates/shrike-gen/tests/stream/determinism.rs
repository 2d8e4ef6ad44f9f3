//! Same config, same bytes.

use shrike_gen::{GenConfig, Generator, Pattern, write_stream};

fn run(cfg: &GenConfig) -> (Vec<u8>, Vec<u8>) {
    let (mut events, mut labels) = (Vec::new(), Vec::new());
    write_stream(cfg, &mut events, &mut labels).unwrap();
    (events, labels)
}

/// FNV-1a, 64-bit: a hash whose value is fixed by its definition.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn same_config_gives_identical_bytes() {
    let cfg = GenConfig { events: 30_000, seed: 9, ..GenConfig::default() };
    let a = run(&cfg);
    let b = run(&cfg);
    assert_eq!(fnv1a(&a.0), fnv1a(&b.0));
    assert_eq!(a, b);
    let other = run(&GenConfig { seed: 10, ..cfg });
    assert_ne!(a.0, other.0);
}

#[test]
fn output_is_pinned_forever() {
    // The stream for a seed is part of the contract (tests and benchmarks depend on it).
    // If this fails, the generator's output changed: that needs a deliberate decision and
    // a note in docs/generator.md, not a new constant pasted in.
    let cfg = GenConfig { events: 5_000, seed: 1, ..GenConfig::default() };
    let (events, labels) = run(&cfg);
    assert_eq!((fnv1a(&events), fnv1a(&labels)), (PINNED_EVENTS, PINNED_LABELS));
}

const PINNED_EVENTS: u64 = 8_991_383_421_793_595_734;
const PINNED_LABELS: u64 = 7_389_408_561_975_134_952;

#[test]
fn iterator_and_writer_agree() {
    let cfg = GenConfig { events: 5_000, seed: 3, ..GenConfig::default() };
    let mut lines = String::new();
    for g in Generator::new(cfg.clone()) {
        lines.push_str(&g.json);
        lines.push('\n');
    }
    assert_eq!(lines.as_bytes(), run(&cfg).0.as_slice());
}

#[test]
fn edge_configs() {
    assert_eq!(Generator::new(GenConfig { events: 0, ..GenConfig::default() }).count(), 0);
    let honest_only = GenConfig { events: 3_000, fraud_rate: 0.0, ..GenConfig::default() };
    assert!(Generator::new(honest_only).all(|g| g.label.is_none()));
    let nan = GenConfig { events: 3_000, fraud_rate: f64::NAN, days: 0, ..GenConfig::default() };
    assert_eq!(Generator::new(nan).count(), 3_000);
    let heavy = GenConfig { events: 20_000, fraud_rate: 0.9, ..GenConfig::default() };
    let fraud = Generator::new(heavy).filter(|g| g.label.is_some()).count();
    assert!(fraud > 6_000 && fraud < 14_000, "fraud_rate is clamped to 0.5: {fraud}");
}

#[test]
fn generator_can_move_to_another_thread() {
    fn send<T: Send>(_: &T) {}
    send(&Generator::new(GenConfig { events: 1, ..GenConfig::default() }));
}

#[test]
fn pattern_names_are_snake_case() {
    for p in Pattern::ALL {
        assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.name()));
    }
}
