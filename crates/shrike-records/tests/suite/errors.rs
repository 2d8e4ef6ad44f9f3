use shrike_records::limits::{MAX_DECISION_BATCH, MAX_DECISION_JSON_BYTES, MAX_LIST_VALUE_LEN, MAX_PAGE_SIZE};
use shrike_records::{
    AuditQuery, Change, DecisionCursor, DecisionQuery, KeyHash, LabelQuery, ListValue, NewApiKey, NewLabel,
    NewPolicyVersion, RecordsError, Scopes, TimeCursor,
};

use super::decisions::row;
use super::{by, invalid_field};
use crate::common::TestDb;

pub(crate) async fn bad_input_names_the_field(db: TestDb) {
    let r = &db.records;
    let long_value = "v".repeat(MAX_LIST_VALUE_LEN + 1);
    let ok = ListValue { value: "ok", expires_at: None };
    let cases: Vec<(&str, String)> = vec![
        (
            "value",
            invalid_field(r.add_list_entry("l", ListValue { value: &long_value, expires_at: None }, by(1)).await),
        ),
        ("value", invalid_field(r.add_list_entry("l", ListValue { value: "", expires_at: None }, by(1)).await)),
        ("list", invalid_field(r.add_list_entry("Bad List", ok, by(1)).await)),
        ("actor", invalid_field(r.add_list_entry("l", ok, Change { actor: "", at: 1 }).await)),
        ("limit", invalid_field(r.list_entries("l", None, 0).await)),
        ("limit", invalid_field(r.list_entries("l", None, MAX_PAGE_SIZE + 1).await)),
        (
            "name",
            invalid_field(
                r.create_policy_version(&NewPolicyVersion { name: "", source: "", comment: "" }, by(1)).await,
            ),
        ),
        (
            "comment",
            invalid_field(
                r.create_policy_version(&NewPolicyVersion { name: "p", source: "", comment: "a\nb" }, by(1)).await,
            ),
        ),
        ("hash", invalid_field(KeyHash::from_hex("abc123"))),
        (
            "name",
            invalid_field(
                r.create_key(&NewApiKey { name: "", scopes: "admin".parse().unwrap(), hash: &KeyHash::of("k") }, by(1))
                    .await,
            ),
        ),
        (
            "kind",
            invalid_field(
                r.add_label(&NewLabel {
                    event_id: Some("e"),
                    entity: None,
                    fraud: true,
                    kind: "Charge Back",
                    source: "s",
                    at: 1,
                    known_at: 1,
                })
                .await,
            ),
        ),
        (
            "from",
            invalid_field(r.audit(&AuditQuery { from: Some(5), to: Some(1), limit: 1, ..AuditQuery::default() }).await),
        ),
        ("limit", invalid_field(r.labels(&LabelQuery::default()).await)),
        ("limit", invalid_field(r.decisions(&DecisionQuery { limit: 1000, ..DecisionQuery::default() }).await)),
        (
            "rule",
            invalid_field(
                r.decisions(&DecisionQuery { rule: Some("a,b".into()), limit: 1, ..DecisionQuery::default() }).await,
            ),
        ),
        ("cursor", invalid_field("12".parse::<DecisionCursor>())),
        ("cursor", invalid_field("x:1".parse::<TimeCursor>())),
        ("scopes", invalid_field("decide,root".parse::<Scopes>())),
    ];
    for (want, got) in &cases {
        assert_eq!(want, got);
    }

    let too_many: Vec<_> = (0..=MAX_DECISION_BATCH as u64).map(|i| row(i, 1)).collect();
    assert_eq!(invalid_field(r.insert_decisions(&too_many).await), "rows");
    let mut batch: Vec<_> = (0..5).map(|i| row(i, 1)).collect();
    let check = |f: fn(&mut shrike_records::DecisionRow)| {
        let mut b = batch.clone();
        f(&mut b[3]);
        b
    };
    let bad = [
        ("rows[3].decision_json", check(|r| r.decision_json = "x".repeat(MAX_DECISION_JSON_BYTES + 1))),
        ("rows[3].decision_json", check(|r| r.decision_json = "{not json".into())),
        ("rows[3].decision_id", check(|r| r.decision_id = String::new())),
        ("rows[3].score", check(|r| r.score = 101)),
        ("rows[3].rules[1]", check(|r| r.rules = vec!["ok".into(), "no spaces".into()])),
        ("rows[3].entities.email", check(|r| r.entities.email = Some("e".repeat(257)))),
        ("rows[3].event_type", check(|r| r.event_type = "a b".into())),
    ];
    for (want, rows) in bad {
        assert_eq!(invalid_field(r.insert_decisions(&rows).await), want);
    }
    // Nothing of a rejected batch was written.
    batch.truncate(1);
    assert_eq!(r.decision("d000003").await.unwrap(), None);
    assert_eq!(r.insert_decisions(&batch).await.unwrap(), 1);
}

pub(crate) async fn closed_handle_is_unavailable(db: TestDb) {
    let r = db.reopen().await;
    r.ping().await.unwrap();
    r.close().await;
    let err = r.ping().await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert_eq!(err.to_string(), "records database unavailable");
    let err = r.insert_decisions(&[row(1, 1)]).await.unwrap_err();
    assert!(matches!(err, RecordsError::Unavailable { .. }), "{err:?}");
}
