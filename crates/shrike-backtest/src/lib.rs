//! # shrike-backtest
//!
//! An analyst's and a data scientist's offline loops, on the live engine's code path: every
//! pass is [`shrike_engine::replay::replay_with`] calling [`shrike_engine::Engine::decide`],
//! so offline numbers are what the policy would have done online.
//!
//! - [`backtest`]: one policy, or a candidate against a baseline ([`diff`]), over events and
//!   labels: outcomes × labels, per-rule hits and precision, the score's PR curve, PR-AUC,
//!   ROC-AUC and recall at 1% / 0.1% FPR by events and by money ([`report`]), and an HTML
//!   report ([`html`]).
//! - [`export`]: every feature of the policy at every event, point in time, as CSV;
//!   [`table`] holds the same values in memory for [`eval`].
//! - Late labels ([`inject`]): a label is an event (type `label`) at the time it became
//!   known, merged into the stream in time order; no feature can read a label, or an event,
//!   from its future.
//!
//! Invariants:
//! - Deterministic: the clock follows event time; the same inputs give the same report.
//! - Bounded: labels ([`labels::MAX_LABELS`]), waiting label events
//!   ([`inject::MAX_PENDING_LABELS`]), diff examples, timeline buckets and table cells all
//!   have named limits.
//! - The per-event accounting allocates nothing beyond amortised vector growth and never
//!   re-serialises events or decisions.

pub mod collect;
pub mod diff;
pub mod eval;
pub mod export;
pub mod html;
pub mod inject;
pub mod labels;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod report;
pub mod run;
mod svg;
pub mod table;
pub mod timeline;

use std::io::{self, BufRead, Write};
use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_engine::replay::LineError;
use shrike_engine::{Engine, store_layout};
use shrike_features::{FeatureStore, MemoryStore};
use shrike_types::clock::ManualClock;
use shrike_types::{Decision, Event, Timestamp};

pub use collect::PolicyRun;
pub use diff::DiffReport;
pub use labels::{Label, LabelDelays, LabelSet};
pub use report::PolicyReport;
pub use run::{LabelInput, Observer, PassSummary, run_pass};
pub use table::FeatureTable;

/// What can go wrong in a backtest, an export or an evaluation.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("labels line {line}: {message}")]
    Labels { line: u64, message: String },
    #[error("building the feature store: {0}")]
    Layout(String),
    #[error("{0}")]
    Eval(String),
}

/// An engine over in-memory feature state, its clock following event time.
pub fn memory_engine(policy: Arc<CompiledPolicy>) -> Result<(Engine<MemoryStore>, Arc<ManualClock>), BacktestError> {
    let store = MemoryStore::new(store_layout(&policy)).map_err(|e| BacktestError::Layout(e.to_string()))?;
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    Ok((Engine::new(policy, store, clock.clone()), clock))
}

/// An observer that also reports progress (input lines read so far).
pub struct Progressed<'a, O> {
    pub inner: &'a mut O,
    pub progress: &'a mut dyn FnMut(u64),
}

impl<S: FeatureStore, O: Observer<S>> Observer<S> for Progressed<'_, O> {
    fn event(&mut self, engine: &Engine<S>, event: &Event<'_>, d: &Decision, label: Option<Label>) -> io::Result<()> {
        self.inner.event(engine, event, d, label)
    }

    fn bad_line(&mut self, error: LineError) {
        self.inner.bad_line(error);
    }

    fn progress(&mut self, lines: u64) {
        (self.progress)(lines);
    }
}

/// The result of [`backtest`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct BacktestReport {
    pub pass: PassSummary,
    pub policy: PolicyReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against: Option<PolicyReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffReport>,
}

/// Backtests `policy` over the stream `open()` yields (opened once per policy), and with
/// `against`, first the baseline `against` and then the diff of `policy` against it.
pub fn backtest<R: BufRead>(
    policy: Arc<CompiledPolicy>,
    against: Option<Arc<CompiledPolicy>>,
    mut open: impl FnMut() -> io::Result<R>,
    labels: Option<LabelInput<'_>>,
    progress: &mut dyn FnMut(u64),
) -> Result<BacktestReport, BacktestError> {
    let base = match against {
        Some(q) => {
            let mut run = PolicyRun::new(Arc::clone(&q));
            pass(q, open()?, labels, &mut run, progress)?;
            Some(run)
        }
        None => None,
    };
    let mut run = match &base {
        Some(b) => PolicyRun::against(Arc::clone(&policy), b.baseline()),
        None => PolicyRun::new(Arc::clone(&policy)),
    };
    let summary = pass(policy, open()?, labels, &mut run, progress)?;
    let report = run.report();
    let base_report = base.as_ref().map(PolicyRun::report);
    let diff = base_report.as_ref().and_then(|b| run.diff(&report, b));
    Ok(BacktestReport { pass: summary, policy: report, against: base_report, diff })
}

fn pass<O: Observer<MemoryStore>>(
    policy: Arc<CompiledPolicy>,
    input: impl BufRead,
    labels: Option<LabelInput<'_>>,
    observer: &mut O,
    progress: &mut dyn FnMut(u64),
) -> Result<PassSummary, BacktestError> {
    let (mut engine, clock) = memory_engine(policy)?;
    let mut observer = Progressed { inner: observer, progress };
    Ok(run_pass(&mut engine, input, &clock, labels, &mut observer)?)
}

/// Exports every feature of `policy` at every event of `input` as CSV to `out`.
pub fn export_csv<W: Write>(
    policy: &CompiledPolicy,
    input: impl BufRead,
    labels: Option<LabelInput<'_>>,
    out: W,
    progress: &mut dyn FnMut(u64),
) -> Result<(PassSummary, Vec<String>), BacktestError> {
    export_csv_fields(policy, &[], input, labels, out, progress)
}

/// [`export_csv`] with the event `fields` as extra columns after the attributes.
pub fn export_csv_fields<W: Write>(
    policy: &CompiledPolicy,
    fields: &[shrike_types::Field],
    input: impl BufRead,
    labels: Option<LabelInput<'_>>,
    out: W,
    progress: &mut dyn FnMut(u64),
) -> Result<(PassSummary, Vec<String>), BacktestError> {
    let policy = export::export_policy(policy);
    let mut csv = export::CsvExport::with_fields(out, &policy, labels.is_some(), fields)?;
    let summary = pass(policy, input, labels, &mut csv, progress)?;
    let bad = std::mem::take(&mut csv.bad_lines);
    csv.finish()?;
    Ok((summary, bad))
}

/// Exports every feature of `policy` at every event of `input` as Parquet to `out`.
#[cfg(feature = "parquet")]
pub fn export_parquet<W: Write + Send>(
    policy: &CompiledPolicy,
    input: impl BufRead,
    labels: Option<LabelInput<'_>>,
    out: W,
    progress: &mut dyn FnMut(u64),
) -> Result<(PassSummary, Vec<String>), BacktestError> {
    let policy = export::export_policy(policy);
    let mut pq = parquet::ParquetExport::new(out, &policy, labels.is_some(), parquet::ROW_GROUP_ROWS)?;
    let summary = pass(policy, input, labels, &mut pq, progress)?;
    let bad = std::mem::take(&mut pq.bad_lines);
    pq.finish()?;
    Ok((summary, bad))
}

/// Every feature of `policy` at every event of `input`, in memory.
pub fn feature_table(
    policy: &CompiledPolicy,
    input: impl BufRead,
    labels: Option<LabelInput<'_>>,
    progress: &mut dyn FnMut(u64),
) -> Result<(FeatureTable, PassSummary), BacktestError> {
    let policy = export::export_policy(policy);
    let mut table = FeatureTable::new(&policy);
    let summary = pass(policy, input, labels, &mut table, progress)?;
    Ok((table, summary))
}
