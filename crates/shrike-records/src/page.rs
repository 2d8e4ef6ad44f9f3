//! Pages and cursors. Every query is keyset-paged, newest first where it has a time: the
//! cursor names the last row returned, and the next page starts strictly after it, so pages
//! stay stable while rows are inserted and cost the same at any depth.

use std::fmt;
use std::str::FromStr;

use crate::error::RecordsError;

/// One page of rows; `next` is set when more rows follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only says that a next
    /// page exists, and the cursor is taken from the last row kept.
    pub(crate) fn from_overfetch(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> C) -> Self {
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(cursor) } else { None };
        Page { items, next }
    }
}

/// A position in a time-ordered log with integer ids (audit log, labels): `(at, id)`.
/// Text form `AT:ID`, e.g. `1764547200000:42`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeCursor {
    pub at: i64,
    pub id: i64,
}

impl fmt::Display for TimeCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.at, self.id)
    }
}

impl FromStr for TimeCursor {
    type Err = RecordsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || RecordsError::invalid("cursor", "expected AT:ID");
        let (at, id) = s.split_once(':').ok_or_else(bad)?;
        Ok(TimeCursor { at: at.parse().map_err(|_| bad())?, id: id.parse().map_err(|_| bad())? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overfetch_sets_next_only_when_more_rows_exist() {
        let p = Page::from_overfetch(vec![1, 2, 3], 2, |x| *x);
        assert_eq!((p.items, p.next), (vec![1, 2], Some(2)));
        let p = Page::from_overfetch(vec![1, 2], 2, |x| *x);
        assert_eq!((p.items, p.next), (vec![1, 2], None));
    }

    #[test]
    fn time_cursor_round_trips_and_rejects_junk() {
        let c = TimeCursor { at: -5, id: 7 };
        assert_eq!(c.to_string().parse::<TimeCursor>().unwrap(), c);
        assert!("5".parse::<TimeCursor>().is_err());
        assert!("a:1".parse::<TimeCursor>().is_err());
    }
}
