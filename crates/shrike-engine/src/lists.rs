//! Named lists (block, allow, watch sets) with optional per-entry expiry, held in memory.
//! Lists are keyed by name, not by a policy's list index, so entries survive a policy swap.
//! Expiry is checked against the event's time, so replay sees what live traffic saw.

use hashbrown::HashMap;

use shrike_dsl::eval::ListLookup;
use shrike_dsl::ir::{Cidr, ListId};
use shrike_dsl::plan::CompiledPolicy;
use shrike_types::{Timestamp, Type, Value};

/// Most entries in one list.
pub const MAX_LIST_ENTRIES: usize = 10_000_000;

/// Why an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("list `{0}` is full ({MAX_LIST_ENTRIES} entries)")]
    Full(String),
    #[error("`{0}` is not an IP address or network such as 10.0.0.0/8")]
    BadNetwork(String),
}

/// One list's entries. Values are stored in their canonical text form (a number as written
/// by Rust's `Display`, money as its exact decimal), networks as parsed CIDRs.
#[derive(Debug, Default, Clone)]
pub struct ListEntries {
    values: HashMap<Box<str>, Option<Timestamp>>,
    networks: Vec<(Cidr, Option<Timestamp>)>,
}

impl ListEntries {
    pub fn len(&self) -> usize {
        self.values.len() + self.networks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// All lists by name. Lists live in a vector; the policy's `ListId`s are resolved to vector
/// positions once, in [`MemoryLists::bind`], so a lookup on the hot path is one index and one
/// hash of the value.
#[derive(Debug, Default, Clone)]
pub struct MemoryLists {
    lists: Vec<(Type, ListEntries)>,
    by_name: HashMap<String, usize>,
    /// The current policy's `ListId` → position in `lists`, rebuilt by [`MemoryLists::bind`].
    ids: Vec<usize>,
}

impl MemoryLists {
    /// Creates the policy's lists (keeping existing entries) and loads its inline entries.
    pub fn bind(&mut self, policy: &CompiledPolicy) {
        self.ids = policy.lists.iter().map(|l| self.position(&l.name, l.ty)).collect();
        for l in &policy.lists {
            for v in &l.entries {
                let _ = self.add(&l.name, &canonical(v), None);
            }
        }
    }

    /// The position of a list, created empty with type `ty` if it does not exist yet.
    fn position(&mut self, name: &str, ty: Type) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        self.lists.push((ty, ListEntries::default()));
        self.by_name.insert(name.to_string(), self.lists.len() - 1);
        self.lists.len() - 1
    }

    /// Adds (or re-adds with a new expiry) an entry. Unknown lists are created as string lists.
    pub fn add(&mut self, list: &str, value: &str, expires: Option<Timestamp>) -> Result<(), ListError> {
        let i = self.position(list, Type::String);
        let (ty, entries) = &mut self.lists[i];
        if entries.len() >= MAX_LIST_ENTRIES {
            return Err(ListError::Full(list.to_string()));
        }
        if *ty == Type::Ip {
            let net = Cidr::parse(value).ok_or_else(|| ListError::BadNetwork(value.to_string()))?;
            entries.networks.retain(|(n, _)| *n != net);
            entries.networks.push((net, expires));
        } else {
            entries.values.insert(value.into(), expires);
        }
        Ok(())
    }

    /// Removes an entry; returns whether it was there.
    pub fn remove(&mut self, list: &str, value: &str) -> bool {
        let Some(&i) = self.by_name.get(list) else { return false };
        let entries = &mut self.lists[i].1;
        let before = entries.len();
        entries.values.remove(value);
        if let Some(net) = Cidr::parse(value) {
            entries.networks.retain(|(n, _)| *n != net);
        }
        entries.len() != before
    }

    /// Every entry of every list as `(list, value text, expiry)`, lists by name, for
    /// snapshots: [`MemoryLists::add`] of each restores them (networks as `addr/bits`).
    pub fn export(&self) -> Vec<(String, String, Option<Timestamp>)> {
        let mut names: Vec<(&String, &usize)> = self.by_name.iter().collect();
        names.sort();
        let mut out = Vec::new();
        for (name, &i) in names {
            let entries = &self.lists[i].1;
            let mut values: Vec<_> = entries.values.iter().map(|(v, e)| (name.clone(), v.to_string(), *e)).collect();
            values.sort();
            out.extend(values);
            out.extend(entries.networks.iter().map(|(n, e)| (name.clone(), format!("{}/{}", n.addr, n.bits), *e)));
        }
        out
    }

    /// Names of the lists (sorted) holding `value` at `at`.
    pub fn containing(&self, value: &Value<'_>, at: Timestamp) -> Vec<String> {
        let mut names: Vec<String> =
            self.by_name.iter().filter(|(_, i)| holds(&self.lists[**i].1, value, at)).map(|(n, _)| n.clone()).collect();
        names.sort();
        names
    }

    pub fn entries(&self, list: &str) -> Option<&ListEntries> {
        self.by_name.get(list).map(|&i| &self.lists[i].1)
    }

    fn lookup(&self, id: ListId) -> Option<&ListEntries> {
        self.ids.get(id.0 as usize).map(|&i| &self.lists[i].1)
    }
}

fn live(expires: Option<Timestamp>, at: Timestamp) -> bool {
    expires.is_none_or(|e| at < e)
}

/// The text form under which a value is stored in a list.
pub fn canonical(v: &Value<'_>) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

impl ListLookup for MemoryLists {
    fn contains(&self, list: ListId, value: &Value<'_>, at: Timestamp) -> bool {
        self.lookup(list).is_some_and(|entries| holds(entries, value, at))
    }

    fn is_empty(&self, list: ListId) -> bool {
        self.lookup(list).is_none_or(ListEntries::is_empty)
    }
}

fn holds(entries: &ListEntries, value: &Value<'_>, at: Timestamp) -> bool {
    match value {
        Value::Ip(ip) => entries.networks.iter().any(|(n, e)| live(*e, at) && n.contains(*ip)),
        Value::Str(s) => entries.values.get(s.as_ref()).is_some_and(|e| live(*e, at)),
        other => entries.values.get(canonical(other).as_str()).is_some_and(|e| live(*e, at)),
    }
}
