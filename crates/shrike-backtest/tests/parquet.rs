//! The Parquet export holds the CSV export's values, typed.

#![cfg(feature = "parquet")]
#![allow(clippy::unwrap_used)] // a failure is a test failure

mod common;

use common::{cells, column, export, generated, marketplace};
use parquet::data_type::Decimal;
use parquet::file::reader::FileReader;
use parquet::file::reader::SerializedFileReader;
use parquet::record::Field;
use shrike_backtest::export::export_policy;
use shrike_backtest::parquet::ParquetExport;
use shrike_backtest::{LabelDelays, LabelInput, LabelSet, memory_engine, run_pass};

/// A Parquet field as the CSV export writes the same value.
fn as_csv(f: &Field) -> String {
    match f {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        Field::Int(i) => i.to_string(),
        Field::Long(l) | Field::TimestampMillis(l) => l.to_string(),
        Field::Double(d) => format!("{d}"),
        Field::Decimal(Decimal::Int64 { value, .. }) => shrike_types::Money(i64::from_be_bytes(*value)).to_string(),
        other => panic!("unexpected field {other:?}"),
    }
}

#[test]
fn parquet_rows_equal_csv_rows() {
    let policy = marketplace();
    let (events, label_text) = generated(3_000, 17, 28);
    let labels = LabelSet::read(label_text.as_bytes()).unwrap();
    let delays = LabelDelays::default();
    let csv = export(&policy, &events, &labels, &delays);
    let dir = std::env::temp_dir().join(format!("shrike-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("features.parquet");
    let file = std::fs::File::create(&path).unwrap();
    let input = Some(LabelInput { labels: &labels, delays: &delays });
    // Row groups of 1,000 rows, so the stream spans three of them.
    let all = export_policy(&policy);
    let mut pq = ParquetExport::new(file, &all, true, 1_000).unwrap();
    let (mut engine, clock) = memory_engine(all).unwrap();
    let summary = run_pass(&mut engine, events.as_bytes(), &clock, input, &mut pq).unwrap();
    pq.finish().unwrap();
    assert_eq!(summary.scored, 3_000);
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 3);
    let header = cells(&csv[0]);
    let time = column(&csv[0], "event_time");
    let mut n = 0;
    for (row, line) in reader.into_iter().zip(&csv[1..]) {
        let row = row.unwrap();
        let expected = cells(line);
        for (i, (name, field)) in row.get_column_iter().enumerate() {
            assert_eq!(name, header[i]);
            if i == time {
                assert!(matches!(field, Field::TimestampMillis(_)), "{field:?}");
                continue; // RFC 3339 text in CSV, a timestamp here (event_time_ms has the number)
            }
            assert_eq!(as_csv(field), expected[i], "row {n} column {name}");
        }
        n += 1;
    }
    assert_eq!(n, 3_000);
    std::fs::remove_dir_all(&dir).unwrap();
}
