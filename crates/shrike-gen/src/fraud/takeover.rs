//! Account takeover: an established honest account logs in from a new device on an IP in
//! another country (often after failed attempts), changes password and/or e-mail (and
//! sometimes phone), adds a new shipping address, and within the hour places a high-value
//! order of resellable goods shipped there, paid with the victim's saved card.
//! Links: the victim's user id (label entity), the attacker's device and IP.

use super::{resale_basket, stranger};
use crate::draft::{DAY, MIN};
use crate::flows::{self, Ctx, Order, Payment};
use crate::world::entity::{Address, Email, Entity, Phone};
use crate::world::geo;

/// Episodes that start with a few failed log-ins (credential stuffing).
const FAILED_FIRST_SHARE: f64 = 0.5;
/// Episodes with a password change (when the e-mail also changes; always otherwise), an
/// e-mail change, a phone change, a new address.
const PASSWORD_SHARE: f64 = 0.85;
const EMAIL_SHARE: f64 = 0.5;
const PHONE_SHARE: f64 = 0.2;
const ADDRESS_SHARE: f64 = 0.65;
/// The order is this many times the victim's average order, and at least the floor (cents).
const MULTIPLE: (i64, i64) = (5, 15);
const FLOOR: (i64, i64) = (40_000, 250_000);
/// Orders the issuer declines, and the share of approved ones later charged back.
const DECLINE_SHARE: f64 = 0.15;
const CHARGEBACK_SHARE: f64 = 0.5;

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let ui = ctx.world.pick_customer(ctx.rng)?;
    let v = ctx.world.users[ui].clone();
    let country = geo::origin_country(ctx.rng, &[v.country]);
    let a = stranger(ctx, Some(v.id), country);
    let mut t = now;
    if ctx.rng.chance(FAILED_FIRST_SHARE) {
        for _ in 0..ctx.rng.range(1, 4) {
            t = flows::failed_login(ctx, &a, t);
        }
    }
    t = flows::login(ctx, &a, t);
    t = ctx.after(t, MIN, 8 * MIN);
    // Password and/or e-mail: at least one, so the owner cannot get back in.
    let email_change = ctx.rng.chance(EMAIL_SHARE);
    if !email_change || ctx.rng.chance(PASSWORD_SHARE) {
        t = flows::update(ctx, &a, t, "password", |_| {});
    }
    if email_change {
        let email = Email::person(ctx.rng);
        t = flows::update(ctx, &a, t, "email", |d| d.email = Some(email));
    }
    if ctx.rng.chance(PHONE_SHARE) {
        let phone = Phone::random(ctx.rng, country);
        t = flows::update(ctx, &a, t, "phone", |d| d.phone = Some(phone));
    }
    let drop_country = if ctx.rng.chance(0.5) { v.country } else { country };
    let drop = Address::random(ctx.rng, drop_country);
    if ctx.rng.chance(ADDRESS_SHARE) {
        t = flows::update(ctx, &a, t, "address", |d| d.shipping = Some(drop));
    }
    let target = (v.average_order() * ctx.rng.range(MULTIPLE.0, MULTIPLE.1)).max(ctx.rng.range(FLOOR.0, FLOOR.1));
    let order = Order::new(resale_basket(ctx, target), drop, geo::currency(v.country));
    let pay = Payment { card: v.cards[0], billing: v.address };
    let t = ctx.after(t, 2 * MIN, 15 * MIN);
    let (id, t) = flows::place(ctx, &a, t, &order, &pay);
    let decline = ctx.rng.chance(DECLINE_SHARE).then_some("do_not_honor");
    let money = (id, order.amount(), order.currency);
    let t = flows::pay(ctx, &a, t, money, &pay, decline);
    if decline.is_none() && ctx.rng.chance(CHARGEBACK_SHARE) {
        let at = ctx.after(t, 10 * DAY, 40 * DAY);
        ctx.push(flows::chargeback(at, Some(v.id), money, pay.card, "unrecognized"));
    }
    Some(Entity::User(v.id))
}
