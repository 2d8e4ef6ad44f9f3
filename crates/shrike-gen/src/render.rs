//! Drafts to JSON lines. Hand-written so key order, number format and spacing are fixed
//! forever: amounts are written from integer cents (`12.50`), never through a float.

use std::fmt::{Display, Write};
use std::net::IpAddr;

use shrike_types::Timestamp;

use crate::digits;
use crate::draft::{Attr, Draft};
use crate::world::entity::{Address, Card, Id};
use crate::world::geo;
use crate::world::names::CATEGORIES;
use crate::world::people::Item;

/// Typical rendered size, so most events need one allocation.
const LINE_CAPACITY: usize = 512;

/// The event as one JSON line without the newline; `seq` becomes `event_id` `e000000123`.
pub(crate) fn render(d: &Draft, seq: u64) -> String {
    let mut j = Json { out: String::with_capacity(LINE_CAPACITY), first: true };
    j.out.push('{');
    j.key("event_id");
    j.quoted(|out| {
        out.push('e');
        digits::dec_padded(out, seq, 9);
    });
    j.str("type", d.kind.name());
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
        j.id("user_id", Id::User(u));
    }
    if let Some(s) = d.session {
        j.id("session_id", Id::Session(s));
    }
    if let Some(dev) = d.device {
        j.id("device_id", Id::Device(dev));
    }
    if let Some(ip) = d.ip {
        j.ip(ip);
    }
    if let Some(c) = d.ip_country {
        j.str("ip_country", geo::code(c));
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
        j.id("shop_id", Id::Shop(s));
    }
    if let Some(a) = d.affiliate {
        j.id("affiliate_id", Id::Affiliate(a));
    }
    if let Some(o) = d.order {
        j.id("order_id", Id::Order(o));
    }
    if let Some(c) = d.coupon {
        j.str("coupon_code", c);
    }
    if let Some(a) = d.amount {
        j.cents("amount", a);
    }
    if let Some(c) = d.currency {
        j.str("currency", c);
    }
    if let Some(s) = d.status {
        j.str("status", s);
    }
    if let Some(c) = d.change {
        j.str("change", c);
    }
}

fn card(j: &mut Json, c: &Card) {
    j.open("card", '{');
    j.id("fingerprint", c.fingerprint());
    j.key("bin");
    j.quoted(|out| digits::dec(out, u64::from(c.bin)));
    j.key("last4");
    j.quoted(|out| digits::dec_padded(out, c.last4(), 4));
    j.str("country", geo::code(c.country));
    j.str("brand", c.brand());
    j.close('}');
}

fn address(j: &mut Json, key: &str, a: &Address) {
    j.open(key, '{');
    j.string("line1", a.line1());
    j.str("city", a.city());
    j.string("postal_code", a.postal_code());
    j.str("country", geo::code(a.country));
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
        j.str("category", CATEGORIES[usize::from(item.category)].0);
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
            Attr::Str(s) => j.str(key, s),
            Attr::Int(n) => j.int(key, *n),
            Attr::Cents(c) => j.cents(key, *c),
            Attr::Sku(shop, n) => j.string(key, Sku(*shop, *n)),
            Attr::Country(c) => j.str(key, geo::code(*c)),
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

    /// A string value. Every generated string is drawn from this crate's ASCII tables and
    /// identifier formats, none of which contain `"`, `\\` or control characters, so no
    /// escaping is needed (the tests parse every line as JSON to keep that true).
    fn string(&mut self, key: &str, value: impl Display) {
        self.key(key);
        self.out.push('"');
        // Writing into a String never fails.
        let _ = write!(self.out, "{value}");
        self.out.push('"');
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        self.out.push('"');
        self.out.push_str(value);
        self.out.push('"');
    }

    fn int(&mut self, key: &str, value: i64) {
        self.key(key);
        if value < 0 {
            self.out.push('-');
        }
        digits::dec(&mut self.out, value.unsigned_abs());
    }

    /// Money as a JSON number with exactly two decimals.
    fn cents(&mut self, key: &str, cents: i64) {
        self.key(key);
        digits::cents(&mut self.out, cents);
    }

    fn id(&mut self, key: &str, id: Id) {
        self.key(key);
        self.quoted(|out| id.push(out));
    }

    fn quoted(&mut self, f: impl FnOnce(&mut String)) {
        self.out.push('"');
        f(&mut self.out);
        self.out.push('"');
    }

    /// IPv4 by hand (the common case); IPv6 through its canonical `Display`.
    fn ip(&mut self, ip: IpAddr) {
        self.key("ip");
        self.quoted(|out| match ip {
            IpAddr::V4(v4) => {
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    digits::dec(out, u64::from(octet));
                }
            }
            IpAddr::V6(v6) => {
                let _ = write!(out, "{v6}");
            }
        });
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
}
