//! The numbers of a backtest, computed once from a [`PolicyRun`] after the pass.

use shrike_metrics::{Confusion, Histogram, PlotPoint};
use shrike_types::{Money, Outcome};

use crate::collect::PolicyRun;
use crate::timeline::Bar;

/// The false-positive rates recall is reported at.
pub const FPR_1PCT: f64 = 0.01;
pub const FPR_01PCT: f64 = 0.001;
/// Bins of the score histograms (scores are 0–100, so each bin is 5 points wide).
pub const SCORE_BINS: usize = 20;

/// One outcome's row of the confusion table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutcomeRow {
    pub outcome: Outcome,
    pub events: u64,
    pub fraud: u64,
    pub legit: u64,
    pub fraud_money: Money,
    pub legit_money: Money,
}

/// A binary decision (flagged or not) against the labels.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BinaryReport {
    #[serde(flatten)]
    pub counts: Confusion,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub fpr: Option<f64>,
    /// Share of fraud money in the flagged events.
    pub money_recall: Option<f64>,
}

/// The score as a ranking: curves and rates at fixed false-positive rates.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScoreReport {
    /// Average precision (see `shrike_metrics::Curve::average_precision`).
    pub pr_auc: Option<f64>,
    pub roc_auc: Option<f64>,
    pub recall_at_1pct_fpr: Option<f64>,
    pub recall_at_01pct_fpr: Option<f64>,
    /// Share of fraud money caught at a threshold whose FPR (by events) is at most 1% / 0.1%.
    pub money_recall_at_1pct_fpr: Option<f64>,
    pub money_recall_at_01pct_fpr: Option<f64>,
    /// The score thresholds those rates are read at (`None`: only flagging nothing qualifies).
    pub threshold_at_1pct_fpr: Option<f64>,
    pub threshold_at_01pct_fpr: Option<f64>,
    pub pr_curve: Vec<PlotPoint>,
    pub histogram_fraud: Histogram,
    pub histogram_legit: Histogram,
}

/// One rule's row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleReport {
    pub rule: String,
    pub shadow: bool,
    pub outcome: Outcome,
    pub score: i32,
    pub hits: u64,
    pub fraud_hits: u64,
    /// Fraud hits / hits.
    pub precision: Option<f64>,
    /// Fraud hits / fraud events.
    pub recall: Option<f64>,
    /// Amount of the fraud events the rule hit.
    pub money_caught: Money,
}

/// Events where at least one shadow rule fired.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShadowReport {
    pub events: u64,
    pub fraud: u64,
}

/// Everything a backtest says about one policy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyReport {
    pub policy: String,
    pub events: u64,
    pub fraud_events: u64,
    pub fraud_money: Money,
    pub late_events: u64,
    pub bad_lines: u64,
    pub outcomes: Vec<OutcomeRow>,
    /// Any outcome other than allow.
    pub flagged: BinaryReport,
    pub blocked: BinaryReport,
    pub flag_rate: Option<f64>,
    pub challenge_rate: Option<f64>,
    pub review_rate: Option<f64>,
    pub block_rate: Option<f64>,
    pub shadow: ShadowReport,
    pub score: ScoreReport,
    pub rules: Vec<RuleReport>,
    pub timeline_hours_per_bar: usize,
    pub timeline: Vec<Bar>,
    /// The first bad input lines, with their errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bad_line_examples: Vec<String>,
}

pub(crate) fn money(m: i128) -> Money {
    Money(m.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl PolicyRun {
    /// The report. `&self` so a run can still serve as another run's baseline.
    pub fn report(&self) -> PolicyReport {
        let events: u64 = self.cells.iter().flatten().map(|c| c.events).sum();
        let fraud_events: u64 = self.cells.iter().map(|c| c[1].events).sum();
        let fraud_money: i128 = self.cells.iter().map(|c| c[1].money).sum();
        let rate = |o: Outcome| ratio(self.cells[o as usize].iter().map(|c| c.events).sum(), events);
        PolicyReport {
            policy: self.policy.version.to_string(),
            events,
            fraud_events,
            fraud_money: money(fraud_money),
            late_events: self.late,
            bad_lines: self.bad_line_count,
            outcomes: self.outcome_rows(),
            flagged: self.binary(|o| o != Outcome::Allow, fraud_money),
            blocked: self.binary(|o| o == Outcome::Block, fraud_money),
            flag_rate: ratio(events - self.cells[0].iter().map(|c| c.events).sum::<u64>(), events),
            challenge_rate: rate(Outcome::Challenge),
            review_rate: rate(Outcome::Review),
            block_rate: rate(Outcome::Block),
            shadow: ShadowReport { events: self.shadow_flagged.iter().sum(), fraud: self.shadow_flagged[1] },
            score: self.score_report(),
            rules: self.rule_rows(fraud_events),
            timeline_hours_per_bar: self.timeline.hours_per_bar(),
            timeline: self.timeline.bars(),
            bad_line_examples: self.bad_lines.clone(),
        }
    }

    fn outcome_rows(&self) -> Vec<OutcomeRow> {
        let row = |o: Outcome| {
            let [legit, fraud] = self.cells[o as usize];
            OutcomeRow {
                outcome: o,
                events: legit.events + fraud.events,
                fraud: fraud.events,
                legit: legit.events,
                fraud_money: money(fraud.money),
                legit_money: money(legit.money),
            }
        };
        Outcome::ALL.into_iter().map(row).collect()
    }

    fn binary(&self, flagged: impl Fn(Outcome) -> bool, fraud_money: i128) -> BinaryReport {
        let mut c = Confusion::default();
        let mut caught: i128 = 0;
        for o in Outcome::ALL {
            let [legit, fraud] = self.cells[o as usize];
            if flagged(o) {
                (c.tp, c.fp) = (c.tp + fraud.events, c.fp + legit.events);
                caught += fraud.money;
            } else {
                (c.fn_, c.tn) = (c.fn_ + fraud.events, c.tn + legit.events);
            }
        }
        let money_recall = (fraud_money > 0).then(|| caught as f64 / fraud_money as f64);
        BinaryReport { counts: c, precision: c.precision(), recall: c.recall(), fpr: c.fpr(), money_recall }
    }

    fn score_report(&self) -> ScoreReport {
        let s = &self.samples;
        let (curve, by_money) = s.curves();
        let threshold = |max_fpr| curve.point_at_fpr(max_fpr).flatten().map(|p| p.threshold);
        let (mut fraud, mut legit) = (Histogram::new(0.0, 100.0, SCORE_BINS), Histogram::new(0.0, 100.0, SCORE_BINS));
        for (&score, &label) in s.scores.iter().zip(&s.labels) {
            if label { fraud.add(score) } else { legit.add(score) }
        }
        ScoreReport {
            pr_auc: curve.average_precision(),
            roc_auc: curve.roc_auc(),
            recall_at_1pct_fpr: curve.recall_at_fpr(FPR_1PCT),
            recall_at_01pct_fpr: curve.recall_at_fpr(FPR_01PCT),
            // Legitimate samples weigh 1 in the money curve, so its false-positive rate is the
            // event FPR, and its recall is the share of fraud money caught.
            money_recall_at_1pct_fpr: by_money.recall_at_fpr(FPR_1PCT),
            money_recall_at_01pct_fpr: by_money.recall_at_fpr(FPR_01PCT),
            threshold_at_1pct_fpr: threshold(FPR_1PCT),
            threshold_at_01pct_fpr: threshold(FPR_01PCT),
            pr_curve: curve.pr_points(),
            histogram_fraud: fraud,
            histogram_legit: legit,
        }
    }

    fn rule_rows(&self, fraud_events: u64) -> Vec<RuleReport> {
        let row = |(def, c): (&shrike_dsl::plan::RuleDef, &crate::collect::RuleCounts)| RuleReport {
            rule: def.name.to_string(),
            shadow: def.mode == shrike_types::RuleMode::Shadow,
            outcome: def.outcome,
            score: def.score,
            hits: c.hits,
            fraud_hits: c.fraud_hits,
            precision: ratio(c.fraud_hits, c.hits),
            recall: ratio(c.fraud_hits, fraud_events),
            money_caught: money(c.fraud_money),
        };
        self.policy.rules.iter().zip(&self.rules).map(row).collect()
    }
}
