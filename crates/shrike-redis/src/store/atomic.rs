//! The commit of a batch on a single Redis (not a cluster): one script writes every key the
//! batch updated and settles every claim, or writes nothing. So a node killed at any moment
//! leaves each of its batches wholly applied (claims decided) or not at all (claims pending,
//! expiring after `pending_ttl`, when a redelivery is claimed and applied afresh): every event
//! is applied exactly once, also across a crash. On a cluster a batch's keys span masters
//! and [`SharedStore::write_all`](super::SharedStore) commits per master instead.

use redis::Value;
use shrike_features::KeyHash;
use shrike_types::Outcome;

use super::{CommitStats, SharedStore};
use crate::conn::Op;
use crate::error::StateError;
use crate::names;

/// All-or-nothing commit. `ARGV`: the number of claims `C`, the decided claims' TTL in ms,
/// then per claim its name, its pending value (this node's, this batch's) and its final value
/// (empty: release it), then per key its name, the write token expected (its first 8 bytes,
/// empty for an absent key), the new value and its TTL in ms.
///
/// Fencing first: if any claim no longer holds this batch's pending value (it expired and
/// another node may have claimed the event), the batch's remaining claims are released,
/// nothing is written, and it returns -1. Then every key's token is compared: on any
/// mismatch nothing is written and it returns, per mismatched key, its 1-based index and its
/// current value (nil when absent). Else every key is written, every claim settled: 1.
const ATOMIC_SCRIPT: &str = r"
local nc, cttl = tonumber(ARGV[1]), ARGV[2]
local kb = 3 + nc * 3
for a = 3, kb - 1, 3 do
  if redis.call('GET', ARGV[a]) ~= ARGV[a + 1] then
    for b = 3, kb - 1, 3 do
      if redis.call('GET', ARGV[b]) == ARGV[b + 1] then redis.call('DEL', ARGV[b]) end
    end
    return -1
  end
end
local conflicts = {}
for a = kb, #ARGV, 4 do
  local old = redis.call('GET', ARGV[a])
  if (old and string.sub(old, 1, 8) or '') ~= ARGV[a + 1] then
    conflicts[#conflicts + 1] = (a - kb) / 4 + 1
    conflicts[#conflicts + 1] = old
  end
end
if #conflicts > 0 then return conflicts end
for a = kb, #ARGV, 4 do redis.call('SET', ARGV[a], ARGV[a + 2], 'PX', ARGV[a + 3]) end
for a = 3, kb - 1, 3 do
  if ARGV[a + 2] == '' then redis.call('DEL', ARGV[a]) else redis.call('SET', ARGV[a], ARGV[a + 2], 'PX', cttl) end
end
return 1
";

type Finals = [(u128, Option<(Outcome, u8)>)];

impl SharedStore {
    /// Commits the batch in one script (see [`ATOMIC_SCRIPT`]), re-applying its calls on keys
    /// another node wrote since the load and trying again, at most `MAX_CAS_ROUNDS` times.
    pub(super) fn write_atomic(&mut self, finals: &Finals) -> Result<CommitStats, StateError> {
        let mut seen = std::collections::HashSet::with_capacity(self.calls.len());
        let dirty: Vec<(usize, KeyHash)> =
            self.calls.iter().map(|c| (c.group, c.key)).filter(|k| seen.insert(*k)).collect();
        let mut states: Vec<Vec<u8>> =
            dirty.iter().map(|&(g, k)| self.cache.export_key(g, k).unwrap_or_default()).collect();
        let mut stats = CommitStats::default();
        while stats.rounds < super::MAX_CAS_ROUNDS {
            stats.rounds += 1;
            let (args, tokens) = self.atomic_args(finals, &dirty, &states);
            match self.run_atomic(args)? {
                Value::Int(1) => {
                    for (&k, t) in dirty.iter().zip(tokens) {
                        self.loaded.insert(k, t.to_le_bytes().to_vec());
                    }
                    stats.written = dirty.len();
                    return Ok(stats);
                }
                Value::Int(-1) => return Err(StateError::Fenced(format!("{} events", finals.len()))),
                Value::Array(conflicts) => {
                    for pair in conflicts.chunks(2) {
                        let (i, current) = conflict(pair)?;
                        let (g, k) = *dirty.get(i).ok_or(StateError::Protocol("conflict index"))?;
                        stats.conflicts += 1;
                        states[i] = self.reapply(g, k, current);
                    }
                }
                other => return Err(reply_error(&other)),
            }
        }
        Err(StateError::Unavailable(format!("keys still contended after {} rounds", stats.rounds)))
    }

    /// The script's arguments, and the write token each key gets if it succeeds.
    fn atomic_args(
        &mut self,
        finals: &Finals,
        dirty: &[(usize, KeyHash)],
        states: &[Vec<u8>],
    ) -> (Vec<Vec<u8>>, Vec<u64>) {
        let mut args: Vec<Vec<u8>> = Vec::with_capacity(2 + finals.len() * 3 + dirty.len() * 4);
        args.push(finals.len().to_string().into_bytes());
        args.push(self.options.claim_ttl.as_millis().to_string().into_bytes());
        let pending = names::pending_value(self.node, self.batch);
        for &(id, fate) in finals {
            args.push(names::claim_key(&self.options.prefix, id));
            args.push(pending.clone());
            args.push(fate.map(|(o, s)| names::decided_value(o, s)).unwrap_or_default());
        }
        let mut tokens = Vec::with_capacity(dirty.len());
        for (&(g, k), state) in dirty.iter().zip(states) {
            self.writes += 1;
            let token = xxhash_rust::xxh3::xxh3_64_with_seed(&self.writes.to_le_bytes(), self.node);
            args.push(self.state_name(g, k));
            args.push(self.loaded.get(&(g, k)).cloned().unwrap_or_default());
            args.push(names::state_value(token, state));
            args.push(self.groups[g].ttl_ms.to_string().into_bytes());
            tokens.push(token);
        }
        (args, tokens)
    }

    /// Runs the script by its hash, sending its source when Redis does not have it cached.
    fn run_atomic(&mut self, args: Vec<Vec<u8>>) -> Result<Value, StateError> {
        let script = redis::Script::new(ATOMIC_SCRIPT);
        let op = |cmd: &str, first: String| {
            let mut c = redis::cmd(cmd);
            c.arg(first).arg(0);
            for a in &args {
                c.arg(a.as_slice());
            }
            Op::new(Vec::new(), c)
        };
        let reply = self.run(&[op("EVALSHA", script.get_hash().to_string())])?.pop();
        let reply = match reply {
            Some(Value::ServerError(e)) if e.kind() == Some(redis::ServerErrorKind::NoScript) => {
                self.run(&[op("EVAL", ATOMIC_SCRIPT.to_string())])?.pop()
            }
            other => other,
        };
        reply.ok_or(StateError::Protocol("no reply to the commit script"))
    }
}

/// One `(1-based index, current value)` pair of a conflict reply, as a 0-based index.
fn conflict(pair: &[Value]) -> Result<(usize, Option<&[u8]>), StateError> {
    match pair {
        [Value::Int(i), v] if *i >= 1 => {
            let current = match v {
                Value::BulkString(b) => Some(b.as_slice()),
                _ => None,
            };
            Ok((*i as usize - 1, current))
        }
        _ => Err(StateError::Protocol("commit script conflict")),
    }
}

fn reply_error(v: &Value) -> StateError {
    match v {
        Value::ServerError(e) => StateError::Unavailable(e.to_string()),
        _ => StateError::Protocol("commit script reply"),
    }
}
