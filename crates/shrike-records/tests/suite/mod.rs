//! The backend-independent test bodies. Each takes a fresh database.

mod decisions;
mod errors;
mod keys_audit;
mod labels;
mod lists;
mod models;
mod policies;

pub(crate) use decisions::*;
pub(crate) use errors::*;
pub(crate) use keys_audit::*;
pub(crate) use labels::*;
pub(crate) use lists::*;
pub(crate) use models::*;
pub(crate) use policies::*;

use shrike_records::{Change, RecordsError};

/// A change by the test actor at `at`.
pub(crate) fn by(at: i64) -> Change<'static> {
    Change { actor: "test", at }
}

/// The field an `InvalidInput` names; panics on any other result.
#[track_caller]
pub(crate) fn invalid_field<T: std::fmt::Debug>(r: Result<T, RecordsError>) -> String {
    match r {
        Err(RecordsError::InvalidInput { field, .. }) => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// Whether the result is a `Conflict`.
pub(crate) fn is_conflict<T>(r: &Result<T, RecordsError>) -> bool {
    matches!(r, Err(RecordsError::Conflict { .. }))
}

/// Whether the result is a `NotFound`.
pub(crate) fn is_not_found<T>(r: &Result<T, RecordsError>) -> bool {
    matches!(r, Err(RecordsError::NotFound { .. }))
}
