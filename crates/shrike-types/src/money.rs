//! Exact decimal money. Amounts are fixed-point integers in millionths of a currency unit
//! ("micros"), so sums and comparisons are exact and never pass through a binary float.
//!
//! Range: ±9,223,372,036,854.775807 units. Arithmetic saturates at the range ends instead of
//! wrapping, because a wrapped sum would turn a huge spend into a negative one.

use std::fmt;

/// Number of fractional decimal digits kept exactly.
pub const MONEY_SCALE_DIGITS: u32 = 6;
/// `10^MONEY_SCALE_DIGITS`.
pub const MONEY_SCALE: i64 = 1_000_000;

/// An exact decimal amount in micros (millionths of a unit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

/// Why a decimal string is not a valid amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("expected a decimal number such as 12.50")]
    Syntax,
    #[error("more than {MONEY_SCALE_DIGITS} decimal places")]
    TooPrecise,
    #[error("out of range (at most 9223372036854 units)")]
    Range,
}

impl Money {
    pub const ZERO: Money = Money(0);

    /// Parses a plain decimal (`-12.5`, `100`, `0.000001`); exponents are accepted when the
    /// result is still exact (`1.25e2`).
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        if let Some(m) = parse_plain(text.as_bytes()) {
            return Ok(m);
        }
        Money::parse_general(text)
    }

    /// [`Money::parse`] for the common shape `-?digits(.digits)?` (at most 15 integer
    /// digits and 6 decimals) only: `None` for anything else, which `parse` still reads.
    #[inline]
    pub(crate) fn parse_plain(text: &str) -> Option<Money> {
        parse_plain(text.as_bytes())
    }

    #[inline(never)]
    fn parse_general(text: &str) -> Result<Money, MoneyError> {
        let (mantissa, exp) = split_exponent(text)?;
        let (neg, digits) = match mantissa.as_bytes().first() {
            Some(b'-') => (true, &mantissa[1..]),
            Some(b'+') => (false, &mantissa[1..]),
            _ => (false, mantissa),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(MoneyError::Syntax);
        }
        let all = int_part.bytes().chain(frac_part.bytes());
        let mut value: i128 = 0;
        let mut count = 0usize;
        for b in all {
            if !b.is_ascii_digit() {
                return Err(MoneyError::Syntax);
            }
            // 38 digits always fit an i128; more is out of range whatever the exponent.
            count += 1;
            if count > 38 {
                return Err(MoneyError::Range);
            }
            value = value * 10 + i128::from(b - b'0');
        }
        let scale = i64::from(MONEY_SCALE_DIGITS) + exp - frac_part.len() as i64;
        let value = rescale(value, scale)?;
        let value = if neg { -value } else { value };
        i64::try_from(value).map(Money).map_err(|_| MoneyError::Range)
    }

    /// Converts a float (for example a feature average) to money, rounding to micros.
    pub fn from_f64_lossy(v: f64) -> Money {
        Money((v * MONEY_SCALE as f64).round() as i64)
    }

    /// The amount as a float, for ratios and model inputs only.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / MONEY_SCALE as f64
    }

    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    pub fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }
}

/// `10^(6 - n)` for `n` fractional digits.
const FRAC_SCALE: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// The fast path for the common shape `-?digits(.digits)?` with at most 6 decimals and
/// 12 integer digits, so at most 18 digits in all: no overflow possible (the range has 13
/// integer digits; 14 or 15 overflowed `i64` here before). Anything else takes the general
/// path.
fn parse_plain(b: &[u8]) -> Option<Money> {
    let neg = b.first() == Some(&b'-');
    let digits = b.get(usize::from(neg)..)?;
    // 12 integer digits, a dot and 6 decimals at most.
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    let mut dot = None;
    for (i, &c) in digits.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            // Wrapping: 19 digits without a dot can exceed i64, but such input is refused by
            // the length check below before `v` is used.
            v = v.wrapping_mul(10).wrapping_add(i64::from(d));
        } else if c == b'.' && dot.is_none() {
            dot = Some(i);
        } else {
            return None;
        }
    }
    let (int_len, frac_len) = match dot {
        Some(i) => (i, digits.len() - i - 1),
        None => (digits.len(), 0),
    };
    if int_len == 0 || int_len > 12 || (dot.is_some() && frac_len == 0) {
        return None;
    }
    let v = v * *FRAC_SCALE.get(frac_len)?;
    Some(Money(if neg { -v } else { v }))
}

fn split_exponent(text: &str) -> Result<(&str, i64), MoneyError> {
    match text.find(['e', 'E']) {
        None => Ok((text, 0)),
        Some(pos) => {
            let exp: i64 = text[pos + 1..].parse().map_err(|_| MoneyError::Syntax)?;
            if !(-40..=40).contains(&exp) {
                return Err(MoneyError::Range);
            }
            Ok((&text[..pos], exp))
        }
    }
}

fn rescale(value: i128, scale: i64) -> Result<i128, MoneyError> {
    if scale >= 0 {
        let factor = 10i128.checked_pow(scale as u32).ok_or(MoneyError::Range)?;
        value.checked_mul(factor).ok_or(MoneyError::Range)
    } else {
        let factor = 10i128.checked_pow((-scale) as u32).ok_or(MoneyError::TooPrecise)?;
        if value % factor != 0 {
            return Err(MoneyError::TooPrecise);
        }
        Ok(value / factor)
    }
}

impl fmt::Display for Money {
    /// Prints the shortest exact decimal (`12.5`, `-0.000001`, `100`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let int = abs / MONEY_SCALE as u64;
        let frac = abs % MONEY_SCALE as u64;
        if neg {
            f.write_str("-")?;
        }
        if frac == 0 {
            return write!(f, "{int}");
        }
        let digits = format!("{frac:06}");
        write!(f, "{int}.{}", digits.trim_end_matches('0'))
    }
}

impl serde::Serialize for Money {
    /// Money serialises as a JSON string so no reader turns it into a binary float.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(Money::parse("12.34"), Ok(Money(12_340_000)));
        assert_eq!(Money::parse("-0.000001"), Ok(Money(-1)));
        assert_eq!(Money::parse("100"), Ok(Money(100_000_000)));
        assert_eq!(Money::parse("1.25e2"), Ok(Money(125_000_000)));
        assert_eq!(Money::parse(".5"), Ok(Money(500_000)));
    }

    #[test]
    fn rejects_bad_amounts() {
        assert_eq!(Money::parse("0.0000001"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("12a"), Err(MoneyError::Syntax));
        assert_eq!(Money::parse(""), Err(MoneyError::Syntax));
        assert_eq!(Money::parse("-"), Err(MoneyError::Syntax));
        assert_eq!(Money::parse("99999999999999999999"), Err(MoneyError::Range));
        assert_eq!(Money::parse("1e-9223372036854775808"), Err(MoneyError::Range));
        // Found by the event_json fuzz target: 40 digits overflowed the i128 accumulator.
        assert_eq!(Money::parse(&"7".repeat(45)), Err(MoneyError::Range));
        assert_eq!(Money::parse(&"9".repeat(19)), Err(MoneyError::Range));
        assert_eq!(Money::parse(&format!("0.{}", "0".repeat(39))), Err(MoneyError::Range));
        assert_eq!(Money::parse("-5.25"), Ok(Money(-5_250_000)));
    }

    #[test]
    fn displays_shortest_form() {
        assert_eq!(Money(12_340_000).to_string(), "12.34");
        assert_eq!(Money(-1).to_string(), "-0.000001");
        assert_eq!(Money(5_000_000).to_string(), "5");
    }

    #[test]
    fn fast_path_stays_in_range() {
        assert_eq!(Money::parse("99999999999999"), Err(MoneyError::Range));
        assert_eq!(Money::parse("-9223372036854.775808"), Ok(Money(i64::MIN)));
        assert_eq!(Money::parse("9223372036854.775807"), Ok(Money(i64::MAX)));
        assert_eq!(Money::parse("999999999999.999999"), Ok(Money(999_999_999_999_999_999)));
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_with_general(text in "-?[0-9]{0,17}(\\.[0-9]{0,8})?") {
            if let Some(fast) = parse_plain(text.as_bytes()) {
                proptest::prop_assert_eq!(Money::parse_general(&text), Ok(fast));
            }
        }

        #[test]
        fn display_parse_roundtrip(v in proptest::num::i64::ANY) {
            let m = Money(v);
            proptest::prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }
    }
}
