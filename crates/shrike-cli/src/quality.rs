//! Detection quality of a replay against generator labels (`shrike replay --labels`):
//! per planted pattern, how many labelled events and episodes were flagged (any outcome other
//! than allow); per rule tag, how many flagged events were fraud; and how many honest events
//! and users were hurt.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, Result};
use shrike_types::{Decision, Outcome};

#[derive(serde::Deserialize)]
struct LabelLine {
    event_id: String,
    pattern: String,
    entity: String,
}

/// Labels by event id: (pattern, episode entity).
pub(crate) struct Labels(HashMap<String, (String, String)>);

impl Labels {
    pub(crate) fn load(path: &Path) -> Result<Labels> {
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut map = HashMap::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let l: LabelLine = serde_json::from_str(&line).with_context(|| format!("{}:{}", path.display(), i + 1))?;
            map.insert(l.event_id, (l.pattern, l.entity));
        }
        Ok(Labels(map))
    }
}

#[derive(Default, serde::Serialize)]
pub(crate) struct PatternRow {
    events: u64,
    flagged: u64,
    event_recall: f64,
    episodes: u64,
    episodes_caught: u64,
    episode_recall: f64,
}

#[derive(Default, serde::Serialize)]
pub(crate) struct TagRow {
    flagged: u64,
    fraud: u64,
    same_pattern: u64,
    precision: f64,
}

/// Accumulates decisions; call [`Quality::finish`] for the report.
#[derive(Default)]
pub(crate) struct Quality {
    patterns: BTreeMap<String, PatternRow>,
    episodes: HashMap<String, (String, bool)>,
    tags: BTreeMap<String, TagRow>,
    honest_events: u64,
    honest_flagged: u64,
    honest_blocked: u64,
}

#[derive(serde::Serialize)]
pub(crate) struct Report {
    patterns: BTreeMap<String, PatternRow>,
    tags: BTreeMap<String, TagRow>,
    honest_events: u64,
    honest_flagged_rate: f64,
    honest_blocked_rate: f64,
}

impl Quality {
    pub(crate) fn record(&mut self, labels: &Labels, d: &Decision) {
        let label = labels.0.get(d.event_id.as_ref());
        let flagged = d.outcome != Outcome::Allow;
        match label {
            Some((pattern, entity)) => {
                let row = self.patterns.entry(pattern.clone()).or_default();
                row.events += 1;
                row.flagged += u64::from(flagged);
                let ep = self.episodes.entry(format!("{pattern}/{entity}")).or_insert((pattern.clone(), false));
                ep.1 |= flagged;
            }
            None => {
                self.honest_events += 1;
                self.honest_flagged += u64::from(flagged);
                self.honest_blocked += u64::from(d.outcome == Outcome::Block);
            }
        }
        if flagged {
            self.tag_hits(d, label.map(|l| l.0.as_str()));
        }
    }

    fn tag_hits(&mut self, d: &Decision, pattern: Option<&str>) {
        let tags: HashSet<&str> = d.reasons.iter().flat_map(|r| r.tags.iter().map(|t| t.as_ref())).collect();
        for tag in tags {
            let row = self.tags.entry(tag.to_string()).or_default();
            row.flagged += 1;
            row.fraud += u64::from(pattern.is_some());
            row.same_pattern += u64::from(pattern == Some(tag));
        }
    }

    pub(crate) fn finish(mut self) -> Report {
        for (pattern, caught) in self.episodes.values() {
            if let Some(row) = self.patterns.get_mut(pattern) {
                row.episodes += 1;
                row.episodes_caught += u64::from(*caught);
            }
        }
        for row in self.patterns.values_mut() {
            row.event_recall = ratio(row.flagged, row.events);
            row.episode_recall = ratio(row.episodes_caught, row.episodes);
        }
        for row in self.tags.values_mut() {
            row.precision = ratio(row.fraud, row.flagged);
        }
        Report {
            patterns: self.patterns,
            tags: self.tags,
            honest_events: self.honest_events,
            honest_flagged_rate: ratio(self.honest_flagged, self.honest_events),
            honest_blocked_rate: ratio(self.honest_blocked, self.honest_events),
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Report {
    pub(crate) fn print(&self) {
        eprintln!(
            "\n{:<18} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8}",
            "pattern", "events", "flagged", "recall", "episodes", "caught", "recall"
        );
        for (p, r) in &self.patterns {
            eprintln!(
                "{p:<18} {:>8} {:>8} {:>8.3} {:>9} {:>8} {:>8.3}",
                r.events, r.flagged, r.event_recall, r.episodes, r.episodes_caught, r.episode_recall
            );
        }
        eprintln!("\n{:<18} {:>8} {:>8} {:>10} {:>10}", "rule tag", "flagged", "fraud", "precision", "same kind");
        for (t, r) in &self.tags {
            eprintln!("{t:<18} {:>8} {:>8} {:>10.3} {:>10}", r.flagged, r.fraud, r.precision, r.same_pattern);
        }
        eprintln!(
            "\nhonest events: {}; flagged {:.3}%, blocked {:.3}%",
            self.honest_events,
            self.honest_flagged_rate * 100.0,
            self.honest_blocked_rate * 100.0
        );
    }
}
