//! Every line follows the event format.

use std::collections::HashSet;
use std::net::IpAddr;

use crate::common::{Ev, fixture};

const TYPES: &[&str] = &[
    "account.signup",
    "account.login",
    "account.update",
    "order.create",
    "payment.attempt",
    "payment.result",
    "refund.request",
    "chargeback",
    "coupon.redeem",
    "review.create",
    "payout.request",
    "listing.create",
    "affiliate.click",
];

#[test]
fn every_event_has_valid_required_fields() {
    let f = fixture();
    assert_eq!(f.events.len() as u64, f.cfg.events);
    let mut ids = HashSet::new();
    for (i, e) in f.events.iter().enumerate() {
        assert!(ids.insert(e.event_id.as_str()), "duplicate {}", e.event_id);
        assert_eq!(e.event_id, format!("e{:09}", i + 1));
        assert!(TYPES.contains(&e.kind.as_str()), "type {}", e.kind);
    }
    let seen: HashSet<&str> = f.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(seen.len(), TYPES.len(), "all event types occur: {seen:?}");
}

#[test]
fn optional_fields_have_valid_values() {
    for e in &fixture().events {
        check_identity(e);
        check_commerce(e);
    }
}

fn check_identity(e: &Ev) {
    if let Some(ip) = &e.ip {
        assert!(ip.parse::<IpAddr>().is_ok(), "ip {ip}");
        assert!(e.ip_country.is_some(), "ip without ip_country");
    }
    for c in [&e.ip_country, &e.card.as_ref().map(|c| c.country.clone())].into_iter().flatten() {
        assert!(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()), "country {c}");
    }
    if let Some(email) = &e.email {
        assert_eq!(email, &email.to_lowercase());
        assert_eq!(email.matches('@').count(), 1, "{email}");
    }
    if let Some(phone) = &e.phone {
        assert!(phone.starts_with('+') && phone[1..].bytes().all(|b| b.is_ascii_digit()), "{phone}");
    }
    if let Some(s) = &e.session_id {
        assert!(s.starts_with("se_") && s.len() == 15, "{s}");
    }
    if let Some(card) = &e.card {
        assert!(card.fingerprint.starts_with("cf_"));
        assert!(card.bin.len() == 6 && card.last4.len() == 4);
        assert!(["visa", "mastercard", "amex", "discover"].contains(&card.brand.as_str()));
    }
    for a in [&e.shipping_address, &e.billing_address].into_iter().flatten() {
        assert!(!a.line1.is_empty() && !a.city.is_empty() && !a.postal_code.is_empty());
        assert_eq!(a.country.len(), 2);
    }
}

fn check_commerce(e: &Ev) {
    if let Some(c) = &e.currency {
        assert!(c == "USD" || c == "EUR", "currency {c}");
    }
    assert_eq!(e.amount.is_some(), e.currency.is_some(), "amount and currency go together: {e:?}");
    match e.kind.as_str() {
        "payment.result" => assert!(matches!(e.status.as_deref(), Some("approved" | "declined"))),
        "refund.request" => assert_eq!(e.status.as_deref(), Some("requested")),
        _ => assert!(e.status.is_none(), "status on {}", e.kind),
    }
    match e.kind.as_str() {
        "account.update" => assert!(
            matches!(e.change.as_deref(), Some("password" | "email" | "phone" | "address" | "bank_account")),
            "{e:?}"
        ),
        _ => assert!(e.change.is_none()),
    }
    if let Some(code) = &e.coupon_code {
        assert!(matches!(e.kind.as_str(), "coupon.redeem" | "order.create"), "{code} on {}", e.kind);
    }
    for item in &e.items {
        assert!(item.sku.starts_with("sk-") && !item.category.is_empty() && item.quantity > 0);
    }
    if e.kind == "order.create" {
        assert!(!e.items.is_empty() && e.order_id.is_some() && e.shop_id.is_some());
        let gross: f64 = e.items.iter().map(|i| i.price * f64::from(i.quantity)).sum();
        assert!(e.amount.unwrap() <= gross + 0.001, "amount is items less coupon");
    } else {
        assert!(e.items.is_empty(), "items only on orders");
    }
    if e.kind == "review.create" {
        let rating = e.attributes["rating"].as_i64().unwrap();
        assert!((1..=5).contains(&rating));
    }
    if matches!(e.kind.as_str(), "payment.attempt" | "payment.result") {
        assert!(e.card.is_some() && e.order_id.is_some() && e.amount.is_some());
    }
}

#[test]
fn ids_link_up() {
    let f = fixture();
    let orders: HashSet<&str> =
        f.events.iter().filter(|e| e.kind == "order.create").filter_map(|e| e.order_id.as_deref()).collect();
    let payments = f.events.iter().filter(|e| e.kind == "payment.attempt");
    let dangling = payments.filter(|e| !orders.contains(e.order_id.as_deref().unwrap())).count();
    // An order is stamped before its payment; only a late-delivered order at the very end
    // of the stream could be cut off.
    assert!(dangling <= 2, "{dangling} payments without an order");
}
