//! The reference policy's rule conditions, written by hand in zen-expression syntax, with the
//! `let`s expanded. The context they read is built in `context.rs`:
//! - event fields at their dotted paths (`card.fingerprint`, `attributes.rating`), money as an
//!   exact decimal;
//! - features by name: numbers, and `first_seen`/`last_seen` times as epoch milliseconds;
//! - `now`, the event's time in epoch milliseconds, for `age(t)` (`now - t`);
//! - `lists.NAME`, each declared list as an array.
//!
//! Missing values are `null`. Shrike fires a rule only when its condition is exactly `true`,
//! and a comparison with a missing operand is never true. zen instead compares `null != "US"`
//! as `true` and fails with an error on `null >= 4` or `null - 1`. So every operand that can
//! be missing is guarded with `x != null` before it is compared or computed with; `in` needs
//! no guard (zen's `null in [...]` is `false` for lists without null). `ratio(a, b)`, missing
//! when `b` is 0, becomes `b != 0 and a / b …`. With these guards each expression is `true`
//! exactly when Shrike's condition is, which the benchmark asserts event by event.

/// `(rule name, zen expression)`, in policy order.
pub(crate) const ZEN_RULES: &[(&str, &str)] = &[
    ("trusted_user", "user_id in lists.trusted_users"),
    ("blocklisted_instrument", "card.fingerprint in lists.blocked_cards or device_id in lists.blocked_devices"),
    ("card_testing_many_cards", "device_cards_1h != null and device_cards_1h >= 4"),
    (
        "card_testing_declines",
        "device_declines_1h != null and device_declines_1h >= 3 and device_results_1h != null \
         and device_results_1h != 0 and device_declines_1h / device_results_1h >= 0.5",
    ),
    (
        "ato_new_device_new_country",
        "user_device_first_seen == null and user_countries_30d != null and user_countries_30d >= 2",
    ),
    (
        "ato_credential_change_on_new_device",
        "change in ['password', 'email', 'phone'] and user_device_first_seen != null \
         and now - user_device_first_seen < 3600000",
    ),
    (
        "ato_big_order_after_change",
        "user_changes_1d != null and user_changes_1d >= 1 and amount != null and amount >= 300 \
         and user_device_first_seen != null and now - user_device_first_seen < 86400000",
    ),
    ("fake_accounts_device_farm", "device_signups_1d != null and device_signups_1d >= 3"),
    (
        "fake_accounts_ip_range",
        "ip24_signups_1d != null and ip24_signups_1d >= 4 and email_domain in lists.disposable_domains",
    ),
    ("fake_accounts_sequential_phones", "phone_block_signups_1d != null and phone_block_signups_1d >= 3"),
    ("disposable_email_signup", "email_domain in lists.disposable_domains"),
    (
        "coupon_linked_accounts",
        "(device_coupon_users_30d != null and device_coupon_users_30d >= 2) \
         or (address_coupon_users_30d != null and address_coupon_users_30d >= 2)",
    ),
    (
        "brushing_shared_device_reviews",
        "device_review_users_7d != null and device_review_users_7d >= 2 \
         and attributes.rating != null and attributes.rating >= 4",
    ),
    ("brushing_shared_device_orders", "device_order_users_1d != null and device_order_users_1d >= 3"),
    (
        "refund_abuse_rate",
        "user_refunds_30d != null and user_refunds_30d >= 3 and user_orders_30d != null \
         and user_orders_30d != 0 and user_refunds_30d / user_orders_30d >= 0.5",
    ),
    ("affiliate_click_flood", "affiliate_ip_clicks_1h != null and affiliate_ip_clicks_1h >= 15"),
    (
        "stolen_card_mismatch",
        "user_card_first_seen == null and card.country != null and ip_country != null \
         and card.country != ip_country and amount != null and amount >= 250",
    ),
    (
        "stolen_card_ship_elsewhere",
        "shipping_address.country != null and ip_country != null and shipping_address.country != ip_country \
         and amount != null and amount >= 1000 and user_device_first_seen == null",
    ),
    ("payout_after_bank_change", "shop_bank_change != null and now - shop_bank_change < 86400000"),
    (
        "big_order_vs_history",
        "user_orders_30d != null and user_orders_30d >= 3 and amount != null \
         and user_avg_order_90d != null and amount > user_avg_order_90d * 4",
    ),
];
