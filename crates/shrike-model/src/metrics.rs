//! The two validation metrics early stopping needs. Kept private to this crate on purpose:
//! a shared metrics crate will replace them.

/// Average precision (the step-wise area under the precision-recall curve, as scikit-learn's
/// `average_precision_score`): sum over distinct score thresholds of `(R_k - R_{k-1}) * P_k`.
/// Ties are one threshold. 0 when there is no positive.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return 0.0;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut seen, mut ap) = (0usize, 0usize, 0.0);
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        let mut new_tp = 0;
        while i < order.len() && scores[order[i]].total_cmp(&s).is_eq() {
            new_tp += usize::from(labels[order[i]]);
            seen += 1;
            i += 1;
        }
        tp += new_tp;
        ap += (new_tp as f64 / positives as f64) * (tp as f64 / seen as f64);
    }
    ap
}

/// Mean binary cross-entropy of probabilities, clamped away from 0 and 1.
pub fn logloss(probabilities: &[f64], labels: &[bool]) -> f64 {
    const EPS: f64 = 1e-15;
    let n = probabilities.len().max(1) as f64;
    let sum: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            if y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    sum / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_matches_hand_computation() {
        // ranks: 0.9 (+), 0.8 (-), 0.7 (+), 0.1 (-): AP = 0.5*1 + 0.5*(2/3)
        let ap = average_precision(&[0.1, 0.9, 0.7, 0.8], &[false, true, true, false]);
        assert!((ap - (0.5 + 1.0 / 3.0)).abs() < 1e-12, "{ap}");
    }

    #[test]
    fn ties_count_as_one_threshold() {
        // all tied: precision at the only threshold is 2/4
        let ap = average_precision(&[0.5; 4], &[true, false, true, false]);
        assert!((ap - 0.5).abs() < 1e-12);
        assert_eq!(average_precision(&[0.3, 0.2], &[false, false]), 0.0);
    }

    #[test]
    fn logloss_of_perfect_and_even_guesses() {
        assert!(logloss(&[1.0, 0.0], &[true, false]) < 1e-12);
        assert!((logloss(&[0.5, 0.5], &[true, false]) - std::f64::consts::LN_2).abs() < 1e-12);
    }
}
