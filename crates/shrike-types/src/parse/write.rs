//! Writing an event back as JSON in the format [`super::parse_event`] reads, for the durable
//! log and generators. For every event the parser produced, `parse_event(to_json(e)) == e`.
//!
//! Written for speed (the durable log writes every event): no `core::fmt` on the common
//! path. Amounts and prices are decimal strings (never floats); the timestamp is an integer
//! of epoch milliseconds (exact, and the cheapest form to write and read). An address is
//! written as an object of its key's parts when its country and postal code agree with the
//! key (it came from an object), so nothing is lost; otherwise as its key string.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::event::{Address, AttrValue, Card, Event, Item};
use crate::money::{MONEY_SCALE, Money};

use super::compact::{compact_json, is_json_number};
use super::scan::plain_run;

/// A static key as JSON text with its colon: `key!("ip")` is `"ip":`.
macro_rules! key {
    ($name:literal) => {
        concat!("\"", $name, "\":")
    };
}

/// Writes `event` as one line of compact JSON.
pub fn to_json(event: &Event<'_>) -> String {
    let mut out = String::with_capacity(1024);
    let mut o = Obj::open(&mut out);
    o.str(key!("event_id"), &event.event_id);
    o.str(key!("type"), event.event_type.name());
    push_i64(o.key(key!("timestamp")), event.timestamp.0);
    o.opt_str(key!("user_id"), event.user_id.as_deref());
    o.opt_str(key!("session_id"), event.session_id.as_deref());
    o.opt_str(key!("device_id"), event.device_id.as_deref());
    if let Some(ip) = event.ip {
        push_ip(o.key(key!("ip")), ip);
    }
    o.opt_str(key!("ip_country"), event.ip_country.as_deref());
    o.opt_str(key!("email"), event.email.as_deref());
    o.opt_str(key!("phone"), event.phone.as_deref());
    if let Some(c) = &event.card {
        card(o.key(key!("card")), c);
    }
    if let Some(a) = &event.shipping_address {
        address(o.key(key!("shipping_address")), a);
    }
    if let Some(a) = &event.billing_address {
        address(o.key(key!("billing_address")), a);
    }
    o.opt_str(key!("shop_id"), event.shop_id.as_deref());
    o.opt_str(key!("affiliate_id"), event.affiliate_id.as_deref());
    o.opt_str(key!("order_id"), event.order_id.as_deref());
    o.opt_str(key!("coupon_code"), event.coupon_code.as_deref());
    if let Some(m) = event.amount {
        push_money(o.key(key!("amount")), m);
    }
    o.opt_str(key!("currency"), event.currency.as_deref());
    o.opt_str(key!("status"), event.status.as_deref());
    o.opt_str(key!("change"), event.change.as_deref());
    if !event.items.is_empty() {
        items(o.key(key!("items")), &event.items);
    }
    if !event.attributes.is_empty() {
        attributes(o.key(key!("attributes")), &event.attributes);
    }
    o.close();
    out
}

/// An object being written: tracks whether a comma is due.
struct Obj<'w> {
    out: &'w mut String,
    empty: bool,
}

impl<'w> Obj<'w> {
    fn open(out: &'w mut String) -> Self {
        out.push('{');
        Obj { out, empty: true }
    }

    /// Writes a key given as its JSON text with the colon (`"name":`, see [`key!`]) and
    /// hands back the buffer for the value.
    fn key(&mut self, quoted: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        self.out.push_str(quoted);
        self.out
    }

    /// Writes a key that is data (an attribute name), escaped.
    fn dynamic_key(&mut self, name: &str) -> &mut String {
        let out = self.key("");
        string(out, name);
        out.push(':');
        out
    }

    fn str(&mut self, quoted: &str, value: &str) {
        string(self.key(quoted), value);
    }

    fn opt_str(&mut self, quoted: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(quoted, v);
        }
    }

    fn close(self) {
        self.out.push('}');
    }
}

fn card(out: &mut String, c: &Card<'_>) {
    let mut o = Obj::open(out);
    o.opt_str(key!("fingerprint"), c.fingerprint.as_deref());
    o.opt_str(key!("bin"), c.bin.as_deref());
    o.opt_str(key!("last4"), c.last4.as_deref());
    o.opt_str(key!("country"), c.country.as_deref());
    o.opt_str(key!("brand"), c.brand.as_deref());
    o.close();
}

fn address(out: &mut String, a: &Address<'_>) {
    match key_parts(a) {
        Some([_, _, city, line1, line2]) => {
            let mut o = Obj::open(out);
            o.opt_str(key!("line1"), non_empty(line1));
            o.opt_str(key!("line2"), non_empty(line2));
            o.opt_str(key!("city"), non_empty(city));
            o.opt_str(key!("postal_code"), a.postal_code.as_deref());
            o.opt_str(key!("country"), a.country.as_deref());
            o.close();
        }
        None => string(out, &a.key),
    }
}

/// The key's five parts, if the address came from an object: it has a country or postal
/// code, and they match the key's first two parts.
fn key_parts<'k>(a: &'k Address<'_>) -> Option<[&'k str; 5]> {
    if a.country.is_none() && a.postal_code.is_none() {
        return None;
    }
    let mut split = a.key.split('|');
    let parts = [split.next()?, split.next()?, split.next()?, split.next()?, split.next()?];
    let country_ok = parts[0].eq_ignore_ascii_case(a.country.as_deref().unwrap_or_default());
    let postal_ok = parts[1] == a.postal_code.as_deref().unwrap_or_default();
    (split.next().is_none() && country_ok && postal_ok).then_some(parts)
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

fn items(out: &mut String, items: &[Item<'_>]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut o = Obj::open(out);
        o.opt_str(key!("sku"), item.sku.as_deref());
        o.opt_str(key!("category"), item.category.as_deref());
        push_u64(o.key(key!("quantity")), u64::from(item.quantity));
        if let Some(p) = item.price {
            push_money(o.key(key!("price")), p);
        }
        o.close();
    }
    out.push(']');
}

fn attributes(out: &mut String, attrs: &[(std::borrow::Cow<'_, str>, AttrValue<'_>)]) {
    let mut o = Obj::open(out);
    for (name, value) in attrs {
        let out = o.dynamic_key(name);
        match value {
            AttrValue::Null => out.push_str("null"),
            AttrValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            AttrValue::Number(n) if is_json_number(n) => out.push_str(n),
            AttrValue::Json(text) => match compact_json(text) {
                Some(json) => out.push_str(&json),
                None => string(out, text),
            },
            // A string, or a hand-built value that is not valid JSON: keep it as text rather
            // than write a line the parser would refuse.
            AttrValue::Number(s) | AttrValue::String(s) => string(out, s),
        }
    }
    o.close();
}

/// Writes `s` as a JSON string.
fn string(out: &mut String, s: &str) {
    out.push('"');
    // Most strings need no escape: copy them whole.
    let plain = plain_run(s.as_bytes());
    let (head, rest) = s.split_at_checked(plain).unwrap_or((s, ""));
    out.push_str(head);
    if !rest.is_empty() {
        escape_into(out, rest);
    }
    out.push('"');
}

fn escape_into(out: &mut String, s: &str) {
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.push_str(s.get(run..i).unwrap_or_default());
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or_default());
}

/// Money as a JSON string of its shortest exact decimal (`"12.5"`), as `Money`'s `Display`
/// prints it but without the formatting machinery.
fn push_money(out: &mut String, m: Money) {
    let scale = MONEY_SCALE.unsigned_abs();
    let abs = m.0.unsigned_abs();
    out.push('"');
    if m.0 < 0 {
        out.push('-');
    }
    push_u64(out, abs / scale);
    let mut frac = abs % scale;
    if frac != 0 {
        out.push('.');
        let mut digits = 6;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        let mut buf = [b'0'; 6];
        for slot in buf.iter_mut().take(digits).rev() {
            *slot = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.extend(buf.iter().take(digits).map(|&b| char::from(b)));
    }
    out.push('"');
}

fn push_ip(out: &mut String, ip: IpAddr) {
    out.push('"');
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_u64(out, u64::from(octet));
            }
        }
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
    out.push('"');
}

fn push_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_u64(out, v.unsigned_abs());
}

fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    loop {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || start == 0 {
            break;
        }
    }
    out.extend(buf.iter().skip(start).map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_string(s: &str) -> String {
        let mut out = String::new();
        string(&mut out, s);
        out
    }

    #[test]
    fn escapes_strings() {
        assert_eq!(json_string("plain é"), "\"plain é\"");
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
    }

    #[test]
    fn writes_numbers_without_fmt() {
        let cases = [0, 1, -1, 12_340_000, -5_000_000, 120_000, i64::MAX, i64::MIN];
        for micros in cases {
            let mut out = String::new();
            push_money(&mut out, Money(micros));
            assert_eq!(out, format!("\"{}\"", Money(micros)), "{micros}");
        }
        for v in [0, 7, -42, i64::MAX, i64::MIN] {
            let mut out = String::new();
            push_i64(&mut out, v);
            assert_eq!(out, v.to_string());
        }
        for ip in ["0.0.0.0", "203.0.113.7", "255.255.255.255", "2001:db8::1", "::ffff:1.2.3.4"] {
            let mut out = String::new();
            push_ip(&mut out, ip.parse().expect("test ip"));
            assert_eq!(out, format!("\"{ip}\""));
        }
    }

    proptest::proptest! {
        #[test]
        fn money_writes_as_display(micros in proptest::num::i64::ANY) {
            let mut out = String::new();
            push_money(&mut out, Money(micros));
            proptest::prop_assert_eq!(out, format!("\"{}\"", Money(micros)));
        }
    }
}
