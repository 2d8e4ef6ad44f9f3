//! Postal addresses, reduced at parse time to a stable key (see [`Address`]).
//!
//! The key joins the parts country, postal code, city, line1 and line2, each normalised (see
//! `normal`), with `|`; normalising drops `|`, so it never survives inside a part.
//! Normalising a key again leaves it unchanged, which is what lets a written key be read back
//! as the same address.

use std::borrow::Cow;

use crate::event::{Address, Str};

use super::error::{Fail, InField, Path};
use super::keys::KeyTable;
use super::normal::{is_normal, is_normal_key, normalise, normalise_into};
use super::object::fields;
use super::reader::Reader;
use super::values;

/// The fields of an address object, in the order of `Parts`.
const PARTS: KeyTable<16> = KeyTable::new(&["line1", "line2", "city", "region", "postal_code", "country"]);
const COUNTRY: usize = 5;

/// Reads an address object, a plain address string, or `null`. `name` is the field's
/// name, for error paths.
pub(crate) fn address<'a>(r: &mut Reader<'a>, name: &'static str) -> Result<Option<Address<'a>>, Fail> {
    let at = r.pos();
    match r.peek() {
        Some(b'"') => {
            let s = r.string()?;
            from_string(s, at).map(Some)
        }
        Some(b'{') => from_object(r, name, at).map(Some),
        _ if r.null()? => Ok(None),
        _ => Err(r.type_error("an address object or string")),
    }
}

fn from_string(s: Str<'_>, at: usize) -> Result<Address<'_>, Fail> {
    let key = if is_normal_key(&s) {
        s
    } else {
        let mut key = String::with_capacity(s.len());
        for (i, part) in s.split('|').enumerate() {
            if i > 0 {
                key.push('|');
            }
            normalise_into(&mut key, part);
        }
        Cow::Owned(key)
    };
    check_not_empty(&key, at)?;
    Ok(Address { key, country: None, postal_code: None })
}

/// Parts as read: line1, line2, city, region, postal_code, country.
type Parts<'a> = [Option<Str<'a>>; 6];

fn from_object<'a>(r: &mut Reader<'a>, name: &'static str, at: usize) -> Result<Address<'a>, Fail> {
    r.enter()?;
    let mut parts: Parts<'a> = Default::default();
    fields(r, &PARTS, |r, i, part| {
        let path = Path::Sub(name, part);
        let value = if i == COUNTRY { country(r) } else { part_text(r) };
        if let Some(slot) = parts.get_mut(i) {
            *slot = value.in_field(path)?;
        }
        Ok(())
    })?;
    let [line1, line2, city, _region, postal_code, country] = parts;
    let postal_code = postal_code.map(normalise);
    let key = object_key(text(&country), text(&postal_code), [text(&city), text(&line1), text(&line2)]);
    // The parts hold no `|` (normalised, or a checked country code), so only the four
    // separators means every part is empty.
    if key.len() == SEPARATORS {
        return Err(empty(at));
    }
    let postal_code = postal_code.filter(|p| !p.is_empty());
    Ok(Address { key: Cow::Owned(key), country, postal_code })
}

fn text<'p>(part: &'p Option<Str<'_>>) -> &'p str {
    part.as_deref().unwrap_or_default()
}

/// `|` in an object's key: between country, postal code, city, line1 and line2.
const SEPARATORS: usize = 4;

/// The key of an address object: the parts in key order, the normalised `postal` as it is,
/// the others normalised here. Usually they are all normal already (lower case, single
/// spaces): then it is one allocation of the exact size and five copies.
fn object_key(country: &str, postal: &str, parts: [&str; 3]) -> String {
    let mut key;
    if parts.iter().all(|p| is_normal(p)) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        key = String::with_capacity(country.len() + postal.len() + len + SEPARATORS);
        push_country(&mut key, country);
        key.push('|');
        key.push_str(postal);
        for part in parts {
            key.push('|');
            key.push_str(part);
        }
    } else {
        key = String::with_capacity(64);
        push_country(&mut key, country);
        key.push('|');
        key.push_str(postal);
        for part in parts {
            key.push('|');
            normalise_into(&mut key, part);
        }
    }
    key
}

/// A country code (two ASCII letters, checked by `country`) in lower case.
fn push_country(key: &mut String, country: &str) {
    let start = key.len();
    key.push_str(country);
    if let Some(lowered) = key.get_mut(start..) {
        lowered.make_ascii_lowercase();
    }
}

#[cold]
fn empty(at: usize) -> Fail {
    Fail::value(at, "address is empty after normalisation")
}

/// An address part: a string (empty means absent, as forms send `"line2": ""`) or `null`.
#[inline(always)]
fn part_text<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    match r.plain_string() {
        Some(s) => Ok(Some(Cow::Borrowed(s))),
        None => part_text_general(r),
    }
}

#[inline(never)]
fn part_text_general<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    if r.peek() == Some(b'"') {
        let s = r.string()?;
        return Ok(Some(s).filter(|s| !s.is_empty()));
    }
    if r.null()? {
        return Ok(None);
    }
    Err(r.type_error("a string"))
}

#[inline(always)]
fn country<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    match r.fixed_str::<2>(values::upper_letters) {
        Some(code) => Ok(Some(Cow::Borrowed(code))),
        None => country_general(r),
    }
}

#[inline(never)]
fn country_general<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    let at = r.pos();
    match part_text(r)? {
        Some(s) => values::country_code(s, at).map(Some),
        None => Ok(None),
    }
}

/// An address that normalises to nothing would link every such event; refuse it.
fn check_not_empty(key: &str, at: usize) -> Result<(), Fail> {
    if key.bytes().all(|b| b == b'|') {
        return Err(Fail::value(at, "address is empty after normalisation"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lookup_agrees_with_names() {
        crate::parse::object::keys_agree(&PARTS);
    }

    #[test]
    fn plain_strings_keep_their_separators() {
        let addr = from_string("US | 94103|  1 Main St.".into(), 0).ok();
        assert_eq!(addr.map(|a| a.key), Some("us|94103|1 main st".into()));
        let normal = from_string("us|94103|sf|1 main st|".into(), 0).ok();
        assert!(matches!(normal.map(|a| a.key), Some(Cow::Borrowed(_))));
        assert!(from_string(" | .. |".into(), 0).is_err());
    }
}
