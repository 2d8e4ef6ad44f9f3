//! Properties: the parser never panics, whatever the bytes; anything it accepts survives a
//! write and re-read unchanged; and every well-formed event round-trips through `to_json`.

use std::borrow::Cow;
use std::net::IpAddr;

use proptest::prelude::*;
use proptest::{collection, option, sample};

use shrike_types::event::{Address, AttrValue, Card, Event, EventType, Item, KnownType, Str};
use shrike_types::limits::MAX_EVENT_BYTES;
use shrike_types::parse::{parse_event, to_json};
use shrike_types::{Money, Timestamp};

const TYPICAL: &str = include_str!("events/typical.json");
const FULL: &str = include_str!("events/full.json");

/// Whatever parses must write back to JSON that parses to the same event.
fn check(input: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(event) = parse_event(input) {
        let json = to_json(&event);
        if json.len() <= MAX_EVENT_BYTES {
            let again = parse_event(json.as_bytes());
            prop_assert_eq!(again.as_ref(), Ok(&event), "{}", json);
        }
    }
    Ok(())
}

/// Pieces of JSON that steer mutations into the parser's interesting states.
const TOKENS: &[&str] = &[
    "\"",
    "\\",
    "\\u",
    "\\ud83d",
    "\\ude00",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "-",
    "0",
    "1e9",
    ".",
    "é",
    "\"attributes\":{\"a\":[",
    "\"items\":[{",
    "\"card\":{",
    "\"amount\":",
    "\"shipping_address\":",
    "\"timestamp\":",
    "\"ip\":\"::1\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, &'static str),
    Remove(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (any::<usize>(), sample::select(TOKENS)).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<usize>(), 1..8usize).prop_map(|(at, n)| Mutation::Remove(at, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match *m {
        Mutation::Set(at, b) => {
            if let Some(slot) = bytes.get_mut(at % len) {
                *slot = b;
            }
        }
        Mutation::Insert(at, t) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, t.bytes());
        }
        Mutation::Remove(at, n) => {
            let at = at % len;
            bytes.drain(at.min(bytes.len())..(at + n).min(bytes.len()));
        }
        Mutation::Truncate(at) => bytes.truncate(at % len),
    }
}

// --- generators of well-formed events, in the normal form the parser produces ---

fn text() -> impl Strategy<Value = Str<'static>> {
    let ascii = "[a-zA-Z0-9_.:@+-]{1,16}".prop_map(String::from);
    let any_chars = collection::vec(any::<char>(), 1..12).prop_map(String::from_iter);
    prop_oneof![3 => ascii, 1 => any_chars].prop_map(Cow::Owned)
}

fn code(letters: usize) -> impl Strategy<Value = Str<'static>> {
    collection::vec(sample::select(('A'..='Z').collect::<Vec<_>>()), letters)
        .prop_map(|c| Cow::Owned(String::from_iter(c)))
}

fn event_type() -> impl Strategy<Value = EventType<'static>> {
    let known = sample::select(KnownType::ALL.to_vec()).prop_map(EventType::Known);
    let custom = "[a-z0-9_.]{1,64}"
        .prop_filter("not a known name", |s| KnownType::from_name(s).is_none())
        .prop_map(|s| EventType::Custom(Cow::Owned(s)));
    prop_oneof![known, custom]
}

fn money() -> impl Strategy<Value = Money> {
    prop_oneof![any::<i64>().prop_map(Money), (0..100_000i64).prop_map(|c| Money(c * 10_000))]
}

fn card() -> impl Strategy<Value = Card<'static>> {
    let t = || option::of(text());
    (t(), t(), t(), option::of(code(2)), t()).prop_map(|(fingerprint, bin, last4, country, brand)| Card {
        fingerprint,
        bin,
        last4,
        country,
        brand,
    })
}

/// A normalised address part: lower-case words separated by single spaces.
fn part() -> impl Strategy<Value = String> {
    "([a-z0-9é]{1,6}( [a-z0-9ß]{1,6}){0,2})?".prop_map(String::from)
}

fn address() -> impl Strategy<Value = Address<'static>> {
    let from_object = (option::of(code(2)), option::of("[a-z0-9]{1,5}"), "[a-z]{1,8}", part(), part()).prop_map(
        |(country, postal, city, line1, line2)| {
            let lower = country.as_deref().unwrap_or_default().to_ascii_lowercase();
            let key = [lower.as_str(), postal.as_deref().unwrap_or_default(), &city, &line1, &line2].join("|");
            Address { key: key.into(), country, postal_code: postal.map(Cow::Owned) }
        },
    );
    let from_string = collection::vec(part(), 1..6)
        .prop_filter("not empty", |parts| parts.iter().any(|p| !p.is_empty()))
        .prop_map(|parts| Address { key: parts.join("|").into(), country: None, postal_code: None });
    prop_oneof![from_object, from_string]
}

fn item() -> impl Strategy<Value = Item<'static>> {
    (option::of(text()), option::of(text()), any::<u32>(), option::of(money()))
        .prop_map(|(sku, category, quantity, price)| Item { sku, category, quantity, price })
}

fn attr_value() -> impl Strategy<Value = AttrValue<'static>> {
    let number = "-?(0|[1-9][0-9]{0,8})(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,3})?";
    let json = sample::select(vec![r#"[1,"a\"b",null]"#, r#"{"x":{"y":[]}}"#, "{}", "[]", r#"[{"a":-0.5e3}]"#]);
    prop_oneof![
        Just(AttrValue::Null),
        any::<bool>().prop_map(AttrValue::Bool),
        number.prop_map(|n| AttrValue::Number(Cow::Owned(n))),
        collection::vec(any::<char>(), 0..10).prop_map(|c| AttrValue::String(Cow::Owned(String::from_iter(c)))),
        json.prop_map(|j| AttrValue::Json(j.to_owned())),
    ]
}

fn attributes() -> impl Strategy<Value = Vec<(Str<'static>, AttrValue<'static>)>> {
    collection::btree_map("[a-z_]{1,10}", attr_value(), 0..5)
        .prop_map(|m| m.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())
}

fn event() -> impl Strategy<Value = Event<'static>> {
    let t = || option::of(text());
    let head = (text(), event_type(), any::<i64>(), t(), t(), t(), option::of(any::<IpAddr>()), option::of(code(2)));
    let people = (
        option::of("[a-z0-9._+-]{1,10}@[a-z0-9.-]{1,10}".prop_map(Cow::Owned)),
        t(),
        option::of(card()),
        option::of(address()),
        option::of(address()),
    );
    let commerce = (t(), t(), t(), t(), option::of(money()), option::of(code(3)), t(), t());
    let lists = (collection::vec(item(), 0..4), attributes());
    (head, people, commerce, lists).prop_map(|(h, p, c, l)| {
        let mut e = Event::new(h.0, h.1, Timestamp(h.2));
        (e.user_id, e.session_id, e.device_id, e.ip, e.ip_country) = (h.3, h.4, h.5, h.6, h.7);
        (e.email, e.phone, e.card, e.shipping_address, e.billing_address) = p;
        (e.shop_id, e.affiliate_id, e.order_id, e.coupon_code) = (c.0, c.1, c.2, c.3);
        (e.amount, e.currency, e.status, e.change) = (c.4, c.5, c.6, c.7);
        (e.items, e.attributes) = l;
        e
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in collection::vec(any::<u8>(), 0..600)) {
        check(&bytes)?;
    }

    #[test]
    fn mutated_events_never_panic(
        fixture in sample::select(vec![TYPICAL, FULL]),
        mutations in collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = fixture.as_bytes().to_vec();
        for m in &mutations {
            mutate(&mut bytes, m);
        }
        check(&bytes)?;
    }

    #[test]
    fn events_round_trip_through_json(event in event()) {
        let json = to_json(&event);
        prop_assert_eq!(parse_event(json.as_bytes()), Ok(event), "{}", json);
    }
}
