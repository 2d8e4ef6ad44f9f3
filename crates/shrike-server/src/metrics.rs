//! Prometheus metrics: lock-free counters, gauges and fixed-bucket histograms, rendered in
//! the text exposition format at `/metrics`. Hand-written rather than a metrics crate: the
//! set is fixed and small, updates are one relaxed atomic add, and the output is ours.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use shrike_types::{Decision, Outcome};

#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    pub fn sub(&self, n: i64) {
        self.0.fetch_sub(n, Ordering::Relaxed);
    }
    pub fn set(&self, v: i64) {
        self.0.store(v, Ordering::Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds (seconds) of the latency buckets: 50 µs to 10 s.
pub const LATENCY_BUCKETS: [f64; 16] =
    [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A latency histogram over [`LATENCY_BUCKETS`] (cumulative on output).
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

impl Histogram {
    pub fn observe_ns(&self, ns: u64) {
        let secs = ns as f64 / 1e9;
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&b| secs <= b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, n) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let sum = self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// The routes whose latency is measured, as they appear in the `route` label.
pub const ROUTES: [&str; 10] = [
    "/v1/decide",
    "/v1/events",
    "/v1/decisions",
    "/v1/entities",
    "/v1/policies",
    "/v1/lists",
    "/v1/labels",
    "/v1/models",
    "/v1/echo",
    "other",
];

/// Every metric of the service.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: [Histogram; ROUTES.len()],
    pub responses_by_class: [Counter; 5],
    pub decisions: [Counter; 4],
    pub degraded: Counter,
    pub deadline_missed: Counter,
    pub shed: Counter,
    pub ingested: Counter,
    pub queue_depth: Gauge,
    pub journal_errors: Counter,
    pub snapshots: Counter,
    pub decision_log_dropped: Counter,
    pub decision_log_written: Counter,
    pub decision_log_queue: Gauge,
    pub feature_keys: Gauge,
    pub feature_bytes: Gauge,
    pub rule_hits: Mutex<BTreeMap<String, u64>>,
    /// The stream consumers' counters, once they run.
    pub streams: std::sync::OnceLock<std::sync::Arc<shrike_streams::StreamMetrics>>,
    pub models: crate::model_metrics::ModelMetrics,
}

impl Metrics {
    pub fn route_index(route: &str) -> usize {
        ROUTES.iter().position(|r| route.starts_with(r)).unwrap_or(ROUTES.len() - 1)
    }

    pub fn observe(&self, route: &str, status: u16, ns: u64) {
        self.observe_route(Metrics::route_index(route), status, ns);
    }

    /// [`Metrics::observe`] with the route's index already found.
    pub fn observe_route(&self, route: usize, status: u16, ns: u64) {
        if let Some(h) = self.requests.get(route) {
            h.observe_ns(ns);
        }
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses_by_class[class].inc();
    }

    /// Counts a decision's outcome and the rules that fired in it.
    pub fn record_decision(&self, d: &Decision) {
        self.decisions[d.outcome as usize].inc();
        self.models.record(d);
        if d.reasons.is_empty() && d.shadow_hits.is_empty() {
            return;
        }
        if let Ok(mut hits) = self.rule_hits.lock() {
            for r in d.reasons.iter().chain(&d.shadow_hits) {
                *hits.entry(r.rule.to_string()).or_default() += 1;
            }
        }
    }

    /// Forgets per-rule counts when the policy changes (its rules may be different ones).
    pub fn reset_rules(&self) {
        if let Ok(mut hits) = self.rule_hits.lock() {
            hits.clear();
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let h = "shrike_http_request_duration_seconds";
        let _ = writeln!(out, "# HELP {h} Time from request to response, by route.\n# TYPE {h} histogram");
        for (route, hist) in ROUTES.iter().zip(&self.requests) {
            hist.render(&mut out, h, &format!("route=\"{route}\""));
        }
        family(&mut out, "shrike_http_responses_total", "counter", "Responses by status class.");
        for (i, c) in self.responses_by_class.iter().enumerate() {
            let _ = writeln!(out, "shrike_http_responses_total{{class=\"{}xx\"}} {}", i + 1, c.get());
        }
        family(&mut out, "shrike_decisions_total", "counter", "Decisions by outcome.");
        for (o, c) in Outcome::ALL.iter().zip(&self.decisions) {
            let _ = writeln!(out, "shrike_decisions_total{{outcome=\"{o}\"}} {}", c.get());
        }
        family(&mut out, "shrike_rule_hits_total", "counter", "Rule hits (live and shadow) under the live policy.");
        if let Ok(hits) = self.rule_hits.lock() {
            for (rule, n) in hits.iter() {
                let _ = writeln!(out, "shrike_rule_hits_total{{rule=\"{rule}\"}} {n}");
            }
        }
        self.render_scalars(&mut out);
        if let Some(streams) = self.streams.get() {
            streams.render(&mut out);
        }
        self.models.render(&mut out);
        out
    }

    fn render_scalars(&self, out: &mut String) {
        let counters = [
            ("shrike_degraded_total", "Decisions answered with the fallback outcome.", &self.degraded),
            (
                "shrike_deadline_missed_total",
                "Engine answers that came after the caller's deadline.",
                &self.deadline_missed,
            ),
            ("shrike_shed_total", "Requests refused with 503 because the service was at capacity.", &self.shed),
            ("shrike_ingested_events_total", "Events applied by POST /v1/events.", &self.ingested),
            ("shrike_journal_errors_total", "Failed journal appends or commits.", &self.journal_errors),
            ("shrike_snapshots_total", "State snapshots written.", &self.snapshots),
            ("shrike_decision_log_written_total", "Decisions written to the decision log.", &self.decision_log_written),
            (
                "shrike_decision_log_dropped_total",
                "Decisions not logged: the log queue was full.",
                &self.decision_log_dropped,
            ),
        ];
        for (name, help, c) in counters {
            family(out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", c.get());
        }
        let gauges = [
            ("shrike_engine_queue_depth", "Commands waiting for the engine thread.", &self.queue_depth),
            ("shrike_decision_log_queue_depth", "Decisions waiting to be logged.", &self.decision_log_queue),
            ("shrike_feature_keys", "Entity keys held by the feature store.", &self.feature_keys),
            ("shrike_feature_state_bytes", "Approximate heap bytes of feature state.", &self.feature_bytes),
        ];
        for (name, help, g) in gauges {
            family(out, name, "gauge", help);
            let _ = writeln!(out, "{name} {}", g.get());
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_text_is_well_formed() {
        let m = Metrics::default();
        m.observe("/v1/decide", 200, 80_000);
        m.observe("/v1/decide", 503, 3_000_000);
        let text = m.render();
        assert!(text.contains("shrike_http_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"0.0001\"} 1"));
        assert!(text.contains("shrike_http_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"+Inf\"} 2"));
        assert!(text.contains("shrike_http_responses_total{class=\"5xx\"} 1"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert_eq!(line.split(' ').count(), 2, "{line}");
        }
    }
}
