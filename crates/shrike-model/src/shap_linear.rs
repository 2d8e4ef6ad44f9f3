//! Exact path-dependent TreeSHAP in time linear in the tree size (after Yu et al., "Linear
//! TreeShap", 2022). It computes the same values as Algorithm 2 ([`crate::shap`]), faster.
//!
//! For a leaf `l` with value `v`, feature `i` on its path gets
//! `v * (o_i - z_i) * ∫_0^1 prod_{j != i} (z_j + (o_j - z_j) t) dt`, where `z_j` is the product
//! of the cover fractions of the path's edges on feature `j` and `o_j` is 1 if the row takes
//! all of them, else 0. The integrand is a polynomial of degree < depth, so Gauss–Legendre
//! quadrature with `ceil(depth / 2)` points is exact. One depth-first pass carries each
//! node's path product `G` at those points down and the leaf-weighted sum `H` of the
//! products below it up; each edge adds its share from `H`. When a feature repeats on a path,
//! the deeper edge also subtracts what the shallower one added for the leaves below it, so
//! each leaf is credited once, with its feature's combined fractions.

use crate::ensemble::{Ensemble, LEAF};
use crate::limits::MAX_DEPTH;

/// Quadrature points at most: exact for every depth up to [`MAX_DEPTH`].
const MAX_POINTS: usize = MAX_DEPTH / 2 + 1;

/// Gauss–Legendre points and weights on [0, 1], padded to [`MAX_POINTS`] with weight-0
/// points at 1/2, so a walk may use any array size from the rule's own up.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Quadrature {
    pub(crate) m: usize,
    pub(crate) t: [f64; MAX_POINTS],
    pub(crate) w: [f64; MAX_POINTS],
    /// `1 / (1 - t)`: the factor of an edge the row does not take is `z (1 - t)`, so its
    /// inverse needs no division per point.
    pub(crate) inv_1mt: [f64; MAX_POINTS],
}

impl Quadrature {
    /// The rule exact for polynomials of degree below `depth` (at least one point).
    pub(crate) fn for_depth(depth: usize) -> Quadrature {
        let m = depth.div_ceil(2).clamp(1, MAX_POINTS);
        let (mut t, mut w) = (Vec::with_capacity(m), Vec::with_capacity(m));
        for i in 0..m {
            // Newton's method on the Legendre polynomial P_m from the usual first guess
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (m as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (p, d) = legendre(m, x);
                dp = d;
                let dx = p / d;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            dp = if dp == 1.0 { legendre(m, x).1 } else { dp };
            t.push((1.0 - x) / 2.0);
            w.push(1.0 / ((1.0 - x * x) * dp * dp));
        }
        let mut q = Quadrature { m, t: [0.5; MAX_POINTS], w: [0.0; MAX_POINTS], inv_1mt: [2.0; MAX_POINTS] };
        q.t[..m].copy_from_slice(&t);
        q.w[..m].copy_from_slice(&w);
        for (inv, t) in q.inv_1mt.iter_mut().zip(&t) {
            *inv = 1.0 / (1.0 - t);
        }
        q
    }
}

/// `P_m(x)` and its derivative.
fn legendre(m: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    for j in 2..=m {
        let j = j as f64;
        (p0, p1) = (p1, ((2.0 * j - 1.0) * x * p1 - (j - 1.0) * p0) / j);
    }
    if m == 0 {
        return (1.0, 0.0);
    }
    (p1, m as f64 * (x * p1 - p0) / (x * x - 1.0))
}

/// One feature's combined fractions on the current path: `(z, o, on_path)`.
pub(crate) type FeatureState = (f64, f64, bool);

pub(crate) struct LinearWalk<'a> {
    pub(crate) ens: &'a Ensemble,
    pub(crate) row: &'a [f64],
    pub(crate) phi: &'a mut [f64],
    /// Per input, reset to `(1, 1, false)` between trees by the walk's own restores.
    pub(crate) state: &'a mut [FeatureState],
    pub(crate) q: &'a Quadrature,
}

impl LinearWalk<'_> {
    /// Explains one tree from its root, with arrays just large enough for the rule (sizes
    /// are compile-time so the per-point loops unroll).
    pub(crate) fn tree(&mut self, root: usize) {
        match self.q.m {
            1 => self.run::<1>(root),
            2 => self.run::<2>(root),
            3 => self.run::<3>(root),
            4 => self.run::<4>(root),
            5..=8 => self.run::<8>(root),
            9..=16 => self.run::<16>(root),
            _ => self.run::<MAX_POINTS>(root),
        }
    }

    fn run<const M: usize>(&mut self, root: usize) {
        self.recurse::<M>(root, &[1.0; M]);
    }

    /// Returns `H` of node `at` given its path product `g`. Recursion depth is the tree
    /// depth, bounded by [`MAX_DEPTH`].
    fn recurse<const M: usize>(&mut self, at: usize, g: &[f64; M]) -> [f64; M] {
        let n = self.ens.nodes[at];
        if n.flags & LEAF != 0 {
            return g.map(|x| n.value * x);
        }
        let mut h = [0.0; M];
        let (fl, fr) = self.ens.child_fractions(at);
        let left = self.ens.goes_left(&n, self.row);
        let i = n.feature as usize;
        let (z_old, o_old, had) = self.state[i];
        let inv_old = self.inverse_factor::<M>(z_old, o_old, had);
        let t: &[f64; M] = first(&self.q.t);
        for (child, fraction, hot) in [(at + 1, fl, left), (n.right as usize, fr, !left)] {
            let (z, o) = (z_old * fraction, if hot { o_old } else { 0.0 });
            if z == 0.0 && o == 0.0 {
                continue; // no training row and not the row's way: adds exactly nothing
            }
            let gc: [f64; M] = std::array::from_fn(|k| g[k] * (z + (o - z) * t[k]) * inv_old[k]);
            self.state[i] = (z, o, true);
            let hc = self.recurse::<M>(child, &gc);
            self.state[i] = (z_old, o_old, had);
            let inv_new = self.inverse_factor::<M>(z, o, true);
            let w: &[f64; M] = first(&self.q.w);
            let mut share = 0.0;
            for k in 0..M {
                let mut term = (o - z) * inv_new[k];
                if had {
                    term -= (o_old - z_old) * inv_old[k];
                }
                share += w[k] * hc[k] * term;
                h[k] += hc[k];
            }
            self.phi[i] += share;
        }
        h
    }

    /// `1 / (z + (o - z) t)` at the points: 1 off the path, one division for a cold factor
    /// (`z (1 - t)`), one per point for a hot one.
    #[inline]
    fn inverse_factor<const M: usize>(&self, z: f64, o: f64, on_path: bool) -> [f64; M] {
        if !on_path {
            return [1.0; M];
        }
        if o == 0.0 {
            let iz = 1.0 / z;
            return first::<M>(&self.q.inv_1mt).map(|v| iz * v);
        }
        first::<M>(&self.q.t).map(|t| 1.0 / (z + (o - z) * t))
    }
}

/// The first `M` entries (`M <= MAX_POINTS` by construction of [`LinearWalk::tree`]).
fn first<const M: usize>(a: &[f64; MAX_POINTS]) -> &[f64; M] {
    a.first_chunk::<M>().unwrap_or_else(|| unreachable!("M is at most MAX_POINTS"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrature_integrates_polynomials_exactly() {
        for depth in [1, 2, 5, 6, 13, MAX_DEPTH] {
            let q = Quadrature::for_depth(depth);
            assert!((q.w.iter().sum::<f64>() - 1.0).abs() < 1e-13);
            assert!(q.w[q.m..].iter().all(|&w| w == 0.0), "padding has no weight");
            for degree in 0..depth {
                let integral: f64 = q.t.iter().zip(&q.w).map(|(t, w)| w * t.powi(degree as i32)).sum();
                let exact = 1.0 / (degree as f64 + 1.0);
                assert!((integral - exact).abs() < 1e-12, "depth {depth} degree {degree}: {integral}");
            }
        }
    }
}
