//! Honest buyer sessions: sign-up, log in, browse via affiliates, check out and pay, come
//! back to review or refund, edit the profile. Rates are named constants here and in
//! docs/generator.md; they set the baseline the fraud patterns stand out from.

use crate::draft::{Actor, DAY, HOUR, MIN, SEC};
use crate::flows::{self, Coupon, Ctx, NEW_USER_COUPONS, Order, PROMO_COUPONS, Payment};
use crate::rng::Rng;
use crate::world::entity::{Address, Email, Phone};
use crate::world::geo;
use crate::world::names::HONEST_DECLINES;
use crate::world::people::{LastOrder, User};

/// Sessions that start with an explicit log-in (others reuse a remembered session).
const LOGIN_SHARE: f64 = 0.6;
/// Log-ins preceded by a mistyped password.
const FAILED_LOGIN_SHARE: f64 = 0.03;
/// Sessions on a device the user never used before (new phone, new browser).
const NEW_DEVICE_SHARE: f64 = 0.02;
/// Sessions on a mobile network: another IP in the home country.
const MOBILE_SHARE: f64 = 0.12;
/// Sessions while travelling: an IP in another country.
const TRAVEL_SHARE: f64 = 0.015;
/// Sessions that arrive through an affiliate link.
const CLICK_SHARE: f64 = 0.07;
/// Sessions that end in an order, without and with an affiliate click.
const ORDER_SHARE: f64 = 0.42;
const ORDER_AFTER_CLICK_SHARE: f64 = 0.35;
/// Sessions without an order that edit the profile.
const UPDATE_SHARE: f64 = 0.03;
/// Orders shipped to someone else (a gift), and of those, abroad.
const GIFT_SHARE: f64 = 0.05;
const GIFT_ABROAD_SHARE: f64 = 0.2;
/// Honest payment declines, and the share of declined buyers who try again.
const DECLINE_SHARE: f64 = 0.045;
const RETRY_SHARE: f64 = 0.7;
/// A newcomer's first orders that use a new-user coupon, within this window of sign-up.
const NEW_USER_COUPON_SHARE: f64 = 0.55;
const NEW_USER_COUPON_WINDOW: i64 = 14 * DAY;
/// Orders of established users with a promo coupon (each user redeems one coupon ever).
const PROMO_SHARE: f64 = 0.03;
/// On a later visit, the chance the previous order is reviewed, or else refunded.
const REVIEW_SHARE: f64 = 0.22;
const REFUND_SHARE: f64 = 0.03;
const REFUND_PRONE_SHARE: f64 = 0.2;
/// Follow-ups come at least this long after the order (delivery time).
const FOLLOW_UP_DELAY: i64 = 3 * HOUR;
/// Approved orders later disputed by an honest card holder (mistakes, "friendly fraud").
const HONEST_CHARGEBACK_SHARE: f64 = 0.001;
/// A newcomer's sign-up session that also places a first order.
const FIRST_ORDER_SHARE: f64 = 0.45;

/// One returning user's session.
pub(crate) fn user_session(ctx: &mut Ctx, now: i64) {
    let ui = ctx.world.pick_user(ctx.rng);
    if !geo::awake(ctx.rng, ctx.world.country_of(ui), now) {
        return;
    }
    let actor = presence(ctx.rng, &ctx.world.users[ui]);
    let start = ctx.out.len();
    let mut t = now;
    if ctx.rng.chance(LOGIN_SHARE) {
        t = log_in(ctx, &actor, t);
    }
    let via = affiliate_click(ctx, &actor, &mut t);
    t = follow_up(ctx, ui, &actor, t);
    let order_share = if via.is_some() { ORDER_AFTER_CLICK_SHARE } else { ORDER_SHARE };
    if ctx.rng.chance(order_share) {
        shop_and_pay(ctx, ui, &actor, t, via);
    } else if ctx.rng.chance(UPDATE_SHARE) {
        profile_update(ctx, ui, &actor, t);
    }
    if ctx.out.len() == start {
        flows::login(ctx, &actor, t);
    }
}

/// A newcomer signs up, and often buys right away.
pub(crate) fn signup_session(ctx: &mut Ctx, now: i64) {
    let Some(next) = ctx.world.users.get(ctx.world.active) else {
        return;
    };
    if !geo::awake(ctx.rng, next.country, now) {
        return;
    }
    let Some(ui) = ctx.world.sign_up_next(now) else {
        return;
    };
    let u = &ctx.world.users[ui];
    let (email, phone) = (u.email, u.phone);
    let actor = Actor { device: Some(u.devices[0]), ..presence(ctx.rng, u) };
    let t = flows::signup(ctx, &actor, now, email, phone);
    if ctx.rng.chance(FIRST_ORDER_SHARE) {
        shop_and_pay(ctx, ui, &actor, t, None);
    }
}

/// Where a user is this time: usual device and home network, with the honest noise that
/// keeps single-field rules from working (new devices, mobile networks, travel).
fn presence(rng: &mut Rng, u: &User) -> Actor {
    let device = if rng.chance(NEW_DEVICE_SHARE) { rng.next_u64() } else { u.device(rng) };
    let roll = rng.unit();
    let (ip, country) = if roll < TRAVEL_SHARE {
        let c = geo::other_country(rng, u.country);
        (geo::random_ip(rng, c), c)
    } else if roll < TRAVEL_SHARE + MOBILE_SHARE {
        (geo::random_ip(rng, u.country), u.country)
    } else {
        (u.net.host(rng, u.seed), u.country)
    };
    Actor { user: Some(u.id), session: rng.next_u64(), device: Some(device), ip, country }
}

fn log_in(ctx: &mut Ctx, a: &Actor, t: i64) -> i64 {
    let t = if ctx.rng.chance(FAILED_LOGIN_SHARE) { flows::failed_login(ctx, a, t) } else { t };
    flows::login(ctx, a, t)
}

fn affiliate_click(ctx: &mut Ctx, a: &Actor, t: &mut i64) -> Option<u32> {
    if !ctx.rng.chance(CLICK_SHARE) {
        return None;
    }
    let n = ctx.world.affiliates.len() as u64;
    let aff = &ctx.world.affiliates[ctx.rng.below(n).min(ctx.rng.below(n)) as usize];
    let (id, channel) = (aff.id, aff.channel);
    *t = flows::click(ctx, a, *t, id, channel);
    Some(id)
}

/// A later visit reviews or refunds the previous order, once.
fn follow_up(ctx: &mut Ctx, ui: usize, a: &Actor, t: i64) -> i64 {
    let u = &mut ctx.world.users[ui];
    let Some(last) = u.last_order.filter(|o| t - o.at >= FOLLOW_UP_DELAY) else {
        return t;
    };
    u.last_order = None;
    let refund_share = if u.refund_prone { REFUND_PRONE_SHARE } else { REFUND_SHARE };
    if ctx.rng.chance(REVIEW_SHARE) {
        let rating = [5, 4, 3, 2, 1][ctx.rng.weighted(&[55, 22, 9, 5, 9])];
        flows::review(ctx, a, t, last.id, (last.shop, last.sku), rating)
    } else if ctx.rng.chance(refund_share) {
        let reason =
            ["damaged", "wrong_item", "changed_mind", "item_not_received"][ctx.rng.weighted(&[30, 25, 30, 15])];
        flows::refund(ctx, a, t, (last.id, last.amount, last.currency), reason)
    } else {
        t
    }
}

/// Builds a basket, checks out, pays (retrying a decline), and remembers the order.
fn shop_and_pay(ctx: &mut Ctx, ui: usize, a: &Actor, t: i64, via: Option<u32>) {
    let t = ctx.after(t, 30 * SEC, 15 * MIN);
    let mut order = basket(ctx, ui);
    order.affiliate = via;
    let u = &mut ctx.world.users[ui];
    if let Some(c) = coupon(ctx.rng, u, t) {
        u.coupon_used = order.apply(c);
    }
    let u = &ctx.world.users[ui];
    let pay = Payment { card: u.card(ctx.rng), billing: u.address };
    let (id, t) = flows::place(ctx, a, t, &order, &pay);
    let amount = (id, order.amount(), order.currency);
    let (approved, t) = pay_with_retry(ctx, ui, a, t, amount, pay);
    if approved {
        remember(ctx, ui, &order, id, t, pay);
    }
}

/// One to three items from one shop, shipped home (or as a gift).
fn basket(ctx: &mut Ctx, ui: usize) -> Order {
    let shop = &ctx.world.shops[ctx.world.pick_shop(ctx.rng)];
    let n = [1, 2, 3][ctx.rng.weighted(&[70, 22, 8])];
    let items = (0..n).map(|_| shop.item(ctx.rng)).collect();
    let u = &ctx.world.users[ui];
    let shipping = if ctx.rng.chance(GIFT_SHARE) {
        let abroad = ctx.rng.chance(GIFT_ABROAD_SHARE);
        let c = if abroad { geo::other_country(ctx.rng, u.country) } else { u.country };
        Address::random(ctx.rng, c)
    } else {
        u.address
    };
    Order::new(items, shipping, geo::currency(u.country))
}

/// The coupon a user would try: one per user ever, a new-user coupon early in a
/// newcomer's life, else a rare promo.
fn coupon(rng: &mut Rng, u: &User, t: i64) -> Option<Coupon> {
    if u.coupon_used {
        return None;
    }
    let newcomer = u.signup_at.is_some_and(|s| t - s < NEW_USER_COUPON_WINDOW);
    if newcomer && rng.chance(NEW_USER_COUPON_SHARE) {
        Some(rng.pick(NEW_USER_COUPONS))
    } else if !newcomer && rng.chance(PROMO_SHARE) {
        Some(rng.pick(PROMO_COUPONS))
    } else {
        None
    }
}

fn pay_with_retry(
    ctx: &mut Ctx,
    ui: usize,
    a: &Actor,
    t: i64,
    order: (u64, i64, &'static str),
    pay: Payment,
) -> (bool, i64) {
    let decline = |rng: &mut Rng, share: f64| rng.chance(share).then(|| rng.pick(HONEST_DECLINES));
    let first = decline(ctx.rng, DECLINE_SHARE);
    let t = flows::pay(ctx, a, t, order, &pay, first);
    if first.is_none() {
        return (true, t);
    }
    if !ctx.rng.chance(RETRY_SHARE) {
        return (false, t);
    }
    let t = ctx.after(t, 20 * SEC, 3 * MIN);
    let retry = Payment { card: ctx.world.users[ui].card(ctx.rng), ..pay };
    let second = decline(ctx.rng, 0.25);
    (second.is_none(), flows::pay(ctx, a, t, order, &retry, second))
}

/// Books an approved order: user history, shop balance, a possible honest dispute.
fn remember(ctx: &mut Ctx, ui: usize, o: &Order, id: u64, t: i64, pay: Payment) {
    let amount = o.amount();
    let sku = o.items.first().map_or(0, |i| i.sku);
    let u = &mut ctx.world.users[ui];
    u.orders += 1;
    u.spent += amount;
    u.last_order = Some(LastOrder { id, shop: o.shop, sku, amount, currency: o.currency, at: t });
    let user = u.id;
    if let Some(shop) = ctx.world.shop_mut(o.shop) {
        shop.balance += amount;
    }
    if ctx.rng.chance(HONEST_CHARGEBACK_SHARE) {
        let at = ctx.after(t, 15 * DAY, 60 * DAY);
        let reason = ctx.rng.pick(&["unrecognized", "product_not_received", "duplicate"]);
        ctx.push(flows::chargeback(at, Some(user), (id, amount, o.currency), pay.card, reason));
    }
}

/// Password, e-mail, phone or address change; the user's record follows.
fn profile_update(ctx: &mut Ctx, ui: usize, a: &Actor, t: i64) {
    let t = ctx.after(t, 20 * SEC, 5 * MIN);
    let country = ctx.world.users[ui].country;
    match ctx.rng.weighted(&[40, 25, 15, 20]) {
        0 => {
            flows::update(ctx, a, t, "password", |_| {});
        }
        1 => {
            let email = Email::person(ctx.rng);
            ctx.world.users[ui].email = email;
            flows::update(ctx, a, t, "email", |d| d.email = Some(email));
        }
        2 => {
            let phone = Phone::random(ctx.rng, country);
            ctx.world.users[ui].phone = phone;
            flows::update(ctx, a, t, "phone", |d| d.phone = Some(phone));
        }
        _ => {
            let address = Address::random(ctx.rng, country);
            ctx.world.users[ui].address = address;
            flows::update(ctx, a, t, "address", |d| d.shipping = Some(address));
        }
    }
}

/// Used by shop owners too: the listing and payout code shares the honest presence model.
pub(crate) fn owner_presence(rng: &mut Rng, u: &User) -> Actor {
    Actor { device: Some(u.devices[0]), ..presence(rng, u) }
}
