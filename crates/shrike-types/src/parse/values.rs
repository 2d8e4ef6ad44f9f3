//! Readers for scalar event fields: each reads one JSON value at the cursor and turns it into
//! its typed, normalised form, or fails with "expected …, got …" at the value's position.

use std::borrow::Cow;

use crate::event::{EventType, KnownType, Str};
use crate::limits::{MAX_EVENT_ID_LEN, MAX_TYPE_NAME_LEN};
use crate::money::{Money, MoneyError};
use crate::time::{Timestamp, parse_utc_millis};

use super::error::{Fail, quote};
use super::keys::KeyTable;
use super::reader::Reader;

const EXPECTED_TIME: &str = "RFC 3339 or epoch milliseconds";
const EXPECTED_MONEY: &str = "a decimal amount such as 12.50";

/// The plain string at the cursor, with the offset of its opening quote: the fast path
/// (see [`Reader::plain_string`]). `None` leaves the cursor where it was.
#[inline(always)]
fn plain<'a>(r: &mut Reader<'a>) -> Option<(Str<'a>, usize)> {
    let s = r.plain_string()?;
    Some((Cow::Borrowed(s), r.pos().saturating_sub(s.len() + 2)))
}

/// Reads a string, `null` (→ `None`) or fails with "expected {expected}"; `convert` gets
/// the string and its offset.
#[inline(always)]
pub(crate) fn optional<'a, T>(
    r: &mut Reader<'a>,
    expected: &str,
    convert: impl FnOnce(Str<'a>, usize) -> Result<T, Fail>,
) -> Result<Option<T>, Fail> {
    let (s, at) = match plain(r) {
        Some(found) => found,
        None => match string_or_null(r, expected)? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    convert(s, at).map(Some)
}

/// The general path of [`optional`], out of line so that every field's fast path stays small.
#[inline(never)]
fn string_or_null<'a>(r: &mut Reader<'a>, expected: &str) -> Result<Option<(Str<'a>, usize)>, Fail> {
    match r.peek() {
        Some(b'"') => {
            let at = r.pos();
            Ok(Some((r.string()?, at)))
        }
        _ if r.null()? => Ok(None),
        _ => Err(r.type_error(expected)),
    }
}

/// Reads a string that must be there (`null` is a type error).
#[inline(always)]
fn required<'a>(r: &mut Reader<'a>, expected: &str) -> Result<(Str<'a>, usize), Fail> {
    match plain(r) {
        Some(found) => Ok(found),
        None => string(r, expected),
    }
}

/// The general path of [`required`].
#[inline(never)]
fn string<'a>(r: &mut Reader<'a>, expected: &str) -> Result<(Str<'a>, usize), Fail> {
    if r.peek() != Some(b'"') {
        return Err(r.type_error(expected));
    }
    let at = r.pos();
    Ok((r.string()?, at))
}

/// An empty identifier would link every event that sent one, so it is refused rather than
/// read as absent (which would hide a caller's bug).
fn non_empty(s: Str<'_>, at: usize) -> Result<Str<'_>, Fail> {
    if s.is_empty() {
        return Err(Fail::value(at, "expected a non-empty string, got \"\""));
    }
    Ok(s)
}

/// A plain string field (`user_id`, `card.bin`, …).
#[inline(always)]
pub(crate) fn text<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    match r.plain_string() {
        Some(s) => Ok(Some(Cow::Borrowed(s))),
        None => optional(r, "a string", non_empty),
    }
}

#[inline(always)]
pub(crate) fn event_id<'a>(r: &mut Reader<'a>) -> Result<Str<'a>, Fail> {
    match r.plain_string() {
        Some(s) if s.len() <= MAX_EVENT_ID_LEN => Ok(Cow::Borrowed(s)),
        Some(s) => Err(long_event_id(r.pos().saturating_sub(s.len() + 2))),
        None => event_id_general(r),
    }
}

#[inline(never)]
fn event_id_general<'a>(r: &mut Reader<'a>) -> Result<Str<'a>, Fail> {
    let (s, at) = string(r, "a string")?;
    if s.len() > MAX_EVENT_ID_LEN {
        return Err(long_event_id(at));
    }
    non_empty(s, at)
}

#[cold]
fn long_event_id(at: usize) -> Fail {
    Fail::value(at, format!("longer than MAX_EVENT_ID_LEN ({MAX_EVENT_ID_LEN} bytes)"))
}

#[inline(always)]
pub(crate) fn event_type<'a>(r: &mut Reader<'a>) -> Result<EventType<'a>, Fail> {
    match r.known_string(&TYPES).and_then(|i| KnownType::ALL.get(i)) {
        Some(known) => Ok(EventType::Known(*known)),
        None => event_type_general(r),
    }
}

#[inline(never)]
fn event_type_general<'a>(r: &mut Reader<'a>) -> Result<EventType<'a>, Fail> {
    let (s, at) = required(r, "a string")?;
    if let Some(known) = known_type(&s) {
        return Ok(EventType::Known(known));
    }
    let valid = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.';
    if s.is_empty() || !s.bytes().all(valid) {
        let msg = format!("expected a known event type or a name of [a-z0-9_.], got {}", quote(&s));
        return Err(Fail::value(at, msg));
    }
    if s.len() > MAX_TYPE_NAME_LEN {
        let msg = format!("custom type name longer than MAX_TYPE_NAME_LEN ({MAX_TYPE_NAME_LEN} bytes)");
        return Err(Fail::value(at, msg));
    }
    Ok(EventType::Custom(s))
}

/// [`KnownType::from_name`] as a [`KeyTable`] lookup.
#[inline]
fn known_type(name: &str) -> Option<KnownType> {
    KnownType::ALL.get(TYPES.lookup(name)?).copied()
}

/// The known type names, from the one source of both (`KnownType::ALL`/`name`).
const TYPE_NAMES: [&str; 13] = {
    let mut out = [""; 13];
    let mut i = 0;
    while i < out.len() {
        out[i] = KnownType::ALL[i].name();
        i += 1;
    }
    out
};

const TYPES: KeyTable<32> = KeyTable::new(&TYPE_NAMES);

/// An RFC 3339 string or an integer of epoch milliseconds.
#[inline(always)]
pub(crate) fn timestamp(r: &mut Reader<'_>) -> Result<Timestamp, Fail> {
    // The usual shape, read in place: its 24 bytes are digits and separators only, so the
    // string needs no scan for escapes.
    match r.fixed_bytes::<24, _>(parse_utc_millis) {
        Some(t) => Ok(t),
        None => timestamp_general(r),
    }
}

#[inline(never)]
fn timestamp_general(r: &mut Reader<'_>) -> Result<Timestamp, Fail> {
    if let Some((s, at)) = plain(r) {
        return Timestamp::parse_rfc3339(&s).ok_or_else(|| bad_time(at, &quote(&s)));
    }
    let at = r.pos();
    let parsed = match r.peek() {
        Some(b'"') => {
            let s = r.string()?;
            Timestamp::parse_rfc3339(&s).ok_or_else(|| quote(&s))
        }
        Some(b'-' | b'0'..=b'9') => {
            let n = r.number()?;
            n.parse().map(Timestamp).map_err(|_| n.to_owned())
        }
        _ => return Err(r.type_error(EXPECTED_TIME)),
    };
    parsed.map_err(|got| bad_time(at, &got))
}

#[cold]
fn bad_time(at: usize, got: &str) -> Fail {
    Fail::value(at, format!("expected {EXPECTED_TIME}, got {got}"))
}

/// A JSON number or a string holding a decimal, read exactly (never through a float).
#[inline(always)]
pub(crate) fn money(r: &mut Reader<'_>) -> Result<Option<Money>, Fail> {
    match r.plain_decimal() {
        Some(m) => Ok(Some(m)),
        None => money_general(r),
    }
}

#[inline(never)]
fn money_general(r: &mut Reader<'_>) -> Result<Option<Money>, Fail> {
    let (text, at) = match plain(r) {
        Some(found) => found,
        None => match money_text(r)? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    parse_money(&text).map(Some).map_err(|e| bad_money(at, e, &text))
}

/// The general path of [`money`]: an escaped string, a number, or `null` (→ `None`).
fn money_text<'a>(r: &mut Reader<'a>) -> Result<Option<(Str<'a>, usize)>, Fail> {
    let next = r.peek();
    let at = r.pos();
    let text = match next {
        Some(b'"') => r.string()?,
        Some(b'-' | b'0'..=b'9') => Cow::Borrowed(r.number()?),
        _ if r.null()? => return Ok(None),
        _ => return Err(r.type_error(EXPECTED_MONEY)),
    };
    Ok(Some((text, at)))
}

#[cold]
fn bad_money(at: usize, e: MoneyError, text: &str) -> Fail {
    let msg = match e {
        MoneyError::Syntax => format!("expected {EXPECTED_MONEY}, got {}", quote(text)),
        other => other.to_string(),
    };
    Fail::value(at, msg)
}

fn parse_money(text: &str) -> Result<Money, MoneyError> {
    // The common shape, which has no exponent: no need to look for one.
    if let Some(m) = Money::parse_plain(text) {
        return Ok(m);
    }
    // `Money::parse` reads the exponent as an i64 and negates it; keep absurd exponents
    // (`1e-9223372036854775808`) away from that arithmetic. Any exponent this long is out
    // of range anyway.
    let exponent_len = text.find(['e', 'E']).map_or(0, |p| text.len() - p - 1);
    if exponent_len > 18 {
        return Err(MoneyError::Range);
    }
    Money::parse(text)
}

/// An ISO 3166-1 alpha-2 code, upper-cased.
#[inline(always)]
pub(crate) fn country<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    match r.fixed_str::<2>(upper_letters) {
        Some(code) => Ok(Some(Cow::Borrowed(code))),
        None => country_general(r),
    }
}

#[inline(never)]
fn country_general<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    optional(r, "a country code string", country_code)
}

/// The already normal code: upper-case ASCII letters only (so nothing to escape).
#[inline(always)]
pub(crate) fn upper_letters<const N: usize>(code: &[u8; N]) -> bool {
    code.iter().all(u8::is_ascii_uppercase)
}

pub(crate) fn country_code(s: Str<'_>, at: usize) -> Result<Str<'_>, Fail> {
    letters(s, at, 2, "a 2-letter country code such as \"US\"")
}

/// An ISO 4217 code, upper-cased.
#[inline(always)]
pub(crate) fn currency<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    match r.fixed_str::<3>(upper_letters) {
        Some(code) => Ok(Some(Cow::Borrowed(code))),
        None => currency_general(r),
    }
}

#[inline(never)]
fn currency_general<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    optional(r, "a currency code string", |s, at| letters(s, at, 3, "a 3-letter currency code such as \"USD\""))
}

#[inline]
fn letters<'a>(s: Str<'a>, at: usize, len: usize, expected: &str) -> Result<Str<'a>, Fail> {
    // The usual case, already upper case: nothing to change.
    if s.len() == len && s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Ok(s);
    }
    letters_slow(s, at, len, expected)
}

#[inline(never)]
fn letters_slow<'a>(s: Str<'a>, at: usize, len: usize, expected: &str) -> Result<Str<'a>, Fail> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Fail::value(at, format!("expected {expected}, got {}", quote(&s))));
    }
    Ok(upper(s))
}

fn upper(s: Str<'_>) -> Str<'_> {
    if s.bytes().any(|b| b.is_ascii_lowercase()) { Cow::Owned(s.to_ascii_uppercase()) } else { s }
}

/// An e-mail address, lower-cased (owned only when that changed it).
pub(crate) fn email<'a>(r: &mut Reader<'a>) -> Result<Option<Str<'a>>, Fail> {
    optional(r, "a string", |s, at| non_empty(s, at).map(lower))
}

fn lower(s: Str<'_>) -> Str<'_> {
    let has_upper =
        if s.is_ascii() { s.bytes().any(|b| b.is_ascii_uppercase()) } else { s.chars().any(char::is_uppercase) };
    if has_upper { Cow::Owned(s.to_lowercase()) } else { s }
}

/// A non-negative integer that fits `u32` (`items[].quantity`); `null` is `None`.
#[inline(always)]
pub(crate) fn count(r: &mut Reader<'_>) -> Result<Option<u32>, Fail> {
    match r.small_uint() {
        Some(n) => Ok(Some(n)),
        None => count_general(r),
    }
}

#[inline(never)]
fn count_general(r: &mut Reader<'_>) -> Result<Option<u32>, Fail> {
    const EXPECTED: &str = "a non-negative integer";
    let at = r.pos();
    match r.peek() {
        Some(b'-' | b'0'..=b'9') => {
            let n = r.number()?;
            // The common case, up to 9 digits (no overflow), without `str::parse`.
            if n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(Some(n.bytes().fold(0, |v, b| v * 10 + u32::from(b - b'0'))));
            }
            let msg = || format!("expected {EXPECTED}, got {n}");
            n.parse().map(Some).map_err(|_| Fail::value(at, msg()))
        }
        _ if r.null()? => Ok(None),
        _ => Err(r.type_error(EXPECTED)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_without_copying_when_already_normal() {
        assert!(matches!(upper("US".into()), Cow::Borrowed("US")));
        assert_eq!(upper("us".into()), "US");
        assert!(matches!(lower("a@b.com".into()), Cow::Borrowed(_)));
        assert_eq!(lower("Ä@B.com".into()), "ä@b.com");
    }

    #[test]
    fn known_types_are_found() {
        for (known, name) in KnownType::ALL.iter().zip(TYPE_NAMES) {
            assert_eq!(known.name(), name);
        }
        for known in KnownType::ALL {
            assert_eq!(known_type(known.name()), Some(known));
            assert_eq!(known_type(&format!("{}_", known.name())), None);
            assert_eq!(known_type(&known.name()[1..]), None);
        }
        for other in ["", "a", "wishlist.add", "payment.attemps", "Payment.attempt", "chargebacks", "chargebacK"] {
            assert_eq!(known_type(other), KnownType::from_name(other), "{other}");
        }
    }

    #[test]
    fn guards_money_exponents() {
        assert_eq!(parse_money("1e-9223372036854775808"), Err(MoneyError::Range));
        assert_eq!(parse_money("1.5e2"), Ok(Money(150_000_000)));
    }
}
