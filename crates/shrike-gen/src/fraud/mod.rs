//! Planted fraud. Each pattern is one file with one `plant` function that builds a whole
//! episode from its start time; the generator labels every event it returns with the
//! pattern and the entity `plant` names. Episodes only add events at or after their start.

mod affiliate;
mod brushing;
mod card_testing;
mod coupon;
mod fake_accounts;
mod payout;
mod refund;
mod stolen_card;
mod takeover;

use crate::config::Pattern;
use crate::draft::Actor;
use crate::flows::Ctx;
use crate::world::entity::Entity;
use crate::world::geo;
use crate::world::names::RESALE_CATEGORIES;
use crate::world::people::Item;

/// Share of the fraud events each pattern should contribute (sums to 1).
pub(crate) fn share(p: Pattern) -> f64 {
    match p {
        Pattern::CardTesting => 0.18,
        Pattern::AccountTakeover => 0.08,
        Pattern::FakeAccounts => 0.12,
        Pattern::CouponAbuse => 0.10,
        Pattern::Brushing => 0.12,
        Pattern::RefundAbuse => 0.08,
        Pattern::AffiliateFraud => 0.16,
        Pattern::StolenCard => 0.06,
        Pattern::PayoutFraud => 0.10,
    }
}

/// Events in a typical episode, used to pace episodes before any has been measured.
pub(crate) fn prior_events(p: Pattern) -> f64 {
    match p {
        Pattern::CardTesting => 90.0,
        Pattern::AccountTakeover => 8.0,
        Pattern::FakeAccounts => 30.0,
        Pattern::CouponAbuse => 30.0,
        Pattern::Brushing => 60.0,
        Pattern::RefundAbuse => 40.0,
        Pattern::AffiliateFraud => 280.0,
        Pattern::StolenCard => 9.0,
        Pattern::PayoutFraud => 80.0,
    }
}

/// Builds one episode of `p` starting at `now`; returns the entity its labels name, or
/// `None` when the world offers no target yet (nothing was built then).
pub(crate) fn plant(p: Pattern, ctx: &mut Ctx, now: i64) -> Option<Entity> {
    match p {
        Pattern::CardTesting => card_testing::plant(ctx, now),
        Pattern::AccountTakeover => takeover::plant(ctx, now),
        Pattern::FakeAccounts => fake_accounts::plant(ctx, now),
        Pattern::CouponAbuse => coupon::plant(ctx, now),
        Pattern::Brushing => brushing::plant(ctx, now),
        Pattern::RefundAbuse => refund::plant(ctx, now),
        Pattern::AffiliateFraud => affiliate::plant(ctx, now),
        Pattern::StolenCard => stolen_card::plant(ctx, now),
        Pattern::PayoutFraud => payout::plant(ctx, now),
    }
}

/// A fraudster nobody has seen: new device, new session, a one-off IP in `country`.
fn stranger(ctx: &mut Ctx, user: Option<u64>, country: u8) -> Actor {
    let device = Some(ctx.rng.next_u64());
    let ip = geo::random_ip(ctx.rng, country);
    Actor { user, session: ctx.rng.next_u64(), device, ip, country }
}

/// A new session for the same person on the same device.
fn again(ctx: &mut Ctx, a: &Actor) -> Actor {
    Actor { session: ctx.rng.next_u64(), ..*a }
}

/// Goods that resell well worth at least `at_least` cents: the dearest SKUs of an
/// electronics, jewelry or gift-card shop, in quantity if needed.
fn resale_basket(ctx: &mut Ctx, at_least: i64) -> Vec<Item> {
    let shop = (0..64)
        .map(|_| ctx.world.pick_shop(ctx.rng))
        .find(|&s| RESALE_CATEGORIES.contains(&ctx.world.shops[s].category))
        .unwrap_or(0);
    let s = &ctx.world.shops[shop];
    let mut items: Vec<Item> = Vec::new();
    let mut total = 0;
    while total < at_least && items.len() < 4 {
        let best = (0..12).map(|_| s.item(ctx.rng)).max_by_key(|i| i.price).unwrap_or_else(|| s.item(ctx.rng));
        let quantity = ((at_least - total) / best.price.max(1)).clamp(1, 5) as u8;
        total += best.price * i64::from(quantity);
        items.push(Item { quantity, ..best });
    }
    items
}
