//! The scale-out mode against real services: Redis (127.0.0.1:6379, or `SHRIKE_TEST_REDIS`),
//! MariaDB and PostgreSQL (a fresh database per test), and a Redis Cluster this test starts.
//! `./scripts/test.sh` starts the servers when they are not running.

#![allow(clippy::unwrap_used, unreachable_pub)] // tests: a failure is a test failure

mod support;

mod degraded;
mod identical;
mod nodes;
