//! Fake-account farm: many sign-ups in a short time from one device, or from rotating
//! devices inside one /24, with throwaway e-mails (mostly disposable domains) and
//! sequential phone numbers sharing a prefix; some accounts log in once afterwards.
//! Links: the device or the /24 (label entity), the phone prefix, the mail domains.

use super::stranger;
use crate::draft::{Actor, MIN, SEC};
use crate::flows::{self, Ctx};
use crate::world::entity::{Email, Entity, Phone};
use crate::world::geo;

/// Sign-ups per farm run.
const SIGNUPS: (i64, i64) = (8, 40);
/// Pause between two sign-ups.
const PAUSE: (i64, i64) = (20 * SEC, 6 * MIN);
/// Farms that use a single device (the rest rotate device ids inside one /24).
const ONE_DEVICE_SHARE: f64 = 0.55;
/// Farms that mostly use disposable domains; the others use random local parts at
/// everyday providers, with a few disposable ones mixed in.
const DISPOSABLE_FARM_SHARE: f64 = 0.8;
/// Accounts that log in once after signing up.
const LOGIN_SHARE: f64 = 0.4;

pub(super) fn plant(ctx: &mut Ctx, now: i64) -> Option<Entity> {
    let country = geo::origin_country(ctx.rng, &[]);
    let net = geo::net24(ctx.rng, country);
    let one_device = ctx.rng.chance(ONE_DEVICE_SHARE);
    let farm = stranger(ctx, None, country);
    let hosts: Vec<u8> = (0..ctx.rng.range(1, 5)).map(|_| ctx.rng.range(1, 254) as u8).collect();
    let disposable = if ctx.rng.chance(DISPOSABLE_FARM_SHARE) { 0.9 } else { 0.15 };
    let first_phone = Phone::random(ctx.rng, country);
    let mut t = now;
    for k in 0..ctx.rng.range(SIGNUPS.0, SIGNUPS.1) {
        let user = ctx.world.fraud_account();
        let device = if one_device { farm.device } else { Some(ctx.rng.next_u64()) };
        let a = Actor {
            user: Some(user),
            session: ctx.rng.next_u64(),
            device,
            ip: geo::v4(net, ctx.rng.pick(&hosts)),
            country,
        };
        let email = if ctx.rng.chance(disposable) { Email::disposable(ctx.rng) } else { Email::random_common(ctx.rng) };
        let phone = Phone { national: first_phone.national + k as u64, ..first_phone };
        let after = flows::signup(ctx, &a, t, email, phone);
        if ctx.rng.chance(LOGIN_SHARE) {
            let later = ctx.after(after, MIN, 30 * MIN);
            flows::login(ctx, &a, later);
        }
        t = ctx.after(t, PAUSE.0, PAUSE.1);
    }
    Some(match farm.device {
        Some(d) if one_device => Entity::Device(d),
        _ => Entity::Net24(net),
    })
}
