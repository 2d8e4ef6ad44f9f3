//! Imported rows and how they are written: events and labels as JSON lines.

use std::io::{self, Write};

use shrike_types::{Money, Timestamp};

/// One imported event.
#[derive(Debug, Clone)]
pub struct Row {
    pub event_id: String,
    pub time: Timestamp,
    /// Position in the source file, the tie-break of equal times.
    pub source_order: u64,
    /// The event as one line of JSON (docs/events.md), without the newline.
    pub json: String,
    pub fraud: bool,
    pub amount: Option<Money>,
}

/// Every row of one import, sorted by time.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub rows: Vec<Row>,
}

/// The kind written on imported fraud labels: both data sets label a transaction as fraud
/// from the chargeback that followed it (docs/backtest.md, label delays).
pub const LABEL_KIND: &str = "chargeback";

#[derive(serde::Serialize)]
struct LabelLine<'a> {
    event_id: &'a str,
    label: &'static str,
    kind: &'static str,
}

impl Imported {
    pub(crate) fn sort(&mut self) {
        self.rows.sort_by_key(|r| (r.time, r.source_order));
    }

    /// Writes every event, one JSON object per line.
    pub fn write_events(&self, mut out: impl Write) -> io::Result<()> {
        for r in &self.rows {
            out.write_all(r.json.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Writes one label line per fraud row (`{"event_id","label":"fraud","kind":"chargeback"}`);
    /// an event without a label line is legitimate.
    pub fn write_labels(&self, mut out: impl Write) -> io::Result<()> {
        for r in self.rows.iter().filter(|r| r.fraud) {
            let line = LabelLine { event_id: &r.event_id, label: "fraud", kind: LABEL_KIND };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// The events as one JSON-lines buffer, for an in-memory replay.
    pub fn events_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.rows.iter().map(|r| r.json.len() + 1).sum());
        for r in &self.rows {
            out.extend_from_slice(r.json.as_bytes());
            out.push(b'\n');
        }
        out
    }

    pub fn frauds(&self) -> usize {
        self.rows.iter().filter(|r| r.fraud).count()
    }
}
