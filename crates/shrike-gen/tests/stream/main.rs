//! Integration tests over generated streams: format, labels, ordering, realism. One
//! 200,000-event stream with default settings is generated once and shared.

mod common;
mod determinism;
mod format;
mod labels;
mod ordering;
mod realism;
