//! Reading columns from a row of any backend, with decode failures as `Internal` errors
//! (a stored row that does not decode is corruption or a bug, never the caller's input).

use sqlx::Row;

use crate::error::{RecordsError, Result};

/// Typed column access, implemented for the three backends' row types.
pub(crate) trait RowGet {
    fn int(&self, col: &str) -> Result<i64>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>>;
    fn small(&self, col: &str) -> Result<i16>;
    fn text(&self, col: &str) -> Result<String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    fn flag(&self, col: &str) -> Result<bool>;
    fn bytes(&self, col: &str) -> Result<Vec<u8>>;
}

fn decode_error(err: sqlx::Error) -> RecordsError {
    RecordsError::Internal { source: Box::new(err) }
}

macro_rules! impl_row_get {
    ($row:ty) => {
        impl RowGet for $row {
            fn int(&self, col: &str) -> Result<i64> {
                self.try_get(col).map_err(decode_error)
            }
            fn opt_int(&self, col: &str) -> Result<Option<i64>> {
                self.try_get(col).map_err(decode_error)
            }
            fn small(&self, col: &str) -> Result<i16> {
                self.try_get(col).map_err(decode_error)
            }
            fn text(&self, col: &str) -> Result<String> {
                self.try_get(col).map_err(decode_error)
            }
            fn opt_text(&self, col: &str) -> Result<Option<String>> {
                self.try_get(col).map_err(decode_error)
            }
            fn flag(&self, col: &str) -> Result<bool> {
                self.try_get(col).map_err(decode_error)
            }
            fn bytes(&self, col: &str) -> Result<Vec<u8>> {
                self.try_get(col).map_err(decode_error)
            }
        }
    };
}

impl_row_get!(sqlx::sqlite::SqliteRow);
impl_row_get!(sqlx::mysql::MySqlRow);
impl_row_get!(sqlx::postgres::PgRow);

/// Decodes every row with `f`, stopping at the first failure.
pub(crate) fn decode_all<R, T>(rows: &[R], f: impl Fn(&R) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}
