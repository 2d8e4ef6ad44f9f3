//! # shrike-server
//!
//! The decision service behind `shrike serve`: the HTTP API ([`api`]), the engine thread that
//! owns all decision state ([`worker`]), the journal and snapshots that make it durable
//! ([`journal`]), the decision log ([`sink`]), metrics and configuration. The engine crates
//! know nothing of HTTP; this crate is the shell that wires them to the network.

pub mod api;
pub mod auth;
pub mod boot;
pub mod config;
pub mod diff;
pub mod dlog;
pub mod entity;
pub mod journal;
pub mod journal_file;
pub mod metrics;
pub mod model_metrics;
pub mod models;
pub mod openapi;
pub mod records;
pub mod recovery;
pub mod scale;
pub mod scale_boot;
pub mod scale_sync;
pub mod service;
pub mod sink;
pub mod stream_engine;
pub mod tls;
pub mod worker;
