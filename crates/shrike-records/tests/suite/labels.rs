use shrike_records::{EntityKind, LabelQuery, NewLabel};

use super::invalid_field;
use crate::common::TestDb;

fn label<'a>(event: Option<&'a str>, entity: Option<(EntityKind, &'a str)>, at: i64) -> NewLabel<'a> {
    NewLabel { event_id: event, entity, fraud: true, kind: "chargeback", source: "psp:test", at, known_at: at + 1000 }
}

pub(crate) async fn labels_query_by_event_entity_and_time(db: TestDb) {
    let r = &db.records;
    let a = r.add_label(&label(Some("e1"), None, 10)).await.unwrap();
    let b = r.add_label(&label(Some("e2"), Some((EntityKind::User, "u1")), 20)).await.unwrap();
    let c = r
        .add_label(&NewLabel { fraud: false, kind: "ato", ..label(None, Some((EntityKind::User, "u1")), 30) })
        .await
        .unwrap();
    let d = r.add_label(&label(None, Some((EntityKind::Card, "u1")), 40)).await.unwrap();
    assert_eq!(invalid_field(r.add_label(&label(None, None, 1)).await), "event_id");

    let q = |f: fn(&mut LabelQuery)| {
        let mut q = LabelQuery { limit: 100, ..LabelQuery::default() };
        f(&mut q);
        q
    };
    let ids = |v: Vec<shrike_records::Label>| v.into_iter().map(|l| l.id).collect::<Vec<_>>();
    assert_eq!(ids(r.labels(&q(|q| q.event_id = Some("e1".into()))).await.unwrap().items), vec![a.id]);
    let user = r.labels(&q(|q| q.entity = Some((EntityKind::User, "u1".into())))).await.unwrap().items;
    assert_eq!(user, vec![c.clone(), b.clone()]);
    assert!(!user[0].fraud && user[0].kind == "ato" && user[0].known_at == 1030);
    assert_eq!(ids(r.labels(&q(|q| (q.from, q.to) = (Some(20), Some(40)))).await.unwrap().items), vec![c.id, b.id]);
    assert_eq!(ids(r.labels(&q(|q| q.from = Some(40))).await.unwrap().items), vec![d.id]);

    let first = r.labels(&LabelQuery { limit: 3, ..LabelQuery::default() }).await.unwrap();
    assert_eq!(ids(first.items), vec![d.id, c.id, b.id]);
    let cursor = first.next.unwrap().to_string().parse().unwrap();
    let rest = r.labels(&LabelQuery { limit: 3, cursor: Some(cursor), ..LabelQuery::default() }).await.unwrap();
    assert_eq!((ids(rest.items), rest.next), (vec![a.id], None));
}
