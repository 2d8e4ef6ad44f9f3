//! Keeping scale-out nodes in step with each other:
//!
//! - **Lists**: a node that changes a list (after writing it to the records store, the
//!   source of truth) appends the change to a Redis stream, `PREFIX:lists` (capped at
//!   [`LIST_FEED_MAXLEN`] entries); every node reads the stream every
//!   `state.sync_interval_ms` and applies other nodes' changes to its in-memory lists, which
//!   the decision path reads. A starting node notes the stream's end, then loads every live
//!   entry from the records store, then follows the stream from the noted end.
//! - **Policies**: every node polls the records store's live pointer at the same interval and
//!   swaps to a newly published version.

use std::time::Duration;

use shrike_redis::redis::{self, Value};
use shrike_redis::{Conn, Op, StateError};
use tokio::sync::oneshot;

use crate::journal::{ListRecord, LoadedPolicy};
use crate::worker::{Command, Control, EngineHandle};

/// Entries the list stream keeps (approximately, `MAXLEN ~`): a node that falls further
/// behind than this (stopped for that many changes) reloads lists only at restart.
pub const LIST_FEED_MAXLEN: u64 = 100_000;
/// Most stream entries read per poll.
const READ_COUNT: u64 = 1_000;

fn feed_key(prefix: &str) -> Vec<u8> {
    // One stream for all lists: its own slot in a cluster.
    format!("{prefix}:lists").into_bytes()
}

/// The publishing side, owned by the engine thread.
pub struct ListFeed {
    conn: Conn,
    runtime: tokio::runtime::Handle,
    key: Vec<u8>,
    node: u64,
    timeout: Duration,
}

impl ListFeed {
    pub fn new(conn: Conn, runtime: tokio::runtime::Handle, prefix: &str, node: u64, timeout: Duration) -> Self {
        ListFeed { conn, runtime, key: feed_key(prefix), node, timeout }
    }

    /// Appends a [`ListRecord`]'s bytes to the stream.
    pub fn publish(&mut self, record: &[u8]) -> Result<(), StateError> {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&self.key).arg("MAXLEN").arg("~").arg(LIST_FEED_MAXLEN).arg("*");
        cmd.arg("n").arg(self.node).arg("r").arg(record);
        let ops = [Op::new(self.key.clone(), cmd)];
        let (conn, timeout) = (&mut self.conn, self.timeout);
        match self.runtime.block_on(async move { tokio::time::timeout(timeout, conn.run(&ops)).await }) {
            Ok(Ok(v)) if !matches!(v.first(), Some(Value::ServerError(_))) => Ok(()),
            Ok(Ok(_)) => Err(StateError::Protocol("XADD refused")),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(StateError::Unavailable("XADD timed out".into())),
        }
    }
}

/// The stream's newest entry id (`0-0` when empty): where a starting node follows from.
pub async fn feed_end(conn: &mut Conn, prefix: &str) -> Result<String, StateError> {
    let key = feed_key(prefix);
    let mut cmd = redis::cmd("XREVRANGE");
    cmd.arg(&key).arg("+").arg("-").arg("COUNT").arg(1);
    let reply = conn.run(&[Op::new(key, cmd)]).await?;
    let first = match reply.first() {
        Some(Value::Array(entries)) => entries.first().and_then(entry_id),
        _ => None,
    };
    Ok(first.unwrap_or_else(|| "0-0".into()))
}

fn entry_id(entry: &Value) -> Option<String> {
    match entry {
        Value::Array(parts) => match parts.first() {
            Some(Value::BulkString(id)) => String::from_utf8(id.clone()).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// What the follower needs.
pub struct Follow {
    pub engine: EngineHandle,
    /// The service's view of the live policy (answers that do not reach the engine use it).
    pub shown: std::sync::Arc<std::sync::RwLock<LoadedPolicy>>,
    pub records: shrike_records::Records,
    pub conn: Conn,
    pub prefix: String,
    pub node: u64,
    pub interval: Duration,
    /// The live policy version id the node runs.
    pub live: Option<i64>,
    /// The stream position to read after.
    pub from: String,
}

/// Polls for list changes and policy publishes until `stop` turns true.
pub async fn follow(mut f: Follow, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(f.interval) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if let Err(e) = poll_lists(&mut f).await {
            tracing::warn!(error = %e, "list feed unavailable; retrying");
        }
        if let Err(e) = poll_policy(&mut f).await {
            tracing::warn!(error = %e, "policy check failed; retrying");
        }
    }
}

async fn poll_lists(f: &mut Follow) -> Result<(), StateError> {
    let key = feed_key(&f.prefix);
    let mut cmd = redis::cmd("XREAD");
    cmd.arg("COUNT").arg(READ_COUNT).arg("STREAMS").arg(&key).arg(&f.from);
    let reply = f.conn.run(&[Op::new(key, cmd)]).await?;
    let Some(Value::Array(streams)) = reply.into_iter().next() else { return Ok(()) };
    for stream in streams {
        let Value::Array(mut parts) = stream else { continue };
        let Some(Value::Array(entries)) = parts.pop() else { continue };
        for entry in entries {
            if let Some(id) = entry_id(&entry) {
                f.from = id;
            }
            if let Some(change) = remote_change(&entry, f.node) {
                let (reply, _) = oneshot::channel();
                let _ = f.engine.send(Command::Control(Control::RemoteList { change, reply }));
            }
        }
    }
    Ok(())
}

/// A change published by another node (this node's own were applied when made).
fn remote_change(entry: &Value, node: u64) -> Option<crate::journal::ListChange> {
    let Value::Array(parts) = entry else { return None };
    let Some(Value::Array(fields)) = parts.get(1) else { return None };
    let field = |name: &[u8]| {
        fields.chunks(2).find_map(|kv| match kv {
            [Value::BulkString(k), Value::BulkString(v)] if k.as_slice() == name => Some(v.as_slice()),
            _ => None,
        })
    };
    let from: u64 = std::str::from_utf8(field(b"n")?).ok()?.parse().ok()?;
    if from == node {
        return None;
    }
    ListRecord::parse(field(b"r")?)
}

async fn poll_policy(f: &mut Follow) -> Result<(), String> {
    let live = f.records.pointers().await.map_err(|e| e.to_string())?.live;
    let Some(id) = live.filter(|id| Some(*id) != f.live) else { return Ok(()) };
    let v = f.records.policy_version(id).await.map_err(|e| e.to_string())?.ok_or("live version missing")?;
    let label = crate::api::policies::label(&v.info.name, id);
    // The model files the version was created with: every node scores with the same bytes.
    let models = crate::models::pinned(&f.records, id).await.map_err(|e| e.to_string())?;
    let policy = LoadedPolicy::compile_with(&label, &v.source, "records", models, &[]).map_err(|e| e.to_string())?;
    let (reply, answer) = oneshot::channel();
    let shown = policy.clone();
    f.engine.send(Command::Control(Control::Publish { policy, reply })).map_err(|_| "engine queue full")?;
    answer.await.map_err(|e| e.to_string())??;
    if let Ok(mut live) = f.shown.write() {
        *live = shown;
    }
    tracing::info!(version = %label, "swapped to the policy published through another node");
    f.live = Some(id);
    Ok(())
}
