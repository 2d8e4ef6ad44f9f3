//! The commit half of a batch: compare-and-set writes of the keys it updated, re-applied
//! on top of another node's write when one came first, and each event's claim settled.

use redis::Value;
use shrike_features::{FeatureStore, KeyHash, MemoryStore};
use shrike_types::clock::Stopwatch;

use super::{CommitStats, SharedStore};
use crate::conn::Op;
use crate::error::StateError;
use crate::names;

/// Compare-and-set of several state keys, all on one Redis node (one `SET … GET` per key; the
/// rare lost race puts the other node's value back, with the same TTL its write set). `ARGV` holds four values
/// per key: its name, the write token expected (its first 8 bytes; empty for an absent key),
/// the new value and its TTL in ms. Returns, per key, 1 when written, else the current value
/// (0 when the key is now absent). One call per node and batch: a script call costs ~5 µs of
/// Redis time, a key inside it ~1 µs. A cluster accepts one declared key's slot only, so
/// `KEYS[1]` (the first key) routes the call and every key is named in `ARGV`; the keys are in
/// different slots of the same node, which the flag allows.
const CAS_SCRIPT: &str = r"#!lua flags=allow-cross-slot-keys
local out = {}
for i = 1, #ARGV / 4 do
  local a = i * 4 - 3
  local key, ttl = ARGV[a], ARGV[a + 3]
  local old = redis.call('SET', key, ARGV[a + 2], 'PX', ttl, 'GET')
  if (old and string.sub(old, 1, 8) or '') == ARGV[a + 1] then
    out[i] = 1
  else
    if old then redis.call('SET', key, old, 'PX', ttl) else redis.call('DEL', key) end
    out[i] = old or 0
  end
end
return out
";

/// Most keys one compare-and-set call writes: bounds how long one script holds Redis
/// (~1 µs per key) and the size of one command.
pub const MAX_KEYS_PER_SCRIPT: usize = 256;

/// Most compare-and-set rounds for one commit. Each round re-applies a batch's calls on the
/// state another node just wrote; losing 16 races in a row on one key needs 16 nodes
/// writing it within one round trip each time.
pub const MAX_CAS_ROUNDS: usize = 16;

impl SharedStore {
    /// Ends a batch: writes every key it updated and records each event's fate in its claim
    /// (`Some((outcome, score))`: decided and applied; `None`: not applied, claim released).
    pub fn commit(
        &mut self,
        finals: &[(u128, Option<(shrike_types::Outcome, u8)>)],
    ) -> Result<CommitStats, StateError> {
        if self.down.is_some() {
            return Ok(CommitStats::default());
        }
        let result = if self.conn.is_cluster() { self.write_all(finals) } else { self.write_atomic(finals) };
        if matches!(result, Err(StateError::Unavailable(_) | StateError::Protocol(_))) {
            self.down = Some(Stopwatch::start());
        }
        result
    }

    fn write_all(&mut self, finals: &[(u128, Option<(shrike_types::Outcome, u8)>)]) -> Result<CommitStats, StateError> {
        let mut seen = std::collections::HashSet::with_capacity(self.calls.len());
        let dirty: Vec<(usize, KeyHash)> =
            self.calls.iter().map(|c| (c.group, c.key)).filter(|k| seen.insert(*k)).collect();
        let mut stats = CommitStats::default();
        let mut pending: Vec<((usize, KeyHash), Vec<u8>)> =
            dirty.iter().map(|&k| (k, self.cache.export_key(k.0, k.1).unwrap_or_default())).collect();
        let mut tail: Vec<Op> = finals.iter().map(|&(id, fate)| self.final_op(id, fate)).collect();
        while !pending.is_empty() || !tail.is_empty() {
            if stats.rounds == MAX_CAS_ROUNDS {
                return Err(StateError::Unavailable(format!("{} keys still contended", pending.len())));
            }
            stats.rounds += 1;
            let names: Vec<Vec<u8>> = pending.iter().map(|((g, k), _)| self.state_name(*g, *k)).collect();
            let groups: Vec<Vec<usize>> = self
                .conn
                .partition(&names)
                .into_iter()
                .flat_map(|g| g.chunks(MAX_KEYS_PER_SCRIPT).map(<[usize]>::to_vec).collect::<Vec<_>>())
                .collect();
            let mut ops: Vec<Op> = groups.iter().map(|idx| self.cas_op(&pending, &names, idx)).collect();
            let calls = ops.len();
            ops.append(&mut tail);
            let replies = self.run_scripts(&ops)?;
            let mut next = Vec::new();
            for (idx, reply) in groups.iter().zip(&replies) {
                let Value::Array(results) = reply else { return Err(reply_error(reply)) };
                for (&i, result) in idx.iter().zip(results) {
                    let ((g, k), _) = pending[i];
                    match result {
                        Value::Int(1) => stats.written += 1,
                        Value::Int(0) | Value::BulkString(_) => {
                            stats.conflicts += 1;
                            let current = if let Value::BulkString(b) = result { Some(b.as_slice()) } else { None };
                            next.push(((g, k), self.reapply(g, k, current)));
                        }
                        other => return Err(reply_error(other)),
                    }
                }
            }
            if let Some(e) = replies[calls..].iter().find(|v| matches!(v, Value::ServerError(_))) {
                return Err(reply_error(e));
            }
            pending = next;
        }
        Ok(stats)
    }

    /// One compare-and-set call for the keys `idx` of `pending` (all on one node).
    fn cas_op(&mut self, pending: &[((usize, KeyHash), Vec<u8>)], names: &[Vec<u8>], idx: &[usize]) -> Op {
        let first = idx.first().map(|&i| names[i].clone()).unwrap_or_default();
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(cas_sha()).arg(1).arg(&first);
        for &i in idx {
            let ((group, key), state) = &pending[i];
            self.writes += 1;
            let token = xxhash_rust::xxh3::xxh3_64_with_seed(&self.writes.to_le_bytes(), self.node);
            let expected = self.loaded.insert((*group, *key), token.to_le_bytes().to_vec()).unwrap_or_default();
            cmd.arg(&names[i]).arg(expected).arg(names::state_value(token, state)).arg(self.groups[*group].ttl_ms);
        }
        Op::new(first, cmd)
    }

    fn final_op(&self, id: u128, fate: Option<(shrike_types::Outcome, u8)>) -> Op {
        let name = names::claim_key(&self.options.prefix, id);
        let mut cmd;
        match fate {
            Some((outcome, score)) => {
                cmd = redis::cmd("SET");
                cmd.arg(&name).arg(names::decided_value(outcome, score)).arg("XX");
                cmd.arg("PX").arg(self.options.claim_ttl.as_millis() as u64);
            }
            None => {
                cmd = redis::cmd("DEL");
                cmd.arg(&name);
            }
        }
        Op::new(name, cmd)
    }

    /// After a lost compare-and-set: the key's state is what another node wrote (`current`)
    /// plus this batch's calls on it, applied again in order. Returns the state to write.
    pub(super) fn reapply(&mut self, group: usize, key: KeyHash, current: Option<&[u8]>) -> Vec<u8> {
        let mut scratch = match MemoryStore::new(self.layout.clone()) {
            Ok(s) => s,
            Err(_) => return Vec::new(),
        };
        let (token, state) = current.map(names::split_value).unwrap_or((&[], None));
        self.loaded.insert((group, key), token.to_vec());
        if let Some(state) = state {
            let _ = scratch.import_key(group, state);
        }
        for c in self.calls.iter().filter(|c| c.group == group && c.key == key) {
            let updates = &self.updates[c.updates.clone()];
            scratch.apply_and_read(group, key, c.at, updates, &[], &mut []);
        }
        scratch.export_key(group, key).unwrap_or_default()
    }

    /// Runs ops; `EVALSHA`s refused with `NOSCRIPT` (a node that restarted or never saw
    /// the script) are sent again as `EVAL` with the source, which also caches it there.
    fn run_scripts(&mut self, ops: &[Op]) -> Result<Vec<Value>, StateError> {
        let mut replies = self.run(ops)?;
        let missing: Vec<usize> = (0..replies.len())
            .filter(
                |&i| matches!(&replies[i], Value::ServerError(e) if e.kind() == Some(redis::ServerErrorKind::NoScript)),
            )
            .collect();
        if missing.is_empty() {
            return Ok(replies);
        }
        let again: Vec<Op> = missing.iter().map(|&i| with_source(&ops[i])).collect();
        for (i, v) in missing.into_iter().zip(self.run(&again)?) {
            replies[i] = v;
        }
        Ok(replies)
    }
}

/// A reply that is not what a commit expects: a server error (unavailable, redirected in a
/// resharding) or a protocol surprise.
fn reply_error(v: &Value) -> StateError {
    match v {
        Value::ServerError(e) => StateError::Unavailable(e.to_string()),
        _ => StateError::Protocol("compare-and-set reply"),
    }
}

/// The same `EVALSHA` op as an `EVAL` with the script's source.
fn with_source(op: &Op) -> Op {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(CAS_SCRIPT);
    for arg in op.cmd.args_iter().skip(2) {
        if let redis::Arg::Simple(a) = arg {
            cmd.arg(a);
        }
    }
    Op::new(op.key.clone(), cmd)
}

fn cas_sha() -> String {
    redis::Script::new(CAS_SCRIPT).get_hash().to_string()
}
