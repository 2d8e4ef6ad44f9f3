//! Stolen payment credentials: an account — new, or aged and warmed up with a few small
//! orders on its own card — pays a resale basket far above its history with a card new
//! to the account, where IP country, card (and billing) country and shipping country all
//! differ. Other stolen cards may be declined first; approved hits are charged back weeks
//! later. Links: the final card (label entity), the account, the device.

use super::stranger;
use crate::draft::{Actor, DAY, HOUR, MIN, SEC};
use crate::flows::{self, Ctx, Order, Payment};
use crate::world::entity::{Address, Card, Email, Entity, Phone};
use crate::world::geo;

/// Episodes on a brand-new account (the rest use an aged account with warm-up orders).
const FRESH_SHARE: f64 = 0.5;
/// Warm-up orders and their amount in cents.
const WARMUPS: (i64, i64) = (1, 3);
const WARMUP_AMOUNT: (i64, i64) = (500, 4_000);
/// The hit: at least this many times the warm-up average, and within this band (cents).
const MULTIPLE: i64 = 8;
const HIT: (i64, i64) = (30_000, 250_000);
/// Stolen cards declined before the one that works, and the hit's approval rate.
const DECLINED_FIRST: (i64, i64) = (0, 2);
const APPROVE_SHARE: f64 = 0.85;
const CHARGEBACK_DELAY: (i64, i64) = (7 * DAY, 45 * DAY);

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let ip_country = geo::origin_country(ctx.rng, &[]);
    let card_country = geo::other_country(ctx.rng, ip_country);
    let ship_country = geo::origin_country(ctx.rng, &[ip_country, card_country]);
    let fresh = ctx.rng.chance(FRESH_SHARE);
    let user = if fresh { ctx.world.fraud_account() } else { ctx.world.aged_account(ctx.rng) };
    let a = stranger(ctx, Some(user), ip_country);
    let (mut t, history) = if fresh { (sign_up(ctx, &a, now), 0) } else { warm_up(ctx, &a, now) };
    if !fresh {
        let back = Actor { session: ctx.rng.next_u64(), ..a };
        t = flows::login(ctx, &back, t);
    }
    let target = (history * MULTIPLE).max(ctx.rng.range(HIT.0, HIT.1));
    let shipping = Address::random(ctx.rng, ship_country);
    let order = Order::new(super::resale_basket(ctx, target), shipping, "USD");
    // No coupon, so the checkout's payment details are not written by `place`.
    let checkout = Payment { card: Card::issued(ctx.rng, card_country), billing: shipping };
    let (id, mut t) = flows::place(ctx, &a, t, &order, &checkout);
    let money = (id, order.amount(), order.currency);
    for _ in 0..ctx.rng.range(DECLINED_FIRST.0, DECLINED_FIRST.1) {
        let pay =
            Payment { card: Card::issued(ctx.rng, card_country), billing: Address::random(ctx.rng, card_country) };
        t = flows::pay(ctx, &a, t, money, &pay, Some("do_not_honor"));
        t = ctx.after(t, 20 * SEC, 3 * MIN);
    }
    finish(ctx, &a, t, money, card_country)
}

/// The last stolen card goes through (mostly) and is disputed by its real holder.
fn finish(ctx: &mut Ctx, a: &Actor, t: i64, money: (u64, i64, &'static str), card_country: u8) -> Option<Entity> {
    let card = Card::issued(ctx.rng, card_country);
    let pay = Payment { card, billing: Address::random(ctx.rng, card_country) };
    let approved = ctx.rng.chance(APPROVE_SHARE);
    let t = flows::pay(ctx, a, t, money, &pay, (!approved).then_some("stolen_card"));
    if approved {
        let at = ctx.after(t, CHARGEBACK_DELAY.0, CHARGEBACK_DELAY.1);
        ctx.push(flows::chargeback(at, a.user, money, card, "fraudulent"));
    }
    Some(Entity::Card(card))
}

fn sign_up(ctx: &mut Ctx, a: &Actor, now: i64) -> i64 {
    let email = if ctx.rng.chance(0.5) { Email::person(ctx.rng) } else { Email::random_common(ctx.rng) };
    let phone = Phone::random(ctx.rng, a.country);
    flows::signup(ctx, a, now, email, phone)
}

/// Small orders on the account's own card over the days before the hit; returns when the
/// hit comes and the average warm-up amount.
fn warm_up(ctx: &mut Ctx, a: &Actor, now: i64) -> (i64, i64) {
    let own = Card::issued(ctx.rng, a.country);
    let home = Address::random(ctx.rng, a.country);
    let (mut t, mut total, n) = (now, 0, ctx.rng.range(WARMUPS.0, WARMUPS.1));
    for _ in 0..n {
        let session = Actor { session: ctx.rng.next_u64(), ..*a };
        let s = &ctx.world.shops[ctx.world.pick_shop(ctx.rng)];
        let mut item = s.item(ctx.rng);
        item.price = ctx.rng.range(WARMUP_AMOUNT.0, WARMUP_AMOUNT.1);
        item.quantity = 1;
        let order = Order::new(vec![item], home, "USD");
        let pay = Payment { card: own, billing: home };
        let (id, after) = flows::place(ctx, &session, t, &order, &pay);
        flows::pay(ctx, &session, after, (id, order.amount(), "USD"), &pay, None);
        total += order.amount();
        t = ctx.after(t, DAY, 3 * DAY);
    }
    (ctx.after(t, HOUR, DAY), total / n.max(1))
}
