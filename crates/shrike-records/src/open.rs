//! Opening a records database from one URL: `sqlite://PATH`, `sqlite::memory:`,
//! `mysql://…` (also `mariadb://…`) or `postgres://…`. Opening connects, applies the
//! embedded migrations and returns a [`Records`] handle.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::Records;
use crate::backend::{Backend, Pools};
use crate::error::{RecordsError, Result};
use crate::migrations::migrator;

static PING: crate::sql::Sql = crate::sql::sql!("SELECT 1");

/// The SQLite file inside the data directory when no URL is configured.
pub const RECORDS_FILE: &str = "records.db";
/// Connections per pool for MariaDB and PostgreSQL.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;
/// Read-only connections beside SQLite's single writer.
pub const DEFAULT_SQLITE_READERS: u32 = 4;
/// How long an operation waits for a free connection before it fails as `Unavailable`:
/// short, because the decision service prefers degrading to queueing behind a dead database.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a SQLite writer waits for another process's write lock (e.g. `shrike keys
/// create` while `shrike serve` runs) before failing as `Unavailable`.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Page cache of SQLite's writer connection, in KiB (SQLite's default is 2 MiB). Index-heavy
/// batch inserts re-read index pages that a small cache has evicted.
pub const SQLITE_WRITER_CACHE_KIB: u32 = 64 * 1024;
/// WAL pages between automatic checkpoints (SQLite's default is 1,000, about 4 MiB). A
/// 1,000-decision batch dirties thousands of index pages, so the default checkpoints (and
/// fsyncs) after nearly every batch; 10,000 pages is about 40 MiB of WAL.
pub const SQLITE_WAL_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// SQLite's `synchronous` setting in WAL mode. docs/records.md has the measured cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// fsync at checkpoints only: a committed transaction survives a process crash
    /// (`kill -9`); the last commits before a power loss or kernel crash may be lost.
    #[default]
    Normal,
    /// fsync the WAL at every commit: also survives power loss.
    Full,
}

/// Settings for [`Records::open`]; `Default` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// Pool size for MariaDB and PostgreSQL.
    pub max_connections: u32,
    /// Read-only pool size for SQLite (the writer is always one connection).
    pub sqlite_readers: u32,
    pub acquire_timeout: Duration,
    pub sqlite_sync: SqliteSync,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            sqlite_readers: DEFAULT_SQLITE_READERS,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            sqlite_sync: SqliteSync::Normal,
        }
    }
}

/// The default records URL for a data directory: `sqlite://DATA_DIR/records.db`.
pub fn default_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join(RECORDS_FILE).display())
}

/// A parsed records URL.
enum Target {
    SqliteFile(PathBuf),
    SqliteMemory,
    MySql(Box<MySqlConnectOptions>),
    Postgres(Box<PgConnectOptions>),
}

/// Parses a records URL. Errors never echo the URL, which may hold a password.
fn parse(url: &str) -> Result<Target> {
    let bad = |what: &str| RecordsError::invalid("records", format!("not a valid {what} URL"));
    if url == "sqlite::memory:" || url == "sqlite://:memory:" {
        return Ok(Target::SqliteMemory);
    }
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        if path.is_empty() || path.contains('?') {
            return Err(bad("sqlite://PATH"));
        }
        return Ok(Target::SqliteFile(PathBuf::from(path)));
    }
    if let Some(rest) = url.strip_prefix("mariadb://") {
        let opts = MySqlConnectOptions::from_str(&format!("mysql://{rest}")).map_err(|_| bad("mysql://"))?;
        return Ok(Target::MySql(Box::new(opts)));
    }
    if url.starts_with("mysql://") {
        let opts = MySqlConnectOptions::from_str(url).map_err(|_| bad("mysql://"))?;
        return Ok(Target::MySql(Box::new(opts)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let opts = PgConnectOptions::from_str(url).map_err(|_| bad("postgres://"))?;
        return Ok(Target::Postgres(Box::new(opts)));
    }
    Err(RecordsError::invalid("records", "must start with sqlite://, mysql://, mariadb:// or postgres://"))
}

impl Records {
    /// Connects to the database at `url`, applies pending migrations and returns a handle.
    /// Opening the same database twice (or from two nodes) is safe: applied migrations are
    /// skipped. Fails with `Unavailable` when the server cannot be reached.
    pub async fn open(url: &str, opts: &OpenOptions) -> Result<Records> {
        let pools = match parse(url)? {
            Target::SqliteFile(path) => open_sqlite_file(&path, opts).await?,
            Target::SqliteMemory => open_sqlite_memory().await?,
            Target::MySql(o) => Pools::MySql(
                MySqlPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .acquire_timeout(opts.acquire_timeout)
                    .connect_with(*o)
                    .await?,
            ),
            Target::Postgres(o) => Pools::Postgres(
                PgPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .acquire_timeout(opts.acquire_timeout)
                    .connect_with(*o)
                    .await?,
            ),
        };
        migrate(&pools).await?;
        Ok(Records { pools, decisions: None })
    }

    /// Which backend this handle uses.
    pub fn backend(&self) -> Backend {
        self.pools.backend()
    }

    /// A round trip to the database (for `/readyz`): `Unavailable` when it is down.
    pub async fn ping(&self) -> Result<()> {
        crate::backend::on_pool!(&self.pools, write, |p, Db| {
            crate::backend::query::<Db>(&PING).execute(p).await?;
        });
        Ok(())
    }

    /// Closes every connection; later calls fail with `Unavailable`.
    pub async fn close(&self) {
        self.pools.close().await;
    }
}

async fn migrate(pools: &Pools) -> Result<()> {
    let m = migrator(pools.backend());
    match pools {
        Pools::Sqlite { write, .. } => m.run(write).await?,
        Pools::MySql(p) => m.run(p).await?,
        Pools::Postgres(p) => m.run(p).await?,
    }
    Ok(())
}

async fn open_sqlite_file(path: &Path, opts: &OpenOptions) -> Result<Pools> {
    let synchronous = match opts.sqlite_sync {
        SqliteSync::Normal => SqliteSynchronous::Normal,
        SqliteSync::Full => SqliteSynchronous::Full,
    };
    let base = SqliteConnectOptions::new().filename(path).busy_timeout(SQLITE_BUSY_TIMEOUT);
    let writer = base.clone().create_if_missing(true).journal_mode(SqliteJournalMode::Wal).synchronous(synchronous);
    let write = pool(1, opts).connect_with(writer).await?;
    // The readers open after the writer so the file exists and is already in WAL mode.
    let read = pool(opts.sqlite_readers.max(1), opts).connect_with(base.read_only(true)).await?;
    Ok(Pools::Sqlite { write, read })
}

async fn open_sqlite_memory() -> Result<Pools> {
    // One connection that never closes: each SQLite connection to `:memory:` is its own
    // database, and it vanishes with its last connection.
    let pool: SqlitePool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(SqliteConnectOptions::new().in_memory(true))
        .await?;
    Ok(Pools::Sqlite { write: pool.clone(), read: pool })
}

fn pool(max: u32, opts: &OpenOptions) -> SqlitePoolOptions {
    SqlitePoolOptions::new().max_connections(max).acquire_timeout(opts.acquire_timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(url: &str) -> String {
        match parse(url) {
            Err(RecordsError::InvalidInput { field, message }) => {
                assert!(!message.contains("secret"), "{message}");
                field
            }
            Err(e) => panic!("{url}: {e:?}"),
            Ok(_) => panic!("{url}: parsed"),
        }
    }

    #[test]
    fn urls_pick_the_backend() {
        assert!(
            matches!(parse("sqlite://data/records.db"), Ok(Target::SqliteFile(p)) if p == Path::new("data/records.db"))
        );
        assert!(matches!(parse("sqlite:///abs/r.db"), Ok(Target::SqliteFile(p)) if p == Path::new("/abs/r.db")));
        assert!(matches!(parse("sqlite::memory:"), Ok(Target::SqliteMemory)));
        assert!(matches!(parse("mysql://root@127.0.0.1:3306/test"), Ok(Target::MySql(_))));
        assert!(matches!(parse("mariadb://root@127.0.0.1/test"), Ok(Target::MySql(_))));
        assert!(matches!(parse("postgres://postgres@127.0.0.1:5432/test"), Ok(Target::Postgres(_))));
    }

    #[test]
    fn bad_urls_name_the_setting_and_hide_the_password() {
        assert_eq!(field("redis://x"), "records");
        assert_eq!(field("sqlite://"), "records");
        assert_eq!(field("mysql://u:secret@h:notaport/db"), "records");
    }

    #[test]
    fn default_url_is_records_db_in_the_data_dir() {
        assert_eq!(default_url(Path::new("./data")), "sqlite://./data/records.db");
    }
}
