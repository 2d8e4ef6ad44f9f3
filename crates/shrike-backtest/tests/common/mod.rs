//! Shared helpers of the backtest tests: generated streams, compiled policies, exports.

#![allow(clippy::unwrap_used, dead_code)] // test helpers: a failure is a test failure

use std::sync::Arc;

use shrike_backtest::{LabelDelays, LabelInput, LabelSet, export_csv};
use shrike_dsl::CompiledPolicy;
use shrike_gen::{GenConfig, write_stream};

pub(crate) fn compile(src: &str) -> Arc<CompiledPolicy> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace");
    Arc::new(shrike_dsl::compile_with(src, &shrike_engine::model_files::ModelDir::new(dir)).unwrap())
}

pub(crate) fn marketplace() -> Arc<CompiledPolicy> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/marketplace/policy.shrike");
    compile(&std::fs::read_to_string(path).unwrap())
}

/// A generated stream and its labels, as JSON-lines text.
pub(crate) fn generated(events: u64, seed: u64, days: u32) -> (String, String) {
    let cfg = GenConfig { events, seed, days, ..GenConfig::default() };
    let (mut ev, mut lb) = (Vec::new(), Vec::new());
    write_stream(&cfg, &mut ev, &mut lb).unwrap();
    (String::from_utf8(ev).unwrap(), String::from_utf8(lb).unwrap())
}

/// The CSV export of `events` with `labels`, as lines (header first).
pub(crate) fn export(policy: &CompiledPolicy, events: &str, labels: &LabelSet, delays: &LabelDelays) -> Vec<String> {
    let mut out = Vec::new();
    let input = LabelInput { labels, delays };
    export_csv(policy, events.as_bytes(), Some(input), &mut out, &mut |_| {}).unwrap();
    String::from_utf8(out).unwrap().lines().map(str::to_string).collect()
}

/// The cells of a CSV line without quoted commas.
pub(crate) fn cells(line: &str) -> Vec<&str> {
    line.split(',').collect()
}

pub(crate) fn column(header: &str, name: &str) -> usize {
    cells(header).iter().position(|c| *c == name).unwrap()
}
