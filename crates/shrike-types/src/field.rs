//! The registry of standard event fields as the policy language names them
//! (`amount`, `card.fingerprint`, `shipping_address.country`, …), their types and getters.
//! Free attributes (`attributes.NAME`) are declared in the policy and handled by the compiler.

use std::borrow::Cow;

use crate::event::{Address, Event};
use crate::value::{Type, Value};

macro_rules! fields {
    ($($variant:ident => $name:literal : $ty:ident),* $(,)?) => {
        /// A standard event field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Field { $($variant),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// The name used in policies.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),* }
            }

            pub fn ty(self) -> Type {
                match self { $(Field::$variant => Type::$ty),* }
            }
        }
    };
}

fields! {
    EventId => "event_id": String,
    Type => "type": String,
    Timestamp => "timestamp": Timestamp,
    UserId => "user_id": String,
    SessionId => "session_id": String,
    DeviceId => "device_id": String,
    Ip => "ip": Ip,
    IpCountry => "ip_country": String,
    Email => "email": String,
    EmailDomain => "email_domain": String,
    Phone => "phone": String,
    CardFingerprint => "card.fingerprint": String,
    CardBin => "card.bin": String,
    CardLast4 => "card.last4": String,
    CardCountry => "card.country": String,
    CardBrand => "card.brand": String,
    ShippingAddress => "shipping_address": String,
    ShippingCountry => "shipping_address.country": String,
    ShippingPostalCode => "shipping_address.postal_code": String,
    BillingAddress => "billing_address": String,
    BillingCountry => "billing_address.country": String,
    BillingPostalCode => "billing_address.postal_code": String,
    ShopId => "shop_id": String,
    AffiliateId => "affiliate_id": String,
    OrderId => "order_id": String,
    CouponCode => "coupon_code": String,
    Amount => "amount": Money,
    Currency => "currency": String,
    Status => "status": String,
    Change => "change": String,
    ItemCount => "items.count": Number,
    ItemQuantity => "items.quantity": Number,
}

impl Field {
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Reads the field from an event; absent fields are [`Value::Missing`].
    pub fn get<'e>(self, e: &'e Event<'_>) -> Value<'e> {
        match self {
            Field::EventId => Value::Str(Cow::Borrowed(&e.event_id)),
            Field::Type => Value::Str(Cow::Borrowed(e.event_type.name())),
            Field::Timestamp => Value::Time(e.timestamp),
            Field::Ip => e.ip.map_or(Value::Missing, Value::Ip),
            Field::Amount => e.amount.map_or(Value::Missing, Value::Money),
            Field::ItemCount => Value::Num(e.items.len() as f64),
            Field::ItemQuantity => Value::Num(e.items.iter().fold(0.0, |acc, i| acc + f64::from(i.quantity))),
            Field::EmailDomain => str_value(e.email.as_deref().and_then(email_domain)),
            _ => str_value(self.get_str(e)),
        }
    }

    /// The string-typed fields, borrowed; `None` for other types or absent values.
    pub fn get_str<'e>(self, e: &'e Event<'_>) -> Option<&'e str> {
        let card = e.card.as_ref();
        let ship = e.shipping_address.as_ref();
        let bill = e.billing_address.as_ref();
        let s = match self {
            Field::EventId => Some(&e.event_id),
            Field::Type => return Some(e.event_type.name()),
            Field::UserId => e.user_id.as_ref(),
            Field::SessionId => e.session_id.as_ref(),
            Field::DeviceId => e.device_id.as_ref(),
            Field::IpCountry => e.ip_country.as_ref(),
            Field::Email => e.email.as_ref(),
            Field::EmailDomain => return e.email.as_deref().and_then(email_domain),
            Field::Phone => e.phone.as_ref(),
            Field::CardFingerprint => card.and_then(|c| c.fingerprint.as_ref()),
            Field::CardBin => card.and_then(|c| c.bin.as_ref()),
            Field::CardLast4 => card.and_then(|c| c.last4.as_ref()),
            Field::CardCountry => card.and_then(|c| c.country.as_ref()),
            Field::CardBrand => card.and_then(|c| c.brand.as_ref()),
            Field::ShippingAddress => ship.map(|a: &Address<'_>| &a.key),
            Field::ShippingCountry => ship.and_then(|a| a.country.as_ref()),
            Field::ShippingPostalCode => ship.and_then(|a| a.postal_code.as_ref()),
            Field::BillingAddress => bill.map(|a| &a.key),
            Field::BillingCountry => bill.and_then(|a| a.country.as_ref()),
            Field::BillingPostalCode => bill.and_then(|a| a.postal_code.as_ref()),
            Field::ShopId => e.shop_id.as_ref(),
            Field::AffiliateId => e.affiliate_id.as_ref(),
            Field::OrderId => e.order_id.as_ref(),
            Field::CouponCode => e.coupon_code.as_ref(),
            Field::Currency => e.currency.as_ref(),
            Field::Status => e.status.as_ref(),
            Field::Change => e.change.as_ref(),
            _ => None,
        };
        s.map(|c| c.as_ref())
    }
}

fn str_value(s: Option<&str>) -> Value<'_> {
    s.map_or(Value::Missing, |s| Value::Str(Cow::Borrowed(s)))
}

/// The part of an e-mail address after the last `@`.
pub fn email_domain(email: &str) -> Option<&str> {
    email.rsplit_once('@').map(|(_, d)| d).filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventType, KnownType};
    use crate::time::Timestamp;

    #[test]
    fn names_round_trip_and_are_unique() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
    }

    #[test]
    fn reads_fields() {
        let mut e = Event::new("e1", EventType::Known(KnownType::OrderCreate), Timestamp(5));
        e.email = Some("Bob@Mailinator.com".into());
        assert_eq!(Field::EmailDomain.get(&e), Value::Str("Mailinator.com".into()));
        assert_eq!(Field::Type.get(&e), Value::Str("order.create".into()));
        assert_eq!(Field::Amount.get(&e), Value::Missing);
        assert_eq!(Field::ItemCount.get(&e), Value::Num(0.0));
    }
}
