//! The export reads what the engine saw: the same decisions as plain replay, and for every
//! fired rule the same feature values the decision reports.

#![allow(clippy::unwrap_used)] // a failure is a test failure

mod common;

use std::sync::Arc;

use common::{cells, column, export, generated, marketplace};
use shrike_backtest::{LabelDelays, LabelSet, feature_table, memory_engine};
use shrike_engine::replay::{LineError, ReplaySink, replay};
use shrike_types::{Decision, Value};

struct Collect(Vec<Decision>);

impl ReplaySink for Collect {
    fn decision(&mut self, d: &Decision) -> std::io::Result<()> {
        self.0.push(d.clone());
        Ok(())
    }
    fn bad_line(&mut self, _: LineError) {}
}

fn csv_cell(v: &Value<'_>) -> String {
    match v {
        Value::Missing => String::new(),
        Value::Num(n) => format!("{n}"),
        Value::Money(m) => m.to_string(),
        Value::Time(t) => t.0.to_string(),
        other => panic!("unexpected feature value {other:?}"),
    }
}

#[test]
fn rows_match_replay_decisions_and_their_feature_readings() {
    let policy = marketplace();
    let (events, label_text) = generated(6_000, 21, 28);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let rows = export(&policy, &events, &labels, &LabelDelays::default());
    let header = cells(&rows[0]);
    assert_eq!(header[..7], ["event_id", "event_time", "event_time_ms", "event_type", "label", "outcome", "score"]);
    assert_eq!(header.len(), 7 + policy.features.len() + policy.attributes.len());
    assert_eq!(header.last(), Some(&"attributes.rating"));

    let (mut engine, clock) = memory_engine(Arc::clone(&policy)).unwrap();
    let mut sink = Collect(Vec::new());
    replay(&mut engine, events.as_bytes(), Some(&clock), &mut sink).unwrap();
    assert_eq!(rows.len() - 1, sink.0.len());
    let (outcome, score, label) = (column(&rows[0], "outcome"), column(&rows[0], "score"), column(&rows[0], "label"));
    let mut readings = 0;
    for (row, d) in rows[1..].iter().zip(&sink.0) {
        let c = cells(row);
        assert_eq!(c[0], d.event_id.as_ref());
        assert_eq!((c[outcome], c[score]), (d.outcome.name(), d.score.to_string().as_str()), "{}", d.event_id);
        assert_eq!(c[label] == "1", labels.get(&d.event_id).is_some_and(|l| l.fraud));
        for f in &d.features {
            assert_eq!(c[column(&rows[0], &f.name)], csv_cell(&f.value), "{} {}", d.event_id, f.name);
            readings += 1;
        }
    }
    assert!(readings > 100, "the stream fires rules that read features ({readings})");
}

#[test]
fn the_table_holds_the_export_values() {
    let policy = marketplace();
    let (events, label_text) = generated(2_000, 4, 28);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let delays = LabelDelays::default();
    let rows = export(&policy, &events, &labels, &delays);
    let input = Some(shrike_backtest::LabelInput { labels: &labels, delays: &delays });
    let (table, _) = feature_table(&policy, events.as_bytes(), input, &mut |_| {}).unwrap();
    assert_eq!(table.len(), rows.len() - 1);
    // `attributes.rating` is a number attribute, so it is a table column too.
    assert_eq!(table.columns.len(), policy.features.len() + 1);
    let f = column(&rows[0], "user_orders_30d");
    let t = table.columns.iter().position(|c| c == "user_orders_30d").unwrap();
    for (i, row) in rows[1..].iter().enumerate() {
        let cell = cells(row)[f];
        let v = table.row(i)[t];
        assert_eq!(cell.parse::<f32>().unwrap(), v, "row {i}");
    }
    assert_eq!(table.rows.iter().filter(|r| r.fraud).count(), rows[1..].iter().filter(|r| cells(r)[4] == "1").count());
}
