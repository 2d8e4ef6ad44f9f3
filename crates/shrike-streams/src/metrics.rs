//! Per-input counters of the stream consumers, rendered in Prometheus text format beside the
//! service's own metrics. Labels are the configured inputs (bounded by the configuration).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::config::InputConfig;

/// The counters of one input.
#[derive(Debug, Default)]
pub struct InputMetrics {
    pub consumed: AtomicU64,
    pub applied: AtomicU64,
    pub duplicates: AtomicU64,
    pub late: AtomicU64,
    pub rejected: AtomicU64,
    pub retried: AtomicU64,
    pub published: AtomicU64,
    /// Messages of the input not yet delivered to this consumer (NATS: the consumer's
    /// pending count; Kafka: high watermark minus position, summed over assigned
    /// partitions); -1 until known.
    pub lag: AtomicI64,
}

impl InputMetrics {
    pub fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Picks one counter of an input.
type Pick = fn(&InputMetrics) -> &AtomicU64;

/// Every input's counters, in configuration order.
#[derive(Debug)]
pub struct StreamMetrics {
    pub inputs: Vec<(String, InputMetrics)>,
}

impl StreamMetrics {
    pub fn new(inputs: &[InputConfig]) -> StreamMetrics {
        let label = |i: &InputConfig| i.source.replace(['"', '\\', '\n'], "_");
        let inputs = inputs.iter().map(|i| (label(i), InputMetrics { lag: AtomicI64::new(-1), ..Default::default() }));
        StreamMetrics { inputs: inputs.collect() }
    }

    /// Appends the Prometheus text of every counter.
    pub fn render(&self, out: &mut String) {
        let counters: [(&str, &str, Pick); 7] = [
            ("consumed", "Messages taken from the stream.", |m| &m.consumed),
            ("applied", "Events applied to the features.", |m| &m.applied),
            ("duplicates", "Events seen before (redeliveries, repeated event ids).", |m| &m.duplicates),
            ("late", "Events decided but too late to apply.", |m| &m.late),
            ("rejected", "Messages that were not valid events (dead-lettered or dropped).", |m| &m.rejected),
            ("retried", "Events not applied now, delivered again later.", |m| &m.retried),
            ("published", "Decisions published.", |m| &m.published),
        ];
        for (name, help, get) in counters {
            let _ =
                writeln!(out, "# HELP shrike_stream_{name}_total {help}\n# TYPE shrike_stream_{name}_total counter");
            for (input, m) in &self.inputs {
                let _ = writeln!(out, "shrike_stream_{name}_total{{input=\"{input}\"}} {}", InputMetrics::get(get(m)));
            }
        }
        let _ = writeln!(
            out,
            "# HELP shrike_stream_lag Messages not yet delivered (-1: unknown).\n# TYPE shrike_stream_lag gauge"
        );
        for (input, m) in &self.inputs {
            let _ = writeln!(out, "shrike_stream_lag{{input=\"{input}\"}} {}", m.lag.load(Ordering::Relaxed));
        }
    }
}
