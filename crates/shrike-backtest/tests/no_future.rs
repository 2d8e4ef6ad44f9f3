//! No feature can see a label or an event from its future: labels become visible only after
//! their delay, as events merged in time order, and a row never depends on later input.

#![allow(clippy::unwrap_used)] // a failure is a test failure

mod common;

use common::{cells, column, compile, export, generated};
use shrike_backtest::{LabelDelays, LabelSet};

const POLICY: &str = r#"
feature card_labels_90d = count(label) by card.fingerprint over 90d
feature card_attempts_1d = count(payment.attempt) by card.fingerprint over 1d
feature card_last_label = last_seen(label) by card.fingerprint over 90d
"#;

const DAY: i64 = 86_400_000;

fn attempt(id: &str, day: f64, card: &str) -> String {
    let at = 1_788_220_800_000 + (day * DAY as f64) as i64;
    format!(r#"{{"event_id":"{id}","type":"payment.attempt","timestamp":{at},"card":{{"fingerprint":"{card}"}}}}"#)
}

/// e1 (card A) is fraud; its chargeback is known 30 days later. e2 (day 10) must not see it,
/// e3 (day 31) must; card B never does.
fn stream() -> String {
    [
        attempt("e1", 0.0, "A"),
        attempt("e2", 10.0, "A"),
        attempt("e2b", 10.0 + 1.0 / 24.0, "A"),
        attempt("e3", 31.0, "A"),
        attempt("e4", 31.0, "B"),
    ]
    .join("\n")
}

fn labels() -> LabelSet {
    LabelSet::read(r#"{"event_id":"e1","label":"fraud","kind":"chargeback"}"#.as_bytes()).unwrap()
}

fn values(delays: &LabelDelays, name: &str) -> Vec<String> {
    let rows = export(&compile(POLICY), &stream(), &labels(), delays);
    let c = column(&rows[0], name);
    rows[1..].iter().map(|r| cells(r)[c].to_string()).collect()
}

#[test]
fn a_label_is_invisible_until_its_delay_has_passed() {
    let thirty_days = LabelDelays::default();
    assert_eq!(values(&thirty_days, "card_labels_90d"), ["0", "0", "0", "1", "0"]);
    // The label event is at e1's time + 30 days exactly.
    let known = (1_788_220_800_000 + 30 * DAY).to_string();
    assert_eq!(values(&thirty_days, "card_last_label"), ["", "", "", known.as_str(), ""]);
    // The same stream with a 5-day delay: now e2 sees it, so the 30-day result above is the
    // delay at work, not a feature that never counts.
    let mut five_days = LabelDelays::default();
    five_days.set("chargeback=5d").unwrap();
    assert_eq!(values(&five_days, "card_labels_90d"), ["0", "1", "1", "1", "0"]);
    // Its own label is never visible to the labelled event, even with no delay.
    let mut none = LabelDelays::default();
    none.set("default=0s").unwrap();
    assert_eq!(values(&none, "card_labels_90d")[0], "0");
}

#[test]
fn an_event_never_sees_later_events() {
    // e2 at day 10 sees itself only; e2b an hour later sees both.
    assert_eq!(values(&LabelDelays::default(), "card_attempts_1d"), ["1", "1", "2", "1", "1"]);
}

/// The strongest form: for every cut, the rows of a prefix of the stream equal the first
/// rows of the whole stream's export (same labels file, which holds labels of later events
/// too). Anything read from the future would make them differ.
#[test]
fn every_row_depends_only_on_the_past() {
    let policy = compile(&format!(
        "{POLICY}\n{}",
        r#"feature user_labels_30d = count(label) by user_id over 30d
feature device_labels_7d = count(label) by device_id over 7d
feature user_orders_1d = count(order.create) by user_id over 1d
feature user_spend_7d = sum(amount of order.create) by user_id over 7d
feature device_users_1d = distinct(user_id of *) by device_id over 1d"#
    ));
    let (events, label_text) = generated(6_000, 3, 14);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let mut delays = LabelDelays::default();
    delays.set("default=2d").unwrap();
    let full = export(&policy, &events, &labels, &delays);
    let lines: Vec<&str> = events.lines().collect();
    let seen = column(&full[0], "user_labels_30d");
    assert!(full[1..].iter().any(|r| cells(r)[seen] != "0"), "labels do become visible in this stream");
    for cut in [1, 250, 1_999, 3_000, 4_567, 5_999] {
        let prefix = lines[..cut].join("\n");
        let part = export(&policy, &prefix, &labels, &delays);
        assert_eq!(part.len(), cut + 1);
        assert_eq!(part[..], full[..=cut], "cut at {cut}");
    }
}
