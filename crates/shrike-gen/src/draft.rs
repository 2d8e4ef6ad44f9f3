//! An event before it is written: typed fields, entity seeds, amounts in integer cents.
//! Drafts wait in the schedule and become JSON only when emitted, when their event id (the
//! emission index) is known.

use std::net::IpAddr;

use shrike_types::KnownType;

use crate::config::Pattern;
use crate::world::entity::{Address, Card, Email, Entity, Phone};
use crate::world::people::Item;

pub(crate) const SEC: i64 = 1_000;
pub(crate) const MIN: i64 = 60 * SEC;
pub(crate) const HOUR: i64 = 60 * MIN;
pub(crate) const DAY: i64 = 24 * HOUR;

/// A free attribute value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Attr {
    Str(&'static str),
    Int(i64),
    /// Money in cents, written with two decimals.
    Cents(i64),
    /// A SKU `sk-<shop>-<n>`.
    Sku(u32, u32),
    /// An ISO country by index.
    Country(u8),
}

#[derive(Clone, Debug)]
pub(crate) struct Draft {
    pub(crate) kind: KnownType,
    /// Event time, ms since the epoch.
    pub(crate) at: i64,
    pub(crate) user: Option<u64>,
    pub(crate) session: Option<u64>,
    pub(crate) device: Option<u64>,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) ip_country: Option<u8>,
    pub(crate) email: Option<Email>,
    pub(crate) phone: Option<Phone>,
    pub(crate) card: Option<Card>,
    pub(crate) shipping: Option<Address>,
    pub(crate) billing: Option<Address>,
    pub(crate) shop: Option<u32>,
    pub(crate) affiliate: Option<u32>,
    pub(crate) order: Option<u64>,
    pub(crate) coupon: Option<&'static str>,
    /// Cents.
    pub(crate) amount: Option<i64>,
    pub(crate) currency: Option<&'static str>,
    pub(crate) status: Option<&'static str>,
    pub(crate) change: Option<&'static str>,
    pub(crate) items: Vec<Item>,
    pub(crate) attrs: Vec<(&'static str, Attr)>,
    pub(crate) label: Option<(Pattern, Entity)>,
}

impl Draft {
    pub(crate) fn new(kind: KnownType, at: i64) -> Draft {
        Draft {
            kind,
            at,
            user: None,
            session: None,
            device: None,
            ip: None,
            ip_country: None,
            email: None,
            phone: None,
            card: None,
            shipping: None,
            billing: None,
            shop: None,
            affiliate: None,
            order: None,
            coupon: None,
            amount: None,
            currency: None,
            status: None,
            change: None,
            items: Vec::new(),
            attrs: Vec::new(),
            label: None,
        }
    }

    pub(crate) fn attr(mut self, key: &'static str, value: Attr) -> Draft {
        self.attrs.push((key, value));
        self
    }

    pub(crate) fn money(mut self, cents: i64, currency: &'static str) -> Draft {
        self.amount = Some(cents);
        self.currency = Some(currency);
        self
    }
}

/// Who acts in a session: the fields every event of that session shares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Actor {
    pub(crate) user: Option<u64>,
    pub(crate) session: u64,
    pub(crate) device: Option<u64>,
    pub(crate) ip: IpAddr,
    pub(crate) country: u8,
}

impl Actor {
    pub(crate) fn draft(&self, kind: KnownType, at: i64) -> Draft {
        Draft {
            user: self.user,
            session: Some(self.session),
            device: self.device,
            ip: Some(self.ip),
            ip_country: Some(self.country),
            ..Draft::new(kind, at)
        }
    }
}
