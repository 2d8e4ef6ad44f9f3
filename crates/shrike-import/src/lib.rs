//! # shrike-import
//!
//! Turns public labelled fraud data sets into Shrike events (JSON lines, the format of
//! docs/events.md) and labels (JSON lines, `{"event_id","label","kind"}`), so they can be
//! replayed, backtested and exported like recorded traffic. docs/backtest.md lists the
//! mapping of every column.
//!
//! - [`ieee`]: IEEE-CIS (Vesta) transactions: card, address, e-mail domain and device
//!   proxies become entities, so velocity features and linking work.
//! - [`ulb`]: the ULB credit-card data set (PCA components only, no entities).
//!
//! Invariants:
//! - Money is exact: amounts go from the CSV text to [`shrike_types::Money`] without a float.
//! - Time is the data set's seconds offset from a fixed, documented epoch.
//! - Output is sorted by event time (ties by source order), the order replay needs.
//! - Every input size is bounded ([`csv::MAX_RECORD_BYTES`], [`csv::MAX_COLUMNS`],
//!   [`MAX_ROWS`]); a bad cell is an error naming its line and column.

mod cells;
pub mod csv;
pub mod ieee;
mod output;
pub mod ulb;

pub use output::{Imported, LABEL_KIND, Row};

/// Most rows one import holds in memory (rows are sorted by time before writing).
pub const MAX_ROWS: usize = 20_000_000;

/// A bad input file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Syntax { line: u64, message: String },
    #[error("line {line}, column {column}: {message}")]
    Cell { line: u64, column: String, message: String },
    #[error("the header has no column `{0}`")]
    MissingColumn(String),
    #[error("more than {MAX_ROWS} rows")]
    TooManyRows,
}
