//! A fixed amount of scoring or explaining work for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/explain_cost tables 200`
//! (modes `score`, `tables`, `linear`; a 200-tree depth-6 ensemble of 50 numeric inputs, the
//! model of `cargo bench -p shrike-model`). Divide the counted instructions by the row count
//! after subtracting a run with 0 rows (building the ensemble and its tables).

use std::hint::black_box;

use shrike_model::synth::{Shape, random_ensemble, random_rows};
use shrike_model::{Ensemble, ShapScratch};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("tables", String::as_str);
    let rows: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100);
    let shape = Shape { trees: 200, depth: 6, inputs: 50, categorical: 0 };
    let ens = Ensemble::new(&random_ensemble(42, shape)).unwrap_or_else(|e| panic!("synthetic model: {e}"));
    let data = random_rows(7, shape, rows, 0.05);
    let mut scratch = ShapScratch::default();
    let mut phi = vec![0.0; shape.inputs];
    let mut total = 0.0;
    for row in &data {
        total += match mode {
            "score" => ens.score(black_box(row)).map_or(0.0, |s| s.margin),
            "linear" => ens.explain_linear(black_box(row)).map_or(0.0, |e| e.contributions[0]),
            _ => ens.explain_into(black_box(row), &mut scratch, &mut phi).unwrap_or(0.0) + phi[0],
        };
    }
    println!("{mode}: {rows} rows, checksum {total:.6}");
}
