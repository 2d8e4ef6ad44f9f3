//! The journal: every command the engine thread applies, in order, so that state after a
//! restart is the latest snapshot plus the commands logged after it, replayed through the
//! same engine. Records are self-contained (a policy record holds the policy's source and the
//! bytes of the models it declares), so recovery needs nothing but the data directory.

use std::io;
use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_types::Timestamp;

use crate::models::{BytesResolver, ModelFile};

/// What a journal record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// An event that was decided (`POST /v1/decide`): its JSON.
    Event = 1,
    /// An event applied without a decision (`POST /v1/events`): its JSON.
    Ingest = 2,
    /// The live policy changed: a [`PolicyRecord`].
    Policy = 3,
    /// The shadow policy changed: a [`PolicyRecord`], or empty for none.
    Shadow = 4,
    /// A list entry was added or removed: a [`ListRecord`].
    List = 5,
}

impl Kind {
    pub fn from_u8(b: u8) -> Option<Kind> {
        [Kind::Event, Kind::Ingest, Kind::Policy, Kind::Shadow, Kind::List].into_iter().find(|k| *k as u8 == b)
    }
}

/// Where the engine thread writes its commands.
pub trait Journal: Send {
    /// Appends one record per payload (buffered, not yet durable); returns the position of
    /// the first. Positions increase by one per record and are never reused.
    fn append(&mut self, kind: Kind, payloads: &[&[u8]]) -> io::Result<u64>;
    /// Makes everything appended durable (the group-commit point): after it returns, the
    /// records survive a crash.
    fn commit(&mut self) -> io::Result<()>;
    /// Stores `parts` (named snapshot blobs) as the state after every record appended so
    /// far; returns that position. Older records may then be dropped.
    fn snapshot(&mut self, parts: &[(&str, &[u8])]) -> io::Result<u64>;
}

/// A journal that keeps nothing: for tests and for `durability = none` experiments.
#[derive(Debug, Default)]
pub struct NullJournal {
    next: u64,
}

impl Journal for NullJournal {
    fn append(&mut self, _: Kind, payloads: &[&[u8]]) -> io::Result<u64> {
        let first = self.next;
        self.next += payloads.len() as u64;
        Ok(first)
    }

    fn commit(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn snapshot(&mut self, _: &[(&str, &[u8])]) -> io::Result<u64> {
        Ok(self.next)
    }
}

/// A policy version as the service keeps it: its source (what the journal and the records
/// store hold) and its compiled plan (what the engine runs).
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The service's version label, e.g. `marketplace@v3`; also the compiled plan's version.
    pub version: Arc<str>,
    pub source: Arc<str>,
    pub compiled: Arc<CompiledPolicy>,
    /// The model files the policy declares, with the bytes it runs with.
    pub models: Arc<[ModelFile]>,
}

/// Why a policy text did not load.
#[derive(Debug, thiserror::Error)]
#[error("{} compile error(s):\n{rendered}", .errors.len())]
pub struct PolicyError {
    /// `path:line:column: message` with the source line and a caret, per error.
    pub rendered: String,
    pub errors: Vec<PolicyDiagnostic>,
}

/// One compile error, positioned (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PolicyDiagnostic {
    pub line: usize,
    pub column: usize,
    /// `parse`, `type` or `plan`.
    pub stage: &'static str,
    pub message: String,
}

impl LoadedPolicy {
    /// Compiles `source`, which declares no models, and labels it `version`.
    pub fn compile(version: &str, source: &str, path: &str) -> Result<LoadedPolicy, PolicyError> {
        LoadedPolicy::compile_with(version, source, path, Vec::new(), &[])
    }

    /// [`LoadedPolicy::compile_with`], parsing the models through `cache`.
    pub fn compile_cached(
        version: &str,
        source: &str,
        models: Vec<ModelFile>,
        missing: &[(String, String)],
        cache: &crate::models::ModelCache,
    ) -> Result<LoadedPolicy, PolicyError> {
        let resolver = BytesResolver::new(&models, missing, Some(cache));
        LoadedPolicy::finish(version, source, "policy", models, &resolver)
    }

    /// Compiles `source` with its model files (`missing`: files without bytes, and why) and
    /// labels it `version`.
    pub fn compile_with(
        version: &str,
        source: &str,
        path: &str,
        models: Vec<ModelFile>,
        missing: &[(String, String)],
    ) -> Result<LoadedPolicy, PolicyError> {
        let resolver = BytesResolver::new(&models, missing, None);
        LoadedPolicy::finish(version, source, path, models, &resolver)
    }

    fn finish(
        version: &str,
        source: &str,
        path: &str,
        models: Vec<ModelFile>,
        resolver: &BytesResolver,
    ) -> Result<LoadedPolicy, PolicyError> {
        match shrike_dsl::compile_with(source, resolver) {
            Ok(mut p) => {
                p.version = Arc::from(version);
                let (version, source, compiled) = (Arc::from(version), Arc::from(source), Arc::new(p));
                Ok(LoadedPolicy { version, source, compiled, models: models.into() })
            }
            Err(errors) => Err(PolicyError {
                rendered: errors.render(path, source),
                errors: errors.errors.iter().map(|e| diagnostic(source, e)).collect(),
            }),
        }
    }
}

fn diagnostic(source: &str, e: &shrike_dsl::CompileError) -> PolicyDiagnostic {
    let (line, column) = shrike_dsl::diagnostic::line_col(source, e.span.start);
    let stage = match e.stage {
        shrike_dsl::Stage::Parse => "parse",
        shrike_dsl::Stage::Type => "type",
        shrike_dsl::Stage::Plan => "plan",
    };
    PolicyDiagnostic { line, column, stage, message: e.message.clone() }
}

/// Payload of a [`Kind::Policy`] or [`Kind::Shadow`] record: `version \n source`, then
/// the model files with their bytes ([`crate::models::encode_trailer`]) when it has models.
pub struct PolicyRecord(Vec<u8>);

impl PolicyRecord {
    pub fn of(p: &LoadedPolicy) -> PolicyRecord {
        let mut b = Vec::with_capacity(p.version.len() + 1 + p.source.len());
        b.extend_from_slice(p.version.as_bytes());
        b.push(b'\n');
        b.extend_from_slice(p.source.as_bytes());
        crate::models::encode_trailer(&mut b, &p.models);
        PolicyRecord(b)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// `(version, source, models)` of a payload.
    pub fn parse(payload: &[u8]) -> Option<(&str, &str, Vec<ModelFile>)> {
        let (text, models) = crate::models::decode_trailer(payload)?;
        let (version, source) = std::str::from_utf8(text).ok()?.split_once('\n')?;
        Some((version, source, models))
    }
}

/// Payload of a [`Kind::List`] record: op `+`/`-` u8, list length u32 + bytes, value
/// length u32 + bytes, expiry flag u8 + ms i64 (little-endian). Length-prefixed, so any
/// value text round-trips.
pub struct ListRecord(Vec<u8>);

/// A decoded [`ListRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListChange {
    Add { list: String, value: String, expires: Option<Timestamp> },
    Remove { list: String, value: String },
}

impl ListRecord {
    pub fn add(list: &str, value: &str, expires: Option<Timestamp>) -> ListRecord {
        ListRecord::encode(b'+', list, value, expires)
    }

    pub fn remove(list: &str, value: &str) -> ListRecord {
        ListRecord::encode(b'-', list, value, None)
    }

    fn encode(op: u8, list: &str, value: &str, expires: Option<Timestamp>) -> ListRecord {
        let mut b = vec![op];
        for s in [list, value] {
            // List names and values are bounded far below 4 GiB by the API.
            b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            b.extend_from_slice(s.as_bytes());
        }
        b.push(u8::from(expires.is_some()));
        b.extend_from_slice(&expires.map_or(0, |t| t.0).to_le_bytes());
        ListRecord(b)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn parse(payload: &[u8]) -> Option<ListChange> {
        let (&op, mut rest) = payload.split_first()?;
        let mut text = || -> Option<String> {
            let (len, r) = rest.split_first_chunk::<4>()?;
            let (s, r) = r.split_at_checked(u32::from_le_bytes(*len) as usize)?;
            rest = r;
            String::from_utf8(s.to_vec()).ok()
        };
        let (list, value) = (text()?, text()?);
        let (&flag, exp) = rest.split_first()?;
        let exp = i64::from_le_bytes(*exp.first_chunk::<8>()?);
        match (op, flag) {
            (b'+', 0) => Some(ListChange::Add { list, value, expires: None }),
            (b'+', 1) => Some(ListChange::Add { list, value, expires: Some(Timestamp(exp)) }),
            (b'-', _) => Some(ListChange::Remove { list, value }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_records_round_trip() {
        let odd = ListRecord::add("blocked", "a\nb", None);
        let want = ListChange::Add { list: "blocked".into(), value: "a\nb".into(), expires: None };
        assert_eq!(ListRecord::parse(odd.as_bytes()), Some(want));
        assert_eq!(ListRecord::parse(&odd.as_bytes()[..5]), None);
        let add = ListRecord::add("blocked_cards", "fp_1", Some(Timestamp(1_700)));
        let want =
            ListChange::Add { list: "blocked_cards".into(), value: "fp_1".into(), expires: Some(Timestamp(1_700)) };
        assert_eq!(ListRecord::parse(add.as_bytes()), Some(want));
        let rm = ListRecord::remove("l", "v");
        assert_eq!(ListRecord::parse(rm.as_bytes()), Some(ListChange::Remove { list: "l".into(), value: "v".into() }));
        assert_eq!(Kind::from_u8(3), Some(Kind::Policy));
        assert_eq!(Kind::from_u8(9), None);
    }
}
