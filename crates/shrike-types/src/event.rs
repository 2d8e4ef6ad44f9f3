//! The typed event. Parsing (see [`crate::parse`]) turns one JSON object into an [`Event`]
//! once; everything downstream trusts these types.
//!
//! Strings borrow from the input buffer when they hold no JSON escapes, so parsing a typical
//! event allocates only for `items` and `attributes`.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::money::Money;
use crate::time::Timestamp;

/// A string field: borrowed from the input when possible.
pub type Str<'a> = Cow<'a, str>;

/// The marketplace checkpoints Shrike knows by name. Other type names are [`EventType::Custom`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KnownType {
    AccountSignup,
    AccountLogin,
    AccountUpdate,
    OrderCreate,
    PaymentAttempt,
    PaymentResult,
    RefundRequest,
    Chargeback,
    CouponRedeem,
    ReviewCreate,
    PayoutRequest,
    ListingCreate,
    AffiliateClick,
}

impl KnownType {
    pub const ALL: [KnownType; 13] = [
        KnownType::AccountSignup,
        KnownType::AccountLogin,
        KnownType::AccountUpdate,
        KnownType::OrderCreate,
        KnownType::PaymentAttempt,
        KnownType::PaymentResult,
        KnownType::RefundRequest,
        KnownType::Chargeback,
        KnownType::CouponRedeem,
        KnownType::ReviewCreate,
        KnownType::PayoutRequest,
        KnownType::ListingCreate,
        KnownType::AffiliateClick,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            KnownType::AccountSignup => "account.signup",
            KnownType::AccountLogin => "account.login",
            KnownType::AccountUpdate => "account.update",
            KnownType::OrderCreate => "order.create",
            KnownType::PaymentAttempt => "payment.attempt",
            KnownType::PaymentResult => "payment.result",
            KnownType::RefundRequest => "refund.request",
            KnownType::Chargeback => "chargeback",
            KnownType::CouponRedeem => "coupon.redeem",
            KnownType::ReviewCreate => "review.create",
            KnownType::PayoutRequest => "payout.request",
            KnownType::ListingCreate => "listing.create",
            KnownType::AffiliateClick => "affiliate.click",
        }
    }

    pub fn from_name(name: &str) -> Option<KnownType> {
        KnownType::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Dense index `0..13`, used by compiled plans to pick per-type rule and feature lists.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// An event's `type`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventType<'a> {
    Known(KnownType),
    /// Any other type name, e.g. `wishlist.add`. Names are `[a-z0-9_.]`, at most
    /// [`crate::limits::MAX_TYPE_NAME_LEN`] bytes.
    Custom(Str<'a>),
}

impl EventType<'_> {
    pub fn name(&self) -> &str {
        match self {
            EventType::Known(k) => k.name(),
            EventType::Custom(s) => s,
        }
    }

    pub fn into_owned(self) -> EventType<'static> {
        match self {
            EventType::Known(k) => EventType::Known(k),
            EventType::Custom(s) => EventType::Custom(Cow::Owned(s.into_owned())),
        }
    }
}

/// The payment card, identified by a fingerprint (never a card number).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Card<'a> {
    pub fingerprint: Option<Str<'a>>,
    /// First six to eight digits: issuer identification.
    pub bin: Option<Str<'a>>,
    pub last4: Option<Str<'a>>,
    /// ISO 3166-1 alpha-2 issuing country, upper case.
    pub country: Option<Str<'a>>,
    pub brand: Option<Str<'a>>,
}

/// A postal address, reduced at parse time to a stable key plus its country.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Address<'a> {
    /// Normalised key: lower case, punctuation removed, whitespace collapsed, parts joined
    /// with `|` in the order country, postal code, city, line1, line2. Two spellings of one
    /// address (`"1 Main St."` / `"1  main st"`) give the same key.
    pub key: Str<'a>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<Str<'a>>,
    pub postal_code: Option<Str<'a>>,
}

/// One line of an order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Item<'a> {
    pub sku: Option<Str<'a>>,
    pub category: Option<Str<'a>>,
    pub quantity: u32,
    pub price: Option<Money>,
}

/// A free attribute value. Nested objects and arrays are kept as their compact JSON text.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue<'a> {
    Null,
    Bool(bool),
    /// The number's exact text, so it can be read as a number or as money.
    Number(Str<'a>),
    String(Str<'a>),
    Json(String),
}

/// A typed event. Only `event_id`, `type` and `timestamp` are required.
#[derive(Clone, Debug, PartialEq)]
pub struct Event<'a> {
    pub event_id: Str<'a>,
    pub event_type: EventType<'a>,
    pub timestamp: Timestamp,
    pub user_id: Option<Str<'a>>,
    pub session_id: Option<Str<'a>>,
    pub device_id: Option<Str<'a>>,
    pub ip: Option<IpAddr>,
    /// ISO country the IP geolocates to, supplied by the caller.
    pub ip_country: Option<Str<'a>>,
    pub email: Option<Str<'a>>,
    pub phone: Option<Str<'a>>,
    pub card: Option<Card<'a>>,
    pub shipping_address: Option<Address<'a>>,
    pub billing_address: Option<Address<'a>>,
    pub shop_id: Option<Str<'a>>,
    pub affiliate_id: Option<Str<'a>>,
    pub order_id: Option<Str<'a>>,
    pub coupon_code: Option<Str<'a>>,
    pub amount: Option<Money>,
    /// ISO 4217, upper case.
    pub currency: Option<Str<'a>>,
    /// Result status (`approved`, `declined`, …) on `payment.result`, `refund.request`, …
    pub status: Option<Str<'a>>,
    /// What changed on `account.update`: `password`, `email`, `phone`, `address`, …
    pub change: Option<Str<'a>>,
    pub items: Vec<Item<'a>>,
    pub attributes: Vec<(Str<'a>, AttrValue<'a>)>,
}

impl<'a> Event<'a> {
    /// An event with only the required fields set; a starting point for tests and generators.
    pub fn new(event_id: impl Into<Str<'a>>, event_type: EventType<'a>, timestamp: Timestamp) -> Self {
        Event {
            event_id: event_id.into(),
            event_type,
            timestamp,
            user_id: None,
            session_id: None,
            device_id: None,
            ip: None,
            ip_country: None,
            email: None,
            phone: None,
            card: None,
            shipping_address: None,
            billing_address: None,
            shop_id: None,
            affiliate_id: None,
            order_id: None,
            coupon_code: None,
            amount: None,
            currency: None,
            status: None,
            change: None,
            items: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// Looks up a free attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&AttrValue<'a>> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}
