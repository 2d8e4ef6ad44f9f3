//! Readers for the structured fields: `card`, `items` and `attributes`.

use std::borrow::Cow;

use crate::event::{AttrValue, Card, Item, Str};
use crate::limits::{MAX_ATTRIBUTES, MAX_ITEMS};

use super::error::{Fail, InField, Path};
use super::keys::KeyTable;
use super::object::{duplicate_field, fields, object_or_null};
use super::reader::{Lit, Reader};
use super::values;

const CARD_KEYS: KeyTable<16> = KeyTable::new(&["fingerprint", "bin", "last4", "country", "brand"]);

const ITEM_KEYS: KeyTable<16> = KeyTable::new(&["sku", "category", "quantity", "price"]);

/// Reads `card` into `slot`, in place (a card is 120 bytes; moving it through `Result`s
/// costs more than reading its fields).
pub(crate) fn card<'a>(r: &mut Reader<'a>, slot: &mut Option<Card<'a>>) -> Result<(), Fail> {
    if !object_or_null(r, "an object")? {
        *slot = None;
        return Ok(());
    }
    let card = slot.insert(Card::default());
    fields(r, &CARD_KEYS, |r, i, name| {
        let path = Path::Sub("card", name);
        let field = match i {
            0 => &mut card.fingerprint,
            1 => &mut card.bin,
            2 => &mut card.last4,
            4 => &mut card.brand,
            _ => {
                card.country = values::country(r).in_field(path)?;
                return Ok(());
            }
        };
        *field = values::text(r).in_field(path)?;
        Ok(())
    })
}

pub(crate) fn items<'a>(r: &mut Reader<'a>) -> Result<Vec<Item<'a>>, Fail> {
    match r.peek() {
        Some(b'[') => r.enter()?,
        _ if r.null()? => return Ok(Vec::new()),
        _ => return Err(r.type_error("an array of items")),
    }
    let mut items = Vec::new();
    let mut count = 0;
    while r.next_element(&mut count)? {
        if count > MAX_ITEMS {
            return Err(Fail::value(r.pos(), format!("more than MAX_ITEMS ({MAX_ITEMS}) items")));
        }
        let index = count - 1;
        let item = item(r, index).in_field(Path::Item(index, None))?;
        push(&mut items, item);
    }
    Ok(items)
}

fn item<'a>(r: &mut Reader<'a>, index: usize) -> Result<Item<'a>, Fail> {
    if r.peek() != Some(b'{') {
        return Err(r.type_error("an object"));
    }
    r.enter()?;
    let mut item = Item { quantity: 1, ..Item::default() };
    fields(r, &ITEM_KEYS, |r, i, name| {
        let path = Path::Item(index, Some(name));
        match i {
            0 => item.sku = values::text(r).in_field(path)?,
            1 => item.category = values::text(r).in_field(path)?,
            2 => item.quantity = values::count(r).in_field(path)?.unwrap_or(1),
            _ => item.price = values::money(r).in_field(path)?,
        }
        Ok(())
    })?;
    Ok(item)
}

/// Free attributes: any keys (at most [`MAX_ATTRIBUTES`], each once), any JSON values.
pub(crate) fn attributes<'a>(r: &mut Reader<'a>) -> Result<Vec<(Str<'a>, AttrValue<'a>)>, Fail> {
    if !object_or_null(r, "an object")? {
        return Ok(Vec::new());
    }
    let mut attrs: Vec<(Str<'a>, AttrValue<'a>)> = Vec::new();
    let mut count = 0;
    while let Some(key) = r.next_key(&mut count)? {
        if count > MAX_ATTRIBUTES {
            let msg = format!("more than MAX_ATTRIBUTES ({MAX_ATTRIBUTES}) attributes");
            return Err(Fail::value(key.at, msg));
        }
        // A linear scan: at most 64 short keys, cheaper than hashing for the usual handful.
        if attrs.iter().any(|(k, _)| *k == key.name) {
            return Err(duplicate_field(&key.name, key.at));
        }
        let value = attr_value(r).in_field(Path::Attr(&key.name))?;
        push(&mut attrs, (key.name, value));
    }
    Ok(attrs)
}

/// `Vec::push`, with the first allocation made directly at the capacity the growth path
/// would pick (4): cheaper than that path (~100 instructions), same memory.
#[inline(always)]
fn push<T>(list: &mut Vec<T>, value: T) {
    if list.capacity() == 0 {
        *list = Vec::with_capacity(FIRST_CAPACITY);
    }
    list.push(value);
}

/// What `Vec` grows an empty list to for elements of these sizes.
const FIRST_CAPACITY: usize = 4;

#[inline(always)]
fn attr_value<'a>(r: &mut Reader<'a>) -> Result<AttrValue<'a>, Fail> {
    match r.plain_string() {
        Some(s) => Ok(AttrValue::String(Cow::Borrowed(s))),
        None => attr_value_general(r),
    }
}

#[inline(never)]
fn attr_value_general<'a>(r: &mut Reader<'a>) -> Result<AttrValue<'a>, Fail> {
    Ok(match r.peek() {
        Some(b'"') => AttrValue::String(r.string()?),
        Some(b'-' | b'0'..=b'9') => AttrValue::Number(Cow::Borrowed(r.number()?)),
        Some(b't' | b'f' | b'n') => match r.literal()? {
            Lit::True => AttrValue::Bool(true),
            Lit::False => AttrValue::Bool(false),
            Lit::Null => AttrValue::Null,
        },
        Some(b'{' | b'[') => {
            let mut json = String::new();
            r.compact(&mut json)?;
            AttrValue::Json(json)
        }
        _ => return Err(r.unexpected()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::object::keys_agree;

    #[test]
    fn key_lookups_agree_with_names() {
        keys_agree(&CARD_KEYS);
        keys_agree(&ITEM_KEYS);
    }
}
