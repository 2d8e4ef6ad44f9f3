//! Outcome resolution, the one place that turns fired rules into an outcome and a score.
//!
//! 1. Shadow rules never count.
//! 2. The score is the sum of the fired live rules' scores, clamped to 0–100.
//! 3. If any fired live rule's outcome is `allow`, the outcome is `allow` (an explicit allow,
//!    such as an allowlist rule, overrides everything, thresholds included).
//! 4. Otherwise the outcome is the most severe of the fired live rules' outcomes and the
//!    outcome of the highest score threshold the score reaches (`score review at 60`).
//! 5. With nothing fired and no threshold reached, the outcome is `allow`.

use shrike_dsl::plan::RuleDef;
use shrike_types::{Outcome, RuleMode};

/// Resolves the outcome and score from the fired rules.
pub fn resolve<'r>(fired: impl Iterator<Item = &'r RuleDef>, thresholds: &[(f64, Outcome)]) -> (Outcome, u8) {
    let mut total: i64 = 0;
    let mut worst = Outcome::Allow;
    let mut explicit_allow = false;
    for rule in fired.filter(|r| r.mode == RuleMode::Live) {
        total += i64::from(rule.score);
        explicit_allow |= rule.outcome == Outcome::Allow;
        worst = worst.max(rule.outcome);
    }
    let score = total.clamp(0, 100) as u8;
    if explicit_allow {
        return (Outcome::Allow, score);
    }
    let by_score = thresholds.iter().find(|(at, _)| f64::from(score) >= *at).map(|(_, o)| *o);
    (worst.max(by_score.unwrap_or(Outcome::Allow)), score)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shrike_dsl::ir::Expr;
    use shrike_dsl::plan::TypeSet;
    use shrike_types::Value;

    fn rule(outcome: Outcome, score: i32, mode: RuleMode) -> RuleDef {
        RuleDef {
            name: "r".into(),
            reason: "r".into(),
            condition: Expr::Const(Value::Bool(true)),
            outcome,
            score,
            mode,
            tags: Vec::new().into(),
            types: TypeSet::ALL,
            reads: Vec::new(),
            models: Vec::new(),
        }
    }

    #[test]
    fn most_severe_live_outcome_wins() {
        let rules = [rule(Outcome::Review, 30, RuleMode::Live), rule(Outcome::Block, 50, RuleMode::Live)];
        assert_eq!(resolve(rules.iter(), &[]), (Outcome::Block, 80));
    }

    #[test]
    fn explicit_allow_overrides() {
        let rules = [rule(Outcome::Block, 90, RuleMode::Live), rule(Outcome::Allow, -50, RuleMode::Live)];
        assert_eq!(resolve(rules.iter(), &[(30.0, Outcome::Review)]), (Outcome::Allow, 40));
    }

    #[test]
    fn shadow_rules_change_nothing() {
        let rules = [rule(Outcome::Block, 90, RuleMode::Shadow)];
        assert_eq!(resolve(rules.iter(), &[]), (Outcome::Allow, 0));
    }

    #[test]
    fn score_is_clamped_and_thresholds_apply() {
        let rules = [rule(Outcome::Challenge, 70, RuleMode::Live), rule(Outcome::Challenge, 60, RuleMode::Live)];
        let thresholds = [(90.0, Outcome::Block), (50.0, Outcome::Review)];
        assert_eq!(resolve(rules.iter(), &thresholds), (Outcome::Block, 100));
        let neg = [rule(Outcome::Challenge, -40, RuleMode::Live)];
        assert_eq!(resolve(neg.iter(), &thresholds), (Outcome::Challenge, 0));
    }
}
