//! Scored, labelled, weighted samples collected during a run.

use crate::curve::Curve;

/// Column vectors of `(score, label, weight)`, one entry per scored event. Pushing allocates
/// only when a vector grows (reserve with [`Samples::with_capacity`] to avoid even that).
#[derive(Debug, Clone, Default)]
pub struct Samples {
    pub scores: Vec<f64>,
    pub labels: Vec<bool>,
    pub weights: Vec<f64>,
}

impl Samples {
    pub fn with_capacity(n: usize) -> Samples {
        Samples { scores: Vec::with_capacity(n), labels: Vec::with_capacity(n), weights: Vec::with_capacity(n) }
    }

    /// Adds one sample. A non-finite score is kept (it sorts as the lowest, see [`Curve`]);
    /// a negative or non-finite weight counts as 0.
    pub fn push(&mut self, score: f64, label: bool, weight: f64) {
        self.scores.push(score);
        self.labels.push(label);
        self.weights.push(if weight.is_finite() && weight > 0.0 { weight } else { 0.0 });
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The ranked curve counting every sample once.
    pub fn curve(&self) -> Curve {
        Curve::new(&self.scores, &self.labels, None)
    }

    /// Both curves, unweighted and weighted, from one sort.
    pub fn curves(&self) -> (Curve, Curve) {
        Curve::pair(&self.scores, &self.labels, &self.weights)
    }

    /// The ranked curve with each sample counted by its weight.
    pub fn weighted_curve(&self) -> Curve {
        Curve::new(&self.scores, &self.labels, Some(&self.weights))
    }
}
