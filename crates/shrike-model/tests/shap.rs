//! TreeSHAP: contributions plus the expected value sum to the margin on random ensembles, and
//! equal brute-force Shapley values of the path-dependent game on tiny ones.

#![allow(clippy::unwrap_used)]

use shrike_model::synth::{Shape, random_ensemble, random_rows};
use shrike_model::{Ensemble, ShapScratch};

#[test]
fn contributions_sum_to_the_margin() {
    for (seed, depth) in [(1, 1), (2, 3), (3, 6), (4, 8), (5, 10)] {
        let shape = Shape { trees: 20, depth, inputs: 7, categorical: 2 };
        let ens = Ensemble::new(&random_ensemble(seed, shape)).unwrap();
        let mut scratch = ShapScratch::default();
        let mut phi = vec![0.0; 7];
        for row in random_rows(seed + 100, shape, 200, 0.15) {
            let margin = ens.score(&row).unwrap().margin;
            let expected = ens.explain_into(&row, &mut scratch, &mut phi).unwrap();
            let total = expected + phi.iter().sum::<f64>();
            assert!((total - margin).abs() < 1e-9, "depth {depth}: {total} vs {margin}");
        }
    }
}

/// v(S): the tree's output when inputs in `S` follow the row and others average over both
/// children by cover. Evaluated on the portable form so it shares no code with the explainer.
fn value(spec: &shrike_model::EnsembleSpec, row: &[f64], set: u32) -> f64 {
    let ens = Ensemble::new(spec).unwrap();
    let mut total = spec.base_margin;
    for tree in &spec.trees {
        total += node_value(&ens, tree, 0, row, set);
    }
    total
}

fn node_value(ens: &Ensemble, tree: &shrike_model::TreeSpec, at: usize, row: &[f64], set: u32) -> f64 {
    use shrike_model::NodeSpec;
    let node = &tree.nodes[at];
    let Some((l, r)) = node.children() else {
        let NodeSpec::Leaf { value, .. } = node else { unreachable!() };
        return *value;
    };
    let input = match node {
        NodeSpec::Numeric { input, .. } | NodeSpec::Categorical { input, .. } => *input,
        NodeSpec::Leaf { .. } => unreachable!(),
    };
    if set & (1 << input) != 0 {
        let left = goes_left(ens, node, row[input]);
        return node_value(ens, tree, if left { l } else { r }, row, set);
    }
    let (cl, cr, c) = (tree.nodes[l].cover(), tree.nodes[r].cover(), node.cover());
    (cl * node_value(ens, tree, l, row, set) + cr * node_value(ens, tree, r, row, set)) / c
}

/// The split decision, from the documented semantics.
fn goes_left(_ens: &Ensemble, node: &shrike_model::NodeSpec, x: f64) -> bool {
    use shrike_model::NodeSpec;
    match node {
        NodeSpec::Numeric { threshold, default_left, .. } => {
            if x.is_nan() {
                *default_left
            } else {
                x <= *threshold
            }
        }
        NodeSpec::Categorical { categories, default_left, .. } => {
            if x.is_nan() {
                *default_left
            } else {
                x >= 0.0 && categories.contains(&(x as u32))
            }
        }
        NodeSpec::Leaf { .. } => unreachable!(),
    }
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|k| k as f64).product()
}

#[test]
fn contributions_equal_brute_force_shapley_values() {
    for seed in 0..6 {
        let shape = Shape { trees: 3, depth: 3 + (seed as usize % 2), inputs: 5, categorical: 1 };
        let mut spec = random_ensemble(seed, shape);
        // covers that add up (children sum to the parent), as training produces
        for tree in &mut spec.trees {
            fix_covers(tree, 0);
        }
        let ens = Ensemble::new(&spec).unwrap();
        let n = shape.inputs;
        for row in random_rows(seed + 7, shape, 20, 0.2) {
            let explained = ens.explain(&row).unwrap();
            assert!((explained.expected_value - value(&spec, &row, 0)).abs() < 1e-9);
            for i in 0..n {
                let mut phi = 0.0;
                for set in 0u32..(1 << n) {
                    if set & (1 << i) != 0 {
                        continue;
                    }
                    let s = set.count_ones() as usize;
                    let w = factorial(s) * factorial(n - s - 1) / factorial(n);
                    phi += w * (value(&spec, &row, set | (1 << i)) - value(&spec, &row, set));
                }
                let got = explained.contributions[i];
                assert!((got - phi).abs() < 1e-9, "seed {seed} input {i}: {got} vs {phi}");
            }
        }
    }
}

/// Makes each split's cover the sum of its children's; returns the node's cover.
fn fix_covers(tree: &mut shrike_model::TreeSpec, at: usize) -> f64 {
    use shrike_model::NodeSpec;
    let Some((l, r)) = tree.nodes[at].children() else { return tree.nodes[at].cover() };
    let total = fix_covers(tree, l) + fix_covers(tree, r);
    match &mut tree.nodes[at] {
        NodeSpec::Numeric { cover, .. } | NodeSpec::Categorical { cover, .. } => *cover = total,
        NodeSpec::Leaf { .. } => {}
    }
    total
}

#[test]
fn top_k_orders_by_absolute_contribution() {
    let e = shrike_model::Explanation { contributions: vec![0.1, -0.5, 0.0, 0.3, -0.1], expected_value: 0.0 };
    assert_eq!(e.top_k(3), vec![(1, -0.5), (3, 0.3), (0, 0.1)]);
    assert_eq!(e.top_k(10).len(), 4, "zero contributions are left out");
}

#[test]
fn a_short_row_is_an_error_not_a_panic() {
    let shape = Shape { trees: 2, depth: 2, inputs: 4, categorical: 0 };
    let ens = Ensemble::new(&random_ensemble(9, shape)).unwrap();
    assert!(ens.explain(&[0.5, 0.5]).unwrap_err().to_string().contains("row"));
    assert!(ens.score(&[0.5]).is_err());
}

#[test]
fn linear_treeshap_equals_algorithm_2() {
    // few inputs and deep trees: inputs repeat along paths, which is where the two differ most
    for (seed, depth, inputs) in [(21, 2, 3), (22, 6, 4), (23, 9, 5), (24, 12, 3), (25, 6, 50)] {
        let shape = Shape { trees: 10, depth, inputs, categorical: 1 };
        let ens = Ensemble::new(&random_ensemble(seed, shape)).unwrap();
        for row in random_rows(seed + 1, shape, 50, 0.2) {
            let (fast, reference) = (ens.explain(&row).unwrap(), ens.explain_algorithm2(&row).unwrap());
            assert_eq!(fast.expected_value, reference.expected_value);
            for (a, b) in fast.contributions.iter().zip(&reference.contributions) {
                assert!((a - b).abs() < 1e-9, "depth {depth}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn flat_passes_equal_recursive_linear_treeshap_and_algorithm_2() {
    // deep trees with few inputs repeat inputs along paths; trees deeper than 8 fall back to
    // the recursive walk
    for (seed, depth, inputs) in [(31, 1, 2), (32, 4, 3), (33, 6, 50), (34, 9, 4), (35, 11, 50), (36, 6, 6)] {
        let shape = Shape { trees: if depth > 8 { 2 } else { 12 }, depth, inputs, categorical: 2.min(inputs) };
        let ens = Ensemble::new(&random_ensemble(seed, shape)).unwrap();
        let mut scratch = ShapScratch::default();
        let mut phi = vec![0.0; inputs];
        for row in random_rows(seed + 1, shape, 40, 0.2) {
            let expected = ens.explain_into(&row, &mut scratch, &mut phi).unwrap();
            let linear = ens.explain_linear(&row).unwrap();
            let reference = ens.explain_algorithm2(&row).unwrap();
            assert_eq!(expected, linear.expected_value);
            let all = phi.iter().zip(&linear.contributions).zip(&reference.contributions);
            for (i, ((&a, &b), &c)) in all.enumerate() {
                assert!((a - b).abs() < 1e-9 && (a - c).abs() < 1e-9, "depth {depth} input {i}: {a} {b} {c}");
            }
        }
    }
}

#[test]
fn flat_passes_handle_children_no_training_row_reached() {
    use shrike_model::NodeSpec;
    let shape = Shape { trees: 6, depth: 5, inputs: 5, categorical: 1 };
    let mut spec = random_ensemble(41, shape);
    // zero the cover of every third leaf: a cold edge into it has z = 0
    for tree in &mut spec.trees {
        let mut k = 0;
        for node in &mut tree.nodes {
            if let NodeSpec::Leaf { cover, .. } = node {
                if k % 3 == 0 {
                    *cover = 0.0;
                }
                k += 1;
            }
        }
    }
    let ens = Ensemble::new(&spec).unwrap();
    // (Algorithm 2 divides by the zero; brute force is the reference here)
    for row in random_rows(42, shape, 15, 0.2) {
        let (fast, linear) = (ens.explain(&row).unwrap(), ens.explain_linear(&row).unwrap());
        let brute = brute_force(&spec, &row, shape.inputs);
        let all = fast.contributions.iter().zip(&linear.contributions).zip(&brute);
        for (i, ((&a, &b), &c)) in all.enumerate() {
            assert!(a.is_finite() && (a - b).abs() < 1e-9 && (a - c).abs() < 1e-9, "input {i}: {a} {b} {c}");
        }
    }
}

/// Shapley values of the path-dependent game by enumerating every coalition.
fn brute_force(spec: &shrike_model::EnsembleSpec, row: &[f64], n: usize) -> Vec<f64> {
    let values: Vec<f64> = (0u32..(1 << n)).map(|set| value(spec, row, set)).collect();
    (0..n)
        .map(|i| {
            (0u32..(1 << n))
                .filter(|set| set & (1 << i) == 0)
                .map(|set| {
                    let s = set.count_ones() as usize;
                    let w = factorial(s) * factorial(n - s - 1) / factorial(n);
                    w * (values[(set | (1 << i)) as usize] - values[set as usize])
                })
                .sum()
        })
        .collect()
}
