//! The built-in functions: one registry with each function's name, signature and evaluation.
//! `matches(s, "regex")` and `ip_in(ip, "cidr")` take literal patterns and are compiled by the
//! checker into dedicated IR nodes instead.

use std::borrow::Cow;
use std::net::IpAddr;

use shrike_types::{Duration, Money, Timestamp, Type, Value};

/// A built-in function (other than `matches` and `ip_in`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Lower,
    Upper,
    StartsWith,
    EndsWith,
    Contains,
    Len,
    Prefix,
    IsMissing,
    IpPrefix,
    HourOfDay,
    DayOfWeek,
    Age,
    Ratio,
    Abs,
    Min,
    Max,
    Number,
    Minutes,
    Hours,
    Days,
}

/// Name and one-line description, for `shrike check --functions` and the docs.
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("lower(s)", "string in lower case"),
    ("upper(s)", "string in upper case"),
    ("starts_with(s, prefix)", "bool"),
    ("ends_with(s, suffix)", "bool"),
    ("contains(s, part)", "bool"),
    ("len(s)", "number of characters"),
    ("prefix(s, n)", "the first n characters (e.g. a phone prefix)"),
    ("is_missing(x)", "true when x is missing; never missing itself"),
    ("ip_prefix(ip, bits)", "the network of ip as a string, e.g. ip_prefix(ip, 24) = \"203.0.113.0/24\""),
    ("hour_of_day(t)", "0–23, UTC"),
    ("day_of_week(t)", "0 = Monday … 6 = Sunday, UTC"),
    ("age(t)", "duration from t to the event's timestamp"),
    ("ratio(a, b)", "a / b as a number; missing when b is 0"),
    ("abs(x)", "absolute value of a number, money or duration"),
    ("min(a, b)", "smaller of two numbers, amounts or durations"),
    ("max(a, b)", "larger of two numbers, amounts or durations"),
    ("number(x)", "money or duration (in ms) as a plain number"),
    ("minutes(d)", "a duration in minutes"),
    ("hours(d)", "a duration in hours"),
    ("days(d)", "a duration in days"),
    ("matches(s, \"regex\")", "regular expression match; the pattern is a literal, compiled once, size-bounded"),
    ("ip_in(ip, \"cidr\")", "whether ip is inside the network, e.g. ip_in(ip, \"10.0.0.0/8\")"),
];

impl Func {
    pub fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "lower" => Func::Lower,
            "upper" => Func::Upper,
            "starts_with" => Func::StartsWith,
            "ends_with" => Func::EndsWith,
            "contains" => Func::Contains,
            "len" => Func::Len,
            "prefix" => Func::Prefix,
            "is_missing" => Func::IsMissing,
            "ip_prefix" => Func::IpPrefix,
            "hour_of_day" => Func::HourOfDay,
            "day_of_week" => Func::DayOfWeek,
            "age" => Func::Age,
            "ratio" => Func::Ratio,
            "abs" => Func::Abs,
            "min" => Func::Min,
            "max" => Func::Max,
            "number" => Func::Number,
            "minutes" => Func::Minutes,
            "hours" => Func::Hours,
            "days" => Func::Days,
            _ => return None,
        })
    }

    /// Checks argument types and gives the result type, or says what was expected.
    pub fn check(self, args: &[Type]) -> Result<Type, String> {
        use Type::*;
        let numeric = |t: &Type| matches!(t, Number | Money | Duration);
        match (self, args) {
            (Func::Lower | Func::Upper, [String]) => Ok(String),
            (Func::StartsWith | Func::EndsWith | Func::Contains, [String, String]) => Ok(Bool),
            (Func::Len, [String]) => Ok(Number),
            (Func::Prefix, [String, Number]) => Ok(String),
            (Func::IsMissing, [_]) => Ok(Bool),
            (Func::IpPrefix, [Ip, Number]) => Ok(String),
            (Func::HourOfDay | Func::DayOfWeek, [Timestamp]) => Ok(Number),
            (Func::Age, [Timestamp]) => Ok(Duration),
            (Func::Ratio, [a, b]) if numeric(a) && a == b => Ok(Number),
            (Func::Ratio, [Money | Number, Money | Number]) => Ok(Number),
            (Func::Abs, [a]) if numeric(a) => Ok(*a),
            (Func::Min | Func::Max, [a, b]) if numeric(a) && a == b => Ok(*a),
            (Func::Number, [Number | Money | Duration]) => Ok(Number),
            (Func::Minutes | Func::Hours | Func::Days, [Duration]) => Ok(Number),
            _ => Err(self.signature().to_string()),
        }
    }

    fn signature(self) -> &'static str {
        match self {
            Func::Lower => "lower(string) -> string",
            Func::Upper => "upper(string) -> string",
            Func::StartsWith => "starts_with(string, string) -> bool",
            Func::EndsWith => "ends_with(string, string) -> bool",
            Func::Contains => "contains(string, string) -> bool",
            Func::Len => "len(string) -> number",
            Func::Prefix => "prefix(string, number) -> string",
            Func::IsMissing => "is_missing(any) -> bool",
            Func::IpPrefix => "ip_prefix(ip, number) -> string",
            Func::HourOfDay => "hour_of_day(timestamp) -> number",
            Func::DayOfWeek => "day_of_week(timestamp) -> number",
            Func::Age => "age(timestamp) -> duration",
            Func::Ratio => "ratio(x, x) -> number, x one of number, money, duration",
            Func::Abs => "abs(x) -> x, x one of number, money, duration",
            Func::Min => "min(x, x) -> x, x one of number, money, duration",
            Func::Max => "max(x, x) -> x, x one of number, money, duration",
            Func::Number => "number(money | duration | number) -> number",
            Func::Minutes => "minutes(duration) -> number",
            Func::Hours => "hours(duration) -> number",
            Func::Days => "days(duration) -> number",
        }
    }

    /// Evaluates with already-evaluated arguments. Missing in → missing out, except `is_missing`.
    pub fn eval<'e>(self, args: &mut [Value<'e>], now: Timestamp) -> Value<'e> {
        if self == Func::IsMissing {
            return Value::Bool(args.first().is_none_or(Value::is_missing));
        }
        if args.iter().any(Value::is_missing) {
            return Value::Missing;
        }
        match self {
            Func::Lower | Func::Upper => case(self, args),
            Func::StartsWith | Func::EndsWith | Func::Contains => string_test(self, args),
            Func::Len => str_arg(args, 0).map_or(Value::Missing, |s| Value::Num(s.chars().count() as f64)),
            Func::Prefix => prefix(args),
            Func::IpPrefix => ip_prefix(args),
            Func::HourOfDay => {
                time_arg(args).map_or(Value::Missing, |t| Value::Num((t.time_of_day().0 / 3_600_000) as f64))
            }
            Func::DayOfWeek => time_arg(args).map_or(Value::Missing, |t| Value::Num(f64::from(t.weekday()))),
            Func::Age => time_arg(args).map_or(Value::Missing, |t| Value::Dur(now.since(t))),
            Func::Ratio => ratio(args),
            Func::Abs => abs(args),
            Func::Min | Func::Max => min_max(self, args),
            Func::Number => args[0].as_f64().map_or(Value::Missing, Value::Num),
            Func::Minutes | Func::Hours | Func::Days => dur_units(self, args),
            Func::IsMissing => Value::Missing,
        }
    }
}

fn str_arg<'a, 'e>(args: &'a [Value<'e>], i: usize) -> Option<&'a str> {
    match args.get(i) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

fn time_arg(args: &[Value<'_>]) -> Option<Timestamp> {
    match args.first() {
        Some(Value::Time(t)) => Some(*t),
        _ => None,
    }
}

fn case<'e>(f: Func, args: &mut [Value<'e>]) -> Value<'e> {
    let Value::Str(s) = std::mem::take(&mut args[0]) else { return Value::Missing };
    let needs = match f {
        Func::Lower => s.chars().any(char::is_uppercase),
        _ => s.chars().any(char::is_lowercase),
    };
    if !needs {
        return Value::Str(s);
    }
    Value::Str(Cow::Owned(if f == Func::Lower { s.to_lowercase() } else { s.to_uppercase() }))
}

fn string_test<'e>(f: Func, args: &[Value<'e>]) -> Value<'e> {
    let (Some(s), Some(p)) = (str_arg(args, 0), str_arg(args, 1)) else { return Value::Missing };
    Value::Bool(match f {
        Func::StartsWith => s.starts_with(p),
        Func::EndsWith => s.ends_with(p),
        _ => s.contains(p),
    })
}

fn prefix<'e>(args: &mut [Value<'e>]) -> Value<'e> {
    let n = match args[1] {
        Value::Num(n) if n >= 0.0 => n as usize,
        _ => return Value::Missing,
    };
    match std::mem::take(&mut args[0]) {
        Value::Str(Cow::Borrowed(s)) => {
            let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
            Value::Str(Cow::Borrowed(&s[..end]))
        }
        Value::Str(Cow::Owned(s)) => Value::Str(Cow::Owned(s.chars().take(n).collect())),
        _ => Value::Missing,
    }
}

fn ip_prefix<'e>(args: &[Value<'e>]) -> Value<'e> {
    let (Value::Ip(ip), Value::Num(bits)) = (&args[0], &args[1]) else { return Value::Missing };
    let bits = bits.clamp(0.0, 128.0) as u32;
    let text = match ip {
        IpAddr::V4(v4) => {
            let b = bits.min(32);
            let mask = if b == 0 { 0 } else { u32::MAX << (32 - b) };
            format!("{}/{b}", std::net::Ipv4Addr::from(u32::from(*v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            format!("{}/{bits}", std::net::Ipv6Addr::from(u128::from(*v6) & mask))
        }
    };
    Value::Str(Cow::Owned(text))
}

fn ratio<'e>(args: &[Value<'e>]) -> Value<'e> {
    match (args[0].as_f64(), args[1].as_f64()) {
        (Some(_), Some(0.0)) => Value::Missing,
        (Some(a), Some(b)) => Value::Num(a / b),
        _ => Value::Missing,
    }
}

fn abs<'e>(args: &[Value<'e>]) -> Value<'e> {
    match args[0] {
        Value::Num(n) => Value::Num(n.abs()),
        Value::Money(m) => Value::Money(Money(m.0.saturating_abs())),
        Value::Dur(d) => Value::Dur(Duration(d.0.saturating_abs())),
        _ => Value::Missing,
    }
}

fn min_max<'e>(f: Func, args: &mut [Value<'e>]) -> Value<'e> {
    let (a, b) = (std::mem::take(&mut args[0]), std::mem::take(&mut args[1]));
    let a_less = match (&a, &b) {
        (Value::Num(x), Value::Num(y)) => x < y,
        (Value::Money(x), Value::Money(y)) => x < y,
        (Value::Dur(x), Value::Dur(y)) => x < y,
        _ => return Value::Missing,
    };
    if a_less == (f == Func::Min) { a } else { b }
}

fn dur_units<'e>(f: Func, args: &[Value<'e>]) -> Value<'e> {
    let Value::Dur(d) = args[0] else { return Value::Missing };
    let unit = match f {
        Func::Minutes => 60_000.0,
        Func::Hours => 3_600_000.0,
        _ => 86_400_000.0,
    };
    Value::Num(d.0 as f64 / unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value<'_> {
        Value::Str(Cow::Borrowed(v))
    }

    #[test]
    fn string_functions() {
        let now = Timestamp(0);
        assert_eq!(Func::Lower.eval(&mut [s("AbC")], now), s("abc"));
        assert_eq!(Func::Prefix.eval(&mut [s("+4479001"), Value::Num(5.0)], now), s("+4479"));
        assert_eq!(Func::Contains.eval(&mut [s("abc"), s("b")], now), Value::Bool(true));
        assert_eq!(Func::Len.eval(&mut [Value::Missing], now), Value::Missing);
        assert_eq!(Func::IsMissing.eval(&mut [Value::Missing], now), Value::Bool(true));
    }

    #[test]
    fn numeric_functions() {
        let now = Timestamp(10_000);
        assert_eq!(Func::Ratio.eval(&mut [Value::Num(1.0), Value::Num(0.0)], now), Value::Missing);
        assert_eq!(Func::Ratio.eval(&mut [Value::Num(1.0), Value::Num(4.0)], now), Value::Num(0.25));
        assert_eq!(Func::Age.eval(&mut [Value::Time(Timestamp(4_000))], now), Value::Dur(Duration(6_000)));
        assert_eq!(Func::Max.eval(&mut [Value::Money(Money(5)), Value::Money(Money(7))], now), Value::Money(Money(7)));
        assert_eq!(
            Func::IpPrefix.eval(&mut [Value::Ip("203.0.113.77".parse().unwrap()), Value::Num(24.0)], now),
            Value::Str("203.0.113.0/24".into())
        );
    }

    #[test]
    fn signatures() {
        assert_eq!(Func::Ratio.check(&[Type::Money, Type::Money]), Ok(Type::Number));
        assert!(Func::Lower.check(&[Type::Number]).is_err());
        assert_eq!(Func::Abs.check(&[Type::Duration]), Ok(Type::Duration));
    }
}
