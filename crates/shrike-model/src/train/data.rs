//! Training data and its binned form. Each feature gets a mapper from values to `u8` bins:
//! - numeric: quantile bins with upper bounds `upper` (a value goes in the first bin whose
//!   bound is `>= x`, so `bin(x) <= b` exactly when `x <= upper[b]`: a split "bin <= b" is
//!   the split "x <= upper[b]" on raw values), then one bin for missing values;
//! - categorical: one bin per frequent category, an "other" bin (rare, unseen and negative
//!   codes) and a missing bin.
//!
//! Missing values are never imputed: they keep their own bin and each split learns where
//! they go.

use crate::input::Input;
use crate::limits::{MAX_CATEGORY, MAX_INPUTS};
use crate::train::TrainError;
use crate::train::params::Params;

/// Rows used to find a numeric feature's bin bounds (an evenly spaced subset beyond this).
pub const BIN_SAMPLE_ROWS: usize = 200_000;

/// Rows a training set may hold (row indices are `u32`).
pub const MAX_ROWS: usize = u32::MAX as usize;

/// A training or validation set, column by column (input `i` is `columns[i]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub inputs: Vec<Input>,
    pub columns: Vec<Vec<f64>>,
    pub labels: Vec<bool>,
}

impl Dataset {
    /// Checks that the columns match the inputs and the labels in length.
    pub fn new(inputs: Vec<Input>, columns: Vec<Vec<f64>>, labels: Vec<bool>) -> Result<Dataset, TrainError> {
        if inputs.is_empty() || inputs.len() > MAX_INPUTS || columns.len() != inputs.len() {
            let msg = format!("{} columns for {} inputs (1 to {MAX_INPUTS})", columns.len(), inputs.len());
            return Err(TrainError::new("columns", msg));
        }
        if labels.is_empty() || labels.len() > MAX_ROWS {
            return Err(TrainError::new("labels", format!("must hold 1 to {MAX_ROWS} rows")));
        }
        if let Some(i) = columns.iter().position(|c| c.len() != labels.len()) {
            let msg = format!("{} values for {} labels", columns[i].len(), labels.len());
            return Err(TrainError::new(format!("columns[{i}] ({})", inputs[i].name), msg));
        }
        Ok(Dataset { inputs, columns, labels })
    }

    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    /// Row `r` as a model row (input `i` at index `i`).
    pub fn row(&self, r: usize) -> Vec<f64> {
        self.columns.iter().map(|c| c[r]).collect()
    }
}

/// Maps one feature's values to bins.
#[derive(Clone, Debug)]
pub(crate) enum Mapper {
    Numeric {
        upper: Vec<f64>,
    },
    /// `codes[b]` is the category of bin `b`; `bin_of[code]` the reverse (`other` if absent).
    Categorical {
        codes: Vec<u32>,
        bin_of: Vec<u8>,
    },
}

impl Mapper {
    pub(crate) fn fit(column: &[f64], categorical: bool, params: &Params) -> Mapper {
        if categorical {
            categorical_mapper(column, params.max_categories)
        } else {
            numeric_mapper(column, params.max_bins)
        }
    }

    /// Bins in all, the missing bin (the last) included.
    pub(crate) fn num_bins(&self) -> usize {
        match self {
            Mapper::Numeric { upper } => upper.len() + 1,
            Mapper::Categorical { codes, .. } => codes.len() + 2,
        }
    }

    pub(crate) fn missing_bin(&self) -> usize {
        self.num_bins() - 1
    }

    pub(crate) fn bin(&self, x: f64) -> u8 {
        if x.is_nan() {
            return self.missing_bin() as u8;
        }
        match self {
            Mapper::Numeric { upper } => upper.partition_point(|&u| u < x) as u8,
            Mapper::Categorical { codes, bin_of } => {
                let other = codes.len() as u8;
                if x < 0.0 { other } else { bin_of.get(x as usize).copied().unwrap_or(other) }
            }
        }
    }
}

fn numeric_mapper(column: &[f64], max_bins: usize) -> Mapper {
    let step = column.len().div_ceil(BIN_SAMPLE_ROWS).max(1);
    let mut values: Vec<f64> = column.iter().step_by(step).copied().filter(|v| !v.is_nan()).collect();
    values.sort_by(f64::total_cmp);
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for v in values {
        match distinct.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => distinct.push((v, 1)),
        }
    }
    let mut upper = Vec::new();
    let mut remaining: usize = distinct.iter().map(|d| d.1).sum();
    let mut in_bin = 0;
    for (i, &(v, count)) in distinct.iter().enumerate() {
        in_bin += count;
        remaining -= count;
        let Some(&(next, _)) = distinct.get(i + 1) else { break };
        let bins_left = max_bins - upper.len();
        // cut when this bin holds its share of what is left, or when every distinct value
        // still fits a bin of its own
        let share = (in_bin + remaining) as f64 / bins_left as f64;
        if bins_left > 1 && (in_bin as f64 >= share || distinct.len() - i <= bins_left) {
            upper.push(midpoint(v, next));
            in_bin = 0;
        }
    }
    upper.push(f64::INFINITY);
    Mapper::Numeric { upper }
}

/// A bound between `a < b` that keeps `a` below-or-equal and `b` above.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    if m < b && m.is_finite() { m } else { a }
}

fn categorical_mapper(column: &[f64], max_categories: usize) -> Mapper {
    let mut counts: Vec<u32> = Vec::new();
    for &x in column {
        if x >= 0.0 && x < MAX_CATEGORY as f64 {
            let c = x as usize;
            if c >= counts.len() {
                counts.resize(c + 1, 0);
            }
            counts[c] += 1;
        }
    }
    let mut codes: Vec<u32> = (0..counts.len() as u32).filter(|&c| counts[c as usize] > 0).collect();
    codes.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
    codes.truncate(max_categories);
    let other = codes.len() as u8;
    let mut bin_of = vec![other; counts.len()];
    for (b, &c) in codes.iter().enumerate() {
        bin_of[c as usize] = b as u8;
    }
    Mapper::Categorical { codes, bin_of }
}

/// A dataset as bins, row-major (`bins[row * features + f]`): building a histogram reads one
/// row's bins together.
pub(crate) struct Binned {
    pub(crate) rows: usize,
    pub(crate) features: usize,
    pub(crate) bins: Vec<u8>,
}

impl Binned {
    pub(crate) fn new(data: &Dataset, mappers: &[Mapper]) -> Binned {
        let (rows, features) = (data.rows(), mappers.len());
        let mut bins = vec![0u8; rows * features];
        for (f, (mapper, column)) in mappers.iter().zip(&data.columns).enumerate() {
            for (r, &x) in column.iter().enumerate() {
                bins[r * features + f] = mapper.bin(x);
            }
        }
        Binned { rows, features, bins }
    }

    #[inline]
    pub(crate) fn row(&self, r: usize) -> &[u8] {
        &self.bins[r * self.features..(r + 1) * self.features]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_bins_agree_with_their_upper_bounds() {
        let column: Vec<f64> = (0..5000).map(|i| ((i * 7919) % 1000) as f64 / 10.0).collect();
        let m = numeric_mapper(&column, 16);
        let Mapper::Numeric { upper } = &m else { panic!() };
        assert_eq!(upper.len(), 16);
        assert!(upper.windows(2).all(|w| w[0] < w[1]));
        for &x in &column {
            let b = m.bin(x) as usize;
            assert!(x <= upper[b] && (b == 0 || x > upper[b - 1]));
        }
        assert_eq!(m.bin(f64::NAN) as usize, m.missing_bin());
    }

    #[test]
    fn few_distinct_values_get_a_bin_each_and_a_heavy_value_its_own() {
        let m = numeric_mapper(&[1.0, 2.0, 2.0, 3.0], 255);
        let Mapper::Numeric { upper } = &m else { panic!() };
        assert_eq!(upper, &[1.5, 2.5, f64::INFINITY]);
        let mut col = vec![0.0; 600];
        col.extend((0..400).map(|i| 1.0 + i as f64));
        let m = numeric_mapper(&col, 8);
        assert_eq!(m.bin(0.0), 0);
        assert_ne!(m.bin(1.0), 0, "the 60% zeros are alone in their bin");
    }

    #[test]
    fn categories_by_frequency_with_other_and_missing_bins() {
        let col = [3.0, 3.0, 3.0, 1.0, 1.0, 7.0, f64::NAN, -2.0];
        let m = categorical_mapper(&col, 2);
        assert_eq!((m.bin(3.0), m.bin(1.0)), (0, 1));
        assert_eq!((m.bin(7.0), m.bin(-2.0), m.bin(500.0)), (2, 2, 2), "rare, negative and unseen share `other`");
        assert_eq!(m.bin(f64::NAN), 3);
    }
}
