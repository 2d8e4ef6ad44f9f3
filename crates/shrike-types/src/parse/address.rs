//! Postal addresses, reduced at parse time to a stable key (see [`Address`]).
//!
//! Normalising a part: letters lower-cased, anything that is neither alphanumeric nor
//! whitespace dropped (so `St.` = `St`, `O'Brien` = `OBrien`), runs of whitespace collapsed
//! to one space, ends trimmed. The key joins the parts country, postal code, city, line1 and
//! line2 with `|`, so `|` never survives inside a part. Normalising a key again leaves it
//! unchanged, which is what lets a written key be read back as the same address.

use std::borrow::Cow;

use crate::event::{Address, Str};

use super::error::{Fail, InField, Path};
use super::keys::KeyTable;
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

/// One part, normalised; borrowed when it already is.
fn normalise(part: Str<'_>) -> Str<'_> {
    if is_normal(&part) {
        return part;
    }
    let mut out = String::with_capacity(part.len());
    normalise_into(&mut out, &part);
    Cow::Owned(out)
}

/// Appends `part`, normalised (see the module doc), to `out`.
#[inline]
pub(crate) fn normalise_into(out: &mut String, part: &str) {
    if is_normal(part) {
        out.push_str(part);
    } else if part.is_ascii() {
        normalise_ascii_into(out, part.as_bytes());
    } else {
        normalise_chars_into(out, part);
    }
}

/// [`normalise_chars_into`] for ASCII text, a byte at a time. For ASCII, `char::is_whitespace`
/// is exactly `\t`, `\n`, `\x0b`, `\x0c`, `\r` and space, and `char::is_alphanumeric` is
/// `is_ascii_alphanumeric`.
fn normalise_ascii_into(out: &mut String, part: &[u8]) {
    let start = out.len();
    let mut space = false;
    for &b in part {
        if matches!(b, b' ' | b'\t'..=b'\r') {
            space = out.len() > start;
        } else if b.is_ascii_alphanumeric() {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(char::from(b.to_ascii_lowercase()));
        }
    }
}

/// The general case of [`normalise_into`], a character at a time.
fn normalise_chars_into(out: &mut String, part: &str) {
    let start = out.len();
    let mut space = false;
    for c in part.chars() {
        if c.is_whitespace() {
            space = out.len() > start;
        } else if c.is_alphanumeric() {
            if space {
                out.push(' ');
                space = false;
            }
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
}

/// Whether an ASCII part is already normal: only `[a-z0-9]` and single spaces between
/// them. Non-ASCII parts are always re-normalised: the check would cost as much as the work.
#[inline]
fn is_normal(part: &str) -> bool {
    let b = part.as_bytes();
    // `space` starts true so that a leading space fails like a double one.
    let mut space = true;
    for &c in b {
        if c == b' ' {
            if space {
                return false;
            }
            space = true;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            space = false;
        } else {
            return false;
        }
    }
    !space || b.is_empty()
}

fn is_normal_key(key: &str) -> bool {
    key.split('|').all(is_normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        normalise_into(&mut out, s);
        out
    }

    #[test]
    fn normalises_parts() {
        let cases = [
            ("1 Main St.", "1 main st"),
            ("  1  main\tst ", "1 main st"),
            ("O'Brien-Str. 5", "obrienstr 5"),
            ("Straße 7 · Köln", "straße 7 köln"),
            ("Apt #5, Floor 2", "apt 5 floor 2"),
            ("a | b", "a b"),
            ("...", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(norm(raw), want, "{raw}");
            assert_eq!(norm(want), want, "idempotent: {want}");
            assert_eq!(is_normal(want), want.is_ascii(), "{want}");
        }
        assert!(!is_normal("1 Main St"));
        assert!(!is_normal(" 1"));
    }

    #[test]
    fn ascii_fast_paths_agree_with_chars() {
        let mut samples: Vec<String> = (0u8..128).map(|b| format!("a{}B {}c", char::from(b), char::from(b))).collect();
        samples.extend(
            ["", " ", "a", "a ", " a", "a  b", "a b", "1957 south rd", "96783-938", "SAO PAULO", "x\x0by", "x\x1cy"]
                .map(String::from),
        );
        for s in &samples {
            let mut chars = String::from("k|");
            normalise_chars_into(&mut chars, s);
            let mut fast = String::from("k|");
            normalise_into(&mut fast, s);
            assert_eq!(fast, chars, "{s:?}");
            let mut ascii = String::from("k|");
            normalise_ascii_into(&mut ascii, s.as_bytes());
            assert_eq!(ascii, chars, "{s:?}");
            let normal = chars.get(2..).unwrap_or_default();
            assert_eq!(is_normal(s), s == normal, "{s:?}");
        }
    }

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
