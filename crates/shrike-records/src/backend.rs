//! The three backends behind one handle: connection pools, the per-dialect differences, and
//! the `on_pool!` macro that runs one body of code against whichever pool is open.
//!
//! Why an enum and a macro instead of a trait object or generics over `sqlx::Database`:
//! the set of backends is closed, the SQL is the same text for all three except for a few
//! statements, and sqlx's generic bounds (`for<'c> &'c mut DB::Connection: Executor<'c>`,
//! `T: Encode<DB> + Type<DB>` per bound type) would have to be repeated on every function.
//! `on_pool!` expands the body once per backend with concrete types, so each expansion is
//! ordinary, fully type-checked sqlx code, and the caller gets plain `async fn`s on one
//! `Clone` handle without boxing a future per call.

use sqlx::mysql::MySqlPool;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::sql::{DialectSql, InsertSql, Sql};

/// Which database a [`crate::Records`] handle talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::MySql => "mysql",
            Backend::Postgres => "postgres",
        }
    }
}

/// The open pools. SQLite gets a single-connection writer pool (writes are serialised by
/// SQLite anyway; one connection makes them queue in-process instead of spinning on
/// `SQLITE_BUSY`) and a pool of read-only readers, which WAL lets run beside the writer.
/// For an in-memory database both are the same single connection.
#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite { write: SqlitePool, read: SqlitePool },
    MySql(MySqlPool),
    Postgres(PgPool),
}

impl Pools {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::MySql(_) => Backend::MySql,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pools::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Pools::MySql(p) => p.close().await,
            Pools::Postgres(p) => p.close().await,
        }
    }
}

/// Runs `$body` with `$p` bound to the open pool (`read` or `write` role) and `$Db` to its
/// sqlx database type. The body is compiled three times, once per backend.
macro_rules! on_pool {
    ($pools:expr, write, |$p:ident, $Db:ident| $body:expr) => {
        match $pools {
            $crate::backend::Pools::Sqlite { write: $p, .. } => {
                type $Db = ::sqlx::Sqlite;
                $body
            }
            other => $crate::backend::on_pool!(@server other, |$p, $Db| $body),
        }
    };
    ($pools:expr, read, |$p:ident, $Db:ident| $body:expr) => {
        match $pools {
            $crate::backend::Pools::Sqlite { read: $p, .. } => {
                type $Db = ::sqlx::Sqlite;
                $body
            }
            other => $crate::backend::on_pool!(@server other, |$p, $Db| $body),
        }
    };
    (@server $pools:expr, |$p:ident, $Db:ident| $body:expr) => {
        match $pools {
            $crate::backend::Pools::MySql($p) => {
                type $Db = ::sqlx::MySql;
                $body
            }
            $crate::backend::Pools::Postgres($p) => {
                type $Db = ::sqlx::Postgres;
                $body
            }
            $crate::backend::Pools::Sqlite { .. } => unreachable!("SQLite is matched first"),
        }
    };
}
pub(crate) use on_pool;

/// What differs between the three dialects beyond placeholders.
pub(crate) trait Dialect: sqlx::Database {
    const BACKEND: Backend;

    /// The statement text for this dialect.
    fn sql(s: &Sql) -> &'static str {
        match Self::BACKEND {
            Backend::Postgres => s.numbered,
            Backend::Sqlite | Backend::MySql => s.qmark,
        }
    }

    /// Opens a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`)
    /// so a read-then-write transaction never fails with `SQLITE_BUSY_SNAPSHOT` when another
    /// process (e.g. `shrike keys create`) wrote in between; it waits `busy_timeout` instead.
    fn begin_write(
        pool: &sqlx::Pool<Self>,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self>, sqlx::Error>> + Send;

    /// The text of a statement that differs on MariaDB/MySQL.
    fn dialect_sql(s: &DialectSql) -> &'static str {
        match Self::BACKEND {
            Backend::Sqlite => s.standard.qmark,
            Backend::Postgres => s.standard.numbered,
            Backend::MySql => s.mysql.qmark,
        }
    }

    /// The insert statement whose generated id [`Dialect::insert_id`] can read:
    /// `… RETURNING id` on SQLite and PostgreSQL, the plain insert on MariaDB/MySQL.
    fn insert_sql(s: &InsertSql) -> &'static str {
        match Self::BACKEND {
            Backend::Sqlite => s.returning.qmark,
            Backend::Postgres => s.returning.numbered,
            Backend::MySql => s.plain.qmark,
        }
    }

    /// Runs an insert built from [`Dialect::insert_sql`] and returns the generated id.
    fn insert_id<'c>(
        conn: &'c mut Self::Connection,
        q: Q<Self>,
    ) -> impl std::future::Future<Output = Result<i64, sqlx::Error>> + Send + 'c;
}

/// A query of database `DB` with its owned arguments.
pub(crate) type Q<DB> = sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>;

fn returned_id<DB>(row: &DB::Row) -> Result<i64, sqlx::Error>
where
    DB: sqlx::Database,
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    row.try_get(0)
}

impl Dialect for sqlx::Sqlite {
    const BACKEND: Backend = Backend::Sqlite;

    async fn begin_write(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    async fn insert_id(conn: &mut sqlx::SqliteConnection, q: Q<Self>) -> Result<i64, sqlx::Error> {
        returned_id::<Self>(&q.fetch_one(conn).await?)
    }
}

impl Dialect for sqlx::MySql {
    const BACKEND: Backend = Backend::MySql;

    async fn begin_write(pool: &MySqlPool) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        pool.begin().await
    }

    async fn insert_id(conn: &mut sqlx::MySqlConnection, q: Q<Self>) -> Result<i64, sqlx::Error> {
        let id = q.execute(conn).await?.last_insert_id();
        i64::try_from(id).map_err(|_| sqlx::Error::Protocol("generated id out of range".into()))
    }
}

impl Dialect for sqlx::Postgres {
    const BACKEND: Backend = Backend::Postgres;

    async fn begin_write(pool: &PgPool) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        pool.begin().await
    }

    async fn insert_id(conn: &mut sqlx::PgConnection, q: Q<Self>) -> Result<i64, sqlx::Error> {
        returned_id::<Self>(&q.fetch_one(conn).await?)
    }
}

/// `query::<Db>(&STATEMENT)`: a prepared, cached statement in the dialect of `Db`.
pub(crate) fn query<DB: Dialect>(s: &Sql) -> Q<DB> {
    sqlx::query(DB::sql(s))
}

/// `dialect_query::<Db>(&STATEMENT)`: a statement whose MariaDB/MySQL text differs.
pub(crate) fn dialect_query<DB: Dialect>(s: &DialectSql) -> Q<DB> {
    sqlx::query(DB::dialect_sql(s))
}

/// `insert::<Db>(&STATEMENT)`: an insert whose id `Db::insert_id` returns.
pub(crate) fn insert<DB: Dialect>(s: &InsertSql) -> Q<DB> {
    sqlx::query(DB::insert_sql(s))
}
