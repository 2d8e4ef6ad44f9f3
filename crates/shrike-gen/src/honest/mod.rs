//! The honest background: one arrival process whose ticks become a buyer session, a
//! newcomer's sign-up, a listing or a payout.

mod session;
mod shop;

use crate::flows::Ctx;
use crate::world::{World, geo};

/// Listings per shop per week.
const LISTINGS_PER_SHOP_WEEK: f64 = 2.0;
/// Average listings in one listing tick (one to three).
const LISTINGS_PER_TICK: f64 = 2.0;
/// Payout requests per shop per week.
const PAYOUTS_PER_SHOP_WEEK: f64 = 1.0;
/// Ceiling on the non-session share of ticks, so tiny streams stay mostly buyers.
const MAX_SIDE_SHARE: f64 = 0.3;

/// Probabilities of the non-session tick kinds; the rest are buyer sessions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mix {
    signup: f64,
    listing: f64,
    payout: f64,
}

impl Mix {
    /// Shares that spread `world`'s newcomers, listings and payouts over `ticks` candidate
    /// ticks in `days` days (a tick is dropped when its actor is asleep).
    pub(crate) fn new(world: &World, ticks: f64, days: f64) -> Mix {
        let per_tick = |n: f64| n / geo::awake_share() / ticks.max(1.0);
        let newcomers = (world.users.len() - world.existing) as f64;
        let shop_weeks = world.shops.len() as f64 * days / 7.0;
        let mut mix = Mix {
            signup: per_tick(newcomers),
            listing: per_tick(shop_weeks * LISTINGS_PER_SHOP_WEEK / LISTINGS_PER_TICK),
            payout: per_tick(shop_weeks * PAYOUTS_PER_SHOP_WEEK),
        };
        let side = mix.signup + mix.listing + mix.payout;
        if side > MAX_SIDE_SHARE {
            let k = MAX_SIDE_SHARE / side;
            mix = Mix { signup: mix.signup * k, listing: mix.listing * k, payout: mix.payout * k };
        }
        mix
    }
}

/// One honest tick at `now`.
pub(crate) fn tick(ctx: &mut Ctx, now: i64, mix: &Mix) {
    let r = ctx.rng.unit();
    if r < mix.signup {
        session::signup_session(ctx, now);
    } else if r < mix.signup + mix.listing {
        shop::listing(ctx, now);
    } else if r < mix.signup + mix.listing + mix.payout {
        shop::payout(ctx, now);
    } else {
        session::user_session(ctx, now);
    }
}
