//! # shrike-bench
//!
//! Shrike's benchmarks, run with `cargo bench -p shrike-bench`:
//! - `benches/engine.rs`: event parsing, a full `decide` pass of the reference policy over a
//!   generated stream (events/s), and compiling the reference policy;
//! - `benches/parse.rs`: parsing alone over the generated stream, with the `shrike` binary's
//!   allocator (mimalloc), for timings and callgrind instruction counts of the parser;
//! - `benches/zen/`: the reference policy's rule conditions evaluated by Shrike's evaluator
//!   and by zen-expression on the same captured inputs, with the zen/Shrike ratio.
//!
//! This library holds what the bench targets share: the fixtures ([`fixture`]), the feature
//! capture ([`capture`]) and the timing harness ([`harness`]).
//!
//! Invariants:
//! - Benchmarks run on the same inputs the tests check: the reference policy of
//!   `examples/marketplace/`, the generator's seeded stream and the event fixtures of
//!   `shrike-types/tests/events/`.
//! - Benchmark-only dependencies (zen-expression) are dev-dependencies of this crate, so no
//!   other crate ever builds them.
//! - Every comparison asserts agreement before it prints a figure.

pub mod capture;
pub mod fixture;
pub mod harness;
