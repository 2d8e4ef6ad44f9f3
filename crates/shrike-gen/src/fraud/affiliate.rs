//! Affiliate fraud: a fraudulent affiliate floods its link with clicks from a handful of
//! IPs (click spamming), and buys through its own link from its own device under its own
//! account or a second one (self-purchase), refunding some orders once the commission is
//! booked. Links: the affiliate id (label entity), the owner's device, the flood IPs.

use std::net::IpAddr;

use crate::draft::{Actor, DAY, MIN};
use crate::flows::{self, Ctx, Order, Payment};
use crate::world::entity::{Address, Card, Entity};
use crate::world::geo;

/// Click floods per episode, clicks per flood, and how long a flood lasts.
const FLOODS: (i64, i64) = (1, 3);
const CLICKS: (i64, i64) = (40, 250);
const FLOOD_MINUTES: (i64, i64) = (10, 60);
/// Floods that use a small pool of device ids (the rest send a new id on every click).
const DEVICE_POOL_SHARE: f64 = 0.4;
/// Self-purchases per episode, and the share later refunded.
const PURCHASES: (i64, i64) = (2, 6);
const REFUND_SHARE: f64 = 0.4;
/// The episode's activity spreads over this many days.
const WINDOW_DAYS: i64 = 3;

struct Owner {
    affiliate: u32,
    accounts: Vec<u64>,
    device: u64,
    net: u32,
    country: u8,
    card: Card,
    channel: &'static str,
}

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let country = if ctx.rng.chance(0.5) { geo::home_country(ctx.rng) } else { geo::origin_country(ctx.rng, &[]) };
    let owner = Owner {
        affiliate: ctx.world.fraud_affiliate(),
        accounts: (0..ctx.rng.range(1, 3)).map(|_| ctx.world.aged_account(ctx.rng)).collect(),
        device: ctx.rng.next_u64(),
        net: geo::net24(ctx.rng, country),
        country,
        card: Card::issued(ctx.rng, country),
        channel: ctx.rng.pick(&["display", "social"]),
    };
    for _ in 0..ctx.rng.range(FLOODS.0, FLOODS.1) {
        let at = now + ctx.rng.below((WINDOW_DAYS * DAY) as u64) as i64;
        flood(ctx, &owner, at);
    }
    for _ in 0..ctx.rng.range(PURCHASES.0, PURCHASES.1) {
        let at = now + ctx.rng.below((WINDOW_DAYS * DAY) as u64) as i64;
        self_purchase(ctx, &owner, at);
    }
    Some(Entity::Affiliate(owner.affiliate))
}

/// Anonymous clicks from one to three IPs within an hour.
fn flood(ctx: &mut Ctx, o: &Owner, at: i64) {
    let country = geo::origin_country(ctx.rng, &[]);
    let ips: Vec<IpAddr> = (0..ctx.rng.range(1, 3)).map(|_| geo::random_ip(ctx.rng, country)).collect();
    let pool: Vec<u64> = (0..ctx.rng.range(3, 5)).map(|_| ctx.rng.next_u64()).collect();
    let pooled = ctx.rng.chance(DEVICE_POOL_SHARE);
    let span = ctx.rng.range(FLOOD_MINUTES.0, FLOOD_MINUTES.1) * MIN;
    for _ in 0..ctx.rng.range(CLICKS.0, CLICKS.1) {
        let t = at + ctx.rng.below(span as u64) as i64;
        let device = if pooled { ctx.rng.pick(&pool) } else { ctx.rng.next_u64() };
        let a =
            Actor { user: None, session: ctx.rng.next_u64(), device: Some(device), ip: ctx.rng.pick(&ips), country };
        flows::click(ctx, &a, t, o.affiliate, o.channel);
    }
}

/// The owner logs in on their own device, clicks their own link and buys.
fn self_purchase(ctx: &mut Ctx, o: &Owner, at: i64) {
    let user = ctx.rng.pick(&o.accounts);
    let ip = geo::v4(o.net, ctx.rng.range(1, 254) as u8);
    let a = Actor { user: Some(user), session: ctx.rng.next_u64(), device: Some(o.device), ip, country: o.country };
    let t = flows::login(ctx, &a, at);
    let t = flows::click(ctx, &a, t, o.affiliate, o.channel);
    let shop = &ctx.world.shops[ctx.world.pick_shop(ctx.rng)];
    let items = vec![shop.item(ctx.rng)];
    let shipping = Address::random(ctx.rng, o.country);
    let mut order = Order::new(items, shipping, geo::currency(o.country));
    order.affiliate = Some(o.affiliate);
    let pay = Payment { card: o.card, billing: shipping };
    let (id, t) = flows::place(ctx, &a, t, &order, &pay);
    let money = (id, order.amount(), order.currency);
    let t = flows::pay(ctx, &a, t, money, &pay, None);
    if ctx.rng.chance(REFUND_SHARE) {
        let later = ctx.after(t, DAY, 5 * DAY);
        let back = Actor { session: ctx.rng.next_u64(), ..a };
        flows::refund(ctx, &back, later, money, "changed_mind");
    }
}
