//! Inputs shared by the bench targets: the reference policy, the generator's seeded stream
//! and the event fixtures of the parser tests, so a benchmark measures what a test checks.

use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_gen::{GenConfig, Generator};
use shrike_types::Event;
use shrike_types::Timestamp;
use shrike_types::clock::ManualClock;
use shrike_types::parse::parse_event;

/// The reference policy (`examples/marketplace/policy.shrike`).
pub const REFERENCE_POLICY: &str = include_str!("../../../examples/marketplace/policy.shrike");

/// The parser tests' typical event (`shrike-types/tests/events/typical.json`).
pub const TYPICAL_EVENT: &str = include_str!("../../shrike-types/tests/events/typical.json");

/// The parser tests' event with every field set (`shrike-types/tests/events/full.json`).
pub const FULL_EVENT: &str = include_str!("../../shrike-types/tests/events/full.json");

/// The generator seed of every benchmark stream (the CLI's `shrike bench` default too).
pub const SEED: u64 = 42;

/// Where the reference policy's model files are.
pub const REFERENCE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace");

/// Compiles `source` (with model files read from [`REFERENCE_DIR`]); a policy that does not
/// compile is a broken fixture, so this panics with the rendered diagnostics.
pub fn compile(source: &str) -> Arc<CompiledPolicy> {
    match shrike_dsl::compile_with(source, &shrike_engine::model_files::ModelDir::new(REFERENCE_DIR)) {
        Ok(policy) => Arc::new(policy),
        Err(errors) => panic!("policy does not compile:\n{}", errors.render("policy.shrike", source)),
    }
}

/// The compiled reference policy.
pub fn reference_policy() -> Arc<CompiledPolicy> {
    compile(REFERENCE_POLICY)
}

/// The reference policy without its tree-model section (the last one, from the line starting
/// `# --- tree model`): its rules alone, for comparisons with rule engines.
pub fn reference_rules_source() -> &'static str {
    REFERENCE_POLICY.find("# --- tree model").map_or(REFERENCE_POLICY, |at| &REFERENCE_POLICY[..at])
}

/// `events` generated events (JSON lines) with [`SEED`].
pub fn generate(events: u64) -> Vec<String> {
    let cfg = GenConfig { events, seed: SEED, ..GenConfig::default() };
    Generator::new(cfg).map(|g| g.json).collect()
}

/// Parses a fixture or generated line; one that does not parse is a broken fixture.
pub fn parse(line: &str) -> Event<'_> {
    parse_event(line.as_bytes()).unwrap_or_else(|e| panic!("fixture event does not parse: {e}: {line}"))
}

/// A fresh engine over an in-memory store, and the clock to set to each event's time (as
/// `shrike bench` and replay do).
pub fn memory_engine(policy: Arc<CompiledPolicy>) -> (Engine<MemoryStore>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let store = MemoryStore::new(store_layout(&policy)).expect("the store accepts a compiled policy's layout");
    (Engine::new(policy, store, clock.clone()), clock)
}
