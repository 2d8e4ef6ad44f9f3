//! Drafts to JSON lines. Hand-written so key order, number format and spacing are fixed
//! forever: amounts are written from integer cents (`12.50`), never through a float.

use std::fmt::{Display, Write};

use shrike_types::Timestamp;

use crate::draft::{Attr, Draft};
use crate::world::entity::{AffiliateId, DeviceId, OrderId, SessionId, ShopId, UserId};
use crate::world::entity::{Address, Card};
use crate::world::geo;
use crate::world::names::CATEGORIES;
use crate::world::people::Item;

/// Typical rendered size, so most events need one allocation.
const LINE_CAPACITY: usize = 512;

/// The event as one JSON line without the newline; `seq` becomes `event_id` `e000000123`.
pub(crate) fn render(d: &Draft, seq: u64) -> String {
    let mut j = Json { out: String::with_capacity(LINE_CAPACITY), first: true };
    j.out.push('{');
    j.string("event_id", format_args!("e{seq:09}"));
    j.string("type", d.kind.name());
    j.string("timestamp", Timestamp(d.at));
    identity(&mut j, d);
    if let Some(card) = &d.card {
        self::card(&mut j, card);
    }
    if let Some(a) = &d.shipping {
        address(&mut j, "shipping_address", a);
    }
    if let Some(a) = &d.billing {
        address(&mut j, "billing_address", a);
    }
    commerce(&mut j, d);
    if !d.items.is_empty() {
        items(&mut j, &d.items);
    }
    if !d.attrs.is_empty() {
        attributes(&mut j, &d.attrs);
    }
    j.out.push('}');
    j.out
}

/// Who and where: user, session, device, network, contact.
fn identity(j: &mut Json, d: &Draft) {
    if let Some(u) = d.user {
        j.string("user_id", UserId(u));
    }
    if let Some(s) = d.session {
        j.string("session_id", SessionId(s));
    }
    if let Some(dev) = d.device {
        j.string("device_id", DeviceId(dev));
    }
    if let Some(ip) = d.ip {
        j.string("ip", ip);
    }
    if let Some(c) = d.ip_country {
        j.string("ip_country", geo::code(c));
    }
    if let Some(e) = &d.email {
        j.string("email", e);
    }
    if let Some(p) = &d.phone {
        j.string("phone", p);
    }
}

/// What: shop, affiliate, order, coupon, money and outcome fields.
fn commerce(j: &mut Json, d: &Draft) {
    if let Some(s) = d.shop {
        j.string("shop_id", ShopId(s));
    }
    if let Some(a) = d.affiliate {
        j.string("affiliate_id", AffiliateId(a));
    }
    if let Some(o) = d.order {
        j.string("order_id", OrderId(o));
    }
    if let Some(c) = d.coupon {
        j.string("coupon_code", c);
    }
    if let Some(a) = d.amount {
        j.cents("amount", a);
    }
    if let Some(c) = d.currency {
        j.string("currency", c);
    }
    if let Some(s) = d.status {
        j.string("status", s);
    }
    if let Some(c) = d.change {
        j.string("change", c);
    }
}

fn card(j: &mut Json, c: &Card) {
    j.open("card", '{');
    j.string("fingerprint", c.fingerprint());
    j.string("bin", c.bin);
    j.string("last4", format_args!("{:04}", c.last4()));
    j.string("country", geo::code(c.country));
    j.string("brand", c.brand());
    j.close('}');
}

fn address(j: &mut Json, key: &str, a: &Address) {
    j.open(key, '{');
    j.string("line1", a.line1());
    j.string("city", a.city());
    j.string("postal_code", a.postal_code());
    j.string("country", geo::code(a.country));
    j.close('}');
}

fn items(j: &mut Json, items: &[Item]) {
    j.open("items", '[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            j.out.push(',');
        }
        j.out.push('{');
        j.first = true;
        j.string("sku", Sku(item.shop, item.sku));
        j.string("category", CATEGORIES[usize::from(item.category)].0);
        j.int("quantity", i64::from(item.quantity));
        j.cents("price", item.price);
        j.out.push('}');
    }
    j.close(']');
}

fn attributes(j: &mut Json, attrs: &[(&'static str, Attr)]) {
    j.open("attributes", '{');
    for (key, value) in attrs {
        match value {
            Attr::Str(s) => j.string(key, s),
            Attr::Int(n) => j.int(key, *n),
            Attr::Cents(c) => j.cents(key, *c),
            Attr::Sku(shop, n) => j.string(key, Sku(*shop, *n)),
            Attr::Country(c) => j.string(key, geo::code(*c)),
        }
    }
    j.close('}');
}

/// `sk-<shop>-<n>`.
struct Sku(u32, u32);

impl Display for Sku {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sk-{}-{}", self.0, self.1)
    }
}

/// A minimal JSON object writer over a String; `first` tracks comma placement.
struct Json {
    out: String,
    first: bool,
}

impl Json {
    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }

    /// A string value, escaped as JSON requires (generated text is plain ASCII, but the
    /// writer does not rely on it).
    fn string(&mut self, key: &str, value: impl Display) {
        self.key(key);
        self.out.push('"');
        // Writing into a String never fails.
        let _ = write!(Escaped(&mut self.out), "{value}");
        self.out.push('"');
    }

    fn int(&mut self, key: &str, value: i64) {
        self.key(key);
        let _ = write!(self.out, "{value}");
    }

    /// Money as a JSON number with exactly two decimals.
    fn cents(&mut self, key: &str, cents: i64) {
        self.key(key);
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        let _ = write!(self.out, "{sign}{}.{:02}", abs / 100, abs % 100);
    }

    fn open(&mut self, key: &str, bracket: char) {
        self.key(key);
        self.out.push(bracket);
        self.first = true;
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.first = false;
    }
}

/// A `fmt::Write` adapter that JSON-escapes what passes through it.
struct Escaped<'a>(&'a mut String);

impl Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            self.0.push_str(s);
            return Ok(());
        }
        for c in s.chars() {
            match c {
                '"' => self.0.push_str("\\\""),
                '\\' => self.0.push_str("\\\\"),
                c if (c as u32) < 0x20 => write!(self.0, "\\u{:04x}", c as u32)?,
                c => self.0.push(c),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shrike_types::KnownType;

    #[test]
    fn writes_required_fields_and_exact_money() {
        let d = Draft::new(KnownType::PaymentAttempt, 1_788_220_801_234).money(1_250, "USD");
        let line = render(&d, 123);
        assert_eq!(
            line,
            r#"{"event_id":"e000000123","type":"payment.attempt","timestamp":"2026-09-01T00:00:01.234Z","amount":12.50,"currency":"USD"}"#
        );
    }

    #[test]
    fn escapes_strings() {
        let mut s = String::new();
        let _ = write!(Escaped(&mut s), "a\"b\\c\n");
        assert_eq!(s, "a\\\"b\\\\c\\u000a");
    }
}
