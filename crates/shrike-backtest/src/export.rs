//! Point-in-time feature export: one CSV row per scored event with every feature value of
//! the policy as the engine computed it at that event (the same `Engine::decide`, with every
//! event type reading every feature), the policy's declared attributes, and the event's id,
//! time, type, label, outcome and score. Labels enter the features only as label events at
//! the time they became known ([`crate::inject`]); the `label` column is the event's own
//! label, the training target. Event fields chosen by the caller (`--fields amount,
//! card.country`) follow the attributes, for models whose inputs are event fields too.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_dsl::eval::{EvalCtx, NoLists, eval};
use shrike_dsl::ir::Expr;
use shrike_dsl::planner::read_every_feature;
use shrike_engine::Engine;
use shrike_engine::replay::LineError;
use shrike_features::FeatureStore;
use shrike_types::{Decision, Event, Field, Value};

use crate::labels::Label;
use crate::run::Observer;

/// The fixed columns before the features.
pub const FIXED_COLUMNS: [&str; 7] =
    ["event_id", "event_time", "event_time_ms", "event_type", "label", "outcome", "score"];
/// Bad input lines kept with their error (the rest are only counted).
pub const MAX_REPORTED_BAD_LINES: usize = 20;

/// `policy` with every event type reading every feature, as the export needs.
pub fn export_policy(policy: &CompiledPolicy) -> Arc<CompiledPolicy> {
    let mut p = policy.clone();
    read_every_feature(&mut p);
    Arc::new(p)
}

/// The policy's declared attributes as expressions reading them with their declared types.
pub(crate) fn attribute_exprs(policy: &CompiledPolicy) -> Vec<(String, Expr)> {
    let expr = |(name, ty): &(Arc<str>, shrike_types::Type)| {
        (format!("attributes.{name}"), Expr::Attr { name: Arc::clone(name), ty: *ty })
    };
    policy.attributes.iter().map(expr).collect()
}

/// Writes the export as CSV.
pub struct CsvExport<W> {
    out: W,
    line: String,
    attributes: Vec<Expr>,
    fields: Vec<Field>,
    labelled: bool,
    pub rows: u64,
    pub bad_lines: Vec<String>,
}

impl<W: Write> CsvExport<W> {
    /// Writes the header. `labelled`: whether a label file was given (else `label` is empty).
    pub fn new(out: W, policy: &CompiledPolicy, labelled: bool) -> io::Result<CsvExport<W>> {
        CsvExport::with_fields(out, policy, labelled, &[])
    }

    /// [`CsvExport::new`] with the event `fields` as the last columns, named as in policies.
    pub fn with_fields(
        mut out: W,
        policy: &CompiledPolicy,
        labelled: bool,
        fields: &[Field],
    ) -> io::Result<CsvExport<W>> {
        let attrs = attribute_exprs(policy);
        let mut header: Vec<String> = FIXED_COLUMNS.iter().map(|c| c.to_string()).collect();
        header.extend(policy.features.iter().map(|f| f.name.to_string()));
        header.extend(attrs.iter().map(|(n, _)| n.clone()));
        header.extend(fields.iter().map(|f| f.name().to_string()));
        let mut line = String::new();
        for (i, h) in header.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_csv_str(&mut line, h);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        let attributes = attrs.into_iter().map(|(_, e)| e).collect();
        Ok(CsvExport { out, line, attributes, fields: fields.to_vec(), labelled, rows: 0, bad_lines: Vec::new() })
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<S: FeatureStore, W: Write> Observer<S> for CsvExport<W> {
    fn event(&mut self, engine: &Engine<S>, event: &Event<'_>, d: &Decision, label: Option<Label>) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        push_csv_str(l, &event.event_id);
        let _ = write!(l, ",{},{},{},", event.timestamp, event.timestamp.0, event.event_type.name());
        if self.labelled {
            l.push(if label.is_some_and(|l| l.fraud) { '1' } else { '0' });
        }
        let _ = write!(l, ",{},{}", d.outcome, d.score);
        for v in engine.feature_values() {
            l.push(',');
            push_value(l, v);
        }
        let ctx = EvalCtx { event, features: &[], lists: &NoLists };
        for a in &self.attributes {
            l.push(',');
            push_value(l, &eval(a, &ctx));
        }
        for f in &self.fields {
            l.push(',');
            push_value(l, &f.get(event));
        }
        l.push('\n');
        self.rows += 1;
        self.out.write_all(l.as_bytes())
    }

    fn bad_line(&mut self, error: LineError) {
        if self.bad_lines.len() < MAX_REPORTED_BAD_LINES {
            self.bad_lines.push(error.to_string());
        }
    }
}

/// A value as a CSV cell: missing is empty, money its exact decimal, a timestamp epoch
/// milliseconds, a duration milliseconds, a bool 1 or 0, text quoted when needed.
pub(crate) fn push_value(out: &mut String, v: &Value<'_>) {
    let _ = match v {
        Value::Missing => Ok(()),
        Value::Bool(b) => write!(out, "{}", u8::from(*b)),
        Value::Num(n) if n.is_finite() => write!(out, "{n}"),
        Value::Num(_) => Ok(()),
        Value::Money(m) => write!(out, "{m}"),
        Value::Time(t) => write!(out, "{}", t.0),
        Value::Dur(d) => write!(out, "{}", d.0),
        Value::Ip(ip) => write!(out, "{ip}"),
        Value::Str(s) => {
            push_csv_str(out, s);
            Ok(())
        }
    };
}

fn push_csv_str(out: &mut String, s: &str) {
    if !s.contains([',', '"', '\n', '\r']) {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use shrike_types::{Duration, Money, Timestamp};

    #[test]
    fn cells() {
        let cell = |v: Value<'_>| {
            let mut s = String::new();
            push_value(&mut s, &v);
            s
        };
        assert_eq!(cell(Value::Missing), "");
        assert_eq!(cell(Value::Num(3.0)), "3");
        assert_eq!(cell(Value::Num(0.25)), "0.25");
        assert_eq!(cell(Value::Num(f64::NAN)), "");
        assert_eq!(cell(Value::Money(Money(12_340_000))), "12.34");
        assert_eq!(cell(Value::Time(Timestamp(1_700_000_000_123))), "1700000000123");
        assert_eq!(cell(Value::Dur(Duration::MINUTE)), "60000");
        assert_eq!(cell(Value::Bool(true)), "1");
        assert_eq!(cell(Value::Str("a,\"b\"".into())), "\"a,\"\"b\"\"\"");
    }
}
