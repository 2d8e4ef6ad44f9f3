//! The self-contained HTML report: tables and inline SVG plots (PR curve, score histograms
//! of fraud and legitimate events, outcomes over time). No script, no stylesheet or font
//! from the network: the file opens anywhere.

use std::fmt::Write as _;

use shrike_types::Outcome;

use crate::BacktestReport;
use crate::diff::DiffReport;
use crate::report::PolicyReport;
use crate::svg::{Chart, escape};

const CANDIDATE: &str = "#c0392b";
const BASELINE: &str = "#2c3e80";
const LEGIT: &str = "#7f8c8d";
const OUTCOME_COLORS: [&str; 4] = ["#bdc3c7", "#f1c40f", "#e67e22", "#c0392b"];

const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}\
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:16px}\
h2{margin-top:28px}.note{color:#666;font-size:13px}";

/// The whole report as one HTML document.
pub fn render(r: &BacktestReport) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = format!("Backtest of {}", r.policy.policy);
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(h, "<h1>{}</h1>", escape(&title));
    let base = r.against.as_ref();
    summary(&mut h, &r.policy, base);
    h.push_str("<h2>Plots</h2><div class=\"plots\">");
    h.push_str(&pr_chart(&r.policy, base));
    h.push_str(&histogram_chart(&r.policy));
    if let Some(b) = base {
        h.push_str(&histogram_chart(b));
    }
    h.push_str(&timeline_chart(&r.policy));
    h.push_str("</div>");
    outcomes(&mut h, &r.policy);
    rules(&mut h, &r.policy);
    if let (Some(d), Some(b)) = (&r.diff, base) {
        diff(&mut h, d);
        outcomes(&mut h, b);
        rules(&mut h, b);
    }
    h.push_str("</body></html>\n");
    h
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.4}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{:.3}%", v * 100.0))
}

/// A summary row's value for one policy.
type Cell = fn(&PolicyReport) -> String;

fn summary(h: &mut String, p: &PolicyReport, base: Option<&PolicyReport>) {
    let mut cols = vec![p];
    cols.extend(base);
    let _ = write!(h, "<h2>Summary</h2><table><tr><th></th>");
    for c in &cols {
        let _ = write!(h, "<th>{}</th>", escape(&c.policy));
    }
    h.push_str("</tr>");
    let rows: [(&str, Cell); 14] = [
        ("events", |p| p.events.to_string()),
        ("fraud events", |p| p.fraud_events.to_string()),
        ("fraud money", |p| p.fraud_money.to_string()),
        ("PR-AUC (average precision)", |p| opt(p.score.pr_auc)),
        ("ROC-AUC", |p| opt(p.score.roc_auc)),
        ("recall at 1% FPR", |p| opt(p.score.recall_at_1pct_fpr)),
        ("recall at 0.1% FPR", |p| opt(p.score.recall_at_01pct_fpr)),
        ("money recall at 1% FPR", |p| opt(p.score.money_recall_at_1pct_fpr)),
        ("money recall at 0.1% FPR", |p| opt(p.score.money_recall_at_01pct_fpr)),
        ("flagged: precision", |p| opt(p.flagged.precision)),
        ("flagged: recall", |p| opt(p.flagged.recall)),
        ("flag rate", |p| pct(p.flag_rate)),
        ("review rate", |p| pct(p.review_rate)),
        ("block rate", |p| pct(p.block_rate)),
    ];
    for (name, f) in rows {
        let _ = write!(h, "<tr><td>{name}</td>");
        for c in &cols {
            let _ = write!(h, "<td>{}</td>", f(c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table><p class=\"note\">Flagged: any outcome other than allow. FPR: share of legitimate events at or above the score threshold. Money recall: share of fraud amount caught.</p>");
}

fn pr_chart(p: &PolicyReport, base: Option<&PolicyReport>) -> String {
    let mut c = Chart::new((0.0, 1.0), (0.0, 1.0), "recall", "precision");
    c.line(p.score.pr_curve.iter().map(|q| (q.x, q.y)), CANDIDATE, false);
    c.legend(0, &format!("{} (AP {})", p.policy, opt(p.score.pr_auc)), CANDIDATE);
    if let Some(b) = base {
        c.line(b.score.pr_curve.iter().map(|q| (q.x, q.y)), BASELINE, true);
        c.legend(1, &format!("{} (AP {})", b.policy, opt(b.score.pr_auc)), BASELINE);
    }
    figure("Precision–recall curve of the score", c.finish())
}

/// Fraud and legitimate score distributions, each as a share of its class.
fn histogram_chart(p: &PolicyReport) -> String {
    let (f, l) = (&p.score.histogram_fraud, &p.score.histogram_legit);
    let share = |counts: &[u64]| {
        let total = counts.iter().sum::<u64>().max(1) as f64;
        counts.iter().map(|&c| c as f64 / total).collect::<Vec<_>>()
    };
    let (fs, ls) = (share(&f.counts), share(&l.counts));
    let top = fs.iter().chain(&ls).copied().fold(0.0, f64::max).max(0.01);
    let mut c = Chart::new((f.lo, f.hi), (0.0, top), "score", "share of class");
    let width = (f.hi - f.lo) / f.counts.len() as f64;
    for (i, (a, b)) in fs.iter().zip(&ls).enumerate() {
        let x = f.edge(i);
        c.bar((x, x + width / 2.0), (0.0, *b), LEGIT);
        c.bar((x + width / 2.0, x + width), (0.0, *a), CANDIDATE);
    }
    c.legend(0, "legitimate", LEGIT);
    c.legend(1, "fraud", CANDIDATE);
    figure(&format!("Score histograms: {}", p.policy), c.finish())
}

/// Challenge, review and block per bar, stacked, with the fraud count as a line.
fn timeline_chart(p: &PolicyReport) -> String {
    let bars = &p.timeline;
    let flagged = |b: &crate::timeline::Bar| b.outcomes[1..].iter().sum::<u64>();
    let top = bars.iter().map(|b| flagged(b).max(b.fraud)).max().unwrap_or(1).max(1) as f64;
    let mut c = Chart::new((0.0, bars.len().max(1) as f64), (0.0, top), "time (bars from the first event)", "events");
    for (i, b) in bars.iter().enumerate() {
        let mut y = 0.0;
        for o in [Outcome::Challenge, Outcome::Review, Outcome::Block] {
            let n = b.outcomes[o as usize] as f64;
            c.bar((i as f64, i as f64 + 1.0), (y, y + n), OUTCOME_COLORS[o as usize]);
            y += n;
        }
    }
    c.line(bars.iter().enumerate().map(|(i, b)| (i as f64 + 0.5, b.fraud as f64)), BASELINE, false);
    for (k, o) in [Outcome::Challenge, Outcome::Review, Outcome::Block].into_iter().enumerate() {
        c.legend(k, o.name(), OUTCOME_COLORS[o as usize]);
    }
    c.legend(3, "fraud events", BASELINE);
    let from = bars.first().map(|b| b.from.to_string()).unwrap_or_default();
    let title = format!("Outcomes over time: {} ({} h per bar from {from})", p.policy, p.timeline_hours_per_bar);
    figure(&title, c.finish())
}

fn figure(title: &str, svg: String) -> String {
    format!("<figure><figcaption>{}</figcaption>{svg}</figure>", escape(title))
}

fn outcomes(h: &mut String, p: &PolicyReport) {
    let _ = write!(
        h,
        "<h2>Outcomes: {}</h2><table><tr><th>outcome</th><th>events</th><th>fraud</th><th>legitimate</th><th>fraud money</th><th>legitimate money</th></tr>",
        escape(&p.policy)
    );
    for o in &p.outcomes {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            o.outcome, o.events, o.fraud, o.legit, o.fraud_money, o.legit_money
        );
    }
    h.push_str("</table>");
}

fn rules(h: &mut String, p: &PolicyReport) {
    let _ = write!(
        h,
        "<h2>Rules: {}</h2><table><tr><th>rule</th><th>mode</th><th>outcome</th><th>score</th><th>hits</th><th>fraud hits</th><th>precision</th><th>recall</th><th>fraud money caught</th></tr>",
        escape(&p.policy)
    );
    for r in &p.rules {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.rule),
            if r.shadow { "shadow" } else { "live" },
            r.outcome,
            r.score,
            r.hits,
            r.fraud_hits,
            opt(r.precision),
            opt(r.recall),
            r.money_caught
        );
    }
    h.push_str("</table>");
}

fn diff(h: &mut String, d: &DiffReport) {
    let _ = write!(
        h,
        "<h2>Diff: {} against {}</h2><p>{} events change outcome ({} fraud, {} legitimate); newly flagged: {} fraud, {} legitimate; newly allowed: {} fraud, {} legitimate.</p>",
        escape(&d.candidate),
        escape(&d.baseline),
        d.changed,
        d.changed_fraud,
        d.changed_legit,
        d.newly_flagged[0],
        d.newly_flagged[1],
        d.newly_allowed[0],
        d.newly_allowed[1]
    );
    h.push_str("<table><tr><th>from</th><th>to</th><th>fraud</th><th>legitimate</th></tr>");
    for t in &d.transitions {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", t.from, t.to, t.fraud, t.legit);
    }
    h.push_str("</table><table><tr><th>change (candidate − baseline)</th><th>value</th></tr>");
    let dl = &d.deltas;
    for (name, v) in [
        ("PR-AUC", dl.pr_auc),
        ("ROC-AUC", dl.roc_auc),
        ("recall at 1% FPR", dl.recall_at_1pct_fpr),
        ("recall at 0.1% FPR", dl.recall_at_01pct_fpr),
        ("flag rate", dl.flag_rate),
        ("review rate", dl.review_rate),
        ("flagged precision", dl.flagged_precision),
        ("flagged recall", dl.flagged_recall),
    ] {
        let _ = write!(h, "<tr><td>{name}</td><td>{}</td></tr>", v.map_or_else(|| "–".into(), |v| format!("{v:+.4}")));
    }
    h.push_str(
        "</table><table><tr><th>event</th><th>time</th><th>fraud</th><th>from</th><th>to</th><th>score</th></tr>",
    );
    for e in &d.examples {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} → {}</td></tr>",
            escape(&e.event_id),
            e.event_time,
            if e.fraud { "yes" } else { "no" },
            e.from,
            e.to,
            e.score_from,
            e.score_to
        );
    }
    h.push_str("</table>");
}
