//! `cargo bench -p shrike-model`: scoring and TreeSHAP cost per row of a 200-tree, depth-6
//! ensemble (the serving budget is 2 µs per row on one core), and training throughput.
//!
//! A hand-rolled harness like `shrike-bench`'s (criterion builds too slowly here): one
//! warm-up, then the median of `RUNS` timed passes with the fastest and slowest beside it.
//! Without `--bench` (as in `cargo test --all-targets`) it runs once on small inputs.

use std::hint::black_box;

use shrike_model::synth::{Shape, random_ensemble, random_rows};
use shrike_model::{Ensemble, ShapScratch};
use shrike_types::clock::Stopwatch;

const RUNS: usize = 7;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    // a plain argument filters the models by name, as `cargo bench -p shrike-model -- categorical`
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let (runs, rows) = if full { (RUNS, 20_000) } else { (1, 400) };
    let kind = if full { "benchmark" } else { "smoke run (no --bench)" };
    println!("shrike-model bench: {kind}; median of {runs} run(s) after a warm-up, [fastest slowest]");
    for (name, categorical) in [("200 trees x depth 6, numeric", 0), ("200 trees x depth 6, 5 categorical", 5)] {
        if !filter.iter().all(|f| name.contains(f.as_str())) {
            continue;
        }
        let shape = Shape { trees: 200, depth: 6, inputs: 50, categorical };
        let ens = Ensemble::new(&random_ensemble(42, shape)).expect("a valid random ensemble");
        let data = random_rows(7, shape, rows, 0.05);
        report(&format!("score   {name}"), rows, measure(runs, || score_all(&ens, &data)));
        let shap_rows = &data[..rows / 20];
        report(&format!("explain {name}"), shap_rows.len(), measure(runs, || explain_all(&ens, shap_rows)));
        let few = &shap_rows[..shap_rows.len() / 10];
        report(&format!("  (linear) {name}"), few.len(), measure(runs, || explain_linear(&ens, few)));
        report(&format!("  (Algorithm 2) {name}"), few.len(), measure(runs, || explain_reference(&ens, few)));
    }
}

fn score_all(ens: &Ensemble, rows: &[Vec<f64>]) -> f64 {
    rows.iter().map(|r| ens.score(black_box(r)).map_or(0.0, |s| s.margin)).sum()
}

fn explain_all(ens: &Ensemble, rows: &[Vec<f64>]) -> f64 {
    let mut scratch = ShapScratch::default();
    let mut phi = vec![0.0; ens.num_inputs()];
    rows.iter().map(|r| ens.explain_into(black_box(r), &mut scratch, &mut phi).unwrap_or(0.0) + phi[0]).sum()
}

fn explain_linear(ens: &Ensemble, rows: &[Vec<f64>]) -> f64 {
    rows.iter().map(|r| ens.explain_linear(black_box(r)).map_or(0.0, |e| e.expected_value)).sum()
}

fn explain_reference(ens: &Ensemble, rows: &[Vec<f64>]) -> f64 {
    rows.iter().map(|r| ens.explain_algorithm2(black_box(r)).map_or(0.0, |e| e.expected_value)).sum()
}

fn measure(runs: usize, mut f: impl FnMut() -> f64) -> Vec<f64> {
    black_box(f());
    let mut secs: Vec<f64> = (0..runs)
        .map(|_| {
            let watch = Stopwatch::start();
            black_box(f());
            watch.elapsed_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    secs
}

fn report(name: &str, items: usize, secs: Vec<f64>) {
    let ns = |s: f64| s * 1e9 / items.max(1) as f64;
    let (median, fastest, slowest) = (secs[secs.len() / 2], secs[0], secs[secs.len() - 1]);
    println!("{name:<46} {:>10.1} ns/row  [{:>9.1} {:>9.1}]  ({items} rows)", ns(median), ns(fastest), ns(slowest));
}
