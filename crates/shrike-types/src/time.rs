//! Event time and durations, in integer milliseconds since the Unix epoch (UTC).
//!
//! RFC 3339 parsing and printing live here so that no date library is on the hot path.

use std::fmt;

/// A point in event time: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A span of time in milliseconds (may be negative when computed as a difference).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    pub const SECOND: Duration = Duration(1_000);
    pub const MINUTE: Duration = Duration(60_000);
    pub const HOUR: Duration = Duration(3_600_000);
    pub const DAY: Duration = Duration(86_400_000);

    pub fn millis(self) -> i64 {
        self.0
    }

    /// The default bucket width of a sliding window: the largest whole number of seconds that
    /// divides the window and is at most 1/60 of it (1 s at least). So `10m` counts in 10 s
    /// buckets, `1h` in 1 min, `24h` in 24 min, `30d` in 12 h, `90d` in 36 h.
    pub fn default_resolution(self) -> Duration {
        let secs = (self.0 / 1_000).max(1);
        Duration(largest_divisor_at_most(secs, (secs / 60).max(1)) * 1_000)
    }

    /// Parses a duration literal such as `30s`, `10m`, `1h`, `7d`, `2w` or `500ms`.
    pub fn parse_literal(text: &str) -> Option<Duration> {
        let split = text.find(|c: char| !c.is_ascii_digit())?;
        let (num, unit) = text.split_at(split);
        let n: i64 = num.parse().ok()?;
        let unit_ms = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return None,
        };
        n.checked_mul(unit_ms).map(Duration)
    }
}

impl fmt::Display for Duration {
    /// Prints the largest exact unit (`90d`, `10m`, `1500ms`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
            if ms != 0 && ms % size == 0 {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }

    pub fn plus(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.0))
    }

    pub fn minus(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(d.0))
    }

    /// Milliseconds since midnight UTC.
    pub fn time_of_day(self) -> Duration {
        Duration(self.0.rem_euclid(86_400_000))
    }

    /// Day of the week, 0 = Monday … 6 = Sunday (UTC).
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        ((self.0.div_euclid(86_400_000) + 3).rem_euclid(7)) as u8
    }

    /// Parses RFC 3339 (`2026-11-25T18:24:19Z`, `2026-11-25T18:24:19.123+01:00`).
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if let Ok(fixed) = <&[u8; 24]>::try_from(b)
            && let Some(t) = parse_utc_millis(fixed)
        {
            return Some(t);
        }
        parse_general(b)
    }
}

/// [`Timestamp::parse_rfc3339`] for any shape.
fn parse_general(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (hour, min, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let (millis, rest) = fraction(&b[19..])?;
    let offset_min = offset(rest)?;
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + min * 60 + sec.min(59) - offset_min * 60;
    Some(Timestamp(secs * 1_000 + millis))
}

/// The common shape `YYYY-MM-DDTHH:MM:SS.mmmZ` (what Shrike and most encoders write), read
/// with fixed offsets. `None` for anything else, including invalid dates, which the general
/// path then decides (so the answer is the same either way).
///
/// Eight bytes at a time: XOR with the template `0000-00-00T00:00:00.000Z` leaves each digit's
/// value in its byte and zero in each separator's, so checking the shape is a few masks.
#[inline]
pub(crate) fn parse_utc_millis(b: &[u8; 24]) -> Option<Timestamp> {
    const TEMPLATE: [u64; 3] = words(b"0000-00-00T00:00:00.000Z");
    // Digit bytes of each word; the others are separators.
    const DIGITS: [u64; 3] = [0x00FF_FF00_FFFF_FFFF, 0xFFFF_00FF_FF00_FFFF, 0x00FF_FFFF_00FF_FF00];
    let (chunks, _) = b.as_chunks::<8>();
    let &[c0, c1, c2] = chunks else {
        return None;
    };
    let x = [c0, c1, c2].map(u64::from_le_bytes);
    let mut bad = 0;
    let mut d = [0u64; 3];
    for i in 0..3 {
        d[i] = x[i] ^ TEMPLATE[i];
        // A separator byte must be zero now; a digit byte below 10 (adding 0x76 sets the high
        // bit from 10 up; a byte of 0x80 or more is caught by its own high bit, and what it
        // carries into the bytes above, or out of the word, only flags more).
        let digits = d[i] & DIGITS[i];
        bad |= (d[i] & !DIGITS[i]) | ((digits | digits.wrapping_add(DIGITS[i] & 0x7676_7676_7676_7676)) & HIGH_BITS);
    }
    if bad != 0 {
        return None;
    }
    // Byte k of `pairs` is the two-digit number of bytes k and k + 1 (digits are < 10, so
    // nothing carries between bytes).
    let pairs = d.map(|w| w * 10 + (w >> 8));
    let at = |w: usize, k: u32| ((pairs[w] >> (8 * k)) & 0xff) as i64;
    let year = at(0, 0) * 100 + at(0, 2);
    let (month, day) = (at(0, 5), at(1, 0));
    let (hour, min, sec) = (at(1, 3), at(1, 6), at(2, 1));
    let millis = at(2, 4) * 10 + ((d[2] >> 48) & 0xff) as i64;
    if !(1..=12).contains(&month) || day < 1 || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    if day > 28 && day > days_in_month(year, month) {
        return None;
    }
    let secs = days_from_civil_4digit(year, month, day) * 86_400 + hour * 3_600 + min * 60 + sec;
    Some(Timestamp(secs * 1_000 + millis))
}

/// [`days_from_civil`] for years 0 to 9999, in unsigned arithmetic: 400 years (one era) are
/// added so that January of year 0 stays positive, and every division is by a constant.
#[inline(always)]
fn days_from_civil_4digit(y: i64, m: i64, d: i64) -> i64 {
    let (y, m, d) = (y.unsigned_abs() + 400, m.unsigned_abs(), d.unsigned_abs());
    let (y, mp) = if m > 2 { (y, m - 3) } else { (y - 1, m + 9) };
    let (era, yoe) = (y / 400, y % 400);
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe) as i64 - 719_468 - 146_097
}

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Three little-endian words of 24 bytes, at compile time.
const fn words(b: &[u8; 24]) -> [u64; 3] {
    let mut out = [0u64; 3];
    let mut i = 0;
    while i < 24 {
        out[i / 8] |= (b[i] as u64) << (8 * (i % 8));
        i += 1;
    }
    out
}

/// Largest divisor of `n` that is `<= cap` (`n, cap >= 1`), in O(sqrt n).
fn largest_divisor_at_most(n: i64, cap: i64) -> i64 {
    let mut best = 1;
    let mut d = 1;
    while d * d <= n {
        if n % d == 0 {
            for c in [d, n / d] {
                if c <= cap && c > best {
                    best = c;
                }
            }
        }
        d += 1;
    }
    best
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Reads an optional `.fff…` fraction (kept to milliseconds, extra digits truncated).
fn fraction(b: &[u8]) -> Option<(i64, &[u8])> {
    if b.first() != Some(&b'.') {
        return Some((0, b));
    }
    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 9 {
        return None;
    }
    let mut ms = 0i64;
    for i in 0..3 {
        let d = b.get(1 + i).filter(|c| i < n && c.is_ascii_digit());
        ms = ms * 10 + d.map_or(0, |c| i64::from(c - b'0'));
    }
    Some((ms, &b[1 + n..]))
}

fn offset(b: &[u8]) -> Option<i64> {
    match b {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])?;
            let m = digits(&[*m1, *m2])?;
            if h > 23 || m > 59 {
                return None;
            }
            let total = h * 60 + m;
            Some(if *sign == b'-' { -total } else { total })
        }
        _ => None,
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with milliseconds: `2026-11-25T18:24:19.123Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400_000);
        let ms_of_day = self.0.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
        let (mi, rest) = (rest / 60_000, rest % 60_000);
        let (s, ms) = (rest / 1_000, rest % 1_000);
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339() {
        let t = Timestamp::parse_rfc3339("2026-11-25T18:24:19Z").unwrap();
        assert_eq!(t.0, 1_795_631_059_000);
        let t2 = Timestamp::parse_rfc3339("2026-11-25T19:24:19.250+01:00").unwrap();
        assert_eq!(t2.0, 1_795_631_059_250);
        assert_eq!(t2.to_string(), "2026-11-25T18:24:19.250Z");
        assert_eq!(Timestamp::parse_rfc3339("1970-01-01T00:00:00Z"), Some(Timestamp(0)));
    }

    #[test]
    fn rejects_bad_dates() {
        for bad in [
            "yesterday",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T18:24:19",
            "2026-11-25T18:24:19.Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn weekday_and_time_of_day() {
        let t = Timestamp::parse_rfc3339("2026-11-25T18:24:19Z").unwrap(); // a Wednesday
        assert_eq!(t.weekday(), 2);
        assert_eq!(t.time_of_day(), Duration(18 * 3_600_000 + 24 * 60_000 + 19_000));
    }

    #[test]
    fn duration_literals() {
        assert_eq!(Duration::parse_literal("10m"), Some(Duration(600_000)));
        assert_eq!(Duration::parse_literal("90d"), Some(Duration(90 * 86_400_000)));
        assert_eq!(Duration::parse_literal("500ms"), Some(Duration(500)));
        assert_eq!(Duration::parse_literal("10x"), None);
        assert_eq!(Duration(600_000).to_string(), "10m");
        assert_eq!(Duration::parse_literal("10m").unwrap().default_resolution(), Duration(10_000));
        assert_eq!(Duration::parse_literal("90d").unwrap().default_resolution(), Duration(129_600_000));
        assert_eq!(Duration(1_000_000).default_resolution(), Duration(10_000));
        assert_eq!(Duration(45_000).default_resolution(), Duration(1_000));
    }

    #[test]
    fn fast_path_agrees_with_general_path() {
        for text in [
            "2026-11-25T18:24:19.250Z",
            "2024-02-29T23:59:59.999Z",
            "2023-02-29T00:00:00.000Z",
            "2026-11-25T18:24:60.000Z",
            "0000-01-01T00:00:00.000Z",
            "2026-11-25t18:24:19.250Z",
            "2026-11-25T18:24:19.250z",
            "2026-00-25T18:24:19.250Z",
            "2026-11-25T18:24:1x.250Z",
        ] {
            let general = parse_general(text.as_bytes());
            let fast = <&[u8; 24]>::try_from(text.as_bytes()).ok().and_then(parse_utc_millis);
            assert!(fast.is_none() || fast == general, "{text}");
        }
        assert_eq!(Timestamp::parse_rfc3339("2026-11-25T18:24:19.250Z"), Some(Timestamp(1_795_631_059_250)));
    }

    #[test]
    fn four_digit_days_agree() {
        for y in 0..=9999 {
            for m in 1..=12 {
                for d in [1, 28, days_in_month(y, m)] {
                    assert_eq!(days_from_civil_4digit(y, m, d), days_from_civil(y, m, d), "{y}-{m}-{d}");
                }
            }
        }
    }

    #[test]
    fn fast_path_agrees_on_every_single_byte_change() {
        for base in ["2026-11-25T18:24:19.250Z", "2024-02-29T23:59:59.999Z", "0000-01-01T00:00:00.000Z"] {
            for at in 0..24 {
                for byte in 0..=255u8 {
                    let mut text = *<&[u8; 24]>::try_from(base.as_bytes()).unwrap();
                    text[at] = byte;
                    let fast = parse_utc_millis(&text);
                    assert!(fast.is_none() || fast == parse_general(&text), "{:?}", String::from_utf8_lossy(&text));
                    // Every valid date of this shape is read by the fast path, bar leap seconds.
                    if byte.is_ascii_digit() && !matches!(at, 4 | 7 | 10 | 13 | 16 | 17 | 19 | 23) {
                        assert_eq!(fast, parse_general(&text), "{:?}", String::from_utf8_lossy(&text));
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees(ms in -62_000_000_000_000i64..250_000_000_000_000i64) {
            let text = Timestamp(ms).to_string();
            if let Ok(fixed) = <&[u8; 24]>::try_from(text.as_bytes()) {
                proptest::prop_assert_eq!(parse_utc_millis(fixed), parse_general(fixed));
                proptest::prop_assert_eq!(parse_utc_millis(fixed), Some(Timestamp(ms)));
            }
        }

        #[test]
        fn display_parse_roundtrip(ms in -62_000_000_000_000i64..250_000_000_000_000i64) {
            let t = Timestamp(ms);
            proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
        }
    }
}
