//! Refund abuse ("item not received"): an aged account — or two to four accounts at one
//! address — orders ordinary goods over two weeks and asks for a refund on most orders a
//! few days after each, mostly claiming the parcel never arrived.
//! Links: the user (label entity) or, for a ring, the shared shipping address.

use crate::draft::{Actor, DAY};
use crate::flows::{self, Ctx, Order, Payment};
use crate::world::entity::{Address, Card, Entity};
use crate::world::geo;
use crate::world::people::Net;

/// Episodes with several accounts at one address.
const RING_SHARE: f64 = 0.3;
/// Orders per account, over this many days.
const ORDERS: (i64, i64) = (3, 8);
const WINDOW_DAYS: i64 = 14;
/// Orders followed by a refund request, and its delay.
const REFUND_SHARE: f64 = 0.85;
const REFUND_DELAY: (i64, i64) = (2 * DAY, 9 * DAY);

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let country = geo::home_country(ctx.rng);
    let address = Address::random(ctx.rng, country);
    let ring = ctx.rng.chance(RING_SHARE);
    let accounts = if ring { ctx.rng.range(2, 4) } else { 1 };
    let shared_net = Net::random(ctx.rng, country);
    let mut first = None;
    for _ in 0..accounts {
        let user = ctx.world.aged_account(ctx.rng);
        first.get_or_insert(user);
        let net = if ring && ctx.rng.chance(0.5) { shared_net } else { Net::random(ctx.rng, country) };
        let device = ctx.rng.next_u64();
        let card = Card::issued(ctx.rng, country);
        for _ in 0..ctx.rng.range(ORDERS.0, ORDERS.1) {
            let at = now + ctx.rng.below((WINDOW_DAYS * DAY) as u64) as i64;
            let ip = net.host(ctx.rng, user);
            let a = Actor { user: Some(user), session: ctx.rng.next_u64(), device: Some(device), ip, country };
            order_and_claim(ctx, &a, at, address, card);
        }
    }
    if ring { Some(Entity::Address(address)) } else { first.map(Entity::User) }
}

fn order_and_claim(ctx: &mut Ctx, a: &Actor, at: i64, address: Address, card: Card) {
    let t = flows::login(ctx, a, at);
    let shop = &ctx.world.shops[ctx.world.pick_shop(ctx.rng)];
    let items = vec![shop.item(ctx.rng)];
    let order = Order::new(items, address, geo::currency(a.country));
    let pay = Payment { card, billing: address };
    let (id, t) = flows::place(ctx, a, t, &order, &pay);
    let t = flows::pay(ctx, a, t, (id, order.amount(), order.currency), &pay, None);
    if ctx.rng.chance(REFUND_SHARE) {
        let later = ctx.after(t, REFUND_DELAY.0, REFUND_DELAY.1);
        let back = Actor { session: ctx.rng.next_u64(), ..*a };
        let reason = ["item_not_received", "damaged", "wrong_item"][ctx.rng.weighted(&[70, 15, 15])];
        flows::refund(ctx, &back, later, (id, order.amount(), order.currency), reason);
    }
}
