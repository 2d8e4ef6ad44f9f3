//! Gradient histograms: per feature and bin, the sums of gradients, hessians and rows.

use crate::train::data::{Binned, Mapper};

/// Sums over a set of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Sums {
    pub(crate) g: f64,
    pub(crate) h: f64,
    /// Row count, as `f64` so histograms subtract in one pass.
    pub(crate) n: f64,
}

impl Sums {
    #[inline]
    pub(crate) fn add(&mut self, o: Sums) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
    }

    pub(crate) fn minus(self, o: Sums) -> Sums {
        Sums { g: self.g - o.g, h: self.h - o.h, n: self.n - o.n }
    }
}

/// Where each feature's bins sit in a flat histogram.
pub(crate) struct Layout {
    pub(crate) offsets: Vec<usize>,
    pub(crate) total: usize,
}

impl Layout {
    pub(crate) fn new(mappers: &[Mapper]) -> Layout {
        let mut offsets = Vec::with_capacity(mappers.len() + 1);
        let mut total = 0;
        for m in mappers {
            offsets.push(total);
            total += m.num_bins();
        }
        offsets.push(total);
        Layout { offsets, total }
    }

    pub(crate) fn feature<'h>(&self, hist: &'h [Sums], f: usize) -> &'h [Sums] {
        &hist[self.offsets[f]..self.offsets[f + 1]]
    }
}

/// Fills `hist` (zeroed first) from `rows`, for the features in `features` only.
pub(crate) fn build(
    hist: &mut [Sums],
    layout: &Layout,
    binned: &Binned,
    rows: &[u32],
    gh: &[(f64, f64)],
    features: &[usize],
) {
    hist.fill(Sums::default());
    let offsets: Vec<usize> = features.iter().map(|&f| layout.offsets[f]).collect();
    for &r in rows {
        let r = r as usize;
        let (g, h) = gh[r];
        let bins = binned.row(r);
        for (&f, &off) in features.iter().zip(&offsets) {
            let s = &mut hist[off + bins[f] as usize];
            s.g += g;
            s.h += h;
            s.n += 1.0;
        }
    }
}

/// `parent` becomes `parent - child`: the sibling's histogram, without a pass over its rows.
pub(crate) fn subtract(parent: &mut [Sums], child: &[Sums]) {
    for (p, c) in parent.iter_mut().zip(child) {
        *p = p.minus(*c);
    }
}
