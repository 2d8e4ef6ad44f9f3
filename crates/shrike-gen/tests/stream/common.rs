//! The shared fixture and the event schema the tests parse every line with.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;
use shrike_gen::{GenConfig, GenSummary, write_stream};
use shrike_types::Timestamp;

pub(crate) const FIXTURE_EVENTS: u64 = 200_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Card {
    pub(crate) fingerprint: String,
    pub(crate) bin: String,
    pub(crate) last4: String,
    pub(crate) country: String,
    pub(crate) brand: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Address {
    pub(crate) line1: String,
    pub(crate) city: String,
    pub(crate) postal_code: String,
    pub(crate) country: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    pub(crate) sku: String,
    pub(crate) category: String,
    pub(crate) quantity: u32,
    pub(crate) price: f64,
}

/// One event as the format allows it: unknown keys and wrong types fail to parse.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ev {
    pub(crate) event_id: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) timestamp: String,
    pub(crate) user_id: Option<String>,
    pub(crate) session_id: Option<String>,
    pub(crate) device_id: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) ip_country: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) card: Option<Card>,
    pub(crate) shipping_address: Option<Address>,
    pub(crate) billing_address: Option<Address>,
    pub(crate) shop_id: Option<String>,
    pub(crate) affiliate_id: Option<String>,
    pub(crate) order_id: Option<String>,
    pub(crate) coupon_code: Option<String>,
    pub(crate) amount: Option<f64>,
    pub(crate) currency: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) change: Option<String>,
    #[serde(default)]
    pub(crate) items: Vec<Item>,
    #[serde(default)]
    pub(crate) attributes: BTreeMap<String, serde_json::Value>,
    /// Parsed timestamp (ms), filled after parsing.
    #[serde(skip)]
    pub(crate) at: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LabelLine {
    pub(crate) event_id: String,
    pub(crate) label: String,
    pub(crate) pattern: String,
    pub(crate) entity: String,
}

pub(crate) struct Fixture {
    pub(crate) cfg: GenConfig,
    /// The raw event lines.
    pub(crate) lines: Vec<String>,
    pub(crate) events: Vec<Ev>,
    pub(crate) labels: Vec<LabelLine>,
    /// event_id → index into `labels`.
    pub(crate) label_of: HashMap<String, usize>,
    pub(crate) summary: GenSummary,
}

impl Fixture {
    pub(crate) fn label(&self, e: &Ev) -> Option<&LabelLine> {
        self.label_of.get(&e.event_id).map(|&i| &self.labels[i])
    }

    pub(crate) fn pattern(&self, e: &Ev) -> &str {
        self.label(e).map_or("honest", |l| l.pattern.as_str())
    }

    /// Events of one pattern ("honest" for unlabelled ones).
    pub(crate) fn of<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = &'a Ev> + 'a {
        self.events.iter().filter(move |e| self.pattern(e) == pattern)
    }
}

pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let cfg = GenConfig { events: FIXTURE_EVENTS, ..GenConfig::default() };
        let (mut events_out, mut labels_out) = (Vec::new(), Vec::new());
        let summary = write_stream(&cfg, &mut events_out, &mut labels_out).unwrap();
        let lines: Vec<String> = std::str::from_utf8(&events_out).unwrap().lines().map(str::to_string).collect();
        let events: Vec<Ev> = lines.iter().map(|l| parse_event(l)).collect();
        let labels: Vec<LabelLine> =
            std::str::from_utf8(&labels_out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let label_of = labels.iter().enumerate().map(|(i, l)| (l.event_id.clone(), i)).collect();
        Fixture { cfg, lines, events, labels, label_of, summary }
    })
}

pub(crate) fn fixture_lines() -> &'static [String] {
    &fixture().lines
}

/// Parses and checks one line beyond what the schema types say.
pub(crate) fn parse_event(line: &str) -> Ev {
    let mut e: Ev = serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}"));
    let ts = Timestamp::parse_rfc3339(&e.timestamp).unwrap_or_else(|| panic!("timestamp: {line}"));
    assert_eq!(ts.to_string(), e.timestamp, "timestamp is canonical RFC 3339 with ms");
    e.at = ts.millis();
    for key in ["\"amount\":", "\"price\":", "\"coupon_value\":"] {
        for (pos, _) in line.match_indices(key) {
            let rest = &line[pos + key.len()..];
            let token: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
            let (int, frac) = token.split_once('.').unwrap_or_else(|| panic!("{key} {token} in {line}"));
            assert!(!int.is_empty() && frac.len() == 2, "{key} must have two decimals: {line}");
        }
    }
    e
}

/// Minutes as milliseconds.
pub(crate) fn minutes(n: i64) -> i64 {
    n * 60_000
}
