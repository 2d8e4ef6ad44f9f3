//! The actors of the honest world: buyers, shops and affiliates.

use std::net::IpAddr;

use super::entity::{Address, Card, Email, Phone};
use super::geo;
use super::names::CATEGORIES;
use crate::rng::{Rng, mix};

/// Share of honest users on IPv6.
const IPV6_SHARE: f64 = 0.06;
/// Share of honest users with a second device.
const SECOND_DEVICE_SHARE: f64 = 0.45;
/// Share of honest users with a second card.
const SECOND_CARD_SHARE: f64 = 0.35;
/// Share of cards issued outside the holder's home country (expats, travel cards).
const FOREIGN_CARD_SHARE: f64 = 0.05;
/// Share of honest users who refund often (still far below refund abuse).
const REFUND_PRONE_SHARE: f64 = 0.02;
/// Honest users whose address is at a disposable-mail provider.
const DISPOSABLE_EMAIL_SHARE: f64 = 0.005;
/// Relative session weights of light, regular, frequent and heavy users (percent of users).
const ACTIVITY_MIX: [u32; 4] = [50, 30, 15, 5];

/// A user's home network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Net {
    /// A /24, host byte zero.
    V4(u32),
    /// A /64 prefix.
    V6(u64),
}

impl Net {
    pub(crate) fn random(rng: &mut Rng, country: u8) -> Net {
        if rng.chance(IPV6_SHARE) { Net::V6(geo::net64(rng, country)) } else { Net::V4(geo::net24(rng, country)) }
    }

    /// An address on this network: usually the user's stable one (`seed`), sometimes a new
    /// lease from the ISP.
    pub(crate) fn host(&self, rng: &mut Rng, seed: u64) -> IpAddr {
        let stable = !rng.chance(0.2);
        let h = if stable { mix(seed) } else { rng.next_u64() };
        match *self {
            Net::V4(net) => geo::v4(net, (1 + h % 254) as u8),
            Net::V6(prefix) => geo::v6(prefix, h),
        }
    }
}

/// The order a user may still review or refund in a later session.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LastOrder {
    pub(crate) id: u64,
    pub(crate) shop: u32,
    pub(crate) sku: u32,
    pub(crate) amount: i64,
    pub(crate) currency: &'static str,
    pub(crate) at: i64,
}

/// An honest buyer. Static attributes are seeds; the rest is what later sessions need.
#[derive(Clone, Debug)]
pub(crate) struct User {
    /// Numeric user id; `0` until a newcomer signs up.
    pub(crate) id: u64,
    pub(crate) seed: u64,
    pub(crate) country: u8,
    pub(crate) net: Net,
    pub(crate) devices: [u64; 2],
    pub(crate) n_devices: u8,
    pub(crate) cards: [Card; 2],
    pub(crate) n_cards: u8,
    pub(crate) email: Email,
    pub(crate) phone: Phone,
    pub(crate) address: Address,
    /// 1–4: how often this user comes back.
    pub(crate) activity: u8,
    pub(crate) refund_prone: bool,
    /// Event time of the sign-up for users who join during the stream.
    pub(crate) signup_at: Option<i64>,
    pub(crate) orders: u32,
    /// Sum of approved order amounts, in cents.
    pub(crate) spent: i64,
    pub(crate) coupon_used: bool,
    pub(crate) last_order: Option<LastOrder>,
}

impl User {
    pub(crate) fn random(rng: &mut Rng, id: u64) -> User {
        let country = geo::home_country(rng);
        let card = |rng: &mut Rng| {
            let c = if rng.chance(FOREIGN_CARD_SHARE) { geo::other_country(rng, country) } else { country };
            Card::issued(rng, c)
        };
        User {
            id,
            seed: rng.next_u64(),
            country,
            net: Net::random(rng, country),
            devices: [rng.next_u64(), rng.next_u64()],
            n_devices: 1 + u8::from(rng.chance(SECOND_DEVICE_SHARE)),
            cards: [card(rng), card(rng)],
            n_cards: 1 + u8::from(rng.chance(SECOND_CARD_SHARE)),
            email: honest_email(rng),
            phone: Phone::random(rng, country),
            address: Address::random(rng, country),
            activity: 1 + rng.weighted(&ACTIVITY_MIX) as u8,
            refund_prone: rng.chance(REFUND_PRONE_SHARE),
            signup_at: None,
            orders: 0,
            spent: 0,
            coupon_used: false,
            last_order: None,
        }
    }

    /// A member of `head`'s household: same home, network and address, and a shared
    /// family device. Households are honest linked accounts, so sharing alone is no proof.
    pub(crate) fn household_member(rng: &mut Rng, id: u64, head: &User) -> User {
        let mut u = User::random(rng, id);
        u.country = head.country;
        u.net = head.net;
        u.address = head.address;
        u.phone = Phone::random(rng, head.country);
        u.devices[1] = head.devices[0];
        u.n_devices = 2;
        u
    }

    pub(crate) fn card(&self, rng: &mut Rng) -> Card {
        let i = if self.n_cards > 1 && rng.chance(0.3) { 1 } else { 0 };
        self.cards[i]
    }

    pub(crate) fn device(&self, rng: &mut Rng) -> u64 {
        let i = if self.n_devices > 1 && rng.chance(0.35) { 1 } else { 0 };
        self.devices[i]
    }

    /// Average approved order in cents, or a typical basket for users with no history.
    pub(crate) fn average_order(&self) -> i64 {
        if self.orders == 0 { 4_000 } else { self.spent / i64::from(self.orders) }
    }
}

fn honest_email(rng: &mut Rng) -> Email {
    let person = Email::person(rng);
    if rng.chance(DISPOSABLE_EMAIL_SHARE) { Email { domain: Email::disposable(rng).domain, ..person } } else { person }
}

/// A seller.
#[derive(Clone, Debug)]
pub(crate) struct Shop {
    pub(crate) id: u32,
    /// Index of the owner in `World::users` (always a pre-existing user).
    pub(crate) owner: usize,
    pub(crate) category: u8,
    pub(crate) skus: u32,
    /// Sales since the last payout, in cents.
    pub(crate) balance: i64,
}

/// One line of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) shop: u32,
    pub(crate) sku: u32,
    pub(crate) category: u8,
    pub(crate) quantity: u8,
    pub(crate) price: i64,
}

impl Shop {
    pub(crate) fn random(rng: &mut Rng, id: u32, owner: usize) -> Shop {
        Shop {
            id,
            owner,
            category: rng.below(CATEGORIES.len() as u64) as u8,
            skus: rng.range(5, 400) as u32,
            balance: 0,
        }
    }

    /// A catalogue item; its price is a pure function of shop and SKU.
    pub(crate) fn item(&self, rng: &mut Rng) -> Item {
        let sku = rng.below(u64::from(self.skus)) as u32;
        let quantity = match rng.below(100) {
            0..86 => 1,
            86..96 => 2,
            _ => 3,
        };
        Item { shop: self.id, sku, category: self.category, quantity, price: self.price(sku) }
    }

    /// Prices skew to the low end of the category band and end in .99 or .00.
    pub(crate) fn price(&self, sku: u32) -> i64 {
        let (_, lo, hi) = CATEGORIES[usize::from(self.category)];
        let h = mix((u64::from(self.id) << 32) | u64::from(sku));
        let (a, b) = ((h % 1_000) as i64, ((h >> 10) % 1_000) as i64);
        let raw = lo + (hi - lo) * a / 1_000 * b / 1_000;
        let dollars = raw / 100;
        if h >> 63 == 0 { dollars * 100 + 99 } else { dollars.max(1) * 100 }
    }

    /// The cheapest-looking SKU price band, for brushing's token orders (1–8 units).
    pub(crate) fn token_item(&self, rng: &mut Rng) -> Item {
        let sku = rng.below(u64::from(self.skus)) as u32;
        Item { shop: self.id, sku, category: self.category, quantity: 1, price: rng.range(1, 7) * 100 + 99 }
    }
}

/// A creator or publisher paid per referred purchase.
#[derive(Clone, Debug)]
pub(crate) struct Affiliate {
    pub(crate) id: u32,
    pub(crate) channel: &'static str,
}
