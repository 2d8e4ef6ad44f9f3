//! Per-model metrics: the distribution of each live model's scores, and its drift from the
//! scores it had on its training data (PSI, [`shrike_model::drift`]) when the model file keeps
//! that reference (`shrike train` writes it; imported LightGBM and XGBoost models have none,
//! so they get the score histogram only). Counted for live decisions since the policy was
//! published or the service started; model names are the policy's (at most 16), so the
//! label set stays small.

use std::fmt::Write as _;
use std::sync::Mutex;

use shrike_dsl::CompiledPolicy;
use shrike_model::drift::{ScoreHistogram, psi};
use shrike_types::Decision;

/// Upper bounds of the score buckets: fraud scores crowd near 0, so the low end is finer.
pub const SCORE_BUCKETS: [f64; 14] = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99];

/// Scores counted before a PSI is reported: fewer make it noise.
pub const MIN_SCORES_FOR_PSI: u64 = 100;

#[derive(Debug)]
struct ModelStats {
    name: String,
    buckets: [u64; SCORE_BUCKETS.len()],
    count: u64,
    sum: f64,
    /// The training histogram and the live one with its bins, when the model kept one.
    drift: Option<(ScoreHistogram, ScoreHistogram)>,
}

impl ModelStats {
    fn record(&mut self, score: f64) {
        if score.is_nan() {
            return;
        }
        if let Some(i) = SCORE_BUCKETS.iter().position(|&b| score <= b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += score;
        if let Some((_, live)) = &mut self.drift {
            live.record(score);
        }
    }
}

/// The live policy's models and their counts.
#[derive(Debug, Default)]
pub struct ModelMetrics {
    models: Mutex<Vec<ModelStats>>,
}

impl ModelMetrics {
    /// Starts counting afresh for `policy`'s models.
    pub fn reset(&self, policy: &CompiledPolicy) {
        let fresh = policy
            .models
            .iter()
            .map(|m| {
                let reference = m
                    .model
                    .reference_histogram()
                    .map(|(edges, counts)| ScoreHistogram { edges: edges.to_vec(), counts: counts.to_vec() });
                let drift = reference.map(|r| {
                    let live = r.empty_like();
                    (r, live)
                });
                ModelStats { name: m.name.to_string(), buckets: [0; SCORE_BUCKETS.len()], count: 0, sum: 0.0, drift }
            })
            .collect();
        if let Ok(mut models) = self.models.lock() {
            *models = fresh;
        }
    }

    /// Counts the model scores of a decision.
    pub fn record(&self, d: &Decision) {
        if d.models.is_empty() {
            return;
        }
        let Ok(mut models) = self.models.lock() else { return };
        for s in &d.models {
            if let Some(m) = models.iter_mut().find(|m| *m.name == *s.model) {
                m.record(s.score);
            }
        }
    }

    /// The Prometheus text of the model metrics.
    pub fn render(&self, out: &mut String) {
        let Ok(models) = self.models.lock() else { return };
        let h = "shrike_model_score";
        let _ = writeln!(
            out,
            "# HELP {h} Model scores (probability 0-1) of live decisions, by model.\n# TYPE {h} histogram"
        );
        for m in models.iter() {
            let mut cumulative = 0;
            for (b, n) in SCORE_BUCKETS.iter().zip(&m.buckets) {
                cumulative += n;
                let _ = writeln!(out, "{h}_bucket{{model=\"{}\",le=\"{b}\"}} {cumulative}", m.name);
            }
            let _ = writeln!(out, "{h}_bucket{{model=\"{}\",le=\"+Inf\"}} {}", m.name, m.count);
            let _ = writeln!(out, "{h}_sum{{model=\"{}\"}} {}", m.name, m.sum);
            let _ = writeln!(out, "{h}_count{{model=\"{}\"}} {}", m.name, m.count);
        }
        let g = "shrike_model_psi";
        let help = "Population stability index of live scores against the training scores (models trained by shrike train, after 100 scores).";
        let _ = writeln!(out, "# HELP {g} {help}\n# TYPE {g} gauge");
        for m in models.iter() {
            let Some((reference, live)) = &m.drift else { continue };
            if live.total() < MIN_SCORES_FOR_PSI {
                continue;
            }
            if let Ok(v) = psi(reference, live) {
                let _ = writeln!(out, "{g}{{model=\"{}\"}} {v}", m.name);
            }
        }
    }
}
