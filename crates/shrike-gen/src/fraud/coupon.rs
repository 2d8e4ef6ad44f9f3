//! Coupon abuse: one person opens several new accounts and claims a new-user coupon with
//! each, the accounts linked through a shared device, shipping address and/or card (at
//! least one), often with `+tag` variants of one mailbox. Accounts appear over hours to days.
//! Links: the first shared entity among device, address, card (label entity).

use super::stranger;
use crate::draft::{Actor, HOUR, MIN};
use crate::flows::{self, Ctx, NEW_USER_COUPONS, Order, Payment};
use crate::world::entity::{Address, Card, Email, EmailStyle, Entity, Phone};
use crate::world::geo;

/// Accounts in one ring.
const ACCOUNTS: (i64, i64) = (3, 10);
/// Chance each link is shared across the ring (at least one always is).
const SHARED_DEVICE: f64 = 0.6;
const SHARED_ADDRESS: f64 = 0.6;
const SHARED_CARD: f64 = 0.4;
/// Rings that use `+tag` sub-addresses of one mailbox.
const TAGGED_EMAIL_SHARE: f64 = 0.4;
/// Gap between two accounts of the ring.
const GAP: (i64, i64) = (10 * MIN, 18 * HOUR);

struct Ring {
    device: Option<u64>,
    address: Option<Address>,
    card: Option<Card>,
    mailbox: Option<Email>,
}

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let country = geo::home_country(ctx.rng);
    let ring = ring(ctx, country);
    let net = geo::net24(ctx.rng, country);
    let mut t = now;
    for k in 0..ctx.rng.range(ACCOUNTS.0, ACCOUNTS.1) {
        let user = ctx.world.fraud_account();
        let base = stranger(ctx, Some(user), country);
        let ip = if ctx.rng.chance(0.6) { geo::v4(net, ctx.rng.range(1, 254) as u8) } else { base.ip };
        let a = Actor { device: ring.device.or(base.device), ip, ..base };
        let email = match ring.mailbox {
            Some(m) => Email { style: EmailStyle::Tagged(k as u16 + 1), ..m },
            None => Email::person(ctx.rng),
        };
        let phone = Phone::random(ctx.rng, country);
        let after = flows::signup(ctx, &a, t, email, phone);
        claim(ctx, &a, after, &ring);
        t = ctx.after(t, GAP.0, GAP.1);
    }
    Some(match (ring.device, ring.address, ring.card) {
        (Some(d), _, _) => Entity::Device(d),
        (None, Some(addr), _) => Entity::Address(addr),
        (None, None, Some(c)) => Entity::Card(c),
        (None, None, None) => return None,
    })
}

fn ring(ctx: &mut Ctx, country: u8) -> Ring {
    let mut device = ctx.rng.chance(SHARED_DEVICE).then(|| ctx.rng.next_u64());
    let address = ctx.rng.chance(SHARED_ADDRESS).then(|| Address::random(ctx.rng, country));
    let card = ctx.rng.chance(SHARED_CARD).then(|| Card::issued(ctx.rng, country));
    if device.is_none() && address.is_none() && card.is_none() {
        device = Some(ctx.rng.next_u64());
    }
    let mailbox = ctx.rng.chance(TAGGED_EMAIL_SHARE).then(|| Email::person(ctx.rng));
    Ring { device, address, card, mailbox }
}

/// Redeems a new-user coupon on a modest first order and pays it.
fn claim(ctx: &mut Ctx, a: &Actor, t: i64, ring: &Ring) {
    let coupon = ctx.rng.pick(NEW_USER_COUPONS);
    let shop = &ctx.world.shops[ctx.world.pick_shop(ctx.rng)];
    let mut items = vec![shop.item(ctx.rng)];
    // Just enough basket to unlock the coupon, as abusers do.
    while items.iter().map(|i| i.price * i64::from(i.quantity)).sum::<i64>() < coupon.min_spend() && items.len() < 8 {
        items.push(shop.item(ctx.rng));
    }
    let shipping = ring.address.unwrap_or_else(|| Address::random(ctx.rng, a.country));
    let mut order = Order::new(items, shipping, geo::currency(a.country));
    order.apply(coupon);
    let card = ring.card.unwrap_or_else(|| Card::issued(ctx.rng, a.country));
    let pay = Payment { card, billing: shipping };
    let (id, t) = flows::place(ctx, a, t, &order, &pay);
    flows::pay(ctx, a, t, (id, order.amount(), order.currency), &pay, None);
}
