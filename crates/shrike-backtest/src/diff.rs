//! `--against`: what changes from a baseline policy to a candidate on the same stream — the
//! events whose outcome changes, and the change of every headline number.

use shrike_types::Outcome;

use crate::collect::{ChangedEvent, PolicyRun};
use crate::report::PolicyReport;

/// Events that moved from one outcome to another.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Transition {
    pub from: Outcome,
    pub to: Outcome,
    pub fraud: u64,
    pub legit: u64,
}

/// Candidate minus baseline, for each headline number (`None` where either is undefined).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Deltas {
    pub pr_auc: Option<f64>,
    pub roc_auc: Option<f64>,
    pub recall_at_1pct_fpr: Option<f64>,
    pub recall_at_01pct_fpr: Option<f64>,
    pub money_recall_at_1pct_fpr: Option<f64>,
    pub money_recall_at_01pct_fpr: Option<f64>,
    pub flag_rate: Option<f64>,
    pub review_rate: Option<f64>,
    pub block_rate: Option<f64>,
    pub flagged_precision: Option<f64>,
    pub flagged_recall: Option<f64>,
    pub flagged_money_recall: Option<f64>,
}

/// The diff of a candidate against a baseline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DiffReport {
    pub baseline: String,
    pub candidate: String,
    pub changed: u64,
    pub changed_fraud: u64,
    pub changed_legit: u64,
    /// Fraud / legitimate events newly flagged (allow → other) and newly allowed.
    pub newly_flagged: [u64; 2],
    pub newly_allowed: [u64; 2],
    pub transitions: Vec<Transition>,
    pub deltas: Deltas,
    /// The first changed events, in stream order.
    pub examples: Vec<ChangedEvent>,
    /// Events of the candidate's pass beyond the baseline's (non-zero only if the streams differ).
    pub unmatched: u64,
}

fn delta(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? - b?)
}

fn deltas(c: &PolicyReport, b: &PolicyReport) -> Deltas {
    Deltas {
        pr_auc: delta(c.score.pr_auc, b.score.pr_auc),
        roc_auc: delta(c.score.roc_auc, b.score.roc_auc),
        recall_at_1pct_fpr: delta(c.score.recall_at_1pct_fpr, b.score.recall_at_1pct_fpr),
        recall_at_01pct_fpr: delta(c.score.recall_at_01pct_fpr, b.score.recall_at_01pct_fpr),
        money_recall_at_1pct_fpr: delta(c.score.money_recall_at_1pct_fpr, b.score.money_recall_at_1pct_fpr),
        money_recall_at_01pct_fpr: delta(c.score.money_recall_at_01pct_fpr, b.score.money_recall_at_01pct_fpr),
        flag_rate: delta(c.flag_rate, b.flag_rate),
        review_rate: delta(c.review_rate, b.review_rate),
        block_rate: delta(c.block_rate, b.block_rate),
        flagged_precision: delta(c.flagged.precision, b.flagged.precision),
        flagged_recall: delta(c.flagged.recall, b.flagged.recall),
        flagged_money_recall: delta(c.flagged.money_recall, b.flagged.money_recall),
    }
}

impl PolicyRun {
    /// The diff against the baseline this run was built with ([`PolicyRun::against`]).
    pub fn diff(&self, candidate: &PolicyReport, baseline: &PolicyReport) -> Option<DiffReport> {
        let d = self.diff.as_ref()?;
        let mut report = DiffReport {
            baseline: baseline.policy.clone(),
            candidate: candidate.policy.clone(),
            changed: 0,
            changed_fraud: 0,
            changed_legit: 0,
            newly_flagged: [0; 2],
            newly_allowed: [0; 2],
            transitions: Vec::new(),
            deltas: deltas(candidate, baseline),
            examples: d.examples.clone(),
            unmatched: d.unmatched,
        };
        for (from, row) in Outcome::ALL.into_iter().zip(&d.transitions) {
            for (to, &[legit, fraud]) in Outcome::ALL.into_iter().zip(row) {
                if from == to || legit + fraud == 0 {
                    continue;
                }
                report.transitions.push(Transition { from, to, fraud, legit });
                report.changed += legit + fraud;
                report.changed_fraud += fraud;
                report.changed_legit += legit;
                if from == Outcome::Allow {
                    report.newly_flagged[0] += fraud;
                    report.newly_flagged[1] += legit;
                } else if to == Outcome::Allow {
                    report.newly_allowed[0] += fraud;
                    report.newly_allowed[1] += legit;
                }
            }
        }
        Some(report)
    }
}
