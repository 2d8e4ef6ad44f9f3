//! Fixed-bin histograms of scores.

/// Most bins in one histogram (a plot has no use for more; bounds memory per policy).
pub const MAX_BINS: usize = 1_000;

/// Counts of values in `bins` equal-width bins over `[lo, hi]`. Values below `lo` land in the
/// first bin and values above `hi` (or NaN) in the last, so nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
}

impl Histogram {
    /// `bins` is clamped to `1..=MAX_BINS`; `hi` must exceed `lo` (else one bin at `lo`).
    pub fn new(lo: f64, hi: f64, bins: usize) -> Histogram {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Histogram { lo, hi, counts: vec![0; bins.clamp(1, MAX_BINS)] }
    }

    pub fn add(&mut self, x: f64) {
        let i = self.bin(x);
        self.counts[i] += 1;
    }

    /// The bin of `x`: `floor((x - lo) / width)`, with `hi` itself in the last bin.
    pub fn bin(&self, x: f64) -> usize {
        let n = self.counts.len();
        if x.is_nan() {
            return n - 1;
        }
        let f = (x - self.lo) / (self.hi - self.lo) * n as f64;
        (f.max(0.0) as usize).min(n - 1)
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Lower edge of bin `i`.
    pub fn edge(&self, i: usize) -> f64 {
        self.lo + (self.hi - self.lo) * i as f64 / self.counts.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_half_open_with_the_top_edge_in_the_last_bin() {
        let mut h = Histogram::new(0.0, 100.0, 10);
        for x in [0.0, 9.999, 10.0, 55.0, 100.0, -3.0, 250.0, f64::NAN] {
            h.add(x);
        }
        assert_eq!(h.counts, vec![3, 1, 0, 0, 0, 1, 0, 0, 0, 3]);
        assert_eq!(h.total(), 8);
        assert_eq!(h.edge(3), 30.0);
    }
}
