//! Linear TreeSHAP ([`crate::shap_linear`]) restated as two flat passes over a tree, with
//! everything that depends only on the tree computed once, when the ensemble is built.
//!
//! The linear algorithm carries, for each node, the path product `G` of the factors
//! `z + (o - z) t` at the quadrature points `t` down the tree, and the leaf-weighted sums of
//! those products up. Of a factor, the cover fraction `z` (the product of the fractions of
//! the path's edges on the same input) is a property of the tree; only `o` (whether the row
//! takes every such edge) depends on the row. So each split's [`Step`] keeps the `z` of both
//! child edges, the position of its input among the distinct inputs above it, and, when the
//! input occurs above, the inverse of the earlier factor at the points for both values of the
//! earlier `o` ([`Repeat`]): the row's work has no division left.
//!
//! Per tree and row: a pre-order pass decides every split for the row and computes each
//! node's `G` (`G_child = G * m_child`, `m` the edge's factor, over the earlier factor on a
//! repeat); a reverse pass sums `H`, the leaf values below a node weighted by the factors
//! below it (`H = sum_child m_child * H_child`, so `G * H` is the linear algorithm's sum). An
//! edge's share of its input's contribution is then, at a first occurrence,
//! `(o - z) sum_k w_k G[k] H_child[k]`: the division by the edge's own factor cancels. A
//! split over two leaves (half the splits of a full tree) is finished in the first pass:
//! its `H` is `a + b t` and its share `b sum_k w_k G[k]`.
//!
//! The points are four lanes, exact for trees up to depth 8; deeper trees are explained by
//! the recursive walk of [`crate::shap_linear`].

use crate::ensemble::{DEFAULT_LEFT, Ensemble, LEAF, SPECIAL};
use crate::shap_linear::Quadrature;

/// Quadrature points handled by the flat passes: exact for trees up to depth `2 * LANES`.
const LANES: usize = 4;

type Lanes = [f64; LANES];

const BOTTOM: u8 = 1;
const LEFT_LEAF: u8 = 2;
const RIGHT_LEAF: u8 = 4;

/// One split of a flat tree with what its share needs, in the order the passes visit it.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
struct Step {
    /// The node's `value` (threshold or packed category set) and flags, for the decision.
    value: f64,
    /// `z` of the left and right child edges (combined with earlier edges on the input).
    zl: f64,
    zr: f64,
    /// The children's values when they are leaves.
    vl: f64,
    vr: f64,
    input: u16,
    node_flags: u8,
    /// [`BOTTOM`] (both children leaves, input not above), [`LEFT_LEAF`], [`RIGHT_LEAF`].
    kind: u8,
    /// Position of the split's input among the distinct inputs on the path to it: the bit of
    /// the row pattern that says whether the row took every earlier edge on the input.
    bit: u8,
    /// Offsets of the node and its right child in the tree (the left child is `me + 1`).
    me: u16,
    right: u16,
    /// Index into [`ShapPlan::repeats`] + 1 when the input occurs above; 0 otherwise.
    repeat: u32,
}

/// A split whose input occurs above it: the inverse of the earlier combined factor.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Repeat {
    z_old: f64,
    /// `1 / (z_old + (1 - z_old) t)`: the row took every earlier edge.
    inv_hot: Lanes,
    /// `1 / (z_old (1 - t))`: it did not (0 when `z_old` is 0: nothing below counts).
    inv_cold: Lanes,
}

/// The precomputed part of TreeSHAP for an ensemble.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct ShapPlan {
    steps: Vec<Step>,
    repeats: Vec<Repeat>,
    /// Per tree: its range in `steps`, or `None` for a tree deeper than `2 * LANES`.
    trees: Vec<Option<(u32, u32)>>,
    t: Lanes,
    w: Lanes,
}

/// Nodes of the largest tree the flat passes take (a full tree of depth `2 * LANES`); node
/// offsets are masked with `SLOTS - 1`, so indexing the scratch needs no bounds check.
const SLOTS: usize = 1 << (2 * LANES + 1);

/// Per-row buffers of the flat passes, indexed by node offset in the tree.
#[derive(Clone, Debug)]
pub(crate) struct FlatScratch {
    /// Path product at the node.
    g: Box<[Lanes; SLOTS]>,
    /// Leaf values below the node weighted by the factors below it.
    h: Box<[Lanes; SLOTS]>,
    /// The factor of the edge into the node (over the earlier one on a repeat).
    m: Box<[Lanes; SLOTS]>,
    /// Bit `b` set: the row took every edge above on the path's `b`-th distinct input.
    pattern: Box<[u32; SLOTS]>,
}

impl Default for FlatScratch {
    fn default() -> FlatScratch {
        let lanes = || Box::new([[0.0; LANES]; SLOTS]);
        FlatScratch { g: lanes(), h: lanes(), m: lanes(), pattern: Box::new([0; SLOTS]) }
    }
}

/// A node offset as a scratch index (offsets are below `SLOTS` by construction).
#[inline(always)]
fn slot(offset: u16) -> usize {
    usize::from(offset) & (SLOTS - 1)
}

/// The state of the walk that builds a tree's steps.
struct Builder<'a> {
    ens: &'a Ensemble,
    plan: &'a mut ShapPlan,
    start: usize,
    /// Distinct inputs on the path to the current node, with their combined `z`.
    path: Vec<(u16, f64)>,
}

impl ShapPlan {
    pub(crate) fn build(ens: &Ensemble) -> ShapPlan {
        let q = Quadrature::for_depth(ens.max_depth.min(2 * LANES));
        let mut plan = ShapPlan::default();
        plan.t.copy_from_slice(&q.t[..LANES]);
        plan.w.copy_from_slice(&q.w[..LANES]);
        for t in 0..ens.roots.len() {
            let (start, end) = ens.tree_range(t);
            if tree_depth(ens, start) > 2 * LANES {
                plan.trees.push(None);
                continue;
            }
            let first = plan.steps.len() as u32;
            debug_assert!(end - start <= SLOTS);
            Builder { ens, plan: &mut plan, start, path: Vec::new() }.node(start);
            plan.trees.push(Some((first, plan.steps.len() as u32)));
        }
        plan
    }

    pub(crate) fn is_flat(&self, t: usize) -> bool {
        matches!(self.trees.get(t), Some(Some(_)))
    }

    fn repeat(&self, z_old: f64) -> Repeat {
        let inv_hot = std::array::from_fn(|k| 1.0 / (z_old + (1.0 - z_old) * self.t[k]));
        let inv_cold = std::array::from_fn(|k| if z_old > 0.0 { 1.0 / (z_old * (1.0 - self.t[k])) } else { 0.0 });
        Repeat { z_old, inv_hot, inv_cold }
    }

    /// Adds flat tree `t`'s contributions for `row` to `phi` (nothing for a deep tree).
    pub(crate) fn tree(&self, ens: &Ensemble, t: usize, row: &[f64], phi: &mut [f64], s: &mut FlatScratch) {
        let Some(Some((a, b))) = self.trees.get(t) else { return };
        let steps = &self.steps[*a as usize..*b as usize];
        self.down(ens, steps, row, phi, s);
        self.up(steps, phi, s);
    }

    /// Pre-order: every split's side for the row, each node's `G` and edge factor `m`; a
    /// bottom split's `H` and share.
    fn down(&self, ens: &Ensemble, steps: &[Step], row: &[f64], phi: &mut [f64], s: &mut FlatScratch) {
        s.g[0] = [1.0; LANES];
        s.pattern[0] = u32::MAX;
        for st in steps {
            let me = slot(st.me);
            let (g, p) = (s.g[me], s.pattern[me]);
            let o_old = p >> st.bit & 1 == 1;
            let left = goes_left(ens, st, row);
            let (ol, or) = (one_if(left & o_old), one_if(!left & o_old));
            if st.kind & BOTTOM != 0 {
                let (a, b) = (st.vl * st.zl + st.vr * st.zr, st.vl * (ol - st.zl) + st.vr * (or - st.zr));
                s.h[me] = factor(a, a + b, &self.t);
                phi[usize::from(st.input)] += b * dot(&self.w, &g);
                continue;
            }
            let mut ml = factor(st.zl, ol, &self.t);
            let mut mr = factor(st.zr, or, &self.t);
            if st.repeat != 0 {
                let rep = &self.repeats[st.repeat as usize - 1];
                let inv = if o_old { &rep.inv_hot } else { &rep.inv_cold };
                ml = mul(&ml, inv);
                mr = mul(&mr, inv);
            }
            let cold = p & !(1u32 << st.bit);
            let (l, r) = (slot(st.me + 1), slot(st.right));
            s.pattern[l] = std::hint::select_unpredictable(left, p, cold);
            s.pattern[r] = std::hint::select_unpredictable(left, cold, p);
            (s.g[l], s.m[l]) = (mul(&g, &ml), ml);
            (s.g[r], s.m[r]) = (mul(&g, &mr), mr);
        }
    }

    /// Reverse pre-order over the splits above the bottom ones: `H` and the shares.
    fn up(&self, steps: &[Step], phi: &mut [f64], s: &mut FlatScratch) {
        for st in steps.iter().rev().filter(|st| st.kind & BOTTOM == 0) {
            let (me, l, r) = (slot(st.me), slot(st.me + 1), slot(st.right));
            let hl = if st.kind & LEFT_LEAF != 0 { [st.vl; LANES] } else { s.h[l] };
            let hr = if st.kind & RIGHT_LEAF != 0 { [st.vr; LANES] } else { s.h[r] };
            let (ml, mr) = (s.m[l], s.m[r]);
            s.h[me] = add(&mul(&ml, &hl), &mul(&mr, &hr));
            let bit = |p: u32| one_if(p >> st.bit & 1 == 1);
            let (ol, or) = (bit(s.pattern[l]), bit(s.pattern[r]));
            let wg = mul(&self.w, &s.g[me]);
            let share = if st.repeat == 0 {
                (ol - st.zl) * dot(&wg, &hl) + (or - st.zr) * dot(&wg, &hr)
            } else {
                let o_old = bit(s.pattern[me]);
                self.repeat_share(st, o_old, &wg, [(&hl, &ml, ol, st.zl), (&hr, &mr, or, st.zr)])
            };
            phi[usize::from(st.input)] += share;
        }
    }

    /// The shares of a split whose input occurs above it: each child's first-occurrence
    /// share over the earlier factor, less what the earlier edge already gave its leaves.
    #[cold]
    fn repeat_share(&self, st: &Step, o_old: f64, wg: &Lanes, sides: [(&Lanes, &Lanes, f64, f64); 2]) -> f64 {
        let rep = &self.repeats[st.repeat as usize - 1];
        let inv = if o_old == 1.0 { &rep.inv_hot } else { &rep.inv_cold };
        let d_old = o_old - rep.z_old;
        let wg = mul(wg, inv);
        let side = |(h, m, o, z): (&Lanes, &Lanes, f64, f64)| -> f64 {
            (0..LANES).map(|k| wg[k] * h[k] * ((o - z) - d_old * m[k])).sum()
        };
        side(sides[0]) + side(sides[1])
    }
}

impl Builder<'_> {
    /// Appends the steps of the subtree at `at` in pre-order. Recursion depth is the tree
    /// depth, at most `2 * LANES` here.
    fn node(&mut self, at: usize) {
        let ens = self.ens;
        let n = ens.nodes[at];
        if n.flags & LEAF != 0 {
            return;
        }
        let (fl, fr) = ens.child_fractions(at);
        let found = self.path.iter().position(|&(i, _)| i == n.feature);
        let (bit, z_old) = match found {
            Some(k) => (k, self.path[k].1),
            None => (self.path.len(), 1.0),
        };
        let repeat = match found {
            Some(_) => {
                let r = self.plan.repeat(z_old);
                self.plan.repeats.push(r);
                self.plan.repeats.len() as u32
            }
            None => 0,
        };
        let (l, r) = (&ens.nodes[at + 1], &ens.nodes[n.right as usize]);
        let leaf = |node: &crate::ensemble::Node, bit: u8| if node.flags & LEAF != 0 { bit } else { 0 };
        let mut kind = leaf(l, LEFT_LEAF) | leaf(r, RIGHT_LEAF);
        if kind == LEFT_LEAF | RIGHT_LEAF && repeat == 0 {
            kind |= BOTTOM;
        }
        let value_of = |node: &crate::ensemble::Node| if node.flags & LEAF != 0 { node.value } else { 0.0 };
        self.plan.steps.push(Step {
            value: n.value,
            zl: z_old * fl,
            zr: z_old * fr,
            vl: value_of(l),
            vr: value_of(r),
            input: n.feature,
            node_flags: n.flags,
            kind,
            bit: bit as u8,
            me: (at - self.start) as u16,
            right: (n.right as usize - self.start) as u16,
            repeat,
        });
        for (child, z) in [(at + 1, z_old * fl), (n.right as usize, z_old * fr)] {
            match found {
                Some(k) => self.path[k].1 = z,
                None => self.path.push((n.feature, z)),
            }
            self.node(child);
            match found {
                Some(k) => self.path[k].1 = z_old,
                None => {
                    self.path.pop();
                }
            }
        }
    }
}

/// The split's decision for the row, as [`Ensemble::goes_left`] makes it.
#[inline(always)]
fn goes_left(ens: &Ensemble, st: &Step, row: &[f64]) -> bool {
    let x = row.get(usize::from(st.input)).copied().unwrap_or(f64::NAN);
    if st.node_flags & SPECIAL == 0 {
        return (x <= st.value) | (x.is_nan() & (st.node_flags & DEFAULT_LEFT != 0));
    }
    ens.special_goes_left(st.value, st.node_flags, x)
}

#[inline(always)]
fn one_if(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// `a + (b - a) t` at the points (an edge's factor `z + (o - z) t` is `factor(z, o)`).
#[inline(always)]
fn factor(a: f64, b: f64, t: &Lanes) -> Lanes {
    let d = b - a;
    [a + d * t[0], a + d * t[1], a + d * t[2], a + d * t[3]]
}

#[inline(always)]
fn mul(a: &Lanes, b: &Lanes) -> Lanes {
    [a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]]
}

#[inline(always)]
fn add(a: &Lanes, b: &Lanes) -> Lanes {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
}

#[inline(always)]
fn dot(a: &Lanes, b: &Lanes) -> f64 {
    (a[0] * b[0] + a[1] * b[1]) + (a[2] * b[2] + a[3] * b[3])
}

/// Depth of the tree rooted at `root` (a leaf alone has depth 0).
fn tree_depth(ens: &Ensemble, root: usize) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(root, 0usize)];
    while let Some((at, depth)) = stack.pop() {
        let n = ens.nodes[at];
        deepest = deepest.max(depth);
        if n.flags & LEAF == 0 {
            stack.push((at + 1, depth + 1));
            stack.push((n.right as usize, depth + 1));
        }
    }
    deepest
}
