use shrike_records::{NewPolicyVersion, PointerAction, Pointers, SCHEMA_VERSION, Slot, content_hash};

use super::{by, is_conflict, is_not_found};
use crate::common::TestDb;

fn version<'a>(name: &'a str, source: &'a str) -> NewPolicyVersion<'a> {
    NewPolicyVersion { name, source, comment: "" }
}

pub(crate) async fn migrations_are_idempotent(db: TestDb) {
    let r = &db.records;
    let v = r.create_policy_version(&version("p", "rule a"), by(1)).await.unwrap();
    // Opening again applies nothing and sees the same data; so does a third open.
    let again = db.reopen().await;
    let third = db.reopen().await;
    assert_eq!(again.policy_version(v.id).await.unwrap().unwrap().source, "rule a");
    assert_eq!(third.pointers().await.unwrap(), Pointers::default());
    assert_eq!(SCHEMA_VERSION, 2);
    again.close().await;
    third.close().await;
}

pub(crate) async fn policy_versions_round_trip(db: TestDb) {
    let r = &db.records;
    let a = r
        .create_policy_version(&NewPolicyVersion { name: "market", source: "v1", comment: "first" }, by(10))
        .await
        .unwrap();
    let b = r.create_policy_version(&version("market", "v2 ünïcode"), by(20)).await.unwrap();
    let c = r.create_policy_version(&version("other", "v3"), by(30)).await.unwrap();
    assert!(a.id < b.id && b.id < c.id);
    let got = r.policy_version(b.id).await.unwrap().unwrap();
    assert_eq!(got.source, "v2 ünïcode");
    assert_eq!(got.info, b);
    assert_eq!(got.info.content_hash, content_hash("v2 ünïcode"));
    assert_eq!(r.policy_version(a.id).await.unwrap().unwrap().info.comment, "first");
    assert_eq!(r.policy_version(c.id + 100).await.unwrap(), None);

    let page = r.policy_versions(None, None, 2).await.unwrap();
    assert_eq!(page.items.iter().map(|v| v.id).collect::<Vec<_>>(), vec![c.id, b.id]);
    let rest = r.policy_versions(None, page.next, 2).await.unwrap();
    assert_eq!((rest.items.len(), rest.items[0].id, rest.next), (1, a.id, None));
    let market = r.policy_versions(Some("market"), None, 10).await.unwrap();
    assert_eq!(market.items.iter().map(|v| v.id).collect::<Vec<_>>(), vec![b.id, a.id]);
}

pub(crate) async fn publish_and_rollback_walk_the_history(db: TestDb) {
    let r = &db.records;
    let mut ids = Vec::new();
    for s in ["one", "two", "three"] {
        ids.push(r.create_policy_version(&version("p", s), by(1)).await.unwrap().id);
    }
    let (v1, v2, v3) = (ids[0], ids[1], ids[2]);
    assert!(is_not_found(&r.publish(v3 + 1, by(2)).await));
    assert!(is_conflict(&r.rollback(by(2)).await), "nothing published yet");
    for (i, v) in ids.iter().enumerate() {
        assert_eq!(r.publish(*v, by(10 + i as i64)).await.unwrap().live, Some(*v));
    }
    assert!(is_conflict(&r.publish(v3, by(20)).await), "already live");
    assert_eq!(r.rollback(by(30)).await.unwrap().live, Some(v2));
    assert_eq!(r.rollback(by(31)).await.unwrap().live, Some(v1));
    assert!(is_conflict(&r.rollback(by(32)).await), "v1 was the first live version");
    assert_eq!(r.pointers().await.unwrap().live, Some(v1));
    // A publish after rollbacks starts a new top; rolling it back returns to v1.
    assert_eq!(r.publish(v3, by(40)).await.unwrap().live, Some(v3));
    assert_eq!(r.rollback(by(41)).await.unwrap().live, Some(v1));

    let history = r.pointer_history(Slot::Live, None, 100).await.unwrap().items;
    let summary: Vec<_> = history.iter().rev().map(|c| (c.action, c.version_id, c.previous_id, c.undone)).collect();
    use PointerAction::{Publish, Rollback};
    assert_eq!(
        summary,
        vec![
            (Publish, Some(v1), None, false),
            (Publish, Some(v2), Some(v1), true),
            (Publish, Some(v3), Some(v2), true),
            (Rollback, Some(v2), Some(v3), false),
            (Rollback, Some(v1), Some(v2), false),
            (Publish, Some(v3), Some(v1), true),
            (Rollback, Some(v1), Some(v3), false),
        ]
    );
    assert_eq!(history[0].at, 41);
    assert_eq!(history[0].actor, "test");
    let page = r.pointer_history(Slot::Live, None, 3).await.unwrap();
    let next = r.pointer_history(Slot::Live, page.next, 100).await.unwrap();
    assert_eq!(page.items.len() + next.items.len(), history.len());
    assert_eq!(next.items[0].id, history[3].id);
}

pub(crate) async fn shadow_pointer_is_set_and_cleared(db: TestDb) {
    let r = &db.records;
    let v1 = r.create_policy_version(&version("p", "a"), by(1)).await.unwrap().id;
    let v2 = r.create_policy_version(&version("p", "b"), by(1)).await.unwrap().id;
    r.publish(v1, by(2)).await.unwrap();
    assert_eq!(r.set_shadow(Some(v2), by(3)).await.unwrap(), Pointers { live: Some(v1), shadow: Some(v2) });
    assert!(is_not_found(&r.set_shadow(Some(v2 + 5), by(4)).await));
    assert_eq!(r.set_shadow(None, by(5)).await.unwrap(), Pointers { live: Some(v1), shadow: None });
    let h = r.pointer_history(Slot::Shadow, None, 10).await.unwrap().items;
    let moves: Vec<_> = h.iter().map(|c| (c.version_id, c.previous_id)).collect();
    assert_eq!(moves, vec![(None, Some(v2)), (Some(v2), None)]);
    // Shadow changes do not touch the live history.
    assert_eq!(r.pointer_history(Slot::Live, None, 10).await.unwrap().items.len(), 1);
}
