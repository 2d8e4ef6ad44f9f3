//! Card testing: a script on one device tries many freshly generated card numbers from a
//! few BIN ranges with tiny amounts, in bursts of minutes; most are declined.
//! Links: device (the label entity), one /24, the BINs. Every event is labelled.

use super::{again, stranger};
use crate::draft::{Actor, HOUR, SEC};
use crate::flows::{self, Ctx, Order, Payment};
use crate::rng::mix;
use crate::world::entity::{Address, Card, Email, Entity, Phone, random_bin};
use crate::world::geo::{self, COUNTRIES};
use crate::world::names::TESTING_DECLINES;
use crate::world::people::Item;

/// Share of attempts declined (stolen or generated numbers rarely pass).
const DECLINE_SHARE: f64 = 0.88;
/// Attempts per burst.
const ATTEMPTS: (i64, i64) = (8, 40);
/// Test amounts in cents (0.50–3.00).
const AMOUNT: (i64, i64) = (50, 300);
/// Share of attempts that reuse the previous card (a retry) instead of a new number.
const SAME_CARD_SHARE: f64 = 0.15;
/// Share of attempts that open a new cart instead of re-paying the current one.
const NEW_ORDER_SHARE: f64 = 0.35;

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let country = geo::origin_country(ctx.rng, &[]);
    let user = ctx.rng.chance(0.5).then(|| ctx.world.fraud_account());
    let mut a = stranger(ctx, user, country);
    let net = match a.ip {
        std::net::IpAddr::V4(v4) => u32::from(v4) & 0xFFFF_FF00,
        std::net::IpAddr::V6(_) => geo::net24(ctx.rng, country),
    };
    let bins: Vec<u32> = (0..ctx.rng.range(1, 3)).map(|_| random_bin(ctx.rng.next_u64())).collect();
    let shop = ctx.world.pick_shop(ctx.rng);
    let mut t = now;
    if user.is_some() {
        let email = if ctx.rng.chance(0.5) { Email::disposable(ctx.rng) } else { Email::random_common(ctx.rng) };
        let phone = Phone::random(ctx.rng, country);
        t = flows::signup(ctx, &a, t, email, phone);
    }
    for burst in 0..ctx.rng.range(1, 3) {
        if burst > 0 {
            t = ctx.after(t, HOUR, 8 * HOUR);
            a = Actor { ip: geo::v4(net, ctx.rng.range(1, 254) as u8), ..again(ctx, &a) };
        }
        t = burst_of_attempts(ctx, &a, t, &bins, shop);
    }
    a.device.map(Entity::Device)
}

fn burst_of_attempts(ctx: &mut Ctx, a: &Actor, mut t: i64, bins: &[u32], shop: usize) -> i64 {
    let mut card: Option<Card> = None;
    let mut order: Option<(u64, i64, &'static str)> = None;
    for _ in 0..ctx.rng.range(ATTEMPTS.0, ATTEMPTS.1) {
        let c = match card {
            Some(c) if ctx.rng.chance(SAME_CARD_SHARE) => c,
            _ => generated_card(ctx, bins),
        };
        card = Some(c);
        let current = match order {
            Some(o) if !ctx.rng.chance(NEW_ORDER_SHARE) => o,
            _ => cart(ctx, a, &mut t, shop, c),
        };
        order = Some(current);
        let decline = ctx.rng.chance(DECLINE_SHARE).then(|| ctx.rng.pick(TESTING_DECLINES));
        let billing = Address::random(ctx.rng, c.country);
        t = flows::pay(ctx, a, t, current, &Payment { card: c, billing }, decline);
        t = ctx.after(t, SEC, 15 * SEC);
    }
    t
}

/// A generated number in one of the episode's BIN ranges; the issuing country follows the BIN.
fn generated_card(ctx: &mut Ctx, bins: &[u32]) -> Card {
    let bin = ctx.rng.pick(bins);
    let country = (mix(u64::from(bin)) % COUNTRIES.len() as u64) as u8;
    Card { key: ctx.rng.next_u64(), bin, country }
}

/// A one-item cart at a test amount.
fn cart(ctx: &mut Ctx, a: &Actor, t: &mut i64, shop: usize, card: Card) -> (u64, i64, &'static str) {
    let s = &ctx.world.shops[shop];
    let amount = ctx.rng.range(AMOUNT.0, AMOUNT.1);
    let sku = ctx.rng.below(u64::from(s.skus)) as u32;
    let item = Item { shop: s.id, sku, category: s.category, quantity: 1, price: amount };
    let shipping = Address::random(ctx.rng, a.country);
    let order = Order::new(vec![item], shipping, "USD");
    let billing = shipping;
    let (id, next) = flows::place(ctx, a, *t, &order, &Payment { card, billing });
    *t = next;
    (id, amount, "USD")
}
