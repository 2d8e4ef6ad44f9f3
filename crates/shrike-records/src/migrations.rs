//! Versioned schema migrations, embedded in the binary and applied by [`crate::Records::open`].
//!
//! One folder per backend under `migrations/`; a file is never edited once released (sqlx
//! checks each applied migration's checksum and refuses to open on a mismatch). A schema
//! change is a new file with the next version in all three folders.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::backend::Backend;

/// (version, description, SQL) for one backend.
type Step = (i64, &'static str, &'static str);

const SQLITE: &[Step] = &[
    (1, "records", include_str!("../migrations/sqlite/0001_records.sql")),
    (2, "models", include_str!("../migrations/sqlite/0002_models.sql")),
];
const MYSQL: &[Step] = &[
    (1, "records", include_str!("../migrations/mysql/0001_records.sql")),
    (2, "models", include_str!("../migrations/mysql/0002_models.sql")),
];
const POSTGRES: &[Step] = &[
    (1, "records", include_str!("../migrations/postgres/0001_records.sql")),
    (2, "models", include_str!("../migrations/postgres/0002_models.sql")),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 2;

/// The migrator for `backend`. sqlx takes an advisory lock on MariaDB and PostgreSQL while
/// it migrates, so nodes opening the same database at once apply each step exactly once.
pub(crate) fn migrator(backend: Backend) -> Migrator {
    let steps = match backend {
        Backend::Sqlite => SQLITE,
        Backend::MySql => MYSQL,
        Backend::Postgres => POSTGRES,
    };
    let migrations = steps
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, sql.into_sql_str(), false)
        })
        .collect();
    Migrator::with_migrations(migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_backend_has_the_same_versions_up_to_schema_version() {
        for steps in [SQLITE, MYSQL, POSTGRES] {
            let versions: Vec<i64> = steps.iter().map(|s| s.0).collect();
            assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
        }
    }

    fn tables(sql: &str) -> Vec<&str> {
        let mut names: Vec<&str> =
            sql.split("CREATE TABLE ").skip(1).filter_map(|rest| rest.split_whitespace().next()).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn every_backend_creates_the_same_tables() {
        for v in 0..SQLITE.len() {
            assert_eq!(tables(SQLITE[v].2), tables(MYSQL[v].2), "version {}", v + 1);
            assert_eq!(tables(SQLITE[v].2), tables(POSTGRES[v].2), "version {}", v + 1);
        }
        assert_eq!(tables(SQLITE[0].2).len(), 9);
    }
}
