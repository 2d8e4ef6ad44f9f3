//! Entities as the API names them (`/v1/entities/{kind}/{id}`), the event fields they are,
//! and the ids one event carries (what the decision log indexes).

use shrike_types::{Event, Field, Value};

/// An entity a decision can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    User,
    Device,
    Ip,
    /// Card fingerprint (never a card number).
    Card,
    Email,
    Phone,
    Shop,
}

impl EntityKind {
    pub const ALL: [EntityKind; 7] = [
        EntityKind::User,
        EntityKind::Device,
        EntityKind::Ip,
        EntityKind::Card,
        EntityKind::Email,
        EntityKind::Phone,
        EntityKind::Shop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Device => "device",
            EntityKind::Ip => "ip",
            EntityKind::Card => "card",
            EntityKind::Email => "email",
            EntityKind::Phone => "phone",
            EntityKind::Shop => "shop",
        }
    }

    pub fn from_name(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The event field holding this entity.
    pub fn field(self) -> Field {
        match self {
            EntityKind::User => Field::UserId,
            EntityKind::Device => Field::DeviceId,
            EntityKind::Ip => Field::Ip,
            EntityKind::Card => Field::CardFingerprint,
            EntityKind::Email => Field::Email,
            EntityKind::Phone => Field::Phone,
            EntityKind::Shop => Field::ShopId,
        }
    }

    /// The value an id denotes, as features key it (an IP is parsed; the rest are strings).
    pub fn value(self, id: &str) -> Option<Value<'static>> {
        match self {
            EntityKind::Ip => id.parse().ok().map(Value::Ip),
            _ => Some(Value::Str(id.to_string().into())),
        }
    }
}

/// The entity ids of one event, in [`EntityKind::ALL`] order, and its type.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EventEntities {
    pub event_type: String,
    pub ids: [Option<String>; 7],
}

impl EventEntities {
    pub fn of(e: &Event<'_>) -> EventEntities {
        let ids = EntityKind::ALL.map(|k| match k.field().get(e) {
            Value::Missing => None,
            Value::Str(s) => Some(s.into_owned()),
            other => Some(other.to_string()),
        });
        EventEntities { event_type: e.event_type.name().to_string(), ids }
    }

    pub fn get(&self, kind: EntityKind) -> Option<&str> {
        self.ids[kind as usize].as_deref()
    }
}
