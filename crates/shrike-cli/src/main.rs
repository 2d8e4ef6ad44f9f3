//! `shrike`: the command line and composition root. Subcommands are thin: they parse their
//! arguments, build the pieces from the library crates, and print.

mod backtest_cmd;
mod bench;
mod check;
mod eval_cmd;
mod features_cmd;
mod gen_cmd;
mod import_cmd;
mod keys_cmd;
mod label_args;
mod progress;
mod quality;
mod replay_cmd;
mod serve_cmd;
mod setup;
mod train_cmd;
mod train_csv;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: the engine allocates small, short-lived strings
/// and vectors per event, and `shrike bench` measured glibc malloc/free and fresh-page faults
/// as a visible share of the time (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Shrike: real-time risk decisions for e-commerce marketplaces.
#[derive(Parser)]
#[command(name = "shrike", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a policy and report errors as path:line:column with the source line.
    Check(check::Args),
    /// Generate a seeded synthetic marketplace event stream with labelled fraud.
    Gen(gen_cmd::Args),
    /// Decide every event of a JSON-lines file with a policy; one decision per line out.
    Replay(replay_cmd::Args),
    /// Measure single-core throughput of a policy on a generated stream.
    Bench(bench::Args),
    /// Run the decision service (HTTP API) over a data directory.
    Serve(serve_cmd::Args),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(keys_cmd::Command),
    /// What a policy would have done to history: outcomes, rules, PR/ROC against labels; a
    /// diff against another policy; an HTML report.
    Backtest(backtest_cmd::Args),
    /// Point-in-time feature export.
    #[command(subcommand)]
    Features(features_cmd::Command),
    /// Turn a public labelled data set into events and labels.
    #[command(subcommand)]
    Import(import_cmd::Command),
    /// Detection quality on a public data set with a time split.
    #[command(subcommand)]
    Eval(eval_cmd::Command),
    /// Train a gradient-boosted tree model on a CSV of features.
    Train(train_cmd::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Gen(a) => gen_cmd::run(a),
        Command::Replay(a) => replay_cmd::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Serve(a) => serve_cmd::run(a),
        Command::Keys(c) => keys_cmd::run(c),
        Command::Backtest(a) => backtest_cmd::run(a),
        Command::Features(c) => features_cmd::run(c),
        Command::Import(c) => import_cmd::run(c),
        Command::Eval(c) => eval_cmd::run(c),
        Command::Train(a) => train_cmd::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
