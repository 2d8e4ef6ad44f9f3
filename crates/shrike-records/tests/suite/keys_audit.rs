use shrike_records::{
    AuditQuery, Change, KeyHash, ListValue, NewApiKey, NewAuditEntry, NewPolicyVersion, Scope, Scopes, generate_key,
};

use super::{by, invalid_field, is_conflict, is_not_found};
use crate::common::TestDb;

pub(crate) async fn api_keys_lookup_by_hash_and_revoke(db: TestDb) {
    let r = &db.records;
    let (secret, hash) = generate_key().unwrap();
    let scopes: Scopes = "decide,ingest".parse().unwrap();
    let k = r.create_key(&NewApiKey { name: "checkout", scopes, hash: &hash }, by(5)).await.unwrap();
    let (_, other_hash) = generate_key().unwrap();
    let admin = r
        .create_key(&NewApiKey { name: "ops", scopes: Scopes::default().with(Scope::Admin), hash: &other_hash }, by(6))
        .await
        .unwrap();

    // The presented key hashes to the stored form; nothing else finds it.
    let found = r.key_by_hash(&KeyHash::of(secret.expose())).await.unwrap().unwrap();
    assert_eq!(found, k);
    assert!(found.scopes.contains(Scope::Decide) && !found.scopes.contains(Scope::Admin) && found.is_active());
    assert_eq!(r.key_by_hash(&KeyHash::of("shk_wrong")).await.unwrap(), None);
    let dup = r.create_key(&NewApiKey { name: "again", scopes, hash: &hash }, by(7)).await;
    assert!(is_conflict(&dup), "{dup:?}");

    let revoked = r.revoke_key(k.id, by(9)).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(9));
    let after = r.key_by_hash(&hash).await.unwrap().unwrap();
    assert!(!after.is_active());
    assert!(is_conflict(&r.revoke_key(k.id, by(10)).await));
    assert!(is_not_found(&r.revoke_key(admin.id + 10, by(10)).await));

    let page = r.keys(None, 1).await.unwrap();
    assert_eq!(page.items, vec![after.clone()]);
    let rest = r.keys(page.next, 10).await.unwrap();
    assert_eq!((rest.items, rest.next), (vec![admin], None));
    assert_eq!(
        invalid_field(
            r.create_key(&NewApiKey { name: "x", scopes: Scopes::default(), hash: &other_hash }, by(1)).await
        ),
        "scopes"
    );
}

pub(crate) async fn audit_log_records_every_change(db: TestDb) {
    let r = &db.records;
    let v = r.create_policy_version(&NewPolicyVersion { name: "p", source: "s", comment: "c" }, by(1)).await.unwrap();
    r.publish(v.id, Change { actor: "key:7", at: 2 }).await.unwrap();
    r.add_list_entry("l", ListValue { value: "v", expires_at: None }, by(3)).await.unwrap();
    r.import_list_entries("l", &[ListValue { value: "w", expires_at: None }], by(4)).await.unwrap();
    r.remove_list_entry("l", "v", by(5)).await.unwrap();
    let (_, hash) = generate_key().unwrap();
    let key =
        r.create_key(&NewApiKey { name: "k", scopes: "admin".parse().unwrap(), hash: &hash }, by(6)).await.unwrap();
    r.revoke_key(key.id, by(7)).await.unwrap();
    let detail = serde_json::json!({ "note": "manual" });
    let entry = NewAuditEntry { change: by(8), action: "config.reload", target: "config", detail: &detail };
    r.append_audit(&entry).await.unwrap();
    // A failed change leaves no audit row.
    assert!(r.publish(v.id, by(9)).await.is_err());

    let all = r.audit(&AuditQuery { limit: 100, ..AuditQuery::default() }).await.unwrap().items;
    let actions: Vec<_> = all.iter().map(|e| (e.at, e.action.as_str(), e.target.as_str())).collect();
    let key_target = format!("key:{}", key.id);
    let version_target = format!("policy_version:{}", v.id);
    assert_eq!(
        actions,
        vec![
            (8, "config.reload", "config"),
            (7, "key.revoke", key_target.as_str()),
            (6, "key.create", key_target.as_str()),
            (5, "list.remove", "list:l"),
            (4, "list.import", "list:l"),
            (3, "list.add", "list:l"),
            (2, "policy.publish", "policy:live"),
            (1, "policy.create", version_target.as_str()),
        ]
    );
    assert_eq!(all[0].detail, detail);
    assert_eq!(all[6].actor, "key:7");
    assert_eq!(all[6].detail, serde_json::json!({ "from": null, "to": v.id }));
    assert_eq!(all[4].detail, serde_json::json!({ "rows": 1 }));

    let list = r.audit(&AuditQuery { target: Some("list:l".into()), limit: 2, ..AuditQuery::default() }).await.unwrap();
    assert_eq!(list.items.iter().map(|e| e.at).collect::<Vec<_>>(), vec![5, 4]);
    let more = AuditQuery { target: Some("list:l".into()), limit: 2, cursor: list.next, ..AuditQuery::default() };
    let more = r.audit(&more).await.unwrap();
    assert_eq!((more.items.iter().map(|e| e.at).collect::<Vec<_>>(), more.next), (vec![3], None));
    let window = r.audit(&AuditQuery { from: Some(2), to: Some(4), limit: 10, ..AuditQuery::default() }).await.unwrap();
    assert_eq!(window.items.iter().map(|e| e.at).collect::<Vec<_>>(), vec![3, 2]);
}
