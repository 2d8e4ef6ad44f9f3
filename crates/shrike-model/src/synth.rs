//! Seeded random ensembles and rows, for tests and benchmarks: full trees of a given depth
//! whose splits read random inputs (so inputs repeat along paths), with random covers,
//! defaults and, for the first `categorical` inputs, category-set splits.

use crate::rng::Rng;
use crate::spec::{EnsembleSpec, NodeSpec, TreeSpec};

/// Category codes random categorical inputs take: `0..SYNTH_CATEGORIES`.
pub const SYNTH_CATEGORIES: u32 = 12;

/// Shape of a random ensemble.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub trees: usize,
    pub depth: usize,
    pub inputs: usize,
    /// Inputs `0..categorical` are categorical.
    pub categorical: usize,
}

/// A random ensemble of full trees.
pub fn random_ensemble(seed: u64, shape: Shape) -> EnsembleSpec {
    let mut rng = Rng::new(seed);
    let trees = (0..shape.trees)
        .map(|_| {
            let mut nodes = Vec::new();
            grow(&mut rng, &shape, &mut nodes, shape.depth, 1000.0);
            TreeSpec { nodes }
        })
        .collect();
    EnsembleSpec { num_inputs: shape.inputs, base_margin: -3.0, output_scale: 1.0, sigmoid: 1.0, sum_f32: false, trees }
}

/// Adds a subtree at the end of `nodes`; returns its index. Recursion depth is `depth`.
fn grow(rng: &mut Rng, shape: &Shape, nodes: &mut Vec<NodeSpec>, depth: usize, cover: f64) -> usize {
    let at = nodes.len();
    if depth == 0 {
        nodes.push(NodeSpec::Leaf { value: rng.next_f64() * 0.2 - 0.1, cover });
        return at;
    }
    nodes.push(NodeSpec::Leaf { value: 0.0, cover }); // placeholder, replaced below
    let share = 0.05 + 0.9 * rng.next_f64();
    let left = grow(rng, shape, nodes, depth - 1, cover * share);
    let right = grow(rng, shape, nodes, depth - 1, cover * (1.0 - share));
    let input = rng.below(shape.inputs);
    let default_left = rng.below(2) == 0;
    nodes[at] = if input < shape.categorical {
        let categories = (0..SYNTH_CATEGORIES).filter(|_| rng.below(2) == 0).collect::<Vec<_>>();
        let categories = if categories.is_empty() { vec![0] } else { categories };
        NodeSpec::Categorical { input, categories, default_left, left, right, cover }
    } else {
        let threshold = rng.next_f64();
        NodeSpec::Numeric { input, threshold, default_left, zero_is_missing: false, left, right, cover }
    };
    at
}

/// Random rows for [`random_ensemble`]'s inputs: numbers in [0, 1), category codes, and a
/// share `missing` of NaN.
pub fn random_rows(seed: u64, shape: Shape, rows: usize, missing: f64) -> Vec<Vec<f64>> {
    let mut rng = Rng::new(seed);
    (0..rows)
        .map(|_| {
            (0..shape.inputs)
                .map(|i| {
                    if rng.next_f64() < missing {
                        f64::NAN
                    } else if i < shape.categorical {
                        rng.below(SYNTH_CATEGORIES as usize + 2) as f64
                    } else {
                        rng.next_f64()
                    }
                })
                .collect()
        })
        .collect()
}
