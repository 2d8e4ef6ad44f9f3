//! The typed expression IR: what the type checker produces and the evaluator runs.
//! Names are resolved to indices, literals are converted to their final runtime values,
//! regexes are compiled and `let`s are inlined, so evaluation does no lookups by name.

use std::net::IpAddr;
use std::sync::Arc;

use shrike_types::{Field, Type, Value};

use crate::functions::Func;

/// Index of a feature in [`crate::plan::CompiledPolicy::features`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeatureId(pub u16);

/// Index of a model in [`crate::plan::CompiledPolicy::models`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub u16);

/// Index of a list in [`crate::plan::CompiledPolicy::lists`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListId(pub u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// An IPv4 or IPv6 network, e.g. `10.0.0.0/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub bits: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, bits) = match text.split_once('/') {
            Some((a, b)) => (a.parse::<IpAddr>().ok()?, b.parse::<u8>().ok()?),
            None => {
                let a = text.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (bits <= max).then_some(Cidr { addr, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(u128::from(u32::from(net)) << 96, u128::from(u32::from(ip)) << 96, self.bits)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(u128::from(net), u128::from(ip), self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, bits: u8) -> bool {
    if bits == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(bits));
    a & mask == b & mask
}

/// A typed, resolved expression.
#[derive(Clone, Debug)]
pub enum Expr {
    Const(Value<'static>),
    Field(Field),
    /// `attributes.NAME`, converted to the declared type when read.
    Attr {
        name: Arc<str>,
        ty: Type,
    },
    Feature(FeatureId),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// Fast path for the commonest rule shape: `feature OP number`.
    CmpFeatureNum(CmpOp, FeatureId, f64),
    /// Fast path: `string_field OP "text"` (the field read in place, no value built).
    CmpStrField(CmpOp, Field, Arc<str>),
    /// Fast path: `string_field OP string_field` (`card.country != ip_country`).
    CmpStrFields(CmpOp, Field, Field),
    /// Fast path: `string_field in list` / `not in`.
    StrFieldInList {
        field: Field,
        list: ListId,
        negated: bool,
    },
    /// Fast path: `string_field in ["a", "b"]` (the set sorted for binary search).
    StrFieldInSet {
        field: Field,
        set: Arc<[Value<'static>]>,
        negated: bool,
    },
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Coalesce(Box<Expr>, Box<Expr>),
    InList {
        expr: Box<Expr>,
        list: ListId,
        negated: bool,
    },
    /// A literal set, sorted for binary search.
    InSet {
        expr: Box<Expr>,
        set: Arc<[Value<'static>]>,
        negated: bool,
    },
    Call(Func, Box<[Expr]>),
    Matches(Box<Expr>, Arc<regex::Regex>),
    IpIn(Box<Expr>, Cidr),
    /// `model.NAME`: the model's probability, read from value slot `slot` (after the
    /// features, see [`crate::eval::EvalCtx::features`]).
    Model {
        model: ModelId,
        slot: u16,
    },
}

impl Expr {
    /// Calls `f` on every feature this expression reads.
    pub fn visit_features(&self, f: &mut impl FnMut(FeatureId)) {
        match self {
            Expr::Feature(id) | Expr::CmpFeatureNum(_, id, _) => f(*id),
            Expr::Const(_) | Expr::Field(_) | Expr::Attr { .. } | Expr::Model { .. } => {}
            Expr::CmpStrField(..)
            | Expr::CmpStrFields(..)
            | Expr::StrFieldInList { .. }
            | Expr::StrFieldInSet { .. } => {}
            Expr::Not(e) | Expr::Neg(e) | Expr::Matches(e, _) | Expr::IpIn(e, _) => e.visit_features(f),
            Expr::InList { expr, .. } | Expr::InSet { expr, .. } => expr.visit_features(f),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) | Expr::Coalesce(a, b) => {
                a.visit_features(f);
                b.visit_features(f);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.visit_features(f)),
        }
    }

    /// The event fields the expression reads directly (for tools that build other engines'
    /// contexts from the same conditions).
    pub fn visit_fields(&self, f: &mut impl FnMut(Field)) {
        match self {
            Expr::Field(x) | Expr::CmpStrField(_, x, _) | Expr::StrFieldInList { field: x, .. } => f(*x),
            Expr::StrFieldInSet { field, .. } => f(*field),
            Expr::CmpStrFields(_, a, b) => {
                f(*a);
                f(*b);
            }
            Expr::Const(_) | Expr::Attr { .. } | Expr::Feature(_) | Expr::CmpFeatureNum(..) | Expr::Model { .. } => {}
            Expr::Not(e) | Expr::Neg(e) | Expr::Matches(e, _) | Expr::IpIn(e, _) => e.visit_fields(f),
            Expr::InList { expr, .. } | Expr::InSet { expr, .. } => expr.visit_fields(f),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) | Expr::Coalesce(a, b) => {
                a.visit_fields(f);
                b.visit_fields(f);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.visit_fields(f)),
        }
    }

    /// Calls `f` on every model whose score this expression reads.
    pub fn visit_models(&self, f: &mut impl FnMut(ModelId)) {
        match self {
            Expr::Model { model, .. } => f(*model),
            Expr::Const(_) | Expr::Field(_) | Expr::Attr { .. } | Expr::Feature(_) | Expr::CmpFeatureNum(..) => {}
            Expr::CmpStrField(..)
            | Expr::CmpStrFields(..)
            | Expr::StrFieldInList { .. }
            | Expr::StrFieldInSet { .. } => {}
            Expr::Not(e) | Expr::Neg(e) | Expr::Matches(e, _) | Expr::IpIn(e, _) => e.visit_models(f),
            Expr::InList { expr, .. } | Expr::InSet { expr, .. } => expr.visit_models(f),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) | Expr::Coalesce(a, b) => {
                a.visit_models(f);
                b.visit_models(f);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.visit_models(f)),
        }
    }

    /// Whether the expression reads a model's score (model inputs may not).
    pub fn reads_models(&self) -> bool {
        let mut any = false;
        self.visit_models(&mut |_| any = true);
        any
    }

    /// Whether the expression reads any feature (filters and keys may not).
    pub fn reads_features(&self) -> bool {
        let mut any = false;
        self.visit_features(&mut |_| any = true);
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_contains() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
    }
}
