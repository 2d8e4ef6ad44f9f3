//! # shrike-types
//!
//! The leaf crate of Shrike: the typed event and its parser, runtime values and their static
//! types, exact money, event time, outcomes, decisions, the injected clock and the interface
//! of tree models. It depends on no other Shrike crate.
//!
//! Invariants:
//! - Money is never a binary float: [`money::Money`] is fixed-point micros.
//! - Time inside logic comes from an event or from a [`clock::Clock`]; only `clock.rs` reads
//!   the system clock.
//! - Every input bound is a named constant in [`limits`].

pub mod clock;
pub mod decision;
pub mod event;
pub mod field;
pub mod limits;
pub mod model;
pub mod money;
pub mod outcome;
pub mod parse;
pub mod time;
pub mod value;

pub use decision::{
    Contribution, Decision, EventId, FeatureReading, ModelExplanation, ModelScore, NotApplied, RuleHit,
};
pub use event::{Address, AttrValue, Card, Event, EventType, Item, KnownType, Str};
pub use field::Field;
pub use money::Money;
pub use outcome::{Outcome, RuleMode};
pub use time::{Duration, Timestamp};
pub use value::{Type, Value};
