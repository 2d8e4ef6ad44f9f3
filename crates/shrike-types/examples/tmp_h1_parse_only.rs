use std::hint::black_box;
use shrike_types::clock::Stopwatch;
fn bench(name: &str, json: &str) {
    let n = 1_000_000u32;
    let mut best = f64::MAX;
    for _ in 0..5 {
    let w = Stopwatch::start();
    for _ in 0..n { let _ = black_box(shrike_types::parse::parse_event(black_box(json.as_bytes()))); }
    best = best.min(w.elapsed_nanos() as f64 / n as f64);
    }
    let mut best2 = f64::MAX;
    for _ in 0..5 {
    let w = Stopwatch::start();
    for _ in 0..n { let _ = black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(json.as_bytes()))); }
    best2 = best2.min(w.elapsed_nanos() as f64 / n as f64);
    }
    println!("{name:>10}: parse {best:.1} ns  serde-skim {best2:.1} ns  ratio {:.2}", best / best2);
}
fn main() {
    let typical = include_str!("../tests/events/typical.json").trim_end();
    let typical = if std::env::var("MIN").is_ok() { r#"{"event_id":"evt_01JD8Q3K9Q7W2","type":"payment.attempt","timestamp":1795631059250}"# } else { typical };
    if std::env::args().nth(1).as_deref() == Some("perf") {
        let n: u32 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(3_000_000);
        for _ in 0..n { let _ = black_box(shrike_types::parse::parse_event(black_box(typical.as_bytes()))); }
        return;
    }
    bench("typical", typical);
    bench("minimal", r#"{"event_id":"evt_01JD8Q3K9Q7W2","type":"payment.attempt","timestamp":1795631059250}"#);
    bench("strings", r#"{"event_id":"evt_01JD8Q3K9Q7W2","type":"payment.attempt","timestamp":1795631059250,"user_id":"u_827310","session_id":"s_99a8f0c2","device_id":"d_5f2c1e77","shop_id":"shop_3321","order_id":"ord_77120"}"#);
    bench("card", r#"{"event_id":"evt_01JD8Q3K9Q7W2","type":"payment.attempt","timestamp":1795631059250,"card":{"fingerprint":"fp_8c1d2e4a","bin":"411111","last4":"1111","country":"US","brand":"visa"}}"#);
    bench("attrs", r#"{"event_id":"evt_01JD8Q3K9Q7W2","type":"payment.attempt","timestamp":1795631059250,"attributes":{"promo":true,"risk_hint":0.87}}"#);
    bench("ts+ip+amt", r#"{"event_id":"evt_01JD8Q3K9Q7W2","type":"payment.attempt","timestamp":"2026-11-25T18:24:19.250Z","ip":"203.0.113.7","amount":"129.99","currency":"USD","ip_country":"US","email":"alice.smith@example.com"}"#);
}
