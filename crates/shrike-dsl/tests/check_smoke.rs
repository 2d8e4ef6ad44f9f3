//! Compiles a representative policy and checks the plan's shape.

use shrike_dsl::compile;
use shrike_types::{KnownType, Outcome};

const POLICY: &str = r#"
policy "smoke"
lateness 30m
score review at 60
attribute channel: string
list disposable: string = ["mailinator.com", "yopmail.com"]
list risky_nets: ip = ["10.0.0.0/8"]
feature card_attempts_10m = count(payment.attempt) by card.fingerprint over 10m
feature card_declines_10m = count(payment.result where status == "declined") by card.fingerprint over 10m
feature device_cards_1h = distinct(card.fingerprint of payment.attempt) by device_id over 1h
feature user_spend_30d = sum(amount of order.create) by user_id over 30d
feature first_login = first_seen(account.login) by user_id, device_id over 90d
let decline_ratio = ratio(card_declines_10m, card_attempts_10m)
rule card_testing {
  on payment.attempt
  when card_attempts_10m >= 5 and decline_ratio > 0.5 and amount < 5
  then block
  score 60
  reason "Card testing"
  tags card_testing
}
rule new_device_big_order {
  on order.create
  when is_missing(first_login) and amount > 500.00 or email_domain in disposable
  then review
  score 30
}
rule watch_risky_net {
  when ip in risky_nets and attributes.channel == "app"
  then challenge
  shadow
}
"#;

#[test]
fn compiles_and_plans() {
    let p = compile(POLICY).unwrap_or_else(|e| panic!("{}", e.render("smoke.shrike", POLICY)));
    assert_eq!(p.name.as_ref(), "smoke");
    assert!(p.version.starts_with("smoke@"));
    assert_eq!(p.features.len(), 5);
    // card_attempts and card_declines share the card key; device, user and user+device differ.
    assert_eq!(p.groups.len(), 4);
    assert_eq!(p.thresholds, vec![(60.0, Outcome::Review)]);
    let pay = &p.per_type[KnownType::PaymentAttempt.index()];
    assert_eq!(pay.rules.len(), 2, "card_testing and the all-types shadow rule");
    let card_group = pay.groups.iter().find(|g| g.reads.len() == 2).expect("card group reads both");
    assert_eq!(card_group.updates.len(), 1, "payment.attempt updates only the attempts counter");
    let login = &p.per_type[KnownType::AccountLogin.index()];
    assert_eq!(login.rules.len(), 1);
}

fn first_error(src: &str) -> String {
    match compile(src) {
        Ok(_) => "compiled".into(),
        Err(e) => e.render("t.shrike", src).lines().next().unwrap_or("").to_string(),
    }
}

#[test]
fn type_errors_point_at_the_problem() {
    assert_eq!(
        first_error("rule r { when amount > \"x\" then block }"),
        "t.shrike:1:15: cannot compare money with string"
    );
    assert_eq!(
        first_error("rule r { when card_atempts >= 5 then block }"),
        "t.shrike:1:15: unknown name `card_atempts`: not a field, feature, let or list"
    );
    assert_eq!(
        first_error("let a = b + 1\nlet b = a + 1\nrule r { when a > 1 then block }"),
        "t.shrike:1:5: `a` is defined in terms of itself (a cycle)"
    );
    assert_eq!(
        first_error("feature f = count(payment.atempt) by user_id over 1h"),
        "t.shrike:1:19: unknown event type `payment.atempt`; did you mean payment.attempt or payment.result?"
    );
    assert_eq!(
        first_error("feature f = count(*) by user_id over 1000ms every 300ms"),
        "t.shrike:1:51: a bucket (`every`) must be whole seconds, at least 1s"
    );
}
