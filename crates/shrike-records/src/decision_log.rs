//! Writing, reading and purging the decision log (types and checks in `decisions.rs`).

use shrike_types::Outcome;

use crate::backend::{Dialect, on_pool};
use crate::decision_store::blocking;
use crate::decisions::{DecisionCursor, DecisionQuery, DecisionRow, check_batch, check_query};
use crate::entity::{Entities, EntityKind};
use crate::error::{RecordsError, Result};
use crate::limits::{DECISION_ROWS_PER_STATEMENT, SMALL_ROWS_PER_STATEMENT};
use crate::page::Page;
use crate::retention::Purge;
use crate::row::{RowGet, decode_all};
use crate::sql::{DialectSql, sql};
use crate::{Backend, Records};

/// Bytes of bound text per multi-row statement: MariaDB refuses a packet larger than
/// `max_allowed_packet` (16 MiB by default), so a batch of large decisions is split.
const MAX_STATEMENT_BYTES: usize = 4 * 1024 * 1024;

const INSERT_HEAD: &str = "INTO decisions (decision_id, event_id, event_type, event_time, decided_at, \
     outcome, score, policy_version, degraded, shadow, latency_us, user_id, device_id, ip, card, email, phone, \
     shop_id, rules, decision) ";
const COLUMNS: &str = "d.decision_id, d.event_id, d.event_type, d.event_time, d.decided_at, d.outcome, d.score, \
     d.policy_version, d.degraded, d.shadow, d.latency_us, d.user_id, d.device_id, d.ip, d.card, d.email, d.phone, \
     d.shop_id, d.rules, d.decision";

static PURGE_RULES: DialectSql = DialectSql {
    standard: sql!(
        "DELETE FROM decision_rules WHERE (decided_at, decision_id, rule) IN \
         (SELECT decided_at, decision_id, rule FROM decision_rules WHERE decided_at < ? ORDER BY decided_at LIMIT ?)"
    ),
    mysql: sql!("DELETE FROM decision_rules WHERE decided_at < ? ORDER BY decided_at LIMIT ?"),
};
static PURGE_DECISIONS: DialectSql = DialectSql {
    standard: sql!(
        "DELETE FROM decisions WHERE decision_id IN \
         (SELECT decision_id FROM decisions WHERE decided_at < ? ORDER BY decided_at LIMIT ?)"
    ),
    mysql: sql!("DELETE FROM decisions WHERE decided_at < ? ORDER BY decided_at LIMIT ?"),
};

/// Consecutive runs of rows, each at most `max_rows` long and about `MAX_STATEMENT_BYTES`.
fn statement_chunks(rows: &[DecisionRow], max_rows: usize) -> Vec<&[DecisionRow]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, r) in rows.iter().enumerate() {
        let size = r.decision_json.len() + r.decision_id.len() + r.event_id.len() + 256;
        if i > start && (i - start == max_rows || bytes + size > MAX_STATEMENT_BYTES) {
            chunks.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < rows.len() {
        chunks.push(&rows[start..]);
    }
    chunks
}

/// Skip-duplicates inserts. MariaDB/MySQL use `INSERT IGNORE`: sqlx connects with
/// `CLIENT_FOUND_ROWS`, so a no-op `ON DUPLICATE KEY UPDATE` would count as a written row.
/// `IGNORE` also turns other errors into warnings, which is safe only because every value is
/// checked against the column sizes first (`check_batch`).
fn insert_verb<DB: Dialect>() -> &'static str {
    if DB::BACKEND == Backend::MySql { "INSERT IGNORE " } else { "INSERT " }
}

fn push_rows<DB: Dialect>(b: &mut sqlx::QueryBuilder<DB>, rows: &[DecisionRow])
where
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i16: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    b.push(insert_verb::<DB>()).push(INSERT_HEAD);
    b.push_values(rows, |mut t, r| {
        t.push_bind(r.decision_id.clone())
            .push_bind(r.event_id.clone())
            .push_bind(r.event_type.clone())
            .push_bind(r.event_time)
            .push_bind(r.decided_at)
            .push_bind(r.outcome.name().to_owned())
            .push_bind(i16::from(r.score))
            .push_bind(r.policy_version.clone())
            .push_bind(r.degraded)
            .push_bind(r.shadow)
            // Checked to fit by `check_batch`.
            .push_bind(i64::try_from(r.latency_us).unwrap_or(i64::MAX));
        for kind in EntityKind::ALL {
            t.push_bind(r.entities.get(kind).map(str::to_owned));
        }
        t.push_bind(r.rules.join(",")).push_bind(r.decision_json.clone());
    });
    if DB::BACKEND != Backend::MySql {
        b.push(" ON CONFLICT (decision_id) DO NOTHING");
    }
}

fn push_rule_rows<DB: Dialect>(b: &mut sqlx::QueryBuilder<DB>, rules: &[(i64, &str, &str)])
where
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    b.push(insert_verb::<DB>()).push("INTO decision_rules (decided_at, decision_id, rule) ");
    b.push_values(rules, |mut t, (at, id, rule)| {
        t.push_bind(*at).push_bind((*id).to_owned()).push_bind((*rule).to_owned());
    });
    if DB::BACKEND != Backend::MySql {
        b.push(" ON CONFLICT DO NOTHING");
    }
}

fn decode(r: &impl RowGet) -> Result<DecisionRow> {
    let outcome = r.text("outcome")?;
    let outcome = Outcome::from_name(&outcome)
        .ok_or_else(|| RecordsError::internal(format!("unknown outcome {outcome:?} in the decision log")))?;
    let mut entities = Entities::default();
    for kind in EntityKind::ALL {
        entities.set(kind, r.opt_text(kind.column())?);
    }
    let rules = r.text("rules")?;
    Ok(DecisionRow {
        decision_id: r.text("decision_id")?,
        event_id: r.text("event_id")?,
        event_type: r.text("event_type")?,
        event_time: r.int("event_time")?,
        decided_at: r.int("decided_at")?,
        outcome,
        score: u8::try_from(r.small("score")?).unwrap_or(0),
        policy_version: r.text("policy_version")?,
        degraded: r.flag("degraded")?,
        shadow: r.flag("shadow")?,
        latency_us: u64::try_from(r.int("latency_us")?).unwrap_or(0),
        entities,
        rules: if rules.is_empty() { Vec::new() } else { rules.split(',').map(str::to_owned).collect() },
        decision_json: r.text("decision")?,
    })
}

/// The filtered, keyset-paged query. With a rule filter the scan runs over the rule index
/// (`decision_rules`) and joins each hit to its decision; otherwise over `decisions`, where
/// the planner picks the entity, outcome, policy or time index.
fn push_query<DB: Dialect>(b: &mut sqlx::QueryBuilder<DB>, q: &DecisionQuery)
where
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    b.push("SELECT ").push(COLUMNS);
    let t = if let Some(rule) = &q.rule {
        b.push(
            " FROM decision_rules r JOIN decisions d ON d.decision_id = r.decision_id AND d.decided_at = r.decided_at",
        );
        b.push(" WHERE r.rule = ").push_bind(rule.clone());
        "r"
    } else {
        b.push(" FROM decisions d WHERE 1 = 1");
        "d"
    };
    b.push(" AND d.shadow = ").push_bind(q.shadow);
    if let Some((kind, id)) = &q.entity {
        b.push(format_args!(" AND d.{} = ", kind.column())).push_bind(id.clone());
    }
    if let Some(o) = q.outcome {
        b.push(" AND d.outcome = ").push_bind(o.name().to_owned());
    }
    if let Some(v) = &q.policy_version {
        b.push(" AND d.policy_version = ").push_bind(v.clone());
    }
    if let Some(from) = q.from {
        b.push(format_args!(" AND {t}.decided_at >= ")).push_bind(from);
    }
    if let Some(to) = q.to {
        b.push(format_args!(" AND {t}.decided_at < ")).push_bind(to);
    }
    if let Some(c) = &q.cursor {
        // The redundant `<=` gives every planner a plain range bound on the index.
        b.push(format_args!(" AND {t}.decided_at <= ")).push_bind(c.decided_at);
        b.push(format_args!(" AND ({t}.decided_at < ")).push_bind(c.decided_at);
        b.push(format_args!(" OR {t}.decision_id < ")).push_bind(c.decision_id.clone()).push(")");
    }
    b.push(format_args!(" ORDER BY {t}.decided_at DESC, {t}.decision_id DESC LIMIT "));
    b.push_bind(i64::from(q.limit) + 1);
}

impl Records {
    /// Writes up to [`crate::limits::MAX_DECISION_BATCH`] decisions in one transaction
    /// (multi-row inserts). Rows whose `decision_id` is already stored are skipped; returns
    /// the number of rows newly written.
    pub async fn insert_decisions(&self, rows: &[DecisionRow]) -> Result<u64> {
        check_batch(rows)?;
        if rows.is_empty() {
            return Ok(0);
        }
        if let Some(store) = &self.decisions {
            return store.insert(rows);
        }
        let rules: Vec<(i64, &str, &str)> = rows
            .iter()
            .flat_map(|r| r.rules.iter().map(move |rule| (r.decided_at, r.decision_id.as_str(), rule.as_str())))
            .collect();
        let inserted = on_pool!(&self.pools, write, |p, Db| {
            let mut tx = Db::begin_write(p).await?;
            let mut inserted = 0;
            for chunk in statement_chunks(rows, DECISION_ROWS_PER_STATEMENT) {
                let mut b = sqlx::QueryBuilder::<Db>::new("");
                push_rows(&mut b, chunk);
                // Full chunks reuse one cached statement; odd-sized tails are not cached.
                let full = chunk.len() == DECISION_ROWS_PER_STATEMENT;
                inserted += b.build().persistent(full).execute(&mut *tx).await?.rows_affected();
            }
            for chunk in rules.chunks(SMALL_ROWS_PER_STATEMENT) {
                let mut b = sqlx::QueryBuilder::<Db>::new("");
                push_rule_rows(&mut b, chunk);
                b.build().persistent(chunk.len() == SMALL_ROWS_PER_STATEMENT).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            inserted
        });
        Ok(inserted)
    }

    /// One decision by id.
    pub async fn decision(&self, decision_id: &str) -> Result<Option<DecisionRow>> {
        crate::validate::exact("decision_id", decision_id, crate::limits::MAX_DECISION_ID_LEN)?;
        if let Some(store) = &self.decisions {
            let id = decision_id.to_owned();
            return blocking(store, move |s| s.get(&id)).await;
        }
        on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new("SELECT ");
            b.push(COLUMNS).push(" FROM decisions d WHERE d.decision_id = ").push_bind(decision_id.to_owned());
            let row = b.build().fetch_optional(p).await?;
            row.as_ref().map(decode).transpose()
        })
    }

    /// Decisions matching every set filter of `q`, newest first.
    pub async fn decisions(&self, q: &DecisionQuery) -> Result<Page<DecisionRow, DecisionCursor>> {
        check_query(q)?;
        if let Some(store) = &self.decisions {
            let q = q.clone();
            return blocking(store, move |s| s.query(&q)).await;
        }
        let items = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new("");
            push_query(&mut b, q);
            decode_all(&b.build().fetch_all(p).await?, decode)?
        });
        Ok(Page::from_overfetch(items, q.limit, |d| DecisionCursor {
            decided_at: d.decided_at,
            decision_id: d.decision_id.clone(),
        }))
    }

    /// Deletes decisions decided before `before` (and their rule rows) in chunks of
    /// [`crate::limits::RETENTION_CHUNK`] rows, at most `max_chunks` chunks per table (pass
    /// [`crate::limits::RETENTION_CHUNKS_PER_CALL`]); call again while `done` is false.
    pub async fn delete_decisions_before(&self, before: i64, max_chunks: u32) -> Result<Purge> {
        if let Some(store) = &self.decisions {
            return blocking(store, move |s| s.delete_before(before, max_chunks)).await;
        }
        self.purge(&[&PURGE_RULES, &PURGE_DECISIONS], before, max_chunks).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(json_len: usize) -> DecisionRow {
        DecisionRow {
            decision_id: "d".into(),
            event_id: "e".into(),
            event_type: "t".into(),
            event_time: 0,
            decided_at: 0,
            outcome: Outcome::Allow,
            score: 0,
            policy_version: "p".into(),
            degraded: false,
            shadow: false,
            latency_us: 0,
            entities: Entities::default(),
            rules: vec![],
            decision_json: "x".repeat(json_len),
        }
    }

    #[test]
    fn chunks_respect_row_and_byte_caps() {
        let small: Vec<_> = (0..1001).map(|_| row(10)).collect();
        let sizes: Vec<usize> = statement_chunks(&small, 500).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![500, 500, 1]);
        let big: Vec<_> = (0..10).map(|_| row(1024 * 1024)).collect();
        let sizes: Vec<usize> = statement_chunks(&big, 500).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![3, 3, 3, 1]);
        assert!(statement_chunks(&[], 500).is_empty());
    }
}
