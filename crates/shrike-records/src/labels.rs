//! Labels: ground truth about an event or an entity (fraud or not, of which kind, from which
//! source), for evaluation and model training. `at` is when the labelled thing happened,
//! `known_at` when the label became known (a chargeback arrives weeks later); training on
//! `known_at <= cutoff` avoids leaking the future.

use shrike_types::limits::MAX_EVENT_ID_LEN;

use crate::audit::push_time_filter;
use crate::backend::{Dialect, insert, on_pool};
use crate::entity::EntityKind;
use crate::error::{RecordsError, Result};
use crate::limits::{MAX_ENTITY_ID_LEN, MAX_LABEL_KIND_LEN, MAX_LABEL_SOURCE_LEN, MAX_PAGE_SIZE};
use crate::page::{Page, TimeCursor};
use crate::row::{RowGet, decode_all};
use crate::sql::{InsertSql, insert_sql};
use crate::{Records, validate};

/// A label to record. At least one of `event_id` and `entity` is set.
#[derive(Clone, Copy, Debug)]
pub struct NewLabel<'a> {
    pub event_id: Option<&'a str>,
    pub entity: Option<(EntityKind, &'a str)>,
    pub fraud: bool,
    /// `[a-z0-9_.-]`, e.g. `chargeback`, `ato`, `promo_abuse`.
    pub kind: &'a str,
    /// Where it came from, e.g. `psp:stripe`, `analyst:alice`.
    pub source: &'a str,
    pub at: i64,
    pub known_at: i64,
}

/// A stored label.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub id: i64,
    pub event_id: Option<String>,
    pub entity: Option<(EntityKind, String)>,
    pub fraud: bool,
    pub kind: String,
    pub source: String,
    pub at: i64,
    pub known_at: i64,
}

/// Filter for [`Records::labels`]: newest `at` first, `at` in `[from, to)`.
#[derive(Clone, Debug, Default)]
pub struct LabelQuery {
    pub event_id: Option<String>,
    pub entity: Option<(EntityKind, String)>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: u32,
    pub cursor: Option<TimeCursor>,
}

static INSERT_LABEL: InsertSql = insert_sql!(
    "INSERT INTO labels (event_id, entity_kind, entity_id, fraud, kind, source, at, known_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
);

fn check(l: &NewLabel<'_>) -> Result<()> {
    if l.event_id.is_none() && l.entity.is_none() {
        return Err(RecordsError::invalid("event_id", "a label needs an event_id, an entity, or both"));
    }
    if let Some(e) = l.event_id {
        validate::exact("event_id", e, MAX_EVENT_ID_LEN)?;
    }
    if let Some((_, id)) = l.entity {
        validate::exact("entity_id", id, MAX_ENTITY_ID_LEN)?;
    }
    validate::name("kind", l.kind, MAX_LABEL_KIND_LEN)?;
    validate::text("source", l.source, MAX_LABEL_SOURCE_LEN)
}

fn check_query(q: &LabelQuery) -> Result<()> {
    validate::limit(q.limit, MAX_PAGE_SIZE)?;
    validate::range(q.from, q.to)?;
    if let Some(e) = &q.event_id {
        validate::exact("event_id", e, MAX_EVENT_ID_LEN)?;
    }
    if let Some((_, id)) = &q.entity {
        validate::exact("entity_id", id, MAX_ENTITY_ID_LEN)?;
    }
    Ok(())
}

fn decode(r: &impl RowGet) -> Result<Label> {
    let entity = match (r.opt_text("entity_kind")?, r.opt_text("entity_id")?) {
        (Some(kind), Some(id)) => Some((
            EntityKind::parse("entity_kind", &kind).map_err(|e| RecordsError::Internal { source: Box::new(e) })?,
            id,
        )),
        _ => None,
    };
    Ok(Label {
        id: r.int("id")?,
        event_id: r.opt_text("event_id")?,
        entity,
        fraud: r.flag("fraud")?,
        kind: r.text("kind")?,
        source: r.text("source")?,
        at: r.int("at")?,
        known_at: r.int("known_at")?,
    })
}

impl Records {
    /// Records a label (not audited: labels are data, not configuration).
    pub async fn add_label(&self, l: &NewLabel<'_>) -> Result<Label> {
        check(l)?;
        let id = on_pool!(&self.pools, write, |p, Db| {
            let q = insert::<Db>(&INSERT_LABEL)
                .bind(l.event_id)
                .bind(l.entity.map(|(k, _)| k.name()))
                .bind(l.entity.map(|(_, id)| id))
                .bind(l.fraud)
                .bind(l.kind)
                .bind(l.source)
                .bind(l.at)
                .bind(l.known_at);
            let mut conn = p.acquire().await?;
            Db::insert_id(&mut conn, q).await?
        });
        Ok(Label {
            id,
            event_id: l.event_id.map(str::to_owned),
            entity: l.entity.map(|(k, id)| (k, id.to_owned())),
            fraud: l.fraud,
            kind: l.kind.to_owned(),
            source: l.source.to_owned(),
            at: l.at,
            known_at: l.known_at,
        })
    }

    /// Labels by event id, entity and `at` range, newest first.
    pub async fn labels(&self, q: &LabelQuery) -> Result<Page<Label, TimeCursor>> {
        check_query(q)?;
        let items = on_pool!(&self.pools, read, |p, Db| {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, event_id, entity_kind, entity_id, fraud, kind, source, at, known_at FROM labels WHERE 1 = 1",
            );
            if let Some(e) = &q.event_id {
                b.push(" AND event_id = ").push_bind(e.clone());
            }
            if let Some((kind, id)) = &q.entity {
                b.push(" AND entity_kind = ").push_bind(kind.name());
                b.push(" AND entity_id = ").push_bind(id.clone());
            }
            push_time_filter(&mut b, "at", "id", q.from, q.to, q.cursor);
            b.push(" ORDER BY at DESC, id DESC LIMIT ").push_bind(i64::from(q.limit) + 1);
            decode_all(&b.build().fetch_all(p).await?, decode)?
        });
        Ok(Page::from_overfetch(items, q.limit, |l| TimeCursor { at: l.at, id: l.id }))
    }
}
