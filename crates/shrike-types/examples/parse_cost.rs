//! Per-field parse cost, for instruction counts under valgrind (deterministic, unlike time
//! on a shared machine): variant K adds one field to a minimal event; the difference of two
//! runs' totals over `N` is the cost of a field.
//!
//! ```text
//! valgrind --tool=callgrind target/release/examples/parse_cost 3   # ip
//! ```

use std::hint::black_box;

use shrike_types::parse::parse_event;

const BASE: &str = r#""event_id":"e000000001","type":"account.login","timestamp":"2026-09-01T00:00:00.000Z""#;
const EXTRA: [&str; 13] = [
    "",
    r#","user_id":"u831""#,
    r#","session_id":"se_78e02d6dc077""#,
    r#","ip":"125.17.217.181""#,
    r#","ip_country":"MX""#,
    r#","card":{"fingerprint":"cf_242990775513877c","bin":"436489","last4":"3727","country":"MX","brand":"visa"}"#,
    r#","shipping_address":{"line1":"1957 south rd","city":"guadalajara","postal_code":"16129","country":"MX"}"#,
    r#","amount":13.00"#,
    r#","currency":"USD""#,
    r#","items":[{"sku":"sk-301-17","category":"books","quantity":1,"price":13.00}]"#,
    r#","attributes":{"outcome":"success"}"#,
    r#","shipping_address":{"line1":"1831 park way","city":"sao paulo","postal_code":"96783-938","country":"BR"}"#,
    r#","amount":"129.99""#,
];
const N: usize = 1_000;

fn main() {
    // `parse_cost K` parses variant K `N` times; `parse_cost` alone parses nothing, for the
    // baseline to subtract.
    let Some(k) = std::env::args().nth(1).and_then(|k| k.parse::<usize>().ok()) else {
        return;
    };
    let Some(extra) = EXTRA.get(k) else {
        eprintln!("variants are 0..{}", EXTRA.len());
        std::process::exit(2);
    };
    let json = format!("{{{BASE}{extra}}}");
    let mut ok = 0;
    for _ in 0..N {
        ok += usize::from(parse_event(black_box(json.as_bytes())).is_ok());
    }
    println!("{k:2}: {ok}/{N} parsed: {json}");
}
