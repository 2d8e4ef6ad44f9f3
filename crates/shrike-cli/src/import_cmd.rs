//! `shrike import ieee-cis|ulb --csv PATH --out EVENTS.jsonl --labels LABELS.jsonl`

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use shrike_import::{Imported, ieee, ulb};

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// IEEE-CIS (Vesta) transactions: the data set's train CSV (docs/backtest.md).
    IeeeCis(Args),
    /// The ULB credit-card data set: creditcard.csv.
    Ulb(Args),
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The data set's CSV file.
    #[arg(long)]
    csv: PathBuf,
    /// Where to write the events (JSON lines, in time order).
    #[arg(long)]
    out: PathBuf,
    /// Where to write the labels (JSON lines, one per fraud event).
    #[arg(long)]
    labels: PathBuf,
}

pub(crate) fn run(command: Command) -> Result<ExitCode> {
    let (args, imported) = match command {
        Command::IeeeCis(a) => {
            let imported = read(&a.csv, ieee::import)?;
            (a, imported)
        }
        Command::Ulb(a) => {
            let imported = read(&a.csv, ulb::import)?;
            (a, imported)
        }
    };
    let create = |p: &Path| File::create(p).with_context(|| format!("creating {}", p.display()));
    imported.write_events(BufWriter::with_capacity(1 << 20, create(&args.out)?))?;
    imported.write_labels(BufWriter::new(create(&args.labels)?))?;
    eprintln!(
        "{} events ({} fraud) written to {}, labels to {}",
        imported.rows.len(),
        imported.frauds(),
        args.out.display(),
        args.labels.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens and imports a data set's CSV; errors name the file.
pub(crate) fn read(
    path: &Path,
    import: impl FnOnce(BufReader<File>) -> Result<Imported, shrike_import::ImportError>,
) -> Result<Imported> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    import(BufReader::with_capacity(1 << 20, file)).with_context(|| format!("importing {}", path.display()))
}
