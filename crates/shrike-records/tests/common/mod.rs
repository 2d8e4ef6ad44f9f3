//! A fresh database per test on each backend: a temporary SQLite file, or a new database
//! `shrike_test_<random>` on the local MariaDB / PostgreSQL server, dropped afterwards.
//!
//! The servers are required, not optional: when one is unreachable the test fails with
//! how to start it. `./scripts/test.sh` starts both when they are not running.
//! `SHRIKE_TEST_MYSQL` / `SHRIKE_TEST_POSTGRES` point the suite at other servers (a URL
//! without the database part).

use std::future::Future;

use shrike_records::{OpenOptions, Records};
use sqlx::{Connection, Executor};

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Sqlite,
    MySql,
    Postgres,
}

/// An open test database: its URL (to open it again) and a handle.
pub(crate) struct TestDb {
    pub(crate) url: String,
    pub(crate) records: Records,
}

impl TestDb {
    pub(crate) async fn reopen(&self) -> Records {
        Records::open(&self.url, &OpenOptions::default()).await.expect("reopen")
    }
}

const MYSQL_DEFAULT: &str = "mysql://root@127.0.0.1:3306";
const POSTGRES_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432";

fn server(kind: Kind) -> String {
    let (var, default) = match kind {
        Kind::MySql => ("SHRIKE_TEST_MYSQL", MYSQL_DEFAULT),
        Kind::Postgres => ("SHRIKE_TEST_POSTGRES", POSTGRES_DEFAULT),
        Kind::Sqlite => unreachable!(),
    };
    std::env::var(var).unwrap_or_else(|_| default.to_owned()).trim_end_matches('/').to_owned()
}

fn how_to_start(kind: Kind) -> &'static str {
    match kind {
        Kind::MySql => {
            "MariaDB is required by the records tests. Run ./scripts/test.sh (it starts MariaDB when it is not \
             running), or start it with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` \
             (install: apt-get install mariadb-server); SHRIKE_TEST_MYSQL=mysql://USER@HOST:PORT selects another server"
        }
        Kind::Postgres => {
            "PostgreSQL is required by the records tests. Run ./scripts/test.sh (it starts PostgreSQL when it is not \
             running), or start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` \
             (install: apt-get install postgresql); SHRIKE_TEST_POSTGRES=postgres://USER@HOST:PORT selects another server"
        }
        Kind::Sqlite => "",
    }
}

/// Runs a statement on the server's admin database (`test` / `postgres`).
async fn admin(kind: Kind, statement: String) {
    let base = server(kind);
    let result = match kind {
        Kind::MySql => match sqlx::MySqlConnection::connect(&format!("{base}/test")).await {
            Ok(mut c) => c.execute(sqlx::AssertSqlSafe(statement)).await.map(drop),
            Err(e) => Err(e),
        },
        Kind::Postgres => match sqlx::PgConnection::connect(&format!("{base}/postgres")).await {
            Ok(mut c) => c.execute(sqlx::AssertSqlSafe(statement)).await.map(drop),
            Err(e) => Err(e),
        },
        Kind::Sqlite => Ok(()),
    };
    if let Err(e) = result {
        panic!("{e}\n{}", how_to_start(kind));
    }
}

/// Creates a fresh database, runs `test` against it, drops the database (also when the
/// test panics) and re-raises the test's panic.
pub(crate) async fn run<F, Fut>(kind: Kind, test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("shrike_test_{:016x}", getrandom::u64().expect("random"));
    let url = match kind {
        Kind::Sqlite => format!("sqlite://{}", dir.path().join("records.db").display()),
        Kind::MySql | Kind::Postgres => {
            admin(kind, format!("CREATE DATABASE {name}")).await;
            format!("{}/{name}", server(kind))
        }
    };
    let records = Records::open(&url, &OpenOptions::default()).await.expect("open a fresh records database");
    let outcome = tokio::spawn(test(TestDb { url, records: records.clone() })).await;
    records.close().await;
    match kind {
        Kind::MySql => admin(kind, format!("DROP DATABASE {name}")).await,
        Kind::Postgres => admin(kind, format!("DROP DATABASE {name} WITH (FORCE)")).await,
        Kind::Sqlite => {}
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Declares each named suite test once per backend: `sqlite::NAME`, `mysql::NAME`,
/// `postgres::NAME`, all running the same `suite::NAME(TestDb)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Kind::Sqlite, $crate::suite::$name).await })*
        }
        mod mysql {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Kind::MySql, $crate::suite::$name).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Kind::Postgres, $crate::suite::$name).await })*
        }
    };
}
