//! Event building blocks shared by honest sessions and fraud episodes: log in, sign up,
//! check out, pay, refund, review, click. Each pushes drafts into the context and returns
//! the event time reached, so callers chain steps with think-times in between.

use shrike_types::KnownType;

use crate::draft::{Actor, Attr, Draft, MIN, SEC};
use crate::rng::Rng;
use crate::world::World;
use crate::world::entity::{Address, Card, Email, Phone};
use crate::world::people::Item;

/// Everything a building block may touch.
pub(crate) struct Ctx<'a> {
    pub(crate) rng: &'a mut Rng,
    pub(crate) world: &'a mut World,
    pub(crate) out: &'a mut Vec<Draft>,
}

impl Ctx<'_> {
    pub(crate) fn push(&mut self, d: Draft) {
        self.out.push(d);
    }

    /// `t` plus a human pause of `lo..=hi` ms, skewed short.
    pub(crate) fn after(&mut self, t: i64, lo: i64, hi: i64) -> i64 {
        t + self.rng.skewed(lo, hi)
    }
}

/// A coupon and its value in cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Coupon {
    pub(crate) code: &'static str,
    pub(crate) value: i64,
    /// Only for a new account's first order.
    pub(crate) new_user: bool,
}

impl Coupon {
    /// Coupons need a basket of at least twice their value.
    pub(crate) fn min_spend(&self) -> i64 {
        2 * self.value
    }
}

pub(crate) const NEW_USER_COUPONS: &[Coupon] = &[
    Coupon { code: "WELCOME10", value: 1_000, new_user: true },
    Coupon { code: "NEWUSER15", value: 1_500, new_user: true },
    Coupon { code: "FIRSTORDER5", value: 500, new_user: true },
];

pub(crate) const PROMO_COUPONS: &[Coupon] = &[
    Coupon { code: "FALL10", value: 1_000, new_user: false },
    Coupon { code: "SAVE5", value: 500, new_user: false },
    Coupon { code: "WEEKEND20", value: 2_000, new_user: false },
];

/// Smallest order total after a coupon, in cents.
const MIN_ORDER_TOTAL: i64 = 100;

/// An order about to be placed.
#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub(crate) shop: u32,
    pub(crate) items: Vec<Item>,
    pub(crate) shipping: Address,
    pub(crate) currency: &'static str,
    pub(crate) coupon: Option<Coupon>,
    pub(crate) affiliate: Option<u32>,
}

impl Order {
    pub(crate) fn new(items: Vec<Item>, shipping: Address, currency: &'static str) -> Order {
        let shop = items.first().map_or(0, |i| i.shop);
        Order { shop, items, shipping, currency, coupon: None, affiliate: None }
    }

    /// Items total before any coupon, in cents.
    pub(crate) fn gross(&self) -> i64 {
        self.items.iter().map(|i| i.price * i64::from(i.quantity)).sum()
    }

    /// Applies `c` when the basket reaches its minimum spend; returns whether it did.
    pub(crate) fn apply(&mut self, c: Coupon) -> bool {
        let ok = self.gross() >= c.min_spend();
        if ok {
            self.coupon = Some(c);
        }
        ok
    }

    /// The total charged, in cents: items less the coupon, never below a dollar (or the
    /// items' price, when that is less).
    pub(crate) fn amount(&self) -> i64 {
        let gross = self.gross();
        (gross - self.coupon.map_or(0, |c| c.value)).max(MIN_ORDER_TOTAL.min(gross))
    }
}

/// How an order is paid.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Payment {
    pub(crate) card: Card,
    pub(crate) billing: Address,
}

pub(crate) fn login(ctx: &mut Ctx, a: &Actor, t: i64) -> i64 {
    ctx.push(a.draft(KnownType::AccountLogin, t).attr("outcome", Attr::Str("success")));
    ctx.after(t, 5 * SEC, 2 * MIN)
}

pub(crate) fn failed_login(ctx: &mut Ctx, a: &Actor, t: i64) -> i64 {
    ctx.push(a.draft(KnownType::AccountLogin, t).attr("outcome", Attr::Str("failure")));
    ctx.after(t, 4 * SEC, 40 * SEC)
}

pub(crate) fn signup(ctx: &mut Ctx, a: &Actor, t: i64, email: Email, phone: Phone) -> i64 {
    let d = Draft { email: Some(email), phone: Some(phone), ..a.draft(KnownType::AccountSignup, t) };
    ctx.push(d);
    ctx.after(t, 20 * SEC, 5 * MIN)
}

/// An `account.update` of `change`; `fill` sets the new value's field.
pub(crate) fn update(ctx: &mut Ctx, a: &Actor, t: i64, change: &'static str, fill: impl FnOnce(&mut Draft)) -> i64 {
    let mut d = Draft { change: Some(change), ..a.draft(KnownType::AccountUpdate, t) };
    fill(&mut d);
    ctx.push(d);
    ctx.after(t, 20 * SEC, 4 * MIN)
}

/// `coupon.redeem` (when the order carries a coupon) then `order.create`.
pub(crate) fn place(ctx: &mut Ctx, a: &Actor, t: i64, o: &Order, pay: &Payment) -> (u64, i64) {
    let mut t = t;
    if let Some(c) = o.coupon {
        let kind = if c.new_user { "new_user" } else { "promo" };
        let d = Draft {
            coupon: Some(c.code),
            shipping: Some(o.shipping),
            card: Some(pay.card),
            ..a.draft(KnownType::CouponRedeem, t)
        }
        .attr("coupon_value", Attr::Cents(c.value))
        .attr("coupon_kind", Attr::Str(kind));
        ctx.push(d);
        t = ctx.after(t, 3 * SEC, 40 * SEC);
    }
    let id = ctx.world.next_order_id();
    let d = Draft {
        order: Some(id),
        shop: Some(o.shop),
        shipping: Some(o.shipping),
        coupon: o.coupon.map(|c| c.code),
        affiliate: o.affiliate,
        items: o.items.clone(),
        ..a.draft(KnownType::OrderCreate, t)
    };
    ctx.push(d.money(o.amount(), o.currency));
    (id, ctx.after(t, 2 * SEC, 25 * SEC))
}

/// `payment.attempt` then `payment.result`: approved, or declined with `decline` as code.
pub(crate) fn pay(
    ctx: &mut Ctx,
    a: &Actor,
    t: i64,
    order: (u64, i64, &'static str),
    p: &Payment,
    decline: Option<&'static str>,
) -> i64 {
    let (id, amount, currency) = order;
    let base = Draft {
        order: Some(id),
        card: Some(p.card),
        billing: Some(p.billing),
        ..a.draft(KnownType::PaymentAttempt, t)
    }
    .money(amount, currency);
    let result_at = ctx.after(t, 300, 4 * SEC);
    let mut result = Draft { kind: KnownType::PaymentResult, at: result_at, billing: None, ..base.clone() };
    result.status = Some(if decline.is_some() { "declined" } else { "approved" });
    if let Some(code) = decline {
        result = result.attr("decline_code", Attr::Str(code));
    }
    ctx.push(base);
    ctx.push(result);
    ctx.after(result_at, SEC, 20 * SEC)
}

/// `refund.request` for a whole order.
pub(crate) fn refund(ctx: &mut Ctx, a: &Actor, t: i64, order: (u64, i64, &'static str), reason: &'static str) -> i64 {
    let (id, amount, currency) = order;
    let d = Draft { order: Some(id), status: Some("requested"), ..a.draft(KnownType::RefundRequest, t) }
        .money(amount, currency)
        .attr("reason", Attr::Str(reason));
    ctx.push(d);
    ctx.after(t, 10 * SEC, 3 * MIN)
}

/// `review.create` of one purchased SKU.
pub(crate) fn review(ctx: &mut Ctx, a: &Actor, t: i64, order: u64, item: (u32, u32), rating: i64) -> i64 {
    let (shop, sku) = item;
    let text_length = ctx.rng.range(0, 600);
    let d = Draft { order: Some(order), shop: Some(shop), ..a.draft(KnownType::ReviewCreate, t) }
        .attr("rating", Attr::Int(rating))
        .attr("sku", Attr::Sku(shop, sku))
        .attr("text_length", Attr::Int(text_length));
    ctx.push(d);
    ctx.after(t, 10 * SEC, 2 * MIN)
}

/// `affiliate.click` on an affiliate link.
pub(crate) fn click(ctx: &mut Ctx, a: &Actor, t: i64, affiliate: u32, channel: &'static str) -> i64 {
    let d = Draft { affiliate: Some(affiliate), ..a.draft(KnownType::AffiliateClick, t) }
        .attr("channel", Attr::Str(channel));
    ctx.push(d);
    ctx.after(t, 5 * SEC, 3 * MIN)
}

/// A `chargeback` reported by the issuer: no session, device or IP.
pub(crate) fn chargeback(
    at: i64,
    user: Option<u64>,
    order: (u64, i64, &'static str),
    card: Card,
    reason: &'static str,
) -> Draft {
    let (id, amount, currency) = order;
    Draft { user, order: Some(id), card: Some(card), ..Draft::new(KnownType::Chargeback, at) }
        .money(amount, currency)
        .attr("reason", Attr::Str(reason))
}
