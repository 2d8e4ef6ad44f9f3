//! The public vocabulary: configuration, fraud patterns, labels and the run summary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shrike_types::Timestamp;

/// 2026-09-01T00:00:00Z, the default start of event time.
pub const DEFAULT_START: Timestamp = Timestamp(1_788_220_800_000);

/// Highest accepted `fraud_rate`: beyond it the "honest background" stops being a background.
pub const MAX_FRAUD_RATE: f64 = 0.5;

/// What to generate. Equal configs give byte-identical streams.
#[derive(Clone, Debug, PartialEq)]
pub struct GenConfig {
    /// Exact number of events in the stream.
    pub events: u64,
    /// Seed of the only random source.
    pub seed: u64,
    /// Event time of the beginning of the simulated period.
    pub start: Timestamp,
    /// Length of the simulated period; the honest rate is calibrated so that `events` fill
    /// about this many days. `0` is read as `1`.
    pub days: u32,
    /// Target share of events that belong to planted fraud episodes, clamped to
    /// `0.0..=MAX_FRAUD_RATE` (NaN reads as `0`).
    pub fraud_rate: f64,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig { events: 100_000, seed: 42, start: DEFAULT_START, days: 28, fraud_rate: 0.03 }
    }
}

impl GenConfig {
    /// The config with `days` and `fraud_rate` brought into range.
    pub(crate) fn normalized(&self) -> GenConfig {
        let rate = if self.fraud_rate.is_nan() { 0.0 } else { self.fraud_rate };
        GenConfig { days: self.days.max(1), fraud_rate: rate.clamp(0.0, MAX_FRAUD_RATE), ..self.clone() }
    }

    /// Length of the period in milliseconds.
    pub(crate) fn span_ms(&self) -> i64 {
        i64::from(self.days.max(1)) * 86_400_000
    }
}

/// The fraud typologies the generator plants (see docs/generator.md for how each looks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    CardTesting,
    AccountTakeover,
    FakeAccounts,
    CouponAbuse,
    Brushing,
    RefundAbuse,
    AffiliateFraud,
    StolenCard,
    PayoutFraud,
}

impl Pattern {
    pub const ALL: [Pattern; 9] = [
        Pattern::CardTesting,
        Pattern::AccountTakeover,
        Pattern::FakeAccounts,
        Pattern::CouponAbuse,
        Pattern::Brushing,
        Pattern::RefundAbuse,
        Pattern::AffiliateFraud,
        Pattern::StolenCard,
        Pattern::PayoutFraud,
    ];

    /// The snake_case name used in label files.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::CardTesting => "card_testing",
            Pattern::AccountTakeover => "account_takeover",
            Pattern::FakeAccounts => "fake_accounts",
            Pattern::CouponAbuse => "coupon_abuse",
            Pattern::Brushing => "brushing",
            Pattern::RefundAbuse => "refund_abuse",
            Pattern::AffiliateFraud => "affiliate_fraud",
            Pattern::StolenCard => "stolen_card",
            Pattern::PayoutFraud => "payout_fraud",
        }
    }

    /// Dense index `0..9`.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The ground truth for one event of a planted episode. Honest events have no label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub event_id: String,
    /// Always `true`: only fraud is labelled.
    pub fraud: bool,
    pub pattern: Pattern,
    /// The entity the episode is about, `kind:value`, e.g. `user:u123`, `device:dv_…`,
    /// `ip:203.0.113.0/24`, `shop:shop7`, `affiliate:aff3`, `card:cf_…`, `address:…`.
    pub entity: String,
}

#[derive(Serialize)]
struct LabelLine<'a> {
    event_id: &'a str,
    label: &'static str,
    pattern: Pattern,
    entity: &'a str,
}

impl Label {
    /// The label as one JSON line (no newline): `{"event_id":…,"label":"fraud","pattern":…,"entity":…}`.
    pub fn to_json(&self) -> String {
        let line = LabelLine {
            event_id: &self.event_id,
            label: if self.fraud { "fraud" } else { "legit" },
            pattern: self.pattern,
            entity: &self.entity,
        };
        // Serialising a struct of strings and a unit enum to a String cannot fail.
        serde_json::to_string(&line).unwrap_or_default()
    }
}

/// One generated event: its JSON line (no newline) and its label when it is fraud.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub json: String,
    pub label: Option<Label>,
}

/// What a run produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GenSummary {
    /// Events emitted.
    pub events: u64,
    /// Emitted events that carry a fraud label.
    pub fraud_events: u64,
    /// Labelled events per pattern.
    pub per_pattern: BTreeMap<Pattern, u64>,
    /// Episodes started per pattern (an episode near the end may be cut short).
    pub episodes: BTreeMap<Pattern, u64>,
    /// Accounts in the world: pre-existing and newly signed-up honest users plus fraud accounts.
    pub users: u64,
    pub shops: u64,
    pub affiliates: u64,
    /// Events delivered after later-stamped events (the documented late share).
    pub late_events: u64,
    /// Smallest and largest event timestamps emitted.
    pub first_timestamp: Option<Timestamp>,
    pub last_timestamp: Option<Timestamp>,
}
