//! Exact TreeSHAP, path-dependent (Lundberg, Erion and Lee, "Consistent Individualized Feature
//! Attribution for Tree Ensembles"): [`Ensemble::explain`] runs linear TreeSHAP as two flat
//! passes per tree with the tree's own part computed once ([`crate::shap_fast`]), and the
//! recursive linear algorithm of [`crate::shap_linear`] for trees deeper than 8; the recursive
//! algorithm on every tree ([`Ensemble::explain_linear`]) and Algorithm 2 of the paper are kept
//! as tested references.
//! The value of a coalition `S` of inputs is
//! the tree's output when inputs in `S` follow the row and the others follow both children
//! weighted by their training cover; the contributions are that game's Shapley values, so
//! `expected_value + sum(contributions) == margin` up to rounding.
//!
//! A missing value follows its split's default direction: it is the row's own path, so a
//! missing input gets credit for where missingness sends the row.

use crate::ensemble::{Ensemble, LEAF};
use crate::error::ModelError;
use crate::limits::MAX_DEPTH;
use crate::shap_fast::FlatScratch;
use crate::shap_linear::{FeatureState, LinearWalk};

#[derive(Clone, Copy, Debug, Default)]
struct PathElem {
    feature: i32,
    zero: f64,
    one: f64,
    weight: f64,
}

/// Reusable buffers for [`Ensemble::explain_into`]; one per thread.
#[derive(Clone, Debug, Default)]
pub struct ShapScratch {
    state: Vec<FeatureState>,
    flat: FlatScratch,
}

/// Per-input contributions of one row and the expected value they start from.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// `contributions[i]` is input `i`'s share of `margin - expected_value`.
    pub contributions: Vec<f64>,
    /// The margin of an "average" row: base margin plus each tree's cover-weighted mean leaf.
    pub expected_value: f64,
}

impl Explanation {
    /// The `k` inputs with the largest `|contribution|`, largest first, as `(input, value)`;
    /// inputs contributing exactly 0 are left out, and ties keep input order.
    pub fn top_k(&self, k: usize) -> Vec<(usize, f64)> {
        top_k(&self.contributions, k)
    }
}

/// The `k` largest entries of `values` by absolute value (see [`Explanation::top_k`]).
pub fn top_k(values: &[f64], k: usize) -> Vec<(usize, f64)> {
    let mut all: Vec<(usize, f64)> = values.iter().copied().enumerate().filter(|(_, v)| *v != 0.0).collect();
    all.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

impl Ensemble {
    /// The expected value of the margin under the training cover (the SHAP bias term).
    pub fn expected_value(&self) -> f64 {
        self.expected
    }

    pub(crate) fn compute_expected_value(&self) -> f64 {
        let sum: f64 = self.roots.iter().map(|&r| self.node_expectation(r as usize)).sum();
        self.base_margin + self.output_scale * sum
    }

    /// Cover-weighted mean leaf value below node `at`; the recursion is bounded by the tree
    /// depth, itself bounded by [`crate::limits::MAX_DEPTH`].
    fn node_expectation(&self, at: usize) -> f64 {
        let n = self.nodes[at];
        if n.flags & LEAF != 0 {
            return n.value;
        }
        let (fl, fr) = self.child_fractions(at);
        let (l, r) = (at + 1, n.right as usize);
        let el = if fl > 0.0 { self.node_expectation(l) } else { 0.0 };
        let er = if fr > 0.0 { self.node_expectation(r) } else { 0.0 };
        fl * el + fr * er
    }

    /// The share of node `at`'s cover that went to each child; half each when it has none.
    pub(crate) fn child_fractions(&self, at: usize) -> (f64, f64) {
        let (l, r) = (at + 1, self.nodes[at].right as usize);
        let c = self.cover[at];
        if c > 0.0 { (self.cover[l] / c, self.cover[r] / c) } else { (0.5, 0.5) }
    }

    /// Explains one row: per-input contributions and the expected value.
    pub fn explain(&self, row: &[f64]) -> Result<Explanation, ModelError> {
        let mut contributions = vec![0.0; self.num_inputs];
        let expected_value = self.explain_into(row, &mut ShapScratch::default(), &mut contributions)?;
        Ok(Explanation { contributions, expected_value })
    }

    /// Like [`Ensemble::explain`] without allocating (once `scratch` has grown): writes the
    /// contributions into `out` (at least `num_inputs` long) and returns the expected value.
    pub fn explain_into(&self, row: &[f64], scratch: &mut ShapScratch, out: &mut [f64]) -> Result<f64, ModelError> {
        self.explain_with(row, scratch, out, true)
    }

    /// The same values by the recursive linear TreeSHAP on every tree
    /// ([`crate::shap_linear`]): the reference the flat passes are tested against.
    pub fn explain_linear(&self, row: &[f64]) -> Result<Explanation, ModelError> {
        let mut contributions = vec![0.0; self.num_inputs];
        let expected_value = self.explain_with(row, &mut ShapScratch::default(), &mut contributions, false)?;
        Ok(Explanation { contributions, expected_value })
    }

    fn explain_with(
        &self,
        row: &[f64],
        scratch: &mut ShapScratch,
        out: &mut [f64],
        flat: bool,
    ) -> Result<f64, ModelError> {
        let phi = self.prepare(row, out)?;
        scratch.state.clear();
        scratch.state.resize(self.num_inputs, (1.0, 1.0, false));
        for (t, &root) in self.roots.iter().enumerate() {
            if flat && self.shap.is_flat(t) {
                self.shap.tree(self, t, row, phi, &mut scratch.flat);
                continue;
            }
            let q = &self.quadrature;
            LinearWalk { ens: self, row, phi: &mut *phi, state: &mut scratch.state, q }.tree(root as usize);
        }
        Ok(self.finish(phi))
    }

    /// The same values by Algorithm 2 of Lundberg et al. (O(leaves × depth²) per tree): the
    /// reference the linear algorithm is tested against.
    pub fn explain_algorithm2(&self, row: &[f64]) -> Result<Explanation, ModelError> {
        let mut contributions = vec![0.0; self.num_inputs];
        let phi = self.prepare(row, &mut contributions)?;
        let d = self.max_depth;
        let mut path = vec![PathElem::default(); (d + 2) * (d + 3) / 2 + 1];
        for &root in &self.roots {
            let mut walk = Walk { ens: self, row, phi: &mut *phi, path: &mut path };
            walk.recurse(root as usize, 0, 0, 1.0, 1.0, -1);
        }
        let expected_value = self.finish(phi);
        Ok(Explanation { contributions, expected_value })
    }

    fn prepare<'o>(&self, row: &[f64], out: &'o mut [f64]) -> Result<&'o mut [f64], ModelError> {
        self.check_row(row)?;
        if out.len() < self.num_inputs {
            return Err(ModelError::invalid("out", format!("{} slots for {} inputs", out.len(), self.num_inputs)));
        }
        let phi = &mut out[..self.num_inputs];
        phi.fill(0.0);
        Ok(phi)
    }

    fn finish(&self, phi: &mut [f64]) -> f64 {
        if self.output_scale != 1.0 {
            phi.iter_mut().for_each(|v| *v *= self.output_scale);
        }
        self.expected_value()
    }
}

struct Walk<'a> {
    ens: &'a Ensemble,
    row: &'a [f64],
    phi: &'a mut [f64],
    path: &'a mut [PathElem],
}

impl Walk<'_> {
    /// One node of Algorithm 2. `parent` is the offset of the parent's path in the shared
    /// buffer, `depth` the number of unique features on it. Recursion depth is the tree depth.
    fn recurse(&mut self, at: usize, parent: usize, depth: usize, zero: f64, one: f64, feature: i32) {
        let cur = parent + depth + 1;
        self.path.copy_within(parent..parent + depth + 1, cur);
        extend(&mut self.path[cur..], depth, zero, one, feature);
        let n = self.ens.nodes[at];
        if n.flags & LEAF != 0 {
            let path = &self.path[cur..=cur + depth];
            for i in 1..=depth {
                let w = unwound_sum(path, depth, i);
                let el = path[i];
                self.phi[el.feature as usize] += w * (el.one - el.zero) * n.value;
            }
            return;
        }
        let (l, r) = (at + 1, n.right as usize);
        let left = self.ens.goes_left(&n, self.row);
        let (fl, fr) = self.ens.child_fractions(at);
        let (hot, cold, hot_zero, cold_zero) = if left { (l, r, fl, fr) } else { (r, l, fr, fl) };
        let split = i32::from(n.feature);
        let (mut in_zero, mut in_one, mut depth) = (1.0, 1.0, depth);
        if let Some(k) = (1..=depth).find(|&k| self.path[cur + k].feature == split) {
            in_zero = self.path[cur + k].zero;
            in_one = self.path[cur + k].one;
            unwind(&mut self.path[cur..], depth, k);
            depth -= 1;
        }
        self.recurse(hot, cur, depth + 1, hot_zero * in_zero, in_one, split);
        // A cold child no training row reached adds exactly nothing (every weight below it
        // is multiplied by 0); skipping it also avoids dividing by that 0 when unwinding.
        if cold_zero * in_zero > 0.0 {
            self.recurse(cold, cur, depth + 1, cold_zero * in_zero, 0.0, split);
        }
    }
}

/// `1 / k` for every `k` a path can need: the inner loops multiply instead of dividing
/// (division is most of their latency otherwise).
const INV: [f64; MAX_DEPTH + 3] = {
    let mut t = [0.0; MAX_DEPTH + 3];
    let mut k = 1;
    while k < t.len() {
        t[k] = 1.0 / k as f64;
        k += 1;
    }
    t
};

fn extend(path: &mut [PathElem], depth: usize, zero: f64, one: f64, feature: i32) {
    path[depth] = PathElem { feature, zero, one, weight: if depth == 0 { 1.0 } else { 0.0 } };
    let inv_d1 = INV[depth + 1];
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 * inv_d1;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 * inv_d1;
    }
}

fn unwind(path: &mut [PathElem], depth: usize, k: usize) {
    let (one, zero) = (path[k].one, path[k].zero);
    let d1 = (depth + 1) as f64;
    let inv_d1 = INV[depth + 1];
    let mut next = path[depth].weight;
    if one != 0.0 {
        let inv_one = 1.0 / one;
        for i in (0..depth).rev() {
            let tmp = path[i].weight;
            path[i].weight = next * d1 * INV[i + 1] * inv_one;
            next = tmp - path[i].weight * zero * (depth - i) as f64 * inv_d1;
        }
    } else {
        let inv_zero = 1.0 / zero;
        for i in (0..depth).rev() {
            path[i].weight = path[i].weight * d1 * inv_zero * INV[depth - i];
        }
    }
    for i in k..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

fn unwound_sum(path: &[PathElem], depth: usize, k: usize) -> f64 {
    let (one, zero) = (path[k].one, path[k].zero);
    let mut next = path[depth].weight;
    let mut total = 0.0;
    if one != 0.0 {
        let inv_one = 1.0 / one;
        for i in (0..depth).rev() {
            let tmp = next * INV[i + 1] * inv_one;
            total += tmp;
            next = path[i].weight - tmp * zero * (depth - i) as f64;
        }
    } else {
        let inv_zero = 1.0 / zero;
        for i in (0..depth).rev() {
            total += path[i].weight * inv_zero * INV[depth - i];
        }
    }
    total * (depth + 1) as f64
}
