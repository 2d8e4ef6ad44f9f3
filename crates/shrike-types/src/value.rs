//! Runtime values of the policy language and their static types.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use crate::money::Money;
use crate::time::{Duration, Timestamp};

/// The static type of a policy expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    Bool,
    Number,
    Money,
    String,
    Timestamp,
    Duration,
    Ip,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Bool => "bool",
            Type::Number => "number",
            Type::Money => "money",
            Type::String => "string",
            Type::Timestamp => "timestamp",
            Type::Duration => "duration",
            Type::Ip => "ip",
        })
    }
}

impl Type {
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "bool" => Type::Bool,
            "number" => Type::Number,
            "money" => Type::Money,
            "string" => Type::String,
            "timestamp" => Type::Timestamp,
            "duration" => Type::Duration,
            "ip" => Type::Ip,
            _ => return None,
        })
    }
}

/// A runtime value. `Missing` is the absent value: every comparison with it is false,
/// arithmetic with it gives `Missing` (see docs/policy-language.md, "Missing values").
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value<'a> {
    #[default]
    Missing,
    Bool(bool),
    Num(f64),
    Money(Money),
    Str(Cow<'a, str>),
    Time(Timestamp),
    Dur(Duration),
    Ip(IpAddr),
}

impl Value<'_> {
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Missing => Value::Missing,
            Value::Bool(b) => Value::Bool(b),
            Value::Num(n) => Value::Num(n),
            Value::Money(m) => Value::Money(m),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Time(t) => Value::Time(t),
            Value::Dur(d) => Value::Dur(d),
            Value::Ip(ip) => Value::Ip(ip),
        }
    }

    /// The value as a float (numbers, money, durations in ms, timestamps in ms).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Money(m) => Some(m.to_f64()),
            Value::Dur(d) => Some(d.0 as f64),
            Value::Time(t) => Some(t.0 as f64),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("missing"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Money(m) => write!(f, "{m}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Time(t) => write!(f, "{t}"),
            Value::Dur(d) => write!(f, "{d}"),
            Value::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl serde::Serialize for Value<'_> {
    /// JSON form: missing → null, money → decimal string, timestamp → RFC 3339 string,
    /// duration → integer milliseconds, ip → string.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Missing => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Num(n) if n.is_finite() => s.serialize_f64(*n),
            Value::Num(_) => s.serialize_none(),
            Value::Money(m) => serde::Serialize::serialize(m, s),
            Value::Str(v) => s.serialize_str(v),
            Value::Time(t) => serde::Serialize::serialize(t, s),
            Value::Dur(d) => serde::Serialize::serialize(d, s),
            Value::Ip(ip) => s.collect_str(ip),
        }
    }
}
