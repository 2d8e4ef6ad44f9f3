//! Smoke checks that the honest baseline and each planted pattern look the way
//! docs/generator.md says, so that windowed-feature rules can tell them apart.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::common::{Ev, Fixture, fixture, minutes};

fn decline_rate<'a>(events: impl Iterator<Item = &'a Ev>) -> f64 {
    let results: Vec<&Ev> = events.filter(|e| e.kind == "payment.result").collect();
    let declined = results.iter().filter(|e| e.status.as_deref() == Some("declined")).count();
    declined as f64 / results.len().max(1) as f64
}

/// Labelled events of `pattern`, grouped by label entity, in stream order.
fn episodes<'a>(f: &'a Fixture, pattern: &str) -> BTreeMap<&'a str, Vec<&'a Ev>> {
    let mut by: BTreeMap<&str, Vec<&Ev>> = BTreeMap::new();
    for e in &f.events {
        if let Some(l) = f.label(e).filter(|l| l.pattern == pattern) {
            by.entry(l.entity.as_str()).or_default().push(e);
        }
    }
    assert!(!by.is_empty(), "no {pattern} episodes");
    by
}

fn refund_rate<'a>(events: impl Iterator<Item = &'a Ev>) -> f64 {
    let (mut orders, mut refunds) = (0, 0);
    for e in events {
        orders += usize::from(e.kind == "order.create");
        refunds += usize::from(e.kind == "refund.request");
    }
    refunds as f64 / orders.max(1) as f64
}

#[test]
fn honest_baseline() {
    let f = fixture();
    let declines = decline_rate(f.of("honest"));
    assert!((0.01..0.10).contains(&declines), "honest decline rate {declines}");
    let refunds = refund_rate(f.of("honest"));
    assert!(refunds < 0.05, "honest refund rate {refunds}");
    let small = f.of("honest").filter(|e| e.kind == "payment.attempt" && e.amount.unwrap() <= 3.0).count();
    assert!(small > 0, "honest small payments exist, so amount alone is no signal");
}

#[test]
fn card_testing() {
    let f = fixture();
    let rate = decline_rate(f.of("card_testing"));
    assert!(rate > 0.5, "card-testing decline rate {rate}");
    for (entity, evs) in episodes(f, "card_testing") {
        let attempts: Vec<&&Ev> = evs.iter().filter(|e| e.kind == "payment.attempt").collect();
        assert!(attempts.iter().all(|e| (0.5..=3.0).contains(&e.amount.unwrap())));
        let cards: HashSet<&str> = attempts.iter().map(|e| e.card.as_ref().unwrap().fingerprint.as_str()).collect();
        assert!(cards.len() >= 5, "{entity}: {} cards", cards.len());
        assert!(evs.iter().all(|e| entity.ends_with(e.device_id.as_deref().unwrap())));
    }
}

#[test]
fn account_takeover() {
    let f = fixture();
    let homes = home_countries(f);
    for (entity, evs) in episodes(f, "account_takeover") {
        let first = evs.first().unwrap();
        assert_eq!(first.kind, "account.login", "{entity}");
        let user = entity.strip_prefix("user:").unwrap();
        assert_ne!(first.ip_country.as_deref(), homes.get(user).copied(), "{entity}: log-in from another country");
        let order = evs.iter().find(|e| e.kind == "order.create").unwrap();
        assert!(order.at - first.at <= minutes(60), "{entity}: order within the hour");
        assert!(order.amount.unwrap() >= 300.0, "{entity}: high-value order");
        let locked_out = evs.iter().any(|e| matches!(e.change.as_deref(), Some("password" | "email")));
        assert!(locked_out, "{entity}: password and/or e-mail change");
        assert!(
            evs.iter().all(|e| e.kind == "chargeback" || e.device_id == first.device_id),
            "{entity}: one new device"
        );
    }
}

/// Each user's most common IP country among unlabelled events.
fn home_countries(f: &Fixture) -> HashMap<&str, &str> {
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    for e in f.of("honest") {
        if let (Some(u), Some(c)) = (e.user_id.as_deref(), e.ip_country.as_deref()) {
            *counts.entry((u, c)).or_default() += 1;
        }
    }
    let mut best: HashMap<&str, (usize, &str)> = HashMap::new();
    for ((u, c), n) in counts {
        let slot = best.entry(u).or_insert((0, c));
        if (n, c) > *slot {
            *slot = (n, c);
        }
    }
    best.into_iter().map(|(u, (_, c))| (u, c)).collect()
}

#[test]
fn fake_accounts() {
    let f = fixture();
    let disposable = ["mailinator.com", "yopmail.com", "guerrillamail.com", "10minutemail.com", "tempmail.dev"];
    let (mut signups, mut throwaway) = (0, 0);
    for (entity, evs) in episodes(f, "fake_accounts") {
        let phones: Vec<u64> = evs.iter().filter_map(|e| e.phone.as_deref()).map(|p| p[1..].parse().unwrap()).collect();
        assert!(phones.len() >= 8, "{entity}: {} sign-ups", phones.len());
        let spread = phones.iter().max().unwrap() - phones.iter().min().unwrap();
        assert!(spread < 100, "{entity}: sequential phones share a prefix");
        for e in evs.iter().filter(|e| e.kind == "account.signup") {
            signups += 1;
            throwaway += usize::from(disposable.iter().any(|d| e.email.as_deref().unwrap().ends_with(d)));
        }
    }
    assert!(throwaway * 2 > signups, "mostly disposable domains: {throwaway}/{signups}");
}

#[test]
fn coupon_abuse() {
    let f = fixture();
    for (entity, evs) in episodes(f, "coupon_abuse") {
        let claims: Vec<&&Ev> = evs.iter().filter(|e| e.kind == "coupon.redeem").collect();
        let users: HashSet<&str> = claims.iter().map(|e| e.user_id.as_deref().unwrap()).collect();
        assert!(
            users.len() >= 3
                || evs.last().unwrap().at > f.summary.last_timestamp.unwrap().millis() - minutes(3 * 24 * 60),
            "{entity}"
        );
        assert!(claims.iter().all(|e| e.attributes["coupon_kind"] == "new_user"));
    }
}

#[test]
fn brushing() {
    let f = fixture();
    let mut ordered_at: HashMap<&str, i64> = HashMap::new();
    for e in f.of("brushing").filter(|e| e.kind == "order.create") {
        assert!(e.amount.unwrap() < 10.0, "token amounts");
        ordered_at.insert(e.order_id.as_deref().unwrap(), e.at);
    }
    for e in f.of("brushing").filter(|e| e.kind == "review.create") {
        assert!(e.attributes["rating"].as_i64().unwrap() >= 4);
        let at = ordered_at[e.order_id.as_deref().unwrap()];
        assert!(e.at - at <= minutes(6 * 60 + 5), "reviews soon after orders");
    }
    for (entity, evs) in episodes(f, "brushing") {
        let users: HashSet<&str> = evs.iter().filter_map(|e| e.user_id.as_deref()).collect();
        let devices: HashSet<&str> = evs.iter().filter_map(|e| e.device_id.as_deref()).collect();
        assert!(devices.len() <= 3 && users.len() >= devices.len(), "{entity}: accounts share devices");
    }
}

#[test]
fn refund_abuse() {
    let rate = refund_rate(fixture().of("refund_abuse"));
    assert!(rate > 0.5, "refund-abuse refund rate {rate}");
}

#[test]
fn affiliate_fraud() {
    let f = fixture();
    for (entity, evs) in episodes(f, "affiliate_fraud") {
        let clicks: Vec<i64> = evs.iter().filter(|e| e.kind == "affiliate.click").map(|e| e.at).collect();
        let mut sorted = clicks.clone();
        sorted.sort_unstable();
        let busiest =
            (0..sorted.len()).map(|i| sorted[i..].iter().take_while(|&&t| t - sorted[i] <= minutes(60)).count()).max();
        assert!(busiest.unwrap_or(0) >= 30, "{entity}: click floods");
        let id = entity.strip_prefix("affiliate:").unwrap();
        for o in evs.iter().filter(|e| e.kind == "order.create") {
            assert_eq!(o.affiliate_id.as_deref(), Some(id), "self-purchase through own link");
        }
    }
}

#[test]
fn stolen_card() {
    let f = fixture();
    let attempts: Vec<&Ev> = f.of("stolen_card").filter(|e| e.kind == "payment.attempt").collect();
    let hits: Vec<&Ev> =
        f.of("stolen_card").filter(|e| e.kind == "order.create" && e.amount.unwrap() >= 300.0).collect();
    assert!(!hits.is_empty());
    for order in hits {
        let ship = &order.shipping_address.as_ref().unwrap().country;
        let ip = order.ip_country.as_deref().unwrap();
        assert_ne!(ship, ip);
        for a in attempts.iter().filter(|a| a.order_id == order.order_id) {
            let card = &a.card.as_ref().unwrap().country;
            assert!(card != ip && card != ship, "card {card} ip {ip} ship {ship}");
        }
    }
}

#[test]
fn payout_fraud() {
    let f = fixture();
    for (entity, evs) in episodes(f, "payout_fraud") {
        let shop = entity.strip_prefix("shop:").unwrap();
        let Some(change) = evs.iter().find(|e| e.change.as_deref() == Some("bank_account")) else {
            continue;
        };
        assert_eq!(change.shop_id.as_deref(), Some(shop));
        let payout = evs.iter().find(|e| e.kind == "payout.request").unwrap();
        assert!(payout.at > change.at && payout.at - change.at <= minutes(60), "{entity}");
        let orders = evs.iter().filter(|e| e.kind == "order.create").count();
        assert!(orders >= 12, "{entity}: a spike of orders");
    }
}
