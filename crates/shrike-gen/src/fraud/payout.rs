//! Seller payout fraud (bust-out): a shop gets a burst of orders from a small ring of
//! buyers sharing devices, many of them refunded within hours; then the owner changes the
//! shop's bank account (`account.update`, change `bank_account`, with `shop_id`) and
//! requests a payout of the whole spike minutes later.
//! Links: the shop (label entity), the owner's user id, the buyers' shared devices.

use std::net::IpAddr;

use crate::draft::{Actor, Attr, Draft, HOUR, MIN};
use crate::flows::{self, Ctx, Order, Payment};
use crate::world::entity::{Address, Card, Entity};
use crate::world::geo;
use shrike_types::KnownType;

/// Orders in the spike, over this many hours, from this many buyer accounts.
const ORDERS: (i64, i64) = (12, 40);
const SPIKE_HOURS: (i64, i64) = (6, 36);
const BUYERS: (i64, i64) = (6, 20);
/// Ring buyers in the shop owner's country.
const LOCAL_BUYER_SHARE: f64 = 0.7;
/// Spike orders with a refund request, and its delay.
const REFUND_SHARE: f64 = 0.45;
const REFUND_DELAY: (i64, i64) = (HOUR, 10 * HOUR);
/// Owners who change the bank from a device never seen before.
const NEW_DEVICE_SHARE: f64 = 0.5;
/// New bank accounts abroad.
const FOREIGN_BANK_SHARE: f64 = 0.5;
/// From the bank change to the payout request.
const PAYOUT_DELAY: (i64, i64) = (2 * MIN, 45 * MIN);

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let si = ctx.rng.below(ctx.world.shops.len() as u64) as usize;
    let shop_id = ctx.world.shops[si].id;
    let home = ctx.world.users[ctx.world.shops[si].owner].country;
    let devices: Vec<u64> = (0..ctx.rng.range(2, 5)).map(|_| ctx.rng.next_u64()).collect();
    let buyers: Vec<Actor> = (0..ctx.rng.range(BUYERS.0, BUYERS.1)).map(|_| buyer(ctx, home, &devices)).collect();
    let span = ctx.rng.range(SPIKE_HOURS.0, SPIKE_HOURS.1) * HOUR;
    let (mut sales, mut end) = (0, now);
    for _ in 0..ctx.rng.range(ORDERS.0, ORDERS.1) {
        let at = now + ctx.rng.below(span as u64) as i64;
        let a = Actor { session: ctx.rng.next_u64(), ..ctx.rng.pick(&buyers) };
        let (amount, done) = spike_order(ctx, &a, at, si);
        sales += amount;
        end = end.max(done);
    }
    let total = sales + std::mem::take(&mut ctx.world.shops[si].balance);
    let at = ctx.after(end, 10 * MIN, 3 * HOUR);
    cash_out(ctx, si, at, total);
    Some(Entity::Shop(shop_id))
}

/// A ring buyer: an aged account, mostly in the shop's country, on one of the ring's devices.
fn buyer(ctx: &mut Ctx, home: u8, devices: &[u64]) -> Actor {
    let user = ctx.world.aged_account(ctx.rng);
    let country = if ctx.rng.chance(LOCAL_BUYER_SHARE) { home } else { geo::home_country(ctx.rng) };
    let ip = geo::random_ip(ctx.rng, country);
    Actor { user: Some(user), session: 0, device: Some(ctx.rng.pick(devices)), ip, country }
}

/// One spike order, maybe refunded; returns its amount and when its last event happens.
fn spike_order(ctx: &mut Ctx, a: &Actor, at: i64, si: usize) -> (i64, i64) {
    let mut item = ctx.world.shops[si].item(ctx.rng);
    item.quantity = ctx.rng.range(1, 3) as u8;
    let shipping = Address::random(ctx.rng, a.country);
    let order = Order::new(vec![item], shipping, geo::currency(a.country));
    let pay = Payment { card: Card::issued(ctx.rng, a.country), billing: shipping };
    let (id, t) = flows::place(ctx, a, at, &order, &pay);
    let money = (id, order.amount(), order.currency);
    let mut t = flows::pay(ctx, a, t, money, &pay, None);
    if ctx.rng.chance(REFUND_SHARE) {
        let later = ctx.after(t, REFUND_DELAY.0, REFUND_DELAY.1);
        let back = Actor { session: ctx.rng.next_u64(), ..*a };
        let reason = ctx.rng.pick(&["item_not_received", "changed_mind", "damaged"]);
        t = flows::refund(ctx, &back, later, money, reason);
    }
    (order.amount(), t)
}

/// The owner switches the bank account and asks for everything.
fn cash_out(ctx: &mut Ctx, si: usize, at: i64, total: i64) {
    let (shop_id, owner) = (ctx.world.shops[si].id, ctx.world.shops[si].owner);
    let o = &ctx.world.users[owner];
    let (id, home, seed, net, own_device) = (o.id, o.country, o.seed, o.net, o.devices[0]);
    let device = if ctx.rng.chance(NEW_DEVICE_SHARE) { ctx.rng.next_u64() } else { own_device };
    let ip: IpAddr = net.host(ctx.rng, seed);
    let a = Actor { user: Some(id), session: ctx.rng.next_u64(), device: Some(device), ip, country: home };
    let t = flows::login(ctx, &a, at);
    let bank = if ctx.rng.chance(FOREIGN_BANK_SHARE) { geo::origin_country(ctx.rng, &[home]) } else { home };
    let t = flows::update(ctx, &a, t, "bank_account", |d| {
        d.shop = Some(shop_id);
        d.attrs.push(("bank_country", Attr::Country(bank)));
    });
    let t = ctx.after(t, PAYOUT_DELAY.0, PAYOUT_DELAY.1);
    let d = Draft { shop: Some(shop_id), ..a.draft(KnownType::PayoutRequest, t) }
        .money(total, geo::currency(home))
        .attr("method", Attr::Str("bank_transfer"));
    ctx.push(d);
}
