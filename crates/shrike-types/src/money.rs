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
            value = value * 10 + i128::from(b - b'0');
            count += 1;
            if count > 40 {
                return Err(MoneyError::Range);
            }
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

/// The fast path for the common shape `-?digits(.digits)?` with at most 6 decimals and
/// 15 integer digits (no overflow possible); anything else takes the general path.
fn parse_plain(b: &[u8]) -> Option<Money> {
    let (neg, b) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let dot = b.iter().position(|&c| c == b'.').unwrap_or(b.len());
    let (int, frac) = (&b[..dot], b.get(dot + 1..).unwrap_or(&[]));
    if int.is_empty() || int.len() > 15 || frac.len() > 6 || (dot < b.len() && frac.is_empty()) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int.iter().chain(frac) {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    v *= 10i64.pow(6 - frac.len() as u32);
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
        assert_eq!(Money::parse("-5.25"), Ok(Money(-5_250_000)));
    }

    #[test]
    fn displays_shortest_form() {
        assert_eq!(Money(12_340_000).to_string(), "12.34");
        assert_eq!(Money(-1).to_string(), "-0.000001");
        assert_eq!(Money(5_000_000).to_string(), "5");
    }

    proptest::proptest! {
        #[test]
        fn display_parse_roundtrip(v in proptest::num::i64::ANY) {
            let m = Money(v);
            proptest::prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }
    }
}
