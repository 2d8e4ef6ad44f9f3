//! `shrike eval ieee-cis --csv PATH --test-from-id N [--json]` and `shrike eval ulb --csv PATH`:
//! import, replay every row in time order through the data set's policy (features point in
//! time, labels known only after their delay), score the test rows and print the metrics.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use shrike_backtest::eval::{EvalReport, PolicyScore, Scorer, Split, evaluate};
use shrike_backtest::{LabelDelays, LabelInput, LabelSet, feature_table};
use shrike_dsl::CompiledPolicy;
use shrike_import::{Imported, LABEL_KIND, ieee, ulb};
use shrike_types::clock::Stopwatch;

use crate::import_cmd::read;
use crate::progress::Progress;
use crate::setup;

/// The built-in policies, used unless `--policy` names another.
const IEEE_POLICY: &str = include_str!("../../../examples/ieee-cis/policy.shrike");
const ULB_POLICY: &str = include_str!("../../../examples/ulb/policy.shrike");

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// IEEE-CIS: test rows are those with TransactionID >= --test-from-id.
    IeeeCis {
        #[command(flatten)]
        common: Common,
        /// The first TransactionID of the test rows (earlier rows train).
        #[arg(long)]
        test_from_id: u64,
    },
    /// ULB credit cards: the FDB split, first 80% of rows by time train, last 20% test.
    Ulb {
        #[command(flatten)]
        common: Common,
        /// Share of the rows, the latest, that are test rows.
        #[arg(long, default_value_t = 0.2)]
        test_fraction: f64,
    },
}

#[derive(clap::Args)]
pub(crate) struct Common {
    /// The data set's CSV file.
    #[arg(long)]
    csv: PathBuf,
    /// A policy file instead of the built-in one (examples/<data set>/policy.shrike).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// How long after its event a label becomes known to features, KIND=DURATION
    /// (imported labels are of kind chargeback). Default 30d.
    #[arg(long = "label-delay", value_name = "KIND=DURATION")]
    label_delay: Vec<String>,
    /// Print the metrics as JSON.
    #[arg(long)]
    json: bool,
    /// Draw the progress bar even when standard error is not a terminal.
    #[arg(long)]
    progress: bool,
}

#[derive(serde::Serialize)]
struct Output<'a> {
    data_set: &'static str,
    policy: &'a str,
    #[serde(flatten)]
    metrics: &'a EvalReport,
    import_secs: f64,
    replay_secs: f64,
    replay_events_per_sec: f64,
}

pub(crate) fn run(command: Command) -> Result<ExitCode> {
    let watch = Stopwatch::start();
    let (name, common, imported, split, builtin) = match command {
        Command::IeeeCis { common, test_from_id } => {
            let imported = read(&common.csv, ieee::import)?;
            ("ieee-cis", common, imported, Split::FromId(test_from_id), IEEE_POLICY)
        }
        Command::Ulb { common, test_fraction } => {
            let imported = read(&common.csv, ulb::import)?;
            ("ulb", common, imported, Split::LastFraction(test_fraction), ULB_POLICY)
        }
    };
    let import_secs = watch.elapsed_secs_f64();
    let policy = match &common.policy {
        Some(p) => setup::load_policy(p)?,
        None => Arc::new(shrike_dsl::compile(builtin).map_err(|e| anyhow::anyhow!("built-in policy: {e:?}"))?),
    };
    let mut delays = LabelDelays::default();
    for spec in &common.label_delay {
        delays.set(spec).map_err(|e| anyhow::anyhow!("--label-delay: {e}"))?;
    }
    let labels = labels_of(&imported)?;
    let events = imported.events_bytes();
    let bar = Progress::forced("replay", Some(imported.rows.len() as u64), common.progress);
    let input = Some(LabelInput { labels: &labels, delays: &delays });
    let (table, pass) = feature_table(&policy, events.as_slice(), input, &mut |n| bar.update(n))?;
    bar.finish();
    let mut scorer = scorer(&policy);
    let report = evaluate(&table, split, scorer.as_mut())?;
    let out = Output {
        data_set: name,
        policy: &policy.version,
        metrics: &report,
        import_secs,
        replay_secs: pass.replay.elapsed_secs,
        replay_events_per_sec: pass.replay.events_per_sec,
    };
    print(&out, common.json)?;
    Ok(ExitCode::SUCCESS)
}

/// The scorer of the test rows. Today the policy's own score; a model trained on the
/// exported features of the training rows plugs in here as another `Scorer`.
fn scorer(_policy: &CompiledPolicy) -> Box<dyn Scorer> {
    Box::new(PolicyScore)
}

fn labels_of(imported: &Imported) -> Result<LabelSet> {
    let mut labels = LabelSet::default();
    for r in imported.rows.iter().filter(|r| r.fraud) {
        labels.insert(&r.event_id, true, LABEL_KIND, None).map_err(anyhow::Error::msg).context("labels")?;
    }
    Ok(labels)
}

fn print(o: &Output<'_>, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(o)?);
        return Ok(());
    }
    let m = o.metrics;
    let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
    println!(
        "{} with {} ({}): {} rows, {} train, {} test ({} fraud), {} feature columns",
        o.data_set, o.policy, m.scorer, m.rows, m.train_rows, m.test_rows, m.test_fraud, m.columns
    );
    println!(
        "test rows: PR-AUC {}  ROC-AUC {}  recall at 1% FPR {}  recall at 0.1% FPR {}",
        f(m.pr_auc),
        f(m.roc_auc),
        f(m.recall_at_1pct_fpr),
        f(m.recall_at_01pct_fpr)
    );
    println!("import {:.1}s, replay {:.1}s ({:.0} events/s)", o.import_secs, o.replay_secs, o.replay_events_per_sec);
    Ok(())
}
