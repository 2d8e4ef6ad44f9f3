//! Snapshots of the engine thread's state and recovery from them: state after a restart =
//! the latest snapshot + the journal's records after it, replayed through the same engine
//! in the same order. Replay decides events again (so the idempotency memory holds the
//! original outcomes) but answers no one and logs no decisions.

use std::collections::HashMap;
use std::sync::Arc;

use shrike_engine::Engine;
use shrike_engine::lifecycle::EngineSnapshot;
use shrike_engine::lists::MemoryLists;
use shrike_features::MemoryStore;
use shrike_types::clock::SystemClock;
use shrike_types::parse::parse_event;

use crate::journal::{Kind, ListChange, ListRecord, LoadedPolicy, PolicyRecord};
use crate::worker::Worker;

/// Why recovery stopped.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("snapshot part {0:?} is missing")]
    Missing(&'static str),
    #[error("snapshot part {part:?}: {message}")]
    Part { part: &'static str, message: String },
    #[error("journal record {pos} ({kind}): {message}")]
    Record { pos: u64, kind: &'static str, message: String },
}

/// The named blobs of a snapshot of `w`.
pub fn snapshot_parts(w: &Worker) -> Vec<(&'static str, Vec<u8>)> {
    let mut parts = engine_parts(["policy", "features", "dedup", "meta", "lists"], &w.live, &w.engine);
    if let Some((p, e)) = &w.shadow {
        let names = ["shadow_policy", "shadow_features", "shadow_dedup", "shadow_meta", "shadow_lists"];
        parts.extend(engine_parts(names, p, e));
    }
    parts
}

fn engine_parts(names: [&'static str; 5], p: &LoadedPolicy, e: &Engine<MemoryStore>) -> Vec<(&'static str, Vec<u8>)> {
    let EngineSnapshot { features, dedup, meta, .. } = e.snapshot();
    let [policy, f, d, m, l] = names;
    vec![
        (policy, PolicyRecord::of(p).as_bytes().to_vec()),
        (f, features),
        (d, dedup),
        (m, meta),
        (l, encode_lists(e.lists())),
    ]
}

/// Lists as length-prefixed [`ListRecord`] adds.
fn encode_lists(lists: &MemoryLists) -> Vec<u8> {
    let mut out = Vec::new();
    for (list, value, expires) in lists.export() {
        let r = ListRecord::add(&list, &value, expires);
        out.extend_from_slice(&(r.as_bytes().len() as u32).to_le_bytes());
        out.extend_from_slice(r.as_bytes());
    }
    out
}

fn decode_lists(part: &'static str, mut bytes: &[u8], lists: &mut MemoryLists) -> Result<(), RecoveryError> {
    let bad = |message: &str| RecoveryError::Part { part, message: message.into() };
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<4>().ok_or_else(|| bad("truncated"))?;
        let (rec, rest) = rest.split_at_checked(u32::from_le_bytes(*len) as usize).ok_or_else(|| bad("truncated"))?;
        match ListRecord::parse(rec) {
            Some(ListChange::Add { list, value, expires }) => {
                lists.add(&list, &value, expires).map_err(|e| bad(&e.to_string()))?;
            }
            _ => return Err(bad("not a list entry")),
        }
        bytes = rest;
    }
    Ok(())
}

/// A policy record's compiled version.
pub fn policy_from_record(bytes: &[u8]) -> Result<LoadedPolicy, String> {
    let (version, source, models) = PolicyRecord::parse(bytes).ok_or("not a policy record")?;
    LoadedPolicy::compile_with(version, source, "journal", models, &[]).map_err(|e| e.to_string())
}

/// The live engine (and shadow, if any) a snapshot's parts describe.
#[allow(clippy::type_complexity)]
pub fn restore(
    parts: &HashMap<String, Vec<u8>>,
) -> Result<(LoadedPolicy, Engine<MemoryStore>, Option<(LoadedPolicy, Engine<MemoryStore>)>), RecoveryError> {
    let live = restore_engine(parts, ["policy", "features", "dedup", "meta", "lists"])?;
    let shadow = if parts.contains_key("shadow_policy") {
        let names = ["shadow_policy", "shadow_features", "shadow_dedup", "shadow_meta", "shadow_lists"];
        Some(restore_engine(parts, names)?)
    } else {
        None
    };
    Ok((live.0, live.1, shadow))
}

fn restore_engine(
    parts: &HashMap<String, Vec<u8>>,
    names: [&'static str; 5],
) -> Result<(LoadedPolicy, Engine<MemoryStore>), RecoveryError> {
    let get = |n: &'static str| parts.get(n).ok_or(RecoveryError::Missing(n));
    let [p, f, d, m, l] = names;
    let policy = policy_from_record(get(p)?).map_err(|message| RecoveryError::Part { part: p, message })?;
    let snap = EngineSnapshot {
        policy_version: policy.version.to_string(),
        features: get(f)?.clone(),
        dedup: get(d)?.clone(),
        meta: get(m)?.clone(),
    };
    let mut engine = Engine::restore(Arc::clone(&policy.compiled), &snap, Arc::new(SystemClock))
        .map_err(|e| RecoveryError::Part { part: f, message: e.to_string() })?;
    decode_lists(l, get(l)?, engine.lists_mut())?;
    Ok((policy, engine))
}

/// Copies every list entry of `from` into `to` (a new shadow engine starts with the live
/// engine's lists).
pub fn copy_lists(from: &MemoryLists, to: &mut MemoryLists) {
    for (list, value, expires) in from.export() {
        let _ = to.add(&list, &value, expires);
    }
}

/// Replays one journal record into the engines.
pub fn apply_record(w: &mut Replaying, pos: u64, kind: u8, payload: &[u8]) -> Result<(), RecoveryError> {
    let fail = |kind: &'static str, message: String| RecoveryError::Record { pos, kind, message };
    match Kind::from_u8(kind) {
        Some(Kind::Event) => {
            let e = parse_event(payload).map_err(|e| fail("event", e.to_string()))?;
            w.engine.decide(&e);
            if let Some((_, s)) = &mut w.shadow {
                s.decide(&e);
            }
        }
        Some(Kind::Ingest) => {
            let e = parse_event(payload).map_err(|e| fail("ingest", e.to_string()))?;
            w.engine.features_only(&e);
            if let Some((_, s)) = &mut w.shadow {
                s.features_only(&e);
            }
        }
        Some(Kind::Policy) => {
            let p = policy_from_record(payload).map_err(|m| fail("policy", m))?;
            w.engine.swap_policy(Arc::clone(&p.compiled)).map_err(|e| fail("policy", e.to_string()))?;
            w.live = p;
        }
        Some(Kind::Shadow) if payload.is_empty() => w.shadow = None,
        Some(Kind::Shadow) => {
            let p = policy_from_record(payload).map_err(|m| fail("shadow", m))?;
            let mut e =
                crate::boot::fresh_engine(Arc::clone(&p.compiled)).map_err(|e| fail("shadow", e.to_string()))?;
            copy_lists(w.engine.lists(), e.lists_mut());
            w.shadow = Some((p, e));
        }
        Some(Kind::List) => apply_list(w, ListRecord::parse(payload).ok_or_else(|| fail("list", "unreadable".into()))?),
        None => return Err(fail("unknown", format!("record kind {kind}"))),
    }
    w.replayed += 1;
    Ok(())
}

fn apply_list(w: &mut Replaying, change: ListChange) {
    let engines = std::iter::once(&mut w.engine).chain(w.shadow.as_mut().map(|(_, e)| e));
    for e in engines {
        match &change {
            ListChange::Add { list, value, expires } => {
                let _ = e.lists_mut().add(list, value, *expires);
            }
            ListChange::Remove { list, value } => {
                e.lists_mut().remove(list, value);
            }
        }
    }
}

/// The engines while the journal is replayed into them.
pub struct Replaying {
    pub live: LoadedPolicy,
    pub engine: Engine<MemoryStore>,
    pub shadow: Option<(LoadedPolicy, Engine<MemoryStore>)>,
    pub replayed: u64,
}
