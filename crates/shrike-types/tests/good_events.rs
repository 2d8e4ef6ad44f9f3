//! Valid events: every field read, typed and normalised as docs/events.md says.

use std::borrow::Cow;
use std::net::IpAddr;

use shrike_types::event::{Address, AttrValue, Card, Event, EventType, Item, KnownType};
use shrike_types::limits::{MAX_ATTRIBUTES, MAX_EVENT_ID_LEN, MAX_ITEMS, MAX_JSON_DEPTH, MAX_STRING_LEN};
use shrike_types::parse::{parse_event, to_json};
use shrike_types::{Money, Timestamp};

const TYPICAL: &str = include_str!("events/typical.json");
const FULL: &str = include_str!("events/full.json");

fn parse(json: &str) -> Event<'_> {
    parse_event(json.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{json}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test IP")
}

#[test]
fn typical_event_borrows_its_strings() {
    let e = parse(TYPICAL);
    assert_eq!(e.event_id, "evt_01JD8Q3K9Q7W2");
    assert_eq!(e.event_type, EventType::Known(KnownType::PaymentAttempt));
    assert_eq!(e.timestamp, Timestamp(1_795_631_059_250));
    assert_eq!(e.ip, Some(ip("203.0.113.7")));
    assert_eq!(e.amount, Some(Money(129_990_000)));
    assert_eq!(e.attribute("risk_hint"), Some(&AttrValue::Number("0.87".into())));
    let strings = [&e.user_id, &e.session_id, &e.device_id, &e.email, &e.currency, &e.ip_country];
    for s in strings {
        assert!(matches!(s, Some(Cow::Borrowed(_))), "{s:?}");
    }
    let card = e.card.as_ref().expect("card");
    assert!(matches!(card.fingerprint, Some(Cow::Borrowed("fp_8c1d2e4a"))));
}

#[test]
fn full_event_reads_every_field() {
    let e = parse(FULL);
    assert_eq!(e.event_id, "evt-é\"1");
    assert!(matches!(e.event_id, Cow::Owned(_)), "escaped strings are unescaped into owned ones");
    assert_eq!(e.event_type, EventType::Known(KnownType::PaymentAttempt));
    assert_eq!(e.timestamp, Timestamp(1_795_631_059_250));
    assert_eq!(e.user_id.as_deref(), Some("u1"));
    assert_eq!(e.session_id.as_deref(), Some("s1"));
    assert_eq!(e.device_id.as_deref(), Some("d1"));
    assert_eq!(e.ip, Some(ip("2001:db8::1")));
    assert_eq!(e.ip_country.as_deref(), Some("FR"));
    assert_eq!(e.email.as_deref(), Some("alice.smith@example.com"));
    assert!(matches!(e.email, Some(Cow::Owned(_))));
    assert_eq!(e.phone.as_deref(), Some("+33 6 12 34 56 78"));
    let card = Card {
        fingerprint: Some("fp1".into()),
        bin: Some("411111".into()),
        last4: Some("1111".into()),
        country: Some("GB".into()),
        brand: Some("visa".into()),
    };
    assert_eq!(e.card, Some(card));
    let shipping = Address {
        key: "us|94103|san francisco|1 main st|".into(),
        country: Some("US".into()),
        postal_code: Some("94103".into()),
    };
    assert_eq!(e.shipping_address, Some(shipping));
    let billing = Address { key: "us|94103|san francisco|1 main st".into(), country: None, postal_code: None };
    assert_eq!(e.billing_address, Some(billing));
    assert_eq!(e.shop_id.as_deref(), Some("shop1"));
    assert_eq!(e.affiliate_id.as_deref(), Some("aff1"));
    assert_eq!(e.order_id.as_deref(), Some("o1"));
    assert_eq!(e.coupon_code.as_deref(), Some("WELCOME10"));
    assert_eq!(e.amount, Some(Money(129_990_000)));
    assert_eq!(e.currency.as_deref(), Some("EUR"));
    assert_eq!(e.status.as_deref(), Some("approved"));
    assert_eq!(e.change.as_deref(), Some("password"));
    let items = vec![
        Item { sku: Some("sku-1".into()), category: Some("shoes".into()), quantity: 2, price: Some(Money(49_500_000)) },
        Item { sku: Some("sku-2".into()), category: None, quantity: 1, price: None },
    ];
    assert_eq!(e.items, items);
    let attrs: Vec<(Cow<'_, str>, AttrValue<'_>)> = vec![
        ("promo".into(), AttrValue::Bool(true)),
        ("off".into(), AttrValue::Bool(false)),
        ("none".into(), AttrValue::Null),
        ("score".into(), AttrValue::Number("0.87".into())),
        ("big".into(), AttrValue::Number("1e400".into())),
        ("note".into(), AttrValue::String("a\tb".into())),
        ("tags".into(), AttrValue::Json(r#"["x",{"y":[1,2.5]}]"#.into())),
        ("empty".into(), AttrValue::Json("{}".into())),
    ];
    assert_eq!(e.attributes, attrs);
}

#[test]
fn minimal_event_with_nulls_and_custom_type() {
    let json = r#"{"timestamp": -1000, "type": "wishlist.add_v2", "event_id": "x",
        "user_id": null, "card": null, "shipping_address": null, "amount": null,
        "items": null, "attributes": null}"#;
    let e = parse(json);
    let want = Event::new("x", EventType::Custom("wishlist.add_v2".into()), Timestamp(-1000));
    assert_eq!(e, want);
}

#[test]
fn spellings_of_one_address_share_a_key() {
    let key = |addr: &str| {
        let json = format!(r#"{{"event_id":"e","type":"order.create","timestamp":0,"shipping_address":{addr}}}"#);
        let e = parse_event(json.as_bytes()).map_err(|e| e.to_string());
        e.map(|e| e.shipping_address.map(|a| a.key.into_owned()))
    };
    let a = key(r#"{"line1":"1 Main St.","city":"Springfield","postal_code":"12345","country":"US"}"#);
    let b = key(r#"{"line1":" 1  main st ","city":"SPRINGFIELD","postal_code":"12345","country":"us"}"#);
    let c = key(r#"{"line1":"1 Main St","city":"Springfield","postal_code":"12-345","country":"US"}"#);
    assert_eq!(a, Ok(Some("us|12345|springfield|1 main st|".into())));
    assert_eq!(a, b);
    assert_eq!(a, c);
    let d = key(r#"{"line1":"2 Main St","city":"Springfield","postal_code":"12345","country":"US"}"#);
    assert_ne!(a, d);
}

#[test]
fn amounts_are_exact() {
    let amount = |v: &str| {
        let json = format!(r#"{{"event_id":"e","type":"order.create","timestamp":0,"amount":{v}}}"#);
        parse_event(json.as_bytes()).map(|e| e.amount).map_err(|e| e.message)
    };
    assert_eq!(amount("0.1"), Ok(Some(Money(100_000))));
    assert_eq!(amount("\"0.000001\""), Ok(Some(Money(1))));
    assert_eq!(amount("-5"), Ok(Some(Money(-5_000_000))));
    assert_eq!(amount("1.5e3"), Ok(Some(Money(1_500_000_000))));
    assert_eq!(amount("9223372036854.775807"), Ok(Some(Money(i64::MAX))));
}

#[test]
fn limits_are_inclusive() {
    let head = r#"{"event_id":"e","type":"order.create","timestamp":0,"#;
    let long_id = format!(r#"{{"event_id":"{}","type":"order.create","timestamp":0}}"#, "i".repeat(MAX_EVENT_ID_LEN));
    assert_eq!(parse(&long_id).event_id.len(), MAX_EVENT_ID_LEN);
    let long = format!(r#"{head}"user_id":"{}"}}"#, "u".repeat(MAX_STRING_LEN));
    assert_eq!(parse(&long).user_id.map(|s| s.len()), Some(MAX_STRING_LEN));
    let items = vec!["{}"; MAX_ITEMS].join(",");
    assert_eq!(parse(&format!(r#"{head}"items":[{items}]}}"#)).items.len(), MAX_ITEMS);
    let attrs: Vec<String> = (0..MAX_ATTRIBUTES).map(|i| format!(r#""k{i}":{i}"#)).collect();
    let json = format!(r#"{head}"attributes":{{{}}}}}"#, attrs.join(","));
    assert_eq!(parse(&json).attributes.len(), MAX_ATTRIBUTES);
    // The event is depth 1 and `attributes` depth 2, which leaves MAX_JSON_DEPTH - 2 levels.
    let n = MAX_JSON_DEPTH - 2;
    let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let json = format!(r#"{head}"attributes":{{"d":{deep}}}}}"#);
    assert_eq!(parse(&json).attribute("d"), Some(&AttrValue::Json(deep)));
}

#[test]
fn to_json_round_trips_the_fixtures() {
    for fixture in [TYPICAL, FULL] {
        let e = parse(fixture);
        let json = to_json(&e);
        assert_eq!(parse(&json), e, "{json}");
        assert_eq!(to_json(&parse(&json)), json, "writing is deterministic");
    }
}

#[test]
fn to_json_writes_the_documented_forms() {
    let mut e = Event::new("e\"1", EventType::Known(KnownType::Chargeback), Timestamp(1_795_631_059_250));
    e.amount = Some(Money(12_500_000));
    e.items = vec![Item { sku: None, category: None, quantity: 3, price: Some(Money(1)) }];
    e.billing_address =
        Some(Address { key: "us|1||x|".into(), country: Some("US".into()), postal_code: Some("1".into()) });
    e.shipping_address = Some(Address { key: "a b|c".into(), country: None, postal_code: None });
    e.attributes = vec![("n".into(), AttrValue::Number("not a number".into()))];
    let want = concat!(
        r#"{"event_id":"e\"1","type":"chargeback","timestamp":1795631059250,"#,
        r#""shipping_address":"a b|c","#,
        r#""billing_address":{"line1":"x","postal_code":"1","country":"US"},"#,
        r#""amount":"12.5","items":[{"quantity":3,"price":"0.000001"}],"#,
        r#""attributes":{"n":"not a number"}}"#,
    );
    assert_eq!(to_json(&e), want);
}
