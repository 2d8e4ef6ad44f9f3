use shrike_records::limits::MAX_MODEL_BYTES;
use shrike_records::{ModelPin, NewModel, NewPolicyVersion, model_hash};

use super::{by, invalid_field, is_not_found};
use crate::common::TestDb;

fn model<'a>(name: &'a str, bytes: &'a [u8]) -> NewModel<'a> {
    NewModel { name, bytes, comment: "" }
}

pub(crate) async fn models_are_versioned_by_name_and_pinned_by_policies(db: TestDb) {
    let r = &db.records;
    // bytes a text column would mangle: NUL, invalid UTF-8, every byte value
    let first: Vec<u8> = (0..=255u8).chain([0, 0xff, 0xfe]).collect();
    let a = r.put_model(&NewModel { name: "risk.json", bytes: &first, comment: "v1" }, by(10)).await.unwrap();
    let b = r.put_model(&model("risk.json", b"{\"second\": true}"), by(20)).await.unwrap();
    let c = r.put_model(&model("other.json", b"{}"), by(30)).await.unwrap();
    assert!(a.id < b.id && b.id < c.id);
    assert_eq!((a.size, a.content_hash.as_str()), (first.len() as i64, model_hash(&first).as_str()));
    let got = r.model(a.id).await.unwrap().unwrap();
    assert_eq!((got.bytes, got.info), (first.clone(), a.clone()));
    assert_eq!(r.latest_model("risk.json").await.unwrap().unwrap().info, b);
    assert_eq!(r.latest_model("none.json").await.unwrap(), None);
    let page = r.models(None, None, 2).await.unwrap();
    assert_eq!(page.items.iter().map(|m| m.id).collect::<Vec<_>>(), vec![c.id, b.id]);
    let rest = r.models(None, page.next, 2).await.unwrap();
    assert_eq!((rest.items[0].id, rest.next), (a.id, None));
    let named = r.models(Some("risk.json"), None, 10).await.unwrap();
    assert_eq!(named.items.len(), 2);

    let source = "model risk = \"models/risk.json\" { amount }";
    let pins = [ModelPin { file: "models/risk.json".into(), model_id: a.id }];
    let v = NewPolicyVersion { name: "market", source, comment: "" };
    let created = r.create_policy_version_with_models(&v, &pins, by(40)).await.unwrap();
    assert_eq!(r.policy_models(created.id).await.unwrap(), pins);
    assert_eq!(r.policy_version(created.id).await.unwrap().unwrap().source, source);
    let q = shrike_records::AuditQuery { target: None, from: None, to: None, limit: 10, cursor: None };
    let audit = r.audit(&q).await.unwrap();
    assert!(audit.items.iter().any(|e| e.action == "model.put"));
    let plain = r.create_policy_version(&NewPolicyVersion { name: "market", source: "x", comment: "" }, by(50));
    assert_eq!(r.policy_models(plain.await.unwrap().id).await.unwrap(), vec![]);
}

pub(crate) async fn bad_models_and_pins_are_refused(db: TestDb) {
    let r = &db.records;
    assert_eq!(invalid_field(r.put_model(&model("Risk.json", b"{}"), by(1)).await), "name");
    assert_eq!(invalid_field(r.put_model(&model("risk.json", b""), by(1)).await), "bytes");
    let big = vec![b' '; MAX_MODEL_BYTES + 1];
    assert_eq!(invalid_field(r.put_model(&model("risk.json", &big), by(1)).await), "bytes");
    let v = NewPolicyVersion { name: "market", source: "x", comment: "" };
    let missing = [ModelPin { file: "risk.json".into(), model_id: 999 }];
    assert!(is_not_found(&r.create_policy_version_with_models(&v, &missing, by(2)).await));
    assert!(r.policy_versions(None, None, 10).await.unwrap().items.is_empty(), "nothing of a failed create is kept");
    let twice = [ModelPin { file: "a".into(), model_id: 1 }, ModelPin { file: "a".into(), model_id: 1 }];
    assert_eq!(invalid_field(r.create_policy_version_with_models(&v, &twice, by(2)).await), "models.file");
}
