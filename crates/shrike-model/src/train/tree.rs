//! Growing one tree leaf-wise (best-first): the open leaf whose best split gains most is
//! split next, until `num_leaves` or no split gains. A child's histogram is built from the
//! smaller child's rows; the larger one's is the parent's minus it.

use crate::train::data::{Binned, Mapper};
use crate::train::hist::{self, Layout, Sums};
use crate::train::params::Params;
use crate::train::split::{Rule, Split, best_split};

/// A node of a tree under training, in bin space.
#[derive(Clone, Debug)]
pub(crate) enum TNode {
    Leaf { value: f64, n: f64 },
    Split { feature: usize, rule: Rule, default_left: bool, left: usize, right: usize, n: f64 },
}

/// A grown tree and, per leaf node, the range of `rows` it holds (for the score update).
pub(crate) struct Grown {
    pub(crate) nodes: Vec<TNode>,
    pub(crate) leaf_ranges: Vec<(usize, usize, usize)>,
}

impl Grown {
    /// The leaf value a binned row reaches.
    pub(crate) fn predict(&self, bins: &[u8], mappers: &[Mapper]) -> f64 {
        let mut at = 0;
        loop {
            match &self.nodes[at] {
                TNode::Leaf { value, .. } => return *value,
                TNode::Split { feature, rule, default_left, left, right, .. } => {
                    let missing = mappers[*feature].missing_bin() as u8;
                    at = if rule.goes_left(bins[*feature], missing, *default_left) { *left } else { *right };
                }
            }
        }
    }
}

/// What a tree is grown from.
pub(crate) struct Inputs<'a> {
    pub(crate) binned: &'a Binned,
    pub(crate) mappers: &'a [Mapper],
    pub(crate) layout: &'a Layout,
    pub(crate) gh: &'a [(f64, f64)],
    pub(crate) features: &'a [usize],
    pub(crate) params: &'a Params,
}

struct Open {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    sums: Sums,
    hist: Vec<Sums>,
    best: Option<Split>,
}

/// Grows a tree over `rows` (reordered in place so each leaf's rows are contiguous).
pub(crate) fn grow(inp: &Inputs<'_>, rows: &mut [u32], scratch: &mut Vec<u32>) -> Grown {
    let mut hist = vec![Sums::default(); inp.layout.total];
    hist::build(&mut hist, inp.layout, inp.binned, rows, inp.gh, inp.features);
    let sums = rows.iter().fold(Sums::default(), |mut s, &r| {
        let (g, h) = inp.gh[r as usize];
        s.add(Sums { g, h, n: 1.0 });
        s
    });
    let mut nodes = vec![TNode::Leaf { value: 0.0, n: sums.n }];
    let mut open = vec![evaluate(inp, Open { node: 0, start: 0, end: rows.len(), depth: 0, sums, hist, best: None })];
    let mut closed: Vec<Open> = Vec::new();
    let mut leaves = 1;
    while leaves < inp.params.num_leaves {
        // best gain first; ties go to the earliest leaf, so growth is deterministic
        let pick = open.iter().enumerate().filter(|(_, o)| o.best.is_some()).max_by(|(i, a), (j, b)| {
            let (ga, gb) = (a.best.as_ref().map_or(0.0, |s| s.gain), b.best.as_ref().map_or(0.0, |s| s.gain));
            ga.total_cmp(&gb).then(j.cmp(i))
        });
        let Some((i, _)) = pick else { break };
        let leaf = open.swap_remove(i);
        let (l, r) = split_leaf(inp, leaf, rows, scratch, &mut nodes);
        open.push(l);
        open.push(r);
        leaves += 1;
    }
    closed.append(&mut open);
    finish(inp.params, nodes, closed)
}

/// Splits `leaf` by its best split: partitions its rows and makes its two children.
fn split_leaf(
    inp: &Inputs<'_>,
    leaf: Open,
    rows: &mut [u32],
    scratch: &mut Vec<u32>,
    nodes: &mut Vec<TNode>,
) -> (Open, Open) {
    let Open { node, start, end, depth, mut hist, best, .. } = leaf;
    let Some(split) = best else { unreachable!("only leaves with a split are picked") };
    let missing = inp.mappers[split.feature].missing_bin() as u8;
    let goes_left = |r: u32| {
        let bin = inp.binned.row(r as usize)[split.feature];
        split.rule.goes_left(bin, missing, split.default_left)
    };
    let mid = partition(&mut rows[start..end], scratch, goes_left) + start;
    let (li, ri) = (nodes.len(), nodes.len() + 1);
    nodes.push(TNode::Leaf { value: 0.0, n: split.left.n });
    nodes.push(TNode::Leaf { value: 0.0, n: split.right.n });
    let n = split.left.n + split.right.n;
    nodes[node] = TNode::Split {
        feature: split.feature,
        rule: split.rule.clone(),
        default_left: split.default_left,
        left: li,
        right: ri,
        n,
    };
    let mut small = vec![Sums::default(); inp.layout.total];
    let left_smaller = mid - start <= end - mid;
    let small_rows = if left_smaller { &rows[start..mid] } else { &rows[mid..end] };
    hist::build(&mut small, inp.layout, inp.binned, small_rows, inp.gh, inp.features);
    hist::subtract(&mut hist, &small);
    let (lh, rh) = if left_smaller { (small, hist) } else { (hist, small) };
    let l = Open { node: li, start, end: mid, depth: depth + 1, sums: split.left, hist: lh, best: None };
    let r = Open { node: ri, start: mid, end, depth: depth + 1, sums: split.right, hist: rh, best: None };
    (evaluate(inp, l), evaluate(inp, r))
}

/// Finds an open leaf's best split, or frees its histogram when it cannot split.
fn evaluate(inp: &Inputs<'_>, mut o: Open) -> Open {
    let p = inp.params;
    let splittable = o.depth < p.depth_limit() && o.sums.n >= 2.0 * p.min_data_in_leaf.max(1) as f64;
    o.best = if splittable { best_split(&o.hist, inp.layout, inp.mappers, inp.features, o.sums, p) } else { None };
    if o.best.is_none() {
        o.hist = Vec::new();
    }
    o
}

/// Stable partition: rows going left first. Returns the count going left.
fn partition(rows: &mut [u32], scratch: &mut Vec<u32>, goes_left: impl Fn(u32) -> bool) -> usize {
    scratch.clear();
    let mut k = 0;
    for i in 0..rows.len() {
        let r = rows[i];
        if goes_left(r) {
            rows[k] = r;
            k += 1;
        } else {
            scratch.push(r);
        }
    }
    rows[k..].copy_from_slice(scratch);
    k
}

/// Sets leaf values (`-G / (H + l2)`, shrunk by the learning rate) and the leaf ranges.
fn finish(p: &Params, mut nodes: Vec<TNode>, leaves: Vec<Open>) -> Grown {
    let mut leaf_ranges = Vec::with_capacity(leaves.len());
    for o in leaves {
        let value = -o.sums.g / (o.sums.h + p.lambda_l2) * p.learning_rate;
        nodes[o.node] = TNode::Leaf { value, n: o.sums.n };
        leaf_ranges.push((o.node, o.start, o.end));
    }
    leaf_ranges.sort_unstable();
    Grown { nodes, leaf_ranges }
}
