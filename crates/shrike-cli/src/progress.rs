//! A minimal progress bar on standard error, drawn only when it is a terminal.

use std::io::{IsTerminal, Write};

use shrike_types::clock::Stopwatch;

pub(crate) struct Progress {
    total: Option<u64>,
    watch: Stopwatch,
    enabled: bool,
    label: &'static str,
}

impl Progress {
    /// `total` is the expected count (e.g. lines), when known.
    pub(crate) fn new(label: &'static str, total: Option<u64>) -> Progress {
        Progress::forced(label, total, false)
    }

    /// Whether a bar made with `force` would be drawn (so callers can skip computing a total).
    pub(crate) fn would_draw(force: bool) -> bool {
        force || std::io::stderr().is_terminal()
    }

    /// Like [`Progress::new`]; with `force`, drawn even when standard error is not a terminal.
    pub(crate) fn forced(label: &'static str, total: Option<u64>, force: bool) -> Progress {
        Progress { total, watch: Stopwatch::start(), enabled: Progress::would_draw(force), label }
    }

    pub(crate) fn update(&self, done: u64) {
        if !self.enabled {
            return;
        }
        let rate = done as f64 / self.watch.elapsed_secs_f64().max(1e-9);
        let line = match self.total.filter(|t| *t > 0) {
            Some(t) => {
                let frac = (done as f64 / t as f64).min(1.0);
                let filled = (frac * 30.0) as usize;
                format!(
                    "\r{} [{}{}] {:>3.0}% {done}/{t} {:.0}/s",
                    self.label,
                    "#".repeat(filled),
                    ".".repeat(30 - filled),
                    frac * 100.0,
                    rate
                )
            }
            None => format!("\r{} {done} {:.0}/s", self.label, rate),
        };
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(line.as_bytes());
        let _ = err.flush();
    }

    pub(crate) fn finish(&self) {
        if self.enabled {
            eprintln!();
        }
    }
}
