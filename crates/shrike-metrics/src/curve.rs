//! The ranked curve: samples sorted by score, highest first, cut at every distinct score.
//!
//! A threshold `t` flags every sample with `score >= t`. At each distinct score (highest
//! first) the curve records the cumulative weight of positives (`tp`) and negatives (`fp`)
//! flagged. Every metric is read off these points, so ties are one threshold and input order
//! never matters. A NaN score ranks below every other score.

/// Most points a plotted curve keeps ([`Curve::pr_points`], [`Curve::roc_points`]).
pub const MAX_PLOT_POINTS: usize = 512;

/// The cumulative counts at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CurvePoint {
    /// The threshold: samples with a score at or above it are flagged.
    pub threshold: f64,
    /// Weight of positives flagged.
    pub tp: f64,
    /// Weight of negatives flagged.
    pub fp: f64,
}

/// A ranked curve over weighted samples.
#[derive(Debug, Clone, Default)]
pub struct Curve {
    points: Vec<CurvePoint>,
    /// Total weight of positives and of negatives.
    pos: f64,
    neg: f64,
}

/// One point of a plotted curve.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PlotPoint {
    pub threshold: f64,
    pub x: f64,
    pub y: f64,
}

fn rank_key(s: f64) -> f64 {
    if s.is_nan() { f64::NEG_INFINITY } else { s }
}

/// An order-preserving integer key of a score: NaN as −∞, −0 as +0, so that equal keys are
/// exactly the ties of [`rank_key`] and sorting compares integers.
fn sort_key(s: f64) -> u64 {
    let s = rank_key(s) + 0.0; // adding +0.0 turns -0.0 into +0.0
    let bits = s.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

/// Sample indices by descending score, with their sort keys.
fn ranking(scores: &[f64], n: usize) -> Vec<(u64, u32)> {
    let mut order: Vec<(u64, u32)> = (0..n).map(|i| (sort_key(scores[i]), i as u32)).collect();
    order.sort_unstable_by_key(|&(key, _)| std::cmp::Reverse(key));
    order
}

impl Curve {
    /// Builds the curve. `weights` (same length as `scores`) count each sample; `None`
    /// counts each once. Lengths must agree; extra entries of the longer slice are ignored.
    pub fn new(scores: &[f64], labels: &[bool], weights: Option<&[f64]>) -> Curve {
        let n = scores.len().min(labels.len()).min(weights.map_or(usize::MAX, <[f64]>::len));
        Curve::ranked(&ranking(scores, n), scores, labels, weights)
    }

    /// The unweighted and the weighted curve of the same samples, from one sort.
    pub fn pair(scores: &[f64], labels: &[bool], weights: &[f64]) -> (Curve, Curve) {
        let n = scores.len().min(labels.len()).min(weights.len());
        let order = ranking(scores, n);
        (Curve::ranked(&order, scores, labels, None), Curve::ranked(&order, scores, labels, Some(weights)))
    }

    fn ranked(order: &[(u64, u32)], scores: &[f64], labels: &[bool], weights: Option<&[f64]>) -> Curve {
        let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
        let mut curve = Curve::default();
        let (mut tp, mut fp) = (0.0, 0.0);
        for (k, &(key, i)) in order.iter().enumerate() {
            let i = i as usize;
            if labels[i] {
                tp += weight(i)
            } else {
                fp += weight(i)
            }
            if order.get(k + 1).is_none_or(|next| next.0 != key) {
                curve.points.push(CurvePoint { threshold: rank_key(scores[i]) + 0.0, tp, fp });
            }
        }
        (curve.pos, curve.neg) = (tp, fp);
        curve
    }

    /// The points, highest threshold first.
    pub fn points(&self) -> &[CurvePoint] {
        &self.points
    }

    pub fn positives(&self) -> f64 {
        self.pos
    }

    pub fn negatives(&self) -> f64 {
        self.neg
    }

    /// Average precision (scikit-learn's `average_precision_score`): the sum over
    /// thresholds of the recall gained times the precision there,
    /// `AP = Σ (R_k − R_{k−1}) · P_k`, with `R_0 = 0` — a step integral, not the
    /// trapezoid (which overstates it). `None` without positives.
    pub fn average_precision(&self) -> Option<f64> {
        if self.pos <= 0.0 {
            return None;
        }
        let mut ap = 0.0;
        let mut prev_recall = 0.0;
        for p in &self.points {
            let flagged = p.tp + p.fp;
            if flagged <= 0.0 {
                continue;
            }
            let recall = p.tp / self.pos;
            ap += (recall - prev_recall) * (p.tp / flagged);
            prev_recall = recall;
        }
        Some(ap)
    }

    /// Area under the ROC curve by the trapezoid rule over every threshold, from (0, 0):
    /// equal to the probability that a positive outscores a negative, ties counting half.
    /// `None` without positives or without negatives.
    pub fn roc_auc(&self) -> Option<f64> {
        if self.pos <= 0.0 || self.neg <= 0.0 {
            return None;
        }
        let (mut auc, mut prev) = (0.0, (0.0, 0.0));
        for p in &self.points {
            let (fpr, tpr) = (p.fp / self.neg, p.tp / self.pos);
            auc += (fpr - prev.0) * (tpr + prev.1) / 2.0;
            prev = (fpr, tpr);
        }
        Some(auc)
    }

    /// The highest recall (true-positive rate) of any threshold whose false-positive rate is
    /// at most `max_fpr` — flagging nothing (recall 0) always qualifies. With weights, both
    /// rates are weighted. `None` without positives or without negatives.
    pub fn recall_at_fpr(&self, max_fpr: f64) -> Option<f64> {
        self.point_at_fpr(max_fpr).map(|p| p.map_or(0.0, |p| p.tp / self.pos))
    }

    /// The lowest threshold whose false-positive rate is at most `max_fpr` (the one
    /// [`Curve::recall_at_fpr`] reads), or `Some(None)` when only flagging nothing qualifies.
    pub fn point_at_fpr(&self, max_fpr: f64) -> Option<Option<CurvePoint>> {
        if self.pos <= 0.0 || self.neg <= 0.0 {
            return None;
        }
        // fp only grows as the threshold falls, so the qualifying points are a prefix.
        Some(self.points.iter().take_while(|p| p.fp / self.neg <= max_fpr).last().copied())
    }

    /// The precision–recall curve, highest threshold first: `x` recall, `y` precision, at
    /// most [`MAX_PLOT_POINTS`] points (evenly spaced along the thresholds, last kept).
    pub fn pr_points(&self) -> Vec<PlotPoint> {
        self.plot(|p| (p.tp + p.fp > 0.0).then(|| (p.tp / self.pos.max(f64::MIN_POSITIVE), p.tp / (p.tp + p.fp))))
    }

    /// The ROC curve, highest threshold first: `x` false-positive rate, `y` recall.
    pub fn roc_points(&self) -> Vec<PlotPoint> {
        let (pos, neg) = (self.pos.max(f64::MIN_POSITIVE), self.neg.max(f64::MIN_POSITIVE));
        self.plot(|p| Some((p.fp / neg, p.tp / pos)))
    }

    fn plot(&self, xy: impl Fn(&CurvePoint) -> Option<(f64, f64)>) -> Vec<PlotPoint> {
        let n = self.points.len();
        let step = n.div_ceil(MAX_PLOT_POINTS).max(1);
        let keep = |i: usize| i.is_multiple_of(step) || i + 1 == n;
        let pick = |(i, p): (usize, &CurvePoint)| {
            keep(i).then(|| xy(p)).flatten().map(|(x, y)| PlotPoint { threshold: p.threshold, x, y })
        };
        self.points.iter().enumerate().filter_map(pick).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-12;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < EPS)
    }

    #[test]
    fn hand_computed_without_ties() {
        // Ranked: 0.9 P, 0.8 N, 0.7 P, 0.6 N, 0.5 P.
        let c = Curve::new(&[0.5, 0.9, 0.6, 0.7, 0.8], &[true, true, false, true, false], None);
        // Precision at each positive: 1/1, 2/3, 3/5; recall steps of 1/3.
        assert!(close(c.average_precision(), (1.0 + 2.0 / 3.0 + 3.0 / 5.0) / 3.0));
        // Pairs (P, N) with P above N: 0.9 > both, 0.7 > 0.6, 0.5 > none: 3 of 6.
        assert!(close(c.roc_auc(), 3.0 / 6.0));
        assert!(close(c.recall_at_fpr(0.0), 1.0 / 3.0));
        assert!(close(c.recall_at_fpr(0.5), 2.0 / 3.0));
        assert!(close(c.recall_at_fpr(1.0), 1.0));
    }

    #[test]
    fn ties_are_one_threshold_and_count_half() {
        // Two samples at 0.5, one positive and one negative; one positive above.
        let c = Curve::new(&[0.5, 0.5, 0.9], &[true, false, true], None);
        assert_eq!(c.points().len(), 2);
        // Pairs: (0.9, 0.5) wins, (0.5, 0.5) ties: (1 + 0.5) / 2.
        assert!(close(c.roc_auc(), 0.75));
        // Thresholds: 0.9 → P 1, R 1/2; 0.5 → P 2/3, R 1.
        assert!(close(c.average_precision(), 0.5 * 1.0 + 0.5 * (2.0 / 3.0)));
        // The order of tied samples does not matter.
        let d = Curve::new(&[0.9, 0.5, 0.5], &[true, false, true], None);
        assert_eq!(c.average_precision(), d.average_precision());
        assert!(close(c.recall_at_fpr(0.99), 0.5), "the tie brings the false positive with it");
    }

    #[test]
    fn weights_count_samples() {
        // Weight 3 on the top positive is three positives there.
        let w = Curve::new(&[0.9, 0.8, 0.7], &[true, false, true], Some(&[3.0, 1.0, 1.0]));
        let u = Curve::new(&[0.9, 0.9, 0.9, 0.8, 0.7], &[true, true, true, false, true], None);
        assert_eq!(w.average_precision(), u.average_precision());
        assert_eq!(w.roc_auc(), u.roc_auc());
        assert!(close(w.recall_at_fpr(0.0), 0.75));
    }

    #[test]
    fn undefined_metrics_are_none() {
        let only_negatives = Curve::new(&[0.1, 0.2], &[false, false], None);
        assert_eq!(only_negatives.average_precision(), None);
        assert_eq!(only_negatives.roc_auc(), None);
        let only_positives = Curve::new(&[0.1, 0.2], &[true, true], None);
        assert!(close(only_positives.average_precision(), 1.0));
        assert_eq!(only_positives.roc_auc(), None);
        assert_eq!(Curve::new(&[], &[], None).recall_at_fpr(0.01), None);
    }

    #[test]
    fn negative_scores_sort_and_signed_zeros_tie() {
        let c = Curve::new(&[-1.5, -0.0, 0.0, 2.0, f64::NEG_INFINITY, -3.0], &[true; 6], None);
        let thresholds: Vec<f64> = c.points().iter().map(|p| p.threshold).collect();
        assert_eq!(thresholds, [2.0, 0.0, -1.5, -3.0, f64::NEG_INFINITY]);
        assert_eq!(c.points()[1].tp, 3.0, "-0 and +0 are one threshold");
        let (u, w) = Curve::pair(&[0.3, 0.1, 0.2], &[true, false, true], &[2.0, 1.0, 1.0]);
        assert_eq!(u.points(), Curve::new(&[0.3, 0.1, 0.2], &[true, false, true], None).points());
        assert_eq!(w.positives(), 3.0);
    }

    #[test]
    fn nan_scores_rank_lowest() {
        let c = Curve::new(&[f64::NAN, 0.2, 0.1], &[false, true, false], None);
        assert!(close(c.roc_auc(), 1.0));
    }

    #[test]
    fn plots_are_bounded_and_keep_the_last_point() {
        let n = 5_000;
        let scores: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let labels: Vec<bool> = (0..n).map(|i| i % 7 == 0).collect();
        let c = Curve::new(&scores, &labels, None);
        let pr = c.pr_points();
        assert!(pr.len() <= MAX_PLOT_POINTS + 1, "{}", pr.len());
        let last = pr.last().map(|p| p.x);
        assert_eq!(last, Some(1.0));
        assert_eq!(c.roc_points().last().map(|p| (p.x, p.y)), Some((1.0, 1.0)));
    }
}
