//! The label options shared by `backtest` and `features export`.

use std::io::BufReader;
use std::path::PathBuf;

use anyhow::{Context, Result};
use shrike_backtest::{LabelDelays, LabelSet};

#[derive(clap::Args)]
pub(crate) struct LabelArgs {
    /// Labels, one JSON object per line: {"event_id", "label": "fraud"|"legit", "kind"?,
    /// "known_at"?}; `shrike gen` and `shrike import` write them. Unlabelled events are legitimate.
    #[arg(long)]
    pub(crate) labels: Option<PathBuf>,
    /// How long after its event a label of a kind becomes known to features, KIND=DURATION
    /// (repeatable; `default=` for kinds not named). Default: 30d for every kind.
    #[arg(long = "label-delay", value_name = "KIND=DURATION")]
    pub(crate) label_delay: Vec<String>,
}

impl LabelArgs {
    /// The labels and delays, if a label file was given.
    pub(crate) fn load(&self) -> Result<Option<(LabelSet, LabelDelays)>> {
        let mut delays = LabelDelays::default();
        for spec in &self.label_delay {
            delays.set(spec).map_err(|e| anyhow::anyhow!("--label-delay: {e}"))?;
        }
        let Some(path) = &self.labels else { return Ok(None) };
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let labels = LabelSet::read(BufReader::with_capacity(1 << 20, file))
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(Some((labels, delays)))
    }
}
