use shrike_records::limits::{MAX_IMPORT_ROWS, RETENTION_CHUNKS_PER_CALL};
use shrike_records::{ListCursor, ListSummary, ListValue};

use super::{by, invalid_field, is_not_found};
use crate::common::TestDb;

fn forever(value: &str) -> ListValue<'_> {
    ListValue { value, expires_at: None }
}

pub(crate) async fn list_entries_add_replace_remove(db: TestDb) {
    let r = &db.records;
    r.add_list_entry("blocked_emails", forever("a@x.com"), by(1)).await.unwrap();
    r.add_list_entry("blocked_emails", forever("A@x.com"), by(2)).await.unwrap();
    r.add_list_entry("blocked_emails", ListValue { value: "a@x.com", expires_at: Some(99) }, by(3)).await.unwrap();
    let page = r.list_entries("blocked_emails", None, 10).await.unwrap();
    // Exact, case-sensitive values in byte order; the re-add replaced expiry and author time.
    let got: Vec<_> = page.items.iter().map(|e| (e.value.as_str(), e.expires_at, e.added_at)).collect();
    assert_eq!(got, vec![("A@x.com", None, 2), ("a@x.com", Some(99), 3)]);
    assert_eq!(page.items[0].added_by, "test");

    r.remove_list_entry("blocked_emails", "A@x.com", by(4)).await.unwrap();
    assert!(is_not_found(&r.remove_list_entry("blocked_emails", "A@x.com", by(5)).await));
    assert!(is_not_found(&r.remove_list_entry("other", "a@x.com", by(5)).await));
    let left = r.list_entries("blocked_emails", None, 10).await.unwrap().items;
    assert_eq!(left.len(), 1);
    assert_eq!(r.lists().await.unwrap(), vec![ListSummary { list: "blocked_emails".into(), entries: 1 }]);
}

pub(crate) async fn list_scan_skips_expired_and_purge_deletes_them(db: TestDb) {
    let r = &db.records;
    for (list, value, exp) in
        [("a", "1", None), ("a", "2", Some(100)), ("b", "1", Some(50)), ("b", "2", None), ("c", "9", Some(200))]
    {
        r.add_list_entry(list, ListValue { value, expires_at: exp }, by(1)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<ListCursor> = None;
    loop {
        let page = r.scan_list_entries(100, cursor.as_ref(), 2).await.unwrap();
        seen.extend(page.items.iter().map(|e| format!("{}/{}", e.list, e.value)));
        match page.next {
            Some(c) => cursor = Some(c.to_string().parse().unwrap()),
            None => break,
        }
    }
    // Live at t=100: expiry 100 and 50 are over, 200 is not.
    assert_eq!(seen, vec!["a/1", "b/2", "c/9"]);

    let purge = r.purge_expired_list_entries(100, RETENTION_CHUNKS_PER_CALL).await.unwrap();
    assert_eq!((purge.deleted, purge.done), (2, true));
    let all: Vec<_> = r.lists().await.unwrap().into_iter().map(|s| (s.list, s.entries)).collect();
    assert_eq!(all, vec![("a".into(), 1), ("b".into(), 1), ("c".into(), 1)]);
}

pub(crate) async fn list_import_is_bulk_and_deduplicated(db: TestDb) {
    let r = &db.records;
    let values: Vec<String> = (0..2500).map(|i| format!("10.0.{}.{}", i / 256, i % 256)).collect();
    let mut rows: Vec<ListValue<'_>> = values.iter().map(|v| forever(v)).collect();
    rows.push(ListValue { value: &values[7], expires_at: Some(5) });
    assert_eq!(r.import_list_entries("risky_ips", &rows, by(1)).await.unwrap(), 2500);
    // Re-importing is idempotent.
    assert_eq!(r.import_list_entries("risky_ips", &rows, by(2)).await.unwrap(), 2500);

    let mut got = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = r.list_entries("risky_ips", after.as_deref(), 1000).await.unwrap();
        got.extend(page.items);
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    let mut expected = values.clone();
    expected.sort();
    assert_eq!(got.iter().map(|e| e.value.clone()).collect::<Vec<_>>(), expected);
    // The last occurrence of a repeated value wins.
    assert_eq!(got.iter().find(|e| e.value == values[7]).unwrap().expires_at, Some(5));
    assert!(got.iter().all(|e| e.added_at == 2));

    let too_many: Vec<_> = (0..=MAX_IMPORT_ROWS).map(|_| forever("x")).collect();
    assert_eq!(invalid_field(r.import_list_entries("risky_ips", &too_many, by(3)).await), "entries");
    let mut bad = rows.clone();
    bad[3] = forever(" padded");
    assert_eq!(invalid_field(r.import_list_entries("risky_ips", &bad, by(3)).await), "entries[3].value");
}
