//! The point-in-time export as Parquet (feature `parquet`): the same columns as the CSV
//! export, typed — numbers as DOUBLE, money as DECIMAL(18, 6) (exact micros), times as
//! TIMESTAMP(MILLIS, UTC), text as UTF-8, bools as BOOLEAN, every column nullable —
//! written in row groups of [`ROW_GROUP_ROWS`] rows, uncompressed (no codec is built in).

use std::io::{self, Write};
use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type as Schema;
use shrike_dsl::CompiledPolicy;
use shrike_dsl::eval::{EvalCtx, NoLists, eval};
use shrike_dsl::ir::Expr;
use shrike_engine::Engine;
use shrike_engine::replay::LineError;
use shrike_features::FeatureStore;
use shrike_types::{Decision, Event, Type, Value};

use crate::export::{MAX_REPORTED_BAD_LINES, attribute_exprs};
use crate::labels::Label;
use crate::run::Observer;

/// Rows buffered per row group: bounds memory (a few MB per group for ~100 columns).
pub const ROW_GROUP_ROWS: usize = 65_536;

/// How a column is stored.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Double,
    /// Money in micros, DECIMAL(18, 6).
    Decimal,
    /// Epoch milliseconds, TIMESTAMP(MILLIS).
    Time,
    /// A plain INT64 (event_time_ms, durations in ms).
    Long,
    Int,
    Bool,
}

enum Values {
    Text(Vec<ByteArray>),
    Double(Vec<f64>),
    Long(Vec<i64>),
    Int(Vec<i32>),
    Bool(Vec<bool>),
}

struct Column {
    kind: Kind,
    values: Values,
    /// Definition levels: 1 present, 0 null.
    def: Vec<i16>,
}

impl Column {
    fn new(kind: Kind) -> Column {
        let values = match kind {
            Kind::Text => Values::Text(Vec::new()),
            Kind::Double => Values::Double(Vec::new()),
            Kind::Decimal | Kind::Time | Kind::Long => Values::Long(Vec::new()),
            Kind::Int => Values::Int(Vec::new()),
            Kind::Bool => Values::Bool(Vec::new()),
        };
        Column { kind, values, def: Vec::with_capacity(ROW_GROUP_ROWS) }
    }

    /// Appends `v`, or a null when it has no value of this column's kind.
    fn push(&mut self, v: &Value<'_>) {
        let present = match (&mut self.values, v) {
            (Values::Text(out), Value::Str(s)) => push(out, ByteArray::from(s.as_bytes().to_vec())),
            (Values::Text(out), Value::Ip(ip)) => push(out, ByteArray::from(ip.to_string().into_bytes())),
            (Values::Double(out), Value::Num(n)) if n.is_finite() => push(out, *n),
            (Values::Long(out), Value::Money(m)) if self.kind == Kind::Decimal => push(out, m.0),
            (Values::Long(out), Value::Time(t)) if self.kind == Kind::Time => push(out, t.0),
            (Values::Long(out), Value::Dur(d)) if self.kind == Kind::Long => push(out, d.0),
            (Values::Bool(out), Value::Bool(b)) => push(out, *b),
            _ => false,
        };
        self.def.push(i16::from(present));
    }

    fn push_long(&mut self, v: i64) {
        if let Values::Long(out) = &mut self.values {
            out.push(v);
            self.def.push(1);
        }
    }

    fn push_int(&mut self, v: Option<i32>) {
        if let Values::Int(out) = &mut self.values {
            out.extend(v);
            self.def.push(i16::from(v.is_some()));
        }
    }

    fn schema(&self, name: &str) -> Result<Arc<Schema>, ParquetError> {
        let (physical, logical) = match self.kind {
            Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            Kind::Double => (Physical::DOUBLE, None),
            Kind::Decimal => (Physical::INT64, Some(LogicalType::decimal(6, 18))),
            Kind::Time => (Physical::INT64, Some(LogicalType::timestamp(true, TimeUnit::MILLIS))),
            Kind::Long => (Physical::INT64, None),
            Kind::Int => (Physical::INT32, None),
            Kind::Bool => (Physical::BOOLEAN, None),
        };
        let mut b = Schema::primitive_type_builder(name, physical)
            .with_repetition(Repetition::OPTIONAL)
            .with_logical_type(logical);
        if self.kind == Kind::Decimal {
            b = b.with_precision(18).with_scale(6);
        }
        Ok(Arc::new(b.build()?))
    }
}

fn push<T>(out: &mut Vec<T>, v: T) -> bool {
    out.push(v);
    true
}

fn kind_of(ty: Type) -> Kind {
    match ty {
        Type::String | Type::Ip => Kind::Text,
        Type::Number => Kind::Double,
        Type::Money => Kind::Decimal,
        Type::Timestamp => Kind::Time,
        Type::Duration => Kind::Long,
        Type::Bool => Kind::Bool,
    }
}

fn pq(e: ParquetError) -> io::Error {
    io::Error::other(e)
}

/// Writes the export as Parquet.
pub struct ParquetExport<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    columns: Vec<Column>,
    attributes: Vec<Expr>,
    features: usize,
    labelled: bool,
    buffered: usize,
    group_rows: usize,
    pub rows: u64,
    pub bad_lines: Vec<String>,
}

/// The fixed columns, as in the CSV export.
const FIXED: [(&str, Kind); 7] = [
    ("event_id", Kind::Text),
    ("event_time", Kind::Time),
    ("event_time_ms", Kind::Long),
    ("event_type", Kind::Text),
    ("label", Kind::Int),
    ("outcome", Kind::Text),
    ("score", Kind::Int),
];

impl<W: Write + Send> ParquetExport<W> {
    /// A writer with row groups of `group_rows` rows (at least 1; [`ROW_GROUP_ROWS`] is the
    /// default of the export).
    pub fn new(out: W, policy: &CompiledPolicy, labelled: bool, group_rows: usize) -> io::Result<ParquetExport<W>> {
        let attrs = attribute_exprs(policy);
        let mut named: Vec<(String, Kind)> = FIXED.iter().map(|(n, k)| (n.to_string(), *k)).collect();
        named.extend(policy.features.iter().map(|f| (f.name.to_string(), kind_of(f.ty))));
        let attr_kind = |e: &Expr| match e {
            Expr::Attr { ty, .. } => kind_of(*ty),
            _ => Kind::Text,
        };
        named.extend(attrs.iter().map(|(n, e)| (n.clone(), attr_kind(e))));
        let columns: Vec<Column> = named.iter().map(|(_, k)| Column::new(*k)).collect();
        let fields = named.iter().zip(&columns).map(|((n, _), c)| c.schema(n)).collect::<Result<Vec<_>, _>>();
        let schema =
            Schema::group_type_builder("shrike_features").with_fields(fields.map_err(pq)?).build().map_err(pq)?;
        let props = Arc::new(WriterProperties::builder().build());
        let writer = SerializedFileWriter::new(out, Arc::new(schema), props).map_err(pq)?;
        let attributes = attrs.into_iter().map(|(_, e)| e).collect();
        let features = policy.features.len();
        let group_rows = group_rows.clamp(1, ROW_GROUP_ROWS);
        Ok(ParquetExport {
            writer,
            columns,
            attributes,
            features,
            labelled,
            buffered: 0,
            group_rows,
            rows: 0,
            bad_lines: Vec::new(),
        })
    }

    fn flush_group(&mut self) -> io::Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let mut rg = self.writer.next_row_group().map_err(pq)?;
        for col in &mut self.columns {
            let mut w = rg.next_column().map_err(pq)?.ok_or_else(|| io::Error::other("parquet: missing column"))?;
            let def = Some(col.def.as_slice());
            match &mut col.values {
                Values::Text(v) => w.typed::<ByteArrayType>().write_batch(v, def, None),
                Values::Double(v) => w.typed::<DoubleType>().write_batch(v, def, None),
                Values::Long(v) => w.typed::<Int64Type>().write_batch(v, def, None),
                Values::Int(v) => w.typed::<Int32Type>().write_batch(v, def, None),
                Values::Bool(v) => w.typed::<BoolType>().write_batch(v, def, None),
            }
            .map_err(pq)?;
            w.close().map_err(pq)?;
            col.def.clear();
            match &mut col.values {
                Values::Text(v) => v.clear(),
                Values::Double(v) => v.clear(),
                Values::Long(v) => v.clear(),
                Values::Int(v) => v.clear(),
                Values::Bool(v) => v.clear(),
            }
        }
        rg.close().map_err(pq)?;
        self.buffered = 0;
        Ok(())
    }

    /// Writes the last row group and the footer.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_group()?;
        self.writer.into_inner().map_err(pq)
    }
}

impl<S: FeatureStore, W: Write + Send> Observer<S> for ParquetExport<W> {
    fn event(&mut self, engine: &Engine<S>, event: &Event<'_>, d: &Decision, label: Option<Label>) -> io::Result<()> {
        let c = &mut self.columns;
        c[0].push(&Value::Str(event.event_id.as_ref().into()));
        c[1].push(&Value::Time(event.timestamp));
        c[2].push_long(event.timestamp.0);
        c[3].push(&Value::Str(event.event_type.name().into()));
        c[4].push_int(self.labelled.then(|| i32::from(label.is_some_and(|l| l.fraud))));
        c[5].push(&Value::Str(d.outcome.name().into()));
        c[6].push_int(Some(i32::from(d.score)));
        let (features, attrs) = c[FIXED.len()..].split_at_mut(self.features);
        for (col, v) in features.iter_mut().zip(engine.feature_values()) {
            col.push(v);
        }
        let ctx = EvalCtx { event, features: &[], lists: &NoLists };
        for (col, a) in attrs.iter_mut().zip(&self.attributes) {
            col.push(&eval(a, &ctx));
        }
        self.rows += 1;
        self.buffered += 1;
        if self.buffered >= self.group_rows {
            self.flush_group()?;
        }
        Ok(())
    }

    fn bad_line(&mut self, error: LineError) {
        if self.bad_lines.len() < MAX_REPORTED_BAD_LINES {
            self.bad_lines.push(error.to_string());
        }
    }
}
