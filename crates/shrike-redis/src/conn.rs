//! The connection to Redis: one node (a `ConnectionManager`, which reconnects by itself) or a
//! cluster (the cluster client, which follows topology changes). [`Conn::run`] sends a list
//! of commands pipelined: in one pipeline to a single node, or, on a cluster, one pipeline
//! per master (grouped by this connection's own slot map), all masters at once. So a batch
//! costs one round trip per Redis node, whatever its number of commands.

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, SingleNodeRoutingInfo, SlotAddr};
use redis::{Cmd, ServerErrorKind, Value};

use crate::error::StateError;
use crate::slot::key_slot;

/// One command and the key that routes it in a cluster.
#[derive(Clone)]
pub struct Op {
    pub cmd: Cmd,
    pub key: Vec<u8>,
}

impl Op {
    pub fn new(key: Vec<u8>, cmd: Cmd) -> Op {
        Op { cmd, key }
    }
}

/// How many times commands redirected by a cluster (`MOVED`, `ASK`, `TRYAGAIN`) are sent
/// again after refreshing the slot map: a resharding settles within a few.
const MAX_REDIRECTS: usize = 3;

enum Backend {
    Single(ConnectionManager),
    Cluster { conn: ClusterConnection, slots: SlotMap },
}

/// A connection to the state's Redis (single node or cluster).
pub struct Conn {
    backend: Backend,
}

impl Conn {
    /// Connects to `urls`: one URL is a single node; several are the seeds of a cluster.
    /// `timeout` bounds connecting and every response.
    pub async fn connect(urls: &[String], timeout: Duration) -> Result<Conn, StateError> {
        let backend = match urls {
            [] => return Err(StateError::Config("no Redis URL given".into())),
            [one] => {
                let client = redis::Client::open(one.as_str()).map_err(StateError::url)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(500));
                let conn = client.get_connection_manager_with_config(config).await?;
                Backend::Single(conn)
            }
            seeds => {
                let client = redis::cluster::ClusterClientBuilder::new(seeds.to_vec())
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(1)
                    .build()
                    .map_err(StateError::url)?;
                let mut conn = client.get_async_connection().await?;
                let slots = SlotMap::fetch(&mut conn).await?;
                Backend::Cluster { conn, slots }
            }
        };
        Ok(Conn { backend })
    }

    /// Whether this is a cluster connection.
    pub fn is_cluster(&self) -> bool {
        matches!(self.backend, Backend::Cluster { .. })
    }

    /// Indices of `keys` grouped by the Redis node that serves them: one group on a single
    /// node; per master (by this connection's slot map) on a cluster. A script may then
    /// touch every key of one group (scripts declare `allow-cross-slot-keys`).
    pub fn partition(&self, keys: &[Vec<u8>]) -> Vec<Vec<usize>> {
        match &self.backend {
            Backend::Single(_) => vec![(0..keys.len()).collect()],
            Backend::Cluster { slots, .. } => {
                let mut by_master: HashMap<usize, Vec<usize>> = HashMap::new();
                for (i, k) in keys.iter().enumerate() {
                    by_master.entry(slots.master(key_slot(k))).or_default().push(i);
                }
                by_master.into_values().collect()
            }
        }
    }

    /// Runs `ops` pipelined; the reply of each, in order. A command the server refused is
    /// `Value::ServerError` in its place; a lost connection or timeout fails the whole call.
    pub async fn run(&mut self, ops: &[Op]) -> Result<Vec<Value>, StateError> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        match &mut self.backend {
            Backend::Single(conn) => {
                let mut pipe = redis::pipe();
                pipe.ignore_errors();
                ops.iter().for_each(|op| {
                    pipe.add_command(op.cmd.clone());
                });
                Ok(pipe.query_async(conn).await?)
            }
            Backend::Cluster { conn, slots } => run_cluster(conn, slots, ops).await,
        }
    }
}

/// Runs `ops` as one pipeline per master; commands the cluster redirected are sent again
/// (after a slot-map refresh) up to [`MAX_REDIRECTS`] times.
async fn run_cluster(conn: &mut ClusterConnection, slots: &mut SlotMap, ops: &[Op]) -> Result<Vec<Value>, StateError> {
    let mut replies: Vec<Value> = vec![Value::Nil; ops.len()];
    let mut pending: Vec<usize> = (0..ops.len()).collect();
    for round in 0..=MAX_REDIRECTS {
        let groups = slots.group(&pending, ops);
        let calls = groups.into_iter().map(|(slot, idx)| {
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            idx.iter().for_each(|&i| {
                pipe.add_command(ops[i].cmd.clone());
            });
            let mut c = conn.clone();
            let route = SingleNodeRoutingInfo::SpecificNode(Route::new(slot, SlotAddr::Master));
            let count = idx.len();
            async move { (idx, c.route_pipeline(pipe, 0, count, route).await) }
        });
        let results = join_all(calls).await;
        let mut redirected = Vec::new();
        for (idx, result) in results {
            let values = result?;
            for (i, v) in idx.into_iter().zip(values) {
                if round < MAX_REDIRECTS && is_redirect(&v) {
                    redirected.push(i);
                }
                replies[i] = v;
            }
        }
        if redirected.is_empty() {
            break;
        }
        *slots = SlotMap::fetch(conn).await?;
        pending = redirected;
    }
    Ok(replies)
}

fn is_redirect(v: &Value) -> bool {
    matches!(v, Value::ServerError(e)
        if matches!(e.kind(), Some(ServerErrorKind::Moved | ServerErrorKind::Ask | ServerErrorKind::TryAgain)))
}

/// Runs futures concurrently on the current task (no spawn): the cluster client multiplexes
/// them, so each master gets its pipeline without waiting for the others.
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (f, slot) in pinned.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Which master serves each slot, from `CLUSTER SLOTS`: masters by their address, slot
/// ranges sorted by start.
struct SlotMap {
    /// `(first slot, last slot, master index)`, sorted by first slot.
    ranges: Vec<(u16, u16, usize)>,
}

impl SlotMap {
    async fn fetch(conn: &mut ClusterConnection) -> Result<SlotMap, StateError> {
        let reply: Value = conn
            .route_command(
                redis::cmd("CLUSTER").arg("SLOTS").clone(),
                redis::cluster_routing::RoutingInfo::SingleNode(SingleNodeRoutingInfo::RandomPrimary),
            )
            .await?;
        let mut masters: HashMap<String, usize> = HashMap::new();
        let mut ranges = Vec::new();
        let Value::Array(entries) = reply else { return Err(StateError::Protocol("CLUSTER SLOTS reply")) };
        for entry in entries {
            let Value::Array(fields) = entry else { continue };
            let (Some(Value::Int(start)), Some(Value::Int(end)), Some(Value::Array(master))) =
                (fields.first(), fields.get(1), fields.get(2))
            else {
                continue;
            };
            let addr = format!("{:?}", master.iter().take(2).collect::<Vec<_>>());
            let next = masters.len();
            let m = *masters.entry(addr).or_insert(next);
            ranges.push((*start as u16, *end as u16, m));
        }
        ranges.sort_unstable();
        Ok(SlotMap { ranges })
    }

    fn master(&self, slot: u16) -> usize {
        let i = self.ranges.partition_point(|r| r.0 <= slot);
        match i.checked_sub(1).and_then(|i| self.ranges.get(i)) {
            Some(&(_, end, m)) if slot <= end => m,
            _ => usize::MAX, // unassigned: its own group; the cluster answers with an error
        }
    }

    /// `pending` op indices grouped by master: per group, a slot it serves (to route the
    /// pipeline) and the indices, in order.
    fn group(&self, pending: &[usize], ops: &[Op]) -> Vec<(u16, Vec<usize>)> {
        let mut by_master: HashMap<usize, (u16, Vec<usize>)> = HashMap::new();
        for &i in pending {
            let slot = key_slot(&ops[i].key);
            by_master.entry(self.master(slot)).or_insert_with(|| (slot, Vec::new())).1.push(i);
        }
        by_master.into_values().collect()
    }
}
