//! `shrike backtest --policy P [--against Q] --events E --labels L [--json] [--report OUT.html]`

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use shrike_backtest::report::{PolicyReport, RuleReport};
use shrike_backtest::{BacktestReport, DiffReport, LabelInput, backtest, html};

use crate::label_args::LabelArgs;
use crate::progress::Progress;
use crate::replay_cmd::{count_lines, open_input};
use crate::setup;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The policy to backtest (the candidate).
    #[arg(long)]
    policy: PathBuf,
    /// A baseline policy: also report which events change outcome from it to --policy, and
    /// how every number changes.
    #[arg(long)]
    against: Option<PathBuf>,
    /// Events, one JSON object per line, in time order.
    #[arg(long)]
    events: PathBuf,
    #[command(flatten)]
    labels: LabelArgs,
    /// Print the whole report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report with plots.
    #[arg(long, value_name = "OUT.html")]
    report: Option<PathBuf>,
    /// Draw the progress bar even when standard error is not a terminal.
    #[arg(long)]
    progress: bool,
}

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    let policy = setup::load_policy(&args.policy)?;
    let against = args.against.as_deref().map(setup::load_policy).transpose()?;
    let labels = args.labels.load()?;
    if labels.is_none() {
        eprintln!("note: no --labels: every event counts as legitimate, so detection metrics are undefined");
    }
    let input = labels.as_ref().map(|(labels, delays)| LabelInput { labels, delays });
    // Counting lines for the bar's total reads the file once more: only when it is drawn.
    let passes = 1 + u64::from(against.is_some());
    let total = if Progress::would_draw(args.progress) { Some(count_lines(&args.events)? * passes) } else { None };
    let bar = Progress::forced("backtest", total, args.progress);
    let mut done = 0u64;
    let mut last = 0u64;
    let mut progress = |n: u64| {
        // Lines restart at each pass; keep the bar moving across passes.
        done += if n < last { n } else { n - last };
        last = n;
        bar.update(done);
    };
    let report =
        backtest(policy, against, || open_input(&args.events).map_err(std::io::Error::other), input, &mut progress)?;
    bar.update(report.pass.replay.lines * passes);
    bar.finish();
    if let Some(path) = &args.report {
        std::fs::write(path, html::render(&report)).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report)?;
    }
    Ok(if report.pass.replay.bad_lines > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn print_text(r: &BacktestReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let s = &r.pass;
    writeln!(
        out,
        "{} events ({} bad lines, {} duplicates), {} label events merged in, {:.2}s ({:.0} events/s)",
        s.scored, s.replay.bad_lines, s.duplicates, s.label_events, s.replay.elapsed_secs, s.replay.events_per_sec
    )?;
    if let Some(b) = &r.against {
        policy_text(&mut out, b, "baseline")?;
    }
    policy_text(&mut out, &r.policy, if r.against.is_some() { "candidate" } else { "policy" })?;
    if let Some(d) = &r.diff {
        diff_text(&mut out, d)?;
    }
    Ok(())
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
}

fn policy_text(out: &mut impl Write, p: &PolicyReport, role: &str) -> Result<()> {
    let sc = &p.score;
    writeln!(
        out,
        "\n== {role} {}: {} events, {} fraud ({} in fraud money)",
        p.policy, p.events, p.fraud_events, p.fraud_money
    )?;
    writeln!(
        out,
        "score: PR-AUC {}  ROC-AUC {}  recall at 1% FPR {} (money {})  at 0.1% FPR {} (money {})",
        opt(sc.pr_auc),
        opt(sc.roc_auc),
        opt(sc.recall_at_1pct_fpr),
        opt(sc.money_recall_at_1pct_fpr),
        opt(sc.recall_at_01pct_fpr),
        opt(sc.money_recall_at_01pct_fpr)
    )?;
    let f = &p.flagged;
    writeln!(
        out,
        "flagged (not allow): precision {}  recall {}  money recall {}  FPR {};  review rate {}",
        opt(f.precision),
        opt(f.recall),
        opt(f.money_recall),
        opt(f.fpr),
        opt(p.review_rate)
    )?;
    writeln!(out, "{:<10} {:>10} {:>9} {:>10} {:>16}", "outcome", "events", "fraud", "legit", "fraud money")?;
    for o in &p.outcomes {
        writeln!(
            out,
            "{:<10} {:>10} {:>9} {:>10} {:>16}",
            o.outcome.name(),
            o.events,
            o.fraud,
            o.legit,
            o.fraud_money
        )?;
    }
    writeln!(
        out,
        "{:<40} {:>9} {:>9} {:>9} {:>9} {:>16}",
        "rule", "hits", "fraud", "precision", "recall", "money caught"
    )?;
    for r in &p.rules {
        rule_text(out, r)?;
    }
    Ok(())
}

fn rule_text(out: &mut impl Write, r: &RuleReport) -> Result<()> {
    let name = if r.shadow { format!("{} (shadow)", r.rule) } else { r.rule.clone() };
    writeln!(
        out,
        "{name:<40} {:>9} {:>9} {:>9} {:>9} {:>16}",
        r.hits,
        r.fraud_hits,
        opt(r.precision),
        opt(r.recall),
        r.money_caught
    )?;
    Ok(())
}

fn diff_text(out: &mut impl Write, d: &DiffReport) -> Result<()> {
    writeln!(
        out,
        "\n== diff {} against {}: {} events change outcome ({} fraud, {} legit)",
        d.candidate, d.baseline, d.changed, d.changed_fraud, d.changed_legit
    )?;
    for t in &d.transitions {
        writeln!(out, "  {:>9} -> {:<9} fraud {:>8}  legit {:>8}", t.from.name(), t.to.name(), t.fraud, t.legit)?;
    }
    let dl = &d.deltas;
    let signed = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:+.4}"));
    writeln!(
        out,
        "  change: PR-AUC {}  ROC-AUC {}  recall at 1% FPR {}  at 0.1% FPR {}  flag rate {}  review rate {}",
        signed(dl.pr_auc),
        signed(dl.roc_auc),
        signed(dl.recall_at_1pct_fpr),
        signed(dl.recall_at_01pct_fpr),
        signed(dl.flag_rate),
        signed(dl.review_rate)
    )?;
    Ok(())
}
