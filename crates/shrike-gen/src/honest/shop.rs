//! Honest seller activity: listings, weekly payouts, and the occasional bank-account change
//! that is *not* followed straight away by a payout.

use shrike_types::KnownType;

use super::session::owner_presence;
use crate::draft::{Actor, Attr, DAY, Draft, MIN, SEC};
use crate::flows::{self, Ctx};
use crate::world::geo;
use crate::world::names::CATEGORIES;

/// Smallest balance worth a payout, in cents.
const MIN_PAYOUT: i64 = 2_000;
/// Payout ticks preceded by a bank-account change.
const BANK_CHANGE_SHARE: f64 = 0.04;
/// How long after an honest bank change the payout follows (skewed short, so some honest
/// payouts also come within the hour; the spike before it is what sets fraud apart).
const BANK_CHANGE_DELAY: (i64, i64) = (20 * MIN, 5 * DAY);

/// The owner of a random shop lists one to three items.
pub(crate) fn listing(ctx: &mut Ctx, now: i64) {
    let Some((shop, actor)) = owner_at_work(ctx, now) else {
        return;
    };
    let mut t = now;
    for _ in 0..ctx.rng.range(1, 3) {
        let s = &ctx.world.shops[shop];
        let sku = ctx.rng.below(u64::from(s.skus)) as u32;
        let (id, price, category) = (s.id, s.price(sku), s.category);
        let currency = geo::currency(actor.country);
        let d = Draft { shop: Some(id), ..actor.draft(KnownType::ListingCreate, t) }
            .money(price, currency)
            .attr("sku", Attr::Sku(id, sku))
            .attr("category", Attr::Str(CATEGORIES[usize::from(category)].0));
        ctx.push(d);
        t = ctx.after(t, 30 * SEC, 10 * MIN);
    }
}

/// A random shop with enough sales asks for its money, sometimes after changing its bank.
pub(crate) fn payout(ctx: &mut Ctx, now: i64) {
    let Some((shop, actor)) = owner_at_work(ctx, now) else {
        return;
    };
    let s = &mut ctx.world.shops[shop];
    if s.balance < MIN_PAYOUT {
        return;
    }
    let (id, amount) = (s.id, s.balance);
    s.balance = 0;
    let mut at = now;
    if ctx.rng.chance(BANK_CHANGE_SHARE) {
        let country = actor.country;
        let fill = |d: &mut Draft| {
            d.shop = Some(id);
            d.attrs.push(("bank_country", Attr::Country(country)));
        };
        flows::update(ctx, &actor, now, "bank_account", fill);
        at = ctx.after(now, BANK_CHANGE_DELAY.0, BANK_CHANGE_DELAY.1);
    }
    let later = Actor { session: ctx.rng.next_u64(), ..actor };
    let currency = geo::currency(actor.country);
    let d = Draft { shop: Some(id), ..later.draft(KnownType::PayoutRequest, at) }
        .money(amount, currency)
        .attr("method", Attr::Str("bank_transfer"));
    ctx.push(d);
}

/// A random shop whose owner is awake, with the owner's presence.
fn owner_at_work(ctx: &mut Ctx, now: i64) -> Option<(usize, Actor)> {
    let shop = ctx.rng.below(ctx.world.shops.len() as u64) as usize;
    let owner = &ctx.world.users[ctx.world.shops[shop].owner];
    if !geo::awake(ctx.rng, owner.country, now) {
        return None;
    }
    Some((shop, owner_presence(ctx.rng, owner)))
}
