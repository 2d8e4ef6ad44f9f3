//! The top level: one JSON object of known fields becomes one [`Event`].

use crate::event::{Event, EventType, KnownType};
use crate::time::Timestamp;

use super::address::address;
use super::error::{Fail, InField, Path};
use super::keys::{KeyTable, START};
use super::object::duplicate_field;
use super::reader::Reader;
use super::{ip, nested, values};

macro_rules! top_fields {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A top-level event field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Top { $($variant),* }

        impl Top {
            /// In declaration order: the order of `Top`, of error messages and of the docs.
            const NAMES: &'static [&'static str] = &[$($name),*];
            const ALL: &'static [Top] = &[$(Top::$variant),*];
        }
    };
}

top_fields! {
    EventId => "event_id",
    Type => "type",
    Timestamp => "timestamp",
    UserId => "user_id",
    SessionId => "session_id",
    DeviceId => "device_id",
    Ip => "ip",
    IpCountry => "ip_country",
    Email => "email",
    Phone => "phone",
    Card => "card",
    ShippingAddress => "shipping_address",
    BillingAddress => "billing_address",
    ShopId => "shop_id",
    AffiliateId => "affiliate_id",
    OrderId => "order_id",
    CouponCode => "coupon_code",
    Amount => "amount",
    Currency => "currency",
    Status => "status",
    Change => "change",
    Items => "items",
    Attributes => "attributes",
}

/// The fields that must be present, in the order they are reported when missing.
const REQUIRED: [Top; 3] = [Top::EventId, Top::Type, Top::Timestamp];

/// The field names, for the reader to find keys in (see [`KeyTable`]).
const TOP: KeyTable<64> = KeyTable::new(Top::NAMES);

impl Top {
    /// A table load rather than a `match`: no jump table to mispredict.
    fn name(self) -> &'static str {
        Top::NAMES.get(self as usize).copied().unwrap_or_default()
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// Reads the event object, which must be all of the input, into `event` (which holds
/// placeholders for the required fields). Filling a caller's event rather than returning one
/// saves moving 700 bytes through each `Result` on the way out.
pub(crate) fn read_event<'a>(r: &mut Reader<'a>, event: &mut Event<'a>) -> Result<(), Fail> {
    let first = r.peek();
    let start = r.pos();
    if first != Some(b'{') {
        return Err(not_an_object(r, first));
    }
    r.enter()?;
    // `seen` proves that each required field overwrote its placeholder.
    let mut seen = 0u32;
    let mut last = START;
    while let Some((index, at)) = r.next_field(last, &TOP)? {
        last = index;
        // `TOP` is built from `Top::NAMES`, which is in the order of `Top::ALL`.
        let Some(&field) = Top::ALL.get(index) else {
            return Err(Fail::syntax(at, "unknown field"));
        };
        if seen & field.bit() != 0 {
            return Err(duplicate_field(field.name(), at));
        }
        seen |= field.bit();
        read_field(r, field, event).in_field(Path::Field(field.name()))?;
    }
    // Malformed input is reported before a missing field: it may be why the field is missing.
    r.finish()?;
    if let Some(missing) = REQUIRED.iter().find(|f| seen & f.bit() == 0) {
        return Err(Fail::field(start, missing.name(), "required field is missing"));
    }
    Ok(())
}

/// An event with placeholders for the required fields, for [`read_event`] to fill.
pub(crate) fn placeholder<'a>() -> Event<'a> {
    Event::new("", EventType::Known(KnownType::AccountSignup), Timestamp(0))
}

/// Input that is not an object is malformed as a whole: no field is at fault.
#[cold]
fn not_an_object(r: &Reader<'_>, first: Option<u8>) -> Fail {
    match first {
        None => Fail::syntax(r.pos(), "expected a JSON object, got end of input"),
        Some(_) => r.type_error("a JSON object").into_syntax(),
    }
}

/// Reads one field's value into the event: the dispatch table of the format.
#[inline(always)]
fn read_field<'a>(r: &mut Reader<'a>, field: Top, e: &mut Event<'a>) -> Result<(), Fail> {
    match field {
        Top::EventId => e.event_id = values::event_id(r)?,
        Top::Type => e.event_type = values::event_type(r)?,
        Top::Timestamp => e.timestamp = values::timestamp(r)?,
        Top::UserId => e.user_id = values::text(r)?,
        Top::SessionId => e.session_id = values::text(r)?,
        Top::DeviceId => e.device_id = values::text(r)?,
        Top::Ip => e.ip = ip::ip(r)?,
        Top::IpCountry => e.ip_country = values::country(r)?,
        Top::Email => e.email = values::email(r)?,
        Top::Phone => e.phone = values::text(r)?,
        Top::Card => nested::card(r, &mut e.card)?,
        Top::ShippingAddress => e.shipping_address = address(r, "shipping_address")?,
        Top::BillingAddress => e.billing_address = address(r, "billing_address")?,
        Top::ShopId => e.shop_id = values::text(r)?,
        Top::AffiliateId => e.affiliate_id = values::text(r)?,
        Top::OrderId => e.order_id = values::text(r)?,
        Top::CouponCode => e.coupon_code = values::text(r)?,
        Top::Amount => e.amount = values::money(r)?,
        Top::Currency => e.currency = values::currency(r)?,
        Top::Status => e.status = values::text(r)?,
        Top::Change => e.change = values::text(r)?,
        Top::Items => e.items = nested::items(r)?,
        Top::Attributes => e.attributes = nested::attributes(r)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_in_the_table() {
        assert_eq!(Top::ALL.len(), Top::NAMES.len());
        for (field, name) in Top::ALL.iter().zip(Top::NAMES) {
            assert_eq!(TOP.lookup(name).and_then(|i| Top::ALL.get(i)), Some(field), "{name}");
            assert_eq!(field.name(), *name);
        }
        for other in ["", "e", "event_iD", "items_", "cards", "amounts", "shipping_address_", "iX", "Xp"] {
            assert_eq!(TOP.lookup(other), None, "{other}");
        }
        assert!(Top::ALL.len() <= 32, "`seen` is a u32 bit set");
    }
}
