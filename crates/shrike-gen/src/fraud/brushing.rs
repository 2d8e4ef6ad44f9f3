//! Brushing and fake reviews: a shop's own ring of aged accounts, sharing a few devices and
//! IPs (sometimes the shop owner's network), buys a token item (1.99–7.99) and leaves a
//! five-star review minutes to hours later, over one to three days. Parcels go to random
//! addresses. Links: the shop (label entity), the shared devices, IPs and cards.

use std::net::IpAddr;

use crate::draft::{Actor, DAY, HOUR, MIN};
use crate::flows::{self, Ctx, Order, Payment};
use crate::world::entity::{Address, Card, Entity};
use crate::world::geo;

/// Accounts in the ring.
const ACCOUNTS: (i64, i64) = (5, 20);
/// Delay from order to review.
const REVIEW_DELAY: (i64, i64) = (10 * MIN, 6 * HOUR);
/// Rings that operate from the shop owner's own network.
const OWNER_NETWORK_SHARE: f64 = 0.4;
/// Rings that pay with a couple of shared cards (the rest use one card per account).
const SHARED_CARD_SHARE: f64 = 0.5;

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let si = ctx.rng.below(ctx.world.shops.len() as u64) as usize;
    let (shop_id, owner) = (ctx.world.shops[si].id, ctx.world.shops[si].owner);
    let o = &ctx.world.users[owner];
    let (country, net, seed) = (o.country, o.net, o.seed);
    let devices: Vec<u64> = (0..ctx.rng.range(1, 3)).map(|_| ctx.rng.next_u64()).collect();
    let ips: Vec<IpAddr> = (0..ctx.rng.range(1, 2))
        .map(|_| {
            if ctx.rng.chance(OWNER_NETWORK_SHARE) { net.host(ctx.rng, seed) } else { geo::random_ip(ctx.rng, country) }
        })
        .collect();
    let cards: Vec<Card> = (0..2).map(|_| Card::issued(ctx.rng, country)).collect();
    let shared_cards = ctx.rng.chance(SHARED_CARD_SHARE);
    let days = ctx.rng.range(1, 3);
    for _ in 0..ctx.rng.range(ACCOUNTS.0, ACCOUNTS.1) {
        let user = ctx.world.aged_account(ctx.rng);
        let at = now + ctx.rng.below((days * DAY) as u64) as i64;
        let a = Actor {
            user: Some(user),
            session: ctx.rng.next_u64(),
            device: Some(ctx.rng.pick(&devices)),
            ip: ctx.rng.pick(&ips),
            country,
        };
        let card = if shared_cards { ctx.rng.pick(&cards) } else { Card::issued(ctx.rng, country) };
        brush(ctx, &a, at, si, card);
    }
    Some(Entity::Shop(shop_id))
}

/// Log in, buy one token item, pay, come back with five stars.
fn brush(ctx: &mut Ctx, a: &Actor, at: i64, si: usize, card: Card) {
    let t = flows::login(ctx, a, at);
    let item = ctx.world.shops[si].token_item(ctx.rng);
    let shipping = Address::random(ctx.rng, a.country);
    let order = Order::new(vec![item], shipping, geo::currency(a.country));
    let pay = Payment { card, billing: shipping };
    let (id, t) = flows::place(ctx, a, t, &order, &pay);
    let t = flows::pay(ctx, a, t, (id, order.amount(), order.currency), &pay, None);
    let later = ctx.after(t, REVIEW_DELAY.0, REVIEW_DELAY.1);
    let back = Actor { session: ctx.rng.next_u64(), ..*a };
    let rating = if ctx.rng.chance(0.95) { 5 } else { 4 };
    flows::review(ctx, &back, later, id, (item.shop, item.sku), rating);
}
