//! The entity kinds the decision log indexes and labels refer to. A closed set: each kind is
//! a column (and an index) of the `decisions` table; adding one is a migration.

use crate::error::{RecordsError, Result};

/// An entity a decision or label can be about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

    /// Parses a kind name; `field` names the input in the error.
    pub fn parse(field: &str, name: &str) -> Result<EntityKind> {
        EntityKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| RecordsError::invalid(field, "must be one of user, device, ip, card, email, phone, shop"))
    }

    /// The `decisions` column holding this kind. Static text: never formed from input.
    pub(crate) fn column(self) -> &'static str {
        match self {
            EntityKind::User => "user_id",
            EntityKind::Device => "device_id",
            EntityKind::Ip => "ip",
            EntityKind::Card => "card",
            EntityKind::Email => "email",
            EntityKind::Phone => "phone",
            EntityKind::Shop => "shop_id",
        }
    }
}

/// The entity ids of one decision; `None` where the event had none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entities {
    pub user: Option<String>,
    pub device: Option<String>,
    pub ip: Option<String>,
    pub card: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub shop: Option<String>,
}

impl Entities {
    pub fn get(&self, kind: EntityKind) -> Option<&str> {
        self.slot(kind).as_deref()
    }

    pub fn set(&mut self, kind: EntityKind, id: Option<String>) {
        *self.slot_mut(kind) = id;
    }

    fn slot(&self, kind: EntityKind) -> &Option<String> {
        match kind {
            EntityKind::User => &self.user,
            EntityKind::Device => &self.device,
            EntityKind::Ip => &self.ip,
            EntityKind::Card => &self.card,
            EntityKind::Email => &self.email,
            EntityKind::Phone => &self.phone,
            EntityKind::Shop => &self.shop,
        }
    }

    fn slot_mut(&mut self, kind: EntityKind) -> &mut Option<String> {
        match kind {
            EntityKind::User => &mut self.user,
            EntityKind::Device => &mut self.device,
            EntityKind::Ip => &mut self.ip,
            EntityKind::Card => &mut self.card,
            EntityKind::Email => &mut self.email,
            EntityKind::Phone => &mut self.phone,
            EntityKind::Shop => &mut self.shop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_columns_are_distinct() {
        let mut columns = std::collections::HashSet::new();
        for k in EntityKind::ALL {
            assert_eq!(EntityKind::parse("kind", k.name()).unwrap(), k);
            assert!(columns.insert(k.column()));
        }
        assert!(EntityKind::parse("kind", "order").is_err());
    }

    #[test]
    fn set_and_get_address_the_same_slot() {
        let mut e = Entities::default();
        for (i, k) in EntityKind::ALL.into_iter().enumerate() {
            e.set(k, Some(i.to_string()));
        }
        for (i, k) in EntityKind::ALL.into_iter().enumerate() {
            assert_eq!(e.get(k), Some(i.to_string().as_str()));
        }
    }
}
