//! Both importers on small hand-written files in the data sets' layouts (never their rows).

#![allow(clippy::unwrap_used)] // a failure is a test failure

use shrike_import::{ieee, ulb};
use shrike_types::parse::parse_event;
use shrike_types::{AttrValue, Money, Timestamp};

const IEEE: &str = "\
TransactionID,isFraud,TransactionDT,TransactionAmt,ProductCD,card1,card2,card3,card5,addr1,addr2,R_emaildomain,C1,V13,id_19,id_20,DeviceInfo\r
2987001,1,86500,29.0,W,2755,404.0,150.0,102.0,325.0,87.0,gmail.com,1.0,0.5,266.0,507.0,SM-G930V Build/NRD90M\r
2987000,0,86400,68.5,W,13926,,150.0,142.0,315.0,87.0,,1.0,,,,\r
2987002,0,86400,0.251,H,4663,490.0,150.0,166.0,,,,2.0,,,,Windows\r
";

#[test]
fn ieee_rows_become_sorted_payment_attempts_with_entity_proxies() {
    let imported = ieee::import(IEEE.as_bytes()).unwrap();
    let ids: Vec<&str> = imported.rows.iter().map(|r| r.event_id.as_str()).collect();
    assert_eq!(ids, ["2987000", "2987002", "2987001"], "by time, then file order");
    let e = parse_event(imported.rows[2].json.as_bytes()).unwrap();
    assert_eq!(e.event_type.name(), "payment.attempt");
    assert_eq!(e.timestamp, Timestamp(ieee::EPOCH.0 + 86_500_000));
    assert_eq!(e.timestamp.to_string(), "2017-12-01T00:01:40.000Z");
    assert_eq!(e.amount, Some(Money(29_000_000)));
    assert_eq!(e.currency.as_deref(), Some("USD"));
    let card = e.card.as_ref().unwrap();
    assert_eq!(card.fingerprint.as_deref(), Some("2755-404-150-102"));
    assert_eq!(card.bin.as_deref(), Some("2755"));
    assert_eq!(e.user_id.as_deref(), Some("2755-325"));
    assert_eq!(e.billing_address.as_ref().map(|a| a.key.as_ref()), Some("87|325"));
    assert_eq!(e.device_id.as_deref(), Some("SM-G930V Build/NRD90M|266|507"));
    assert_eq!(e.attribute("productcd"), Some(&AttrValue::String("W".into())));
    assert_eq!(e.attribute("r_emaildomain"), Some(&AttrValue::String("gmail.com".into())));
    assert_eq!(e.attribute("v13"), Some(&AttrValue::Number("0.5".into())));
    assert_eq!(e.attribute("card2"), Some(&AttrValue::Number("404".into())));
    assert!(imported.rows[2].fraud);

    let first = parse_event(imported.rows[0].json.as_bytes()).unwrap();
    assert_eq!(
        first.card.as_ref().unwrap().fingerprint.as_deref(),
        Some("13926--150-142"),
        "a missing part stays empty"
    );
    assert_eq!(first.device_id, None);
    assert_eq!(first.attribute("v13"), None, "an empty cell is no attribute");
    let no_address = parse_event(imported.rows[1].json.as_bytes()).unwrap();
    assert_eq!(no_address.billing_address, None);
    assert_eq!(no_address.amount, Some(Money(251_000)), "exact to the micro");
}

#[test]
fn labels_list_fraud_rows_only() {
    let imported = ieee::import(IEEE.as_bytes()).unwrap();
    let mut out = Vec::new();
    imported.write_labels(&mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"event_id\":\"2987001\",\"label\":\"fraud\",\"kind\":\"chargeback\"}\n"
    );
    let mut events = Vec::new();
    imported.write_events(&mut events).unwrap();
    assert_eq!(events, imported.events_bytes());
    assert_eq!(String::from_utf8(events).unwrap().lines().count(), 3);
}

#[test]
fn ieee_errors_name_line_and_column() {
    let bad_amount = IEEE.replace("68.5", "68.5.1");
    let e = ieee::import(bad_amount.as_bytes()).unwrap_err().to_string();
    assert!(e.starts_with("line 3, column TransactionAmt: expected a decimal amount, got \"68.5.1\""), "{e}");
    let bad_label = IEEE.replace("2987000,0,", "2987000,x,");
    let e = ieee::import(bad_label.as_bytes()).unwrap_err().to_string();
    assert_eq!(e, "line 3, column isFraud: expected 0 or 1, got \"x\"");
    let no_time = IEEE.replace("TransactionDT", "DT");
    assert_eq!(ieee::import(no_time.as_bytes()).unwrap_err().to_string(), "the header has no column `TransactionDT`");
}

fn ulb_csv() -> String {
    let names: Vec<String> = (1..=28).map(|k| format!("\"V{k}\"")).collect();
    let values = |x: f64| (1..=28).map(|k| format!("{}", x * k as f64)).collect::<Vec<_>>().join(",");
    format!(
        "\"Time\",{},\"Amount\",\"Class\"\n10,{},149.62,\"0\"\n0,{},2.69,\"1\"\n",
        names.join(","),
        values(0.5),
        values(-1.25)
    )
}

#[test]
fn ulb_rows_become_payment_attempts_with_components() {
    let imported = ulb::import(ulb_csv().as_bytes()).unwrap();
    assert_eq!(imported.rows.len(), 2);
    assert_eq!(imported.rows[0].event_id, "1", "sorted by time; ids are file positions");
    let e = parse_event(imported.rows[0].json.as_bytes()).unwrap();
    assert_eq!(e.timestamp, ulb::EPOCH);
    assert_eq!(e.timestamp.to_string(), "2013-09-01T00:00:00.000Z");
    assert_eq!(e.amount, Some(Money(2_690_000)));
    assert_eq!(e.attribute("v4"), Some(&AttrValue::Number("-5".into())));
    assert_eq!(e.attributes.len(), 28);
    assert!(imported.rows[0].fraud && !imported.rows[1].fraud);
    let bad = ulb_csv().replace("149.62", "lots");
    let err = ulb::import(bad.as_bytes()).unwrap_err().to_string();
    assert!(err.starts_with("line 2, column Amount: expected a decimal amount"), "{err}");
}
