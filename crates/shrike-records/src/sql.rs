//! SQL text written once with `?` placeholders (SQLite, MariaDB/MySQL) and turned into
//! PostgreSQL's `$1, $2, …` at compile time, so no statement is built or rewritten at run
//! time and every statement stays a `&'static str` (sqlx's guard against injected SQL).
//!
//! The statements in this crate contain no `?` inside string literals or comments; the
//! translator does not parse SQL and would rewrite those too.

/// One statement in both placeholder styles.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sql {
    /// `?` placeholders: SQLite and MariaDB/MySQL.
    pub(crate) qmark: &'static str,
    /// `$n` placeholders: PostgreSQL.
    pub(crate) numbered: &'static str,
}

/// An insert in both forms: plain (MariaDB/MySQL read `LAST_INSERT_ID()`) and with
/// `RETURNING id` (SQLite, PostgreSQL).
#[derive(Clone, Copy, Debug)]
pub(crate) struct InsertSql {
    pub(crate) plain: Sql,
    pub(crate) returning: Sql,
}

/// A statement whose MariaDB/MySQL text differs beyond placeholders (upserts, `DELETE …
/// LIMIT`): `standard` serves SQLite and PostgreSQL.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DialectSql {
    pub(crate) standard: Sql,
    pub(crate) mysql: Sql,
}

/// Length in bytes of `sql` with every `?` replaced by `$n`.
pub(crate) const fn numbered_len(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let (mut i, mut n, mut len) = (0, 0, 0);
    while i < bytes.len() {
        if bytes[i] == b'?' {
            n += 1;
            len += 1 + digits(n);
        } else {
            len += 1;
        }
        i += 1;
    }
    len
}

/// `sql` with every `?` replaced by `$1`, `$2`, … in order. `N` must be `numbered_len(sql)`.
pub(crate) const fn numbered<const N: usize>(sql: &str) -> [u8; N] {
    let bytes = sql.as_bytes();
    let mut out = [0u8; N];
    let (mut i, mut o, mut n) = (0, 0, 0);
    while i < bytes.len() {
        if bytes[i] == b'?' {
            n += 1;
            out[o] = b'$';
            o += 1;
            let width = digits(n);
            let mut d = 0;
            while d < width {
                out[o + width - 1 - d] = b'0' + ((n / pow10(d)) % 10) as u8;
                d += 1;
            }
            o += width;
        } else {
            out[o] = bytes[i];
            o += 1;
        }
        i += 1;
    }
    out
}

const fn digits(n: usize) -> usize {
    let mut d = 1;
    let mut rest = n / 10;
    while rest > 0 {
        d += 1;
        rest /= 10;
    }
    d
}

const fn pow10(exp: usize) -> usize {
    let mut p = 1;
    let mut e = 0;
    while e < exp {
        p *= 10;
        e += 1;
    }
    p
}

/// `sql!("SELECT … WHERE id = ?")` gives a [`Sql`] with both placeholder styles, computed
/// by the compiler.
macro_rules! sql {
    ($text:expr) => {{
        const TEXT: &str = $text;
        const LEN: usize = $crate::sql::numbered_len(TEXT);
        const BYTES: [u8; LEN] = $crate::sql::numbered::<LEN>(TEXT);
        const NUMBERED: &str = match ::core::str::from_utf8(&BYTES) {
            Ok(s) => s,
            // Only ASCII is inserted, at `?` boundaries: valid UTF-8 in, valid UTF-8 out.
            Err(_) => panic!("placeholder translation broke UTF-8"),
        };
        $crate::sql::Sql { qmark: TEXT, numbered: NUMBERED }
    }};
}
pub(crate) use sql;

/// `insert_sql!("INSERT INTO t (a) VALUES (?)")`: an [`InsertSql`] for a table whose
/// generated key column is `id`.
macro_rules! insert_sql {
    ($text:literal) => {
        $crate::sql::InsertSql {
            plain: $crate::sql::sql!($text),
            returning: $crate::sql::sql!(concat!($text, " RETURNING id")),
        }
    };
}
pub(crate) use insert_sql;

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        const S: super::Sql = sql!("SELECT a FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?");
        assert_eq!(S.qmark, "SELECT a FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?");
        assert_eq!(S.numbered, "SELECT a FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4");
    }

    #[test]
    fn many_placeholders_get_multi_digit_numbers() {
        const S: super::Sql = sql!("?,?,?,?,?,?,?,?,?,?,?,é?");
        assert_eq!(S.numbered, "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,é$12");
    }
}
