//! `shrike features export --policy P --events E [--labels L] --out FILE.csv|FILE.parquet`

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use shrike_backtest::{LabelInput, export_csv_fields, export_parquet};

use crate::label_args::LabelArgs;
use crate::progress::Progress;
use crate::replay_cmd::{count_lines, open_input};
use crate::setup;

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Write every feature of a policy at every event, point in time, with the event's id,
    /// time, type and label: one CSV row per event (docs/backtest.md).
    Export(ExportArgs),
}

#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    /// The policy whose features are exported.
    #[arg(long)]
    policy: PathBuf,
    /// Events, one JSON object per line, in time order.
    #[arg(long)]
    events: PathBuf,
    #[command(flatten)]
    labels: LabelArgs,
    /// The output file: FILE.csv or FILE.parquet.
    #[arg(long)]
    out: PathBuf,
    /// Event fields to add as the last columns (CSV only), comma-separated, named as in
    /// policies: `--fields amount,card.country,ip_country`.
    #[arg(long, value_delimiter = ',')]
    fields: Vec<String>,
    /// Draw the progress bar even when standard error is not a terminal.
    #[arg(long)]
    progress: bool,
}

pub(crate) fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Export(a) => export(a),
    }
}

fn export(args: ExportArgs) -> Result<ExitCode> {
    let parquet = match args.out.extension().and_then(|e| e.to_str()) {
        Some("csv") => false,
        Some("parquet") => true,
        _ => bail!("--out must end in .csv or .parquet"),
    };
    let fields = args
        .fields
        .iter()
        .map(|f| {
            shrike_types::Field::from_name(f).ok_or_else(|| anyhow::anyhow!("--fields: `{f}` is not an event field"))
        })
        .collect::<Result<Vec<_>>>()?;
    if parquet && !fields.is_empty() {
        bail!("--fields is for CSV output");
    }
    let policy = setup::load_policy(&args.policy)?;
    let labels = args.labels.load()?;
    let input = labels.as_ref().map(|(labels, delays)| LabelInput { labels, delays });
    let out = File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let total = if Progress::would_draw(args.progress) { Some(count_lines(&args.events)?) } else { None };
    let bar = Progress::forced("export", total, args.progress);
    let events = open_input(&args.events)?;
    let out = BufWriter::with_capacity(1 << 20, out);
    let mut progress = |n| bar.update(n);
    let (summary, bad) = if parquet {
        export_parquet(&policy, events, input, out, &mut progress)?
    } else {
        export_csv_fields(&policy, &fields, events, input, out, &mut progress)?
    };
    bar.update(summary.replay.lines);
    bar.finish();
    for b in &bad {
        eprintln!("skipped {b}");
    }
    eprintln!(
        "{} rows of {} features and {} attributes written to {} ({} label events merged in, {:.2}s)",
        summary.scored,
        policy.features.len(),
        policy.attributes.len(),
        args.out.display(),
        summary.label_events,
        summary.replay.elapsed_secs
    );
    Ok(if summary.replay.bad_lines > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
