//! The point-in-time features of a whole stream as a numeric table in memory, for
//! evaluation and model training: the same values as the CSV export, as `f32`.

use std::io;

use shrike_dsl::CompiledPolicy;
use shrike_dsl::eval::{EvalCtx, NoLists, eval};
use shrike_dsl::ir::Expr;
use shrike_engine::Engine;
use shrike_features::FeatureStore;
use shrike_types::{Decision, Event, Money, Outcome, Timestamp, Type, Value};

use crate::export::attribute_exprs;
use crate::labels::Label;
use crate::run::Observer;

/// Most cells (rows × columns) a table may hold: 4 GiB of `f32`.
pub const MAX_TABLE_CELLS: usize = 1 << 30;

/// What is known about a row besides its features.
#[derive(Debug, Clone, Copy)]
pub struct RowMeta {
    /// The event id as a number, when it is one (the IEEE-CIS `TransactionID`).
    pub id: Option<u64>,
    pub time: Timestamp,
    pub fraud: bool,
    pub amount: Money,
    /// The policy's own decision.
    pub outcome: Outcome,
    pub policy_score: u8,
}

/// Rows in stream order; `values` is row-major, `columns.len()` per row, NaN when missing.
///
/// Columns: every feature of the policy, then its declared attributes of numeric types
/// (number, money, bool, duration, timestamp; text and IP attributes are left out). Money is
/// in units (not micros); durations in milliseconds; bools 1/0; a timestamp (first_seen,
/// last_seen, a timestamp attribute) becomes its age in seconds at the event, so that rows
/// compare across time.
#[derive(Debug, Clone, Default)]
pub struct FeatureTable {
    pub columns: Vec<String>,
    pub values: Vec<f32>,
    pub rows: Vec<RowMeta>,
    attributes: Vec<Expr>,
}

impl FeatureTable {
    pub fn new(policy: &CompiledPolicy) -> FeatureTable {
        let numeric = |(_, e): &(String, Expr)| !matches!(e, Expr::Attr { ty: Type::String | Type::Ip, .. });
        let attrs: Vec<(String, Expr)> = attribute_exprs(policy).into_iter().filter(numeric).collect();
        let mut columns: Vec<String> = policy.features.iter().map(|f| f.name.to_string()).collect();
        columns.extend(attrs.iter().map(|(n, _)| n.clone()));
        FeatureTable {
            columns,
            values: Vec::new(),
            rows: Vec::new(),
            attributes: attrs.into_iter().map(|a| a.1).collect(),
        }
    }

    pub fn row(&self, i: usize) -> &[f32] {
        let w = self.columns.len();
        &self.values[i * w..(i + 1) * w]
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

fn number(v: &Value<'_>, now: Timestamp) -> f32 {
    match v {
        Value::Num(n) => *n as f32,
        Value::Money(m) => m.to_f64() as f32,
        Value::Bool(b) => f32::from(u8::from(*b)),
        Value::Dur(d) => d.0 as f32,
        Value::Time(t) => ((now.0 - t.0) as f64 / 1000.0) as f32,
        Value::Missing | Value::Str(_) | Value::Ip(_) => f32::NAN,
    }
}

impl<S: FeatureStore> Observer<S> for FeatureTable {
    fn event(&mut self, engine: &Engine<S>, event: &Event<'_>, d: &Decision, label: Option<Label>) -> io::Result<()> {
        if self.values.len() + self.columns.len() > MAX_TABLE_CELLS {
            return Err(io::Error::other(format!("the feature table would exceed {MAX_TABLE_CELLS} cells")));
        }
        let now = event.timestamp;
        self.values.extend(engine.feature_values().iter().map(|v| number(v, now)));
        let ctx = EvalCtx { event, features: &[], lists: &NoLists };
        for a in &self.attributes {
            self.values.push(number(&eval(a, &ctx), now));
        }
        self.rows.push(RowMeta {
            id: event.event_id.parse().ok(),
            time: now,
            fraud: label.is_some_and(|l| l.fraud),
            amount: event.amount.unwrap_or(Money::ZERO),
            outcome: d.outcome,
            policy_score: d.score,
        });
        Ok(())
    }
}
