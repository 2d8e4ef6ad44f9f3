//! `shrike train --data FEATURES.csv --label COLUMN --out MODEL.json [--valid-from ...]`:
//! trains a gradient-boosted tree model (shrike_model::train) on a CSV of features.
//!
//! Columns: the label (0/1, or true/false), optionally a time column that orders the
//! validation split, ignored columns, and features: numeric columns, and text columns as
//! categorical inputs (their dictionary is kept in the model). `--categorical` reads numeric
//! codes as categories too. Progress goes to standard error every `--progress-every` rounds;
//! the summary is printed to standard error and, as one JSON object, to standard output.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use shrike_model::train::{Dataset, Iteration, Metric, Params, train};
use shrike_model::{Input, Model};
use shrike_types::clock::Stopwatch;

use crate::train_csv::{self, Column, Table};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Features file: CSV with a header line.
    #[arg(long)]
    data: PathBuf,
    /// The label column: 1/true is positive (fraud), 0/false negative.
    #[arg(long)]
    label: String,
    /// Where to write the model (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Validation split: rows from this data row on (0-based; with --time-column, rows whose
    /// time is >= this value) validate and drive early stopping.
    #[arg(long)]
    valid_from: Option<String>,
    /// Column ordering rows in time, for --valid-from (numbers, or text such as RFC 3339
    /// timestamps compared as strings). Not a feature.
    #[arg(long)]
    time_column: Option<String>,
    /// Columns to leave out, comma-separated.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Numeric columns to treat as category codes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
    /// Print a progress line every N rounds (0: none).
    #[arg(long, default_value_t = 10)]
    progress_every: usize,
    #[command(flatten)]
    params: ParamArgs,
}

/// Training parameters; defaults are `shrike_model::train::Params::default()`.
#[derive(clap::Args)]
struct ParamArgs {
    /// Boosting rounds at most.
    #[arg(long)]
    trees: Option<usize>,
    #[arg(long)]
    learning_rate: Option<f64>,
    #[arg(long)]
    num_leaves: Option<usize>,
    /// 0: no limit.
    #[arg(long)]
    max_depth: Option<usize>,
    #[arg(long)]
    min_data_in_leaf: Option<usize>,
    #[arg(long)]
    min_sum_hessian: Option<f64>,
    #[arg(long)]
    lambda_l2: Option<f64>,
    #[arg(long)]
    bagging_fraction: Option<f64>,
    #[arg(long)]
    feature_fraction: Option<f64>,
    #[arg(long)]
    seed: Option<u64>,
    #[arg(long)]
    scale_pos_weight: Option<f64>,
    /// Weigh positives by negatives / positives.
    #[arg(long)]
    balanced: bool,
    /// 0: never stop early.
    #[arg(long)]
    early_stopping_rounds: Option<usize>,
    /// Early-stopping metric: pr-auc or logloss.
    #[arg(long, value_parser = ["pr-auc", "logloss"])]
    metric: Option<String>,
    #[arg(long)]
    max_bins: Option<usize>,
    #[arg(long)]
    max_categories: Option<usize>,
}

impl ParamArgs {
    fn params(&self) -> Params {
        let d = Params::default();
        Params {
            num_trees: self.trees.unwrap_or(d.num_trees),
            learning_rate: self.learning_rate.unwrap_or(d.learning_rate),
            num_leaves: self.num_leaves.unwrap_or(d.num_leaves),
            max_depth: self.max_depth.unwrap_or(d.max_depth),
            min_data_in_leaf: self.min_data_in_leaf.unwrap_or(d.min_data_in_leaf),
            min_sum_hessian: self.min_sum_hessian.unwrap_or(d.min_sum_hessian),
            lambda_l2: self.lambda_l2.unwrap_or(d.lambda_l2),
            bagging_fraction: self.bagging_fraction.unwrap_or(d.bagging_fraction),
            feature_fraction: self.feature_fraction.unwrap_or(d.feature_fraction),
            seed: self.seed.unwrap_or(d.seed),
            scale_pos_weight: self.scale_pos_weight.unwrap_or(d.scale_pos_weight),
            balanced: self.balanced,
            early_stopping_rounds: self.early_stopping_rounds.unwrap_or(d.early_stopping_rounds),
            metric: if self.metric.as_deref() == Some("logloss") { Metric::Logloss } else { d.metric },
            max_bins: self.max_bins.unwrap_or(d.max_bins),
            max_categories: self.max_categories.unwrap_or(d.max_categories),
            ..d
        }
    }
}

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    let params = args.params.params();
    params.validate().context("training parameters")?;
    let watch = Stopwatch::start();
    let header = train_csv::read_header(&args.data)?;
    let position = |name: &String| {
        header.iter().position(|n| n == name).with_context(|| format!("no column `{name}` in the header"))
    };
    let as_text = args.categorical.iter().map(position).collect::<Result<Vec<_>>>()?;
    let skip = args.ignore.iter().map(position).collect::<Result<Vec<_>>>()?;
    let time = args.time_column.as_ref().map(position).transpose()?;
    let table = train_csv::read(&args.data, &as_text, &skip, time)?;
    let read_secs = watch.elapsed_secs_f64();
    let (train_set, valid_set) = split(&args, &table)?;
    eprintln!(
        "read {} rows x {} columns in {read_secs:.1} s: {} features, {} training rows, {} validation rows",
        table.rows,
        table.names.len(),
        train_set.inputs.len(),
        train_set.rows(),
        valid_set.as_ref().map_or(0, Dataset::rows)
    );
    if let Some(v) = &valid_set
        && !v.labels.iter().any(|&l| l)
    {
        eprintln!("warning: the validation rows hold no positive label: PR-AUC cannot guide early stopping");
    }
    let every = args.progress_every;
    let mut progress = |it: &Iteration| {
        if every > 0 && it.round.is_multiple_of(every) {
            eprintln!("{}", progress_line(it, params.metric));
        }
    };
    let train_watch = Stopwatch::start();
    let trained = train(&params, &train_set, valid_set.as_ref(), &mut progress)?;
    let train_secs = train_watch.elapsed_secs_f64();
    let summary = trained.summary.clone();
    let model = Model::from_trained(train_set.inputs.clone(), &params, trained)?;
    model.save(&args.out)?;
    eprintln!("{}", summary_line(&summary, train_secs, &args.out));
    let json = serde_json::json!({ "summary": summary, "train_seconds": train_secs, "read_seconds": read_secs });
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

fn progress_line(it: &Iteration, metric: Metric) -> String {
    let valid = it
        .valid_metric
        .map_or(String::new(), |m| format!(", valid {} {m:.5} (best round {})", metric.name(), it.best_round));
    format!("round {:>5}: train logloss {:.5}{valid}", it.round, it.train_logloss)
}

fn summary_line(s: &shrike_model::train::Summary, secs: f64, out: &std::path::Path) -> String {
    let valid = match (s.valid_pr_auc, s.valid_logloss) {
        (Some(ap), Some(ll)) => format!("validation PR-AUC {ap:.4}, logloss {ll:.5}"),
        _ => "no validation split".to_string(),
    };
    format!(
        "trained {} trees (best iteration {} of {} rounds) in {secs:.1} s; {valid}; wrote {}",
        s.trees,
        s.best_iteration,
        s.rounds,
        out.display()
    )
}

/// The training and validation sets: label, features, and the split.
fn split(args: &Args, table: &Table) -> Result<(Dataset, Option<Dataset>)> {
    let label_col = table.index(&args.label)?;
    let labels = labels(table, label_col, &args.label)?;
    let time_col = args.time_column.as_deref().map(|t| table.index(t)).transpose()?;
    let ignored = args.ignore.iter().map(|c| table.index(c)).collect::<Result<Vec<_>>>()?;
    let features: Vec<usize> =
        (0..table.names.len()).filter(|c| *c != label_col && Some(*c) != time_col && !ignored.contains(c)).collect();
    if features.is_empty() {
        bail!("no feature columns left after the label, the time column and --ignore");
    }
    let is_valid = valid_rows(args, table, time_col)?;
    let inputs: Vec<Input> = features.iter().map(|&c| input(table, c)).collect();
    let pick = |want: bool| -> Result<Dataset> {
        let rows: Vec<usize> = (0..table.rows).filter(|&r| is_valid[r] == want).collect();
        let columns = features.iter().map(|&c| rows.iter().map(|&r| value(&table.columns[c], r)).collect()).collect();
        let labels = rows.iter().map(|&r| labels[r]).collect();
        Ok(Dataset::new(inputs.clone(), columns, labels)?)
    };
    let valid = if is_valid.iter().any(|&v| v) { Some(pick(true)?) } else { None };
    if is_valid.iter().all(|&v| v) {
        bail!("--valid-from leaves no training rows");
    }
    Ok((pick(false)?, valid))
}

fn input(table: &Table, c: usize) -> Input {
    match &table.columns[c] {
        Column::Numeric(_) => Input::numeric(table.names[c].clone()),
        Column::Text { dictionary, .. } => Input::categorical(table.names[c].clone(), dictionary.clone()),
    }
}

fn value(column: &Column, r: usize) -> f64 {
    match column {
        Column::Numeric(v) => v[r],
        Column::Text { codes, .. } => codes[r],
    }
}

fn labels(table: &Table, col: usize, name: &str) -> Result<Vec<bool>> {
    (0..table.rows)
        .map(|r| match table.cell_text(col, r).as_deref() {
            Some("1" | "true" | "1.0") => Ok(true),
            Some("0" | "false" | "0.0") => Ok(false),
            Some(other) => {
                bail!("data row {} (line {}), column `{name}`: label `{other}` is not 0/1 or true/false", r, r + 2)
            }
            None => bail!("data row {} (line {}), column `{name}`: empty label", r, r + 2),
        })
        .collect()
}

/// Which rows validate: from row N, or by the time column.
fn valid_rows(args: &Args, table: &Table, time_col: Option<usize>) -> Result<Vec<bool>> {
    let Some(from) = args.valid_from.as_deref() else {
        if time_col.is_some() {
            bail!("--time-column needs --valid-from");
        }
        return Ok(vec![false; table.rows]);
    };
    let Some(t) = time_col else {
        let n: usize =
            from.parse().with_context(|| format!("--valid-from `{from}`: a row number (or give --time-column)"))?;
        return Ok((0..table.rows).map(|r| r >= n).collect());
    };
    match &table.columns[t] {
        Column::Numeric(v) => {
            let from: f64 =
                from.parse().with_context(|| format!("--valid-from `{from}`: the time column is numeric"))?;
            Ok(v.iter().map(|&x| x >= from).collect())
        }
        Column::Text { codes, dictionary } => {
            Ok(codes.iter().map(|&c| !c.is_nan() && dictionary[c as usize].as_str() >= from).collect())
        }
    }
}
