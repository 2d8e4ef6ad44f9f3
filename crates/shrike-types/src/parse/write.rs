//! Writing an event back as JSON in the format [`super::parse_event`] reads, for the durable
//! log and generators. For every event the parser produced, `parse_event(to_json(e)) == e`.
//!
//! Amounts and prices are written as decimal strings (never floats); the timestamp as RFC
//! 3339 with milliseconds when its year is 0000–9999, else as epoch milliseconds. An address
//! is written as an object of its key's parts when its country and postal code agree with the
//! key (it came from an object), so nothing is lost; otherwise as its key string.

use std::fmt::Write as _;

use crate::event::{Address, AttrValue, Card, Event, Item};
use crate::time::Timestamp;

use super::reader::{compact_json, is_json_number};

/// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the RFC 3339 range.
const RFC3339_MILLIS: std::ops::RangeInclusive<i64> = -62_167_219_200_000..=253_402_300_799_999;

/// Writes `event` as one line of compact JSON.
pub fn to_json(event: &Event<'_>) -> String {
    let mut out = String::with_capacity(512);
    let mut o = Obj::open(&mut out);
    o.str("event_id", &event.event_id);
    o.str("type", event.event_type.name());
    timestamp(o.key("timestamp"), event.timestamp);
    o.opt_str("user_id", event.user_id.as_deref());
    o.opt_str("session_id", event.session_id.as_deref());
    o.opt_str("device_id", event.device_id.as_deref());
    if let Some(ip) = event.ip {
        o.display("ip", ip);
    }
    o.opt_str("ip_country", event.ip_country.as_deref());
    o.opt_str("email", event.email.as_deref());
    o.opt_str("phone", event.phone.as_deref());
    if let Some(c) = &event.card {
        card(o.key("card"), c);
    }
    if let Some(a) = &event.shipping_address {
        address(o.key("shipping_address"), a);
    }
    if let Some(a) = &event.billing_address {
        address(o.key("billing_address"), a);
    }
    o.opt_str("shop_id", event.shop_id.as_deref());
    o.opt_str("affiliate_id", event.affiliate_id.as_deref());
    o.opt_str("order_id", event.order_id.as_deref());
    o.opt_str("coupon_code", event.coupon_code.as_deref());
    if let Some(m) = event.amount {
        o.display("amount", m);
    }
    o.opt_str("currency", event.currency.as_deref());
    o.opt_str("status", event.status.as_deref());
    o.opt_str("change", event.change.as_deref());
    if !event.items.is_empty() {
        items(o.key("items"), &event.items);
    }
    if !event.attributes.is_empty() {
        attributes(o.key("attributes"), &event.attributes);
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

    /// Writes `"name":` and hands back the buffer for the value.
    fn key(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        string(self.out, name);
        self.out.push(':');
        self.out
    }

    fn str(&mut self, name: &str, value: &str) {
        string(self.key(name), value);
    }

    fn opt_str(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(name, v);
        }
    }

    /// A value written through `Display`, as a JSON string (IP addresses, money).
    fn display(&mut self, name: &str, value: impl std::fmt::Display) {
        let out = self.key(name);
        // Display of IpAddr and Money never needs escaping.
        let _ = write!(out, "\"{value}\"");
    }

    fn close(self) {
        self.out.push('}');
    }
}

fn timestamp(out: &mut String, t: Timestamp) {
    if RFC3339_MILLIS.contains(&t.0) {
        let _ = write!(out, "\"{t}\"");
    } else {
        let _ = write!(out, "{}", t.0);
    }
}

fn card(out: &mut String, c: &Card<'_>) {
    let mut o = Obj::open(out);
    o.opt_str("fingerprint", c.fingerprint.as_deref());
    o.opt_str("bin", c.bin.as_deref());
    o.opt_str("last4", c.last4.as_deref());
    o.opt_str("country", c.country.as_deref());
    o.opt_str("brand", c.brand.as_deref());
    o.close();
}

fn address(out: &mut String, a: &Address<'_>) {
    match key_parts(a) {
        Some([_, _, city, line1, line2]) => {
            let mut o = Obj::open(out);
            o.opt_str("line1", non_empty(line1));
            o.opt_str("line2", non_empty(line2));
            o.opt_str("city", non_empty(city));
            o.opt_str("postal_code", a.postal_code.as_deref());
            o.opt_str("country", a.country.as_deref());
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
        o.opt_str("sku", item.sku.as_deref());
        o.opt_str("category", item.category.as_deref());
        let _ = write!(o.key("quantity"), "{}", item.quantity);
        if let Some(p) = item.price {
            o.display("price", p);
        }
        o.close();
    }
    out.push(']');
}

fn attributes(out: &mut String, attrs: &[(std::borrow::Cow<'_, str>, AttrValue<'_>)]) {
    let mut o = Obj::open(out);
    for (name, value) in attrs {
        let out = o.key(name);
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
    out.push('"');
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
    fn writes_timestamps_in_range_as_rfc3339() {
        let mut out = String::new();
        timestamp(&mut out, Timestamp(1_795_631_059_250));
        assert_eq!(out, "\"2026-11-25T18:24:19.250Z\"");
        out.clear();
        timestamp(&mut out, Timestamp(i64::MAX));
        assert_eq!(out, i64::MAX.to_string());
    }
}
