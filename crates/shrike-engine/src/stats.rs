//! Counters an engine keeps: events, outcomes, hits per rule, duplicates, late events.

use serde::Serialize;
use shrike_dsl::plan::CompiledPolicy;
use shrike_types::{Decision, Outcome, RuleMode};

/// Hits of one rule.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleStats {
    pub rule: String,
    pub shadow: bool,
    pub hits: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineStats {
    pub events: u64,
    pub duplicates: u64,
    pub late: u64,
    pub expired_keys: u64,
    /// Decisions per outcome, in severity order allow, challenge, review, block.
    pub outcomes: [u64; 4],
    pub rules: Vec<RuleStats>,
}

impl EngineStats {
    pub fn new(policy: &CompiledPolicy) -> EngineStats {
        let rules = policy
            .rules
            .iter()
            .map(|r| RuleStats { rule: r.name.to_string(), shadow: r.mode == RuleMode::Shadow, hits: 0 })
            .collect();
        EngineStats { rules, ..EngineStats::default() }
    }

    pub(crate) fn record(&mut self, d: &Decision, fired: &[u16]) {
        self.events += 1;
        self.outcomes[d.outcome as usize] += 1;
        for &r in fired {
            self.rules[r as usize].hits += 1;
        }
    }

    pub fn outcome_count(&self, o: Outcome) -> u64 {
        self.outcomes[o as usize]
    }
}
