//! Labels: which events were fraud, of what kind, and when that became known.
//!
//! A label file has one JSON object per line: `{"event_id": "...", "label": "fraud"}` with
//! optional `"kind"` (default `chargeback`) and `"known_at"` (RFC 3339 or epoch ms; default
//! the event's time plus the kind's delay, see [`LabelDelays`]). Other fields (the
//! generator's `pattern` and `entity`) are ignored. An event without a label line is
//! legitimate; `"label": "legit"` may say so explicitly.

use std::io::BufRead;
use std::sync::Arc;

use hashbrown::HashMap;
use shrike_engine::replay::read_line_bounded;
use shrike_types::{Duration, Timestamp};

use crate::BacktestError;

/// Most labels one file may hold (they are kept in memory for the run).
pub const MAX_LABELS: usize = 20_000_000;
/// Most distinct label kinds.
pub const MAX_LABEL_KINDS: usize = 256;
/// Longest label line (the same bound as an event's).
pub const MAX_LABEL_LINE_BYTES: usize = shrike_types::limits::MAX_EVENT_BYTES;
/// The kind of a label line without one.
pub const DEFAULT_KIND: &str = "chargeback";
/// How long after its event a chargeback becomes known, unless `--label-delay` says
/// otherwise: card networks give the cardholder weeks to dispute; 30 days is typical.
pub const DEFAULT_CHARGEBACK_DELAY: Duration = Duration(30 * 86_400_000);

/// One label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub fraud: bool,
    /// Index into [`LabelSet::kinds`].
    pub kind: u16,
    /// When it became known, if the file says; otherwise event time + the kind's delay.
    pub known_at: Option<Timestamp>,
}

/// Labels by event id.
#[derive(Debug, Default)]
pub struct LabelSet {
    by_id: HashMap<Box<str>, Label, foldhash::fast::RandomState>,
    kinds: Vec<Arc<str>>,
}

#[derive(serde::Deserialize)]
struct LabelLine {
    event_id: String,
    label: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    known_at: Option<serde_json::Value>,
}

impl LabelSet {
    /// Reads a label file; errors name the line. A line is read up to its bound only, so a
    /// file without line breaks cannot exhaust memory.
    pub fn read(mut input: impl BufRead) -> Result<LabelSet, BacktestError> {
        let mut set = LabelSet::default();
        let mut buf = Vec::with_capacity(256);
        let mut n = 0u64;
        while read_line_bounded(&mut input, &mut buf)? {
            n += 1;
            let err = |message: String| BacktestError::Labels { line: n, message };
            if buf.len() > MAX_LABEL_LINE_BYTES {
                return Err(err(format!("longer than {MAX_LABEL_LINE_BYTES} bytes")));
            }
            let line = std::str::from_utf8(&buf).map_err(|_| err("invalid UTF-8".into()))?;
            if line.trim().is_empty() {
                continue;
            }
            let l: LabelLine = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
            let fraud = match l.label.as_str() {
                "fraud" => true,
                "legit" => false,
                other => return Err(err(format!("label: expected \"fraud\" or \"legit\", got {other:?}"))),
            };
            let known_at = l.known_at.as_ref().map(known_at).transpose().map_err(err)?;
            let kind = l.kind.as_deref().unwrap_or(DEFAULT_KIND);
            set.insert(&l.event_id, fraud, kind, known_at).map_err(err)?;
        }
        Ok(set)
    }

    /// Adds or replaces the label of `event_id`.
    pub fn insert(
        &mut self,
        event_id: &str,
        fraud: bool,
        kind: &str,
        known_at: Option<Timestamp>,
    ) -> Result<(), String> {
        if self.by_id.len() >= MAX_LABELS {
            return Err(format!("more than {MAX_LABELS} labels"));
        }
        let kind = self.kind_index(kind)?;
        self.by_id.insert(event_id.into(), Label { fraud, kind, known_at });
        Ok(())
    }

    fn kind_index(&mut self, kind: &str) -> Result<u16, String> {
        if let Some(i) = self.kinds.iter().position(|k| k.as_ref() == kind) {
            return Ok(i as u16);
        }
        if self.kinds.len() >= MAX_LABEL_KINDS {
            return Err(format!("more than {MAX_LABEL_KINDS} label kinds"));
        }
        self.kinds.push(kind.into());
        Ok((self.kinds.len() - 1) as u16)
    }

    pub fn get(&self, event_id: &str) -> Option<&Label> {
        self.by_id.get(event_id)
    }

    pub fn kinds(&self) -> &[Arc<str>] {
        &self.kinds
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn frauds(&self) -> usize {
        self.by_id.values().filter(|l| l.fraud).count()
    }
}

fn known_at(v: &serde_json::Value) -> Result<Timestamp, String> {
    let bad = || format!("known_at: expected RFC 3339 or epoch milliseconds, got {v}");
    match v {
        serde_json::Value::Number(n) => n.as_i64().map(Timestamp).ok_or_else(bad),
        serde_json::Value::String(s) => Timestamp::parse_rfc3339(s).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// How long after its event each kind of label becomes known. A label is visible to
/// features only from then on (it is injected into the stream as an event at that time).
#[derive(Debug, Clone)]
pub struct LabelDelays {
    /// For kinds without their own delay.
    pub default: Duration,
    pub by_kind: Vec<(String, Duration)>,
}

impl Default for LabelDelays {
    /// Every kind, chargebacks included, becomes known [`DEFAULT_CHARGEBACK_DELAY`] after its event.
    fn default() -> Self {
        LabelDelays { default: DEFAULT_CHARGEBACK_DELAY, by_kind: Vec::new() }
    }
}

impl LabelDelays {
    /// Parses `KIND=DURATION` (`chargeback=30d`, `review=2d`, `default=7d`) and sets it.
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        let (kind, d) = spec.split_once('=').ok_or_else(|| format!("expected KIND=DURATION, got {spec:?}"))?;
        let d = Duration::parse_literal(d.trim())
            .filter(|d| d.0 >= 0)
            .ok_or_else(|| format!("expected a duration such as 30d or 12h, got {d:?}"))?;
        match kind.trim() {
            "default" => self.default = d,
            k => {
                self.by_kind.retain(|(name, _)| name != k);
                self.by_kind.push((k.to_string(), d));
            }
        }
        Ok(())
    }

    pub fn delay(&self, kind: &str) -> Duration {
        self.by_kind.iter().find(|(k, _)| k == kind).map_or(self.default, |(_, d)| *d)
    }

    /// The delay of every kind of `labels`, indexed like [`LabelSet::kinds`].
    pub fn resolve(&self, labels: &LabelSet) -> Vec<Duration> {
        labels.kinds().iter().map(|k| self.delay(k)).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_generator_and_importer_lines() {
        let text = concat!(
            r#"{"event_id":"e1","label":"fraud","pattern":"card_testing","entity":"device:d1"}"#,
            "\n\n",
            r#"{"event_id":"e2","label":"fraud","kind":"review","known_at":"2026-01-01T00:00:00Z"}"#,
            "\n",
            r#"{"event_id":"e3","label":"legit","known_at":5}"#,
            "\n"
        );
        let set = LabelSet::read(text.as_bytes()).unwrap();
        assert_eq!(set.len(), 3);
        assert_eq!(set.frauds(), 2);
        assert_eq!(set.get("e1"), Some(&Label { fraud: true, kind: 0, known_at: None }));
        assert_eq!(set.kinds()[set.get("e2").unwrap().kind as usize].as_ref(), "review");
        assert_eq!(set.get("e3").unwrap().known_at, Some(Timestamp(5)));
        assert_eq!(set.get("e4"), None);
    }

    #[test]
    fn bad_lines_name_the_line() {
        let e = LabelSet::read("\n{\"event_id\":\"e1\",\"label\":\"maybe\"}\n".as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), "labels line 2: label: expected \"fraud\" or \"legit\", got \"maybe\"");
        let e = LabelSet::read("{\"label\":\"fraud\"}\n".as_bytes()).unwrap_err();
        assert!(e.to_string().starts_with("labels line 1: missing field `event_id`"), "{e}");
        let e = LabelSet::read("{\"event_id\":\"e\",\"label\":\"fraud\",\"known_at\":true}".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("known_at: expected RFC 3339"), "{e}");
        let long = format!("{}\n{{}}", "x".repeat(MAX_LABEL_LINE_BYTES * 3));
        let e = LabelSet::read(long.as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), format!("labels line 1: longer than {MAX_LABEL_LINE_BYTES} bytes"));
    }

    #[test]
    fn delays_per_kind_with_a_default() {
        let mut d = LabelDelays::default();
        assert_eq!(d.delay("chargeback"), Duration(30 * 86_400_000));
        d.set("review=2d").unwrap();
        d.set("default=12h").unwrap();
        assert_eq!(d.delay("review"), Duration(2 * 86_400_000));
        assert_eq!(d.delay("chargeback"), Duration(12 * 3_600_000));
        assert!(d.set("review").is_err());
        assert!(d.set("review=soon").unwrap_err().contains("expected a duration"));
    }
}
