//! Entities as the API names them (`/v1/entities/{kind}/{id}`), the event fields they are,
//! and the ids one event carries (what the decision log indexes).

use shrike_types::{Event, Field, Value};

pub use shrike_records::EntityKind;

/// The kind called `name` (`user`, `device`, `ip`, `card`, `email`, `phone`, `shop`).
pub fn kind(name: &str) -> Option<EntityKind> {
    EntityKind::ALL.into_iter().find(|k| k.name() == name)
}

/// The event field holding entities of `kind`.
pub fn field(kind: EntityKind) -> Field {
    match kind {
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
pub fn value(kind: EntityKind, id: &str) -> Option<Value<'static>> {
    match kind {
        EntityKind::Ip => id.parse().ok().map(Value::Ip),
        _ => Some(Value::Str(id.to_string().into())),
    }
}

fn index(kind: EntityKind) -> usize {
    EntityKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// The entity ids of one event, in [`EntityKind::ALL`] order, and its type.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EventEntities {
    pub event_type: String,
    pub ids: [Option<String>; 7],
}

impl EventEntities {
    pub fn of(e: &Event<'_>) -> EventEntities {
        let ids = EntityKind::ALL.map(|k| match field(k).get(e) {
            Value::Missing => None,
            Value::Str(s) => Some(s.into_owned()),
            other => Some(other.to_string()),
        });
        EventEntities { event_type: e.event_type.name().to_string(), ids }
    }

    pub fn get(&self, kind: EntityKind) -> Option<&str> {
        self.ids.get(index(kind)).and_then(Option::as_deref)
    }
}
