//! One group's keys: the hash table from key bytes to [`EntityState`] and the per-call logic
//! (lateness check, reads before/after updates, bucket positions).

use hashbrown::HashMap;

use crate::api::{AggValue, Update};
use crate::cells::Pos;
use crate::key::{Key, KeyRef};
use crate::spec::{FeatureDef, GroupDef};
use crate::state::{ALLOC_OVERHEAD, FeatureState, empty_value};

/// A call further than this from the key's newest event time (34 years, far beyond any
/// window or lateness) resets or reads nothing, so `u32` bucket differences never wrap.
const JUMP_LIMIT_MS: i64 = 1 << 40;

/// All features of one group for one key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EntityState {
    /// Newest event time applied to this key (ms): lateness, pruning and expiry count from it.
    pub(crate) newest: i64,
    /// One state per feature of the group, in layout order.
    pub(crate) features: Box<[FeatureState]>,
}

impl EntityState {
    pub(crate) fn new(def: &GroupDef, at: i64) -> Self {
        EntityState { newest: at, features: def.features.iter().map(FeatureState::new).collect() }
    }

    fn heap_bytes(&self) -> usize {
        let own = self.features.len() * size_of::<FeatureState>() + ALLOC_OVERHEAD;
        own + self.features.iter().map(FeatureState::heap_bytes).sum::<usize>()
    }
}

/// Which reads a pass writes: first/last seen before the updates, the rest after.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    BeforeUpdates,
    AfterUpdates,
    All,
}

/// One group's definition, keys and per-call scratch.
#[derive(Debug)]
pub(crate) struct GroupStore {
    pub(crate) def: GroupDef,
    pub(crate) table: HashMap<Key, EntityState>,
    /// Bucket positions of the current call, one per distinct resolution (reused: no
    /// allocation per call).
    scratch: Vec<Pos>,
    /// One per distinct resolution: the last bucket computed.
    buckets: Box<[BucketCache]>,
}

impl GroupStore {
    pub(crate) fn new(def: GroupDef) -> Self {
        let scratch = Vec::with_capacity(def.resolutions.len());
        let buckets = vec![BucketCache::default(); def.resolutions.len()].into();
        GroupStore { def, table: HashMap::new(), scratch, buckets }
    }

    /// `FeatureStore::apply_and_read` for this group.
    pub(crate) fn call(
        &mut self,
        lateness_ms: i64,
        key: &[u8],
        at: i64,
        updates: &[Update],
        reads: &[u16],
        out: &mut [AggValue],
    ) {
        let GroupStore { def, table, scratch, buckets } = self;
        if updates.is_empty() {
            match table.get(&KeyRef(key)) {
                Some(e) => {
                    let pos = positions(def, at, e.newest, buckets, scratch);
                    read(def, e, pos, at, reads, out, Pass::All);
                }
                None => read_empty(def, reads, out),
            }
            return;
        }
        // Copies the key only when it is new (and allocates only when it is long).
        let e = table.entry_ref(&KeyRef(key)).or_insert_with(|| EntityState::new(def, at));
        if at < e.newest.saturating_sub(lateness_ms) {
            // Too late: the engine's watermark should have rejected it; ignore the updates.
            let pos = positions(def, at, e.newest, buckets, scratch);
            return read(def, e, pos, at, reads, out, Pass::All);
        }
        if at.saturating_sub(e.newest) > JUMP_LIMIT_MS {
            *e = EntityState::new(def, at);
        }
        let pos = positions(def, at, e.newest, buckets, scratch);
        read(def, e, pos, at, reads, out, Pass::BeforeUpdates);
        apply(def, e, pos, at, updates);
        e.newest = e.newest.max(at);
        read(def, e, pos, at, reads, out, Pass::AfterUpdates);
    }

    /// Drops keys idle for longer than the group's longest window plus lateness.
    pub(crate) fn expire(&mut self, watermark: i64) -> usize {
        let before = self.table.len();
        let idle_ms = self.def.idle_ms;
        self.table.retain(|_, e| watermark.saturating_sub(e.newest) <= idle_ms);
        // Give memory back after a large expiry, keeping room to grow without rehashing.
        if self.table.len() * 4 < self.table.capacity() && self.table.capacity() > 1024 {
            self.table.shrink_to(self.table.len() * 2);
        }
        before - self.table.len()
    }

    /// Table slots, key bytes and feature states.
    pub(crate) fn heap_bytes(&self) -> usize {
        let slot = size_of::<(Key, EntityState)>() + 1;
        let keys: usize = self.table.iter().map(|(k, e)| k.heap_bytes() + e.heap_bytes()).sum();
        self.table.capacity() * slot + keys
    }
}

/// Fills `scratch` with `b(at)` and `b(max(newest, at))` for each resolution.
fn positions<'s>(
    def: &GroupDef,
    at: i64,
    newest: i64,
    cache: &mut [BucketCache],
    scratch: &'s mut Vec<Pos>,
) -> &'s [Pos] {
    scratch.clear();
    scratch.extend(def.resolutions.iter().zip(cache).map(|(&r, c)| {
        let bt = c.bucket(at, r);
        let bn = if at >= newest { bt } else { c.bucket(newest, r) };
        // Truncation to u32 is the wrapping bucket encoding (see `cells`).
        Pos { bt: bt as u32, bn: bn as u32 }
    }));
    scratch
}

/// The last bucket computed at one resolution, as a time range. Calls arrive nearly in event
/// time order across keys, so `b(t)` almost always hits and costs two compares instead of a
/// 64-bit division.
#[derive(Clone, Copy, Debug, Default)]
struct BucketCache {
    start: i64,
    /// Exclusive; `start == end` (the default) never hits.
    end: i64,
    bucket: i64,
}

impl BucketCache {
    fn bucket(&mut self, t: i64, r: i64) -> i64 {
        if t >= self.start && t < self.end {
            return self.bucket;
        }
        let bucket = t.div_euclid(r);
        // Near the ends of the i64 range the bounds do not exist: compute, don't cache.
        let start = t.checked_sub(t.rem_euclid(r));
        if let Some((start, end)) = start.and_then(|s| Some((s, s.checked_add(r)?))) {
            *self = BucketCache { start, end, bucket };
        }
        bucket
    }
}

fn apply(def: &GroupDef, e: &mut EntityState, pos: &[Pos], at: i64, updates: &[Update]) {
    for u in updates {
        let i = usize::from(u.feature);
        if let (Some(fd), Some(state)) = (def.features.get(i), e.features.get_mut(i)) {
            // `fd.res` indexes `pos` by construction (one position per resolution).
            state.apply(fd, pos[fd.res], at, u.input);
        }
    }
}

fn read(def: &GroupDef, e: &EntityState, pos: &[Pos], at: i64, reads: &[u16], out: &mut [AggValue], pass: Pass) {
    for (slot, &f) in out.iter_mut().zip(reads) {
        let i = usize::from(f);
        let (Some(fd), Some(state)) = (def.features.get(i), e.features.get(i)) else {
            *slot = AggValue::Missing;
            continue;
        };
        let before = fd.agg.reads_before_update();
        if pass == Pass::All || before == (pass == Pass::BeforeUpdates) {
            *slot = read_one(fd, state, pos[fd.res], at, e.newest);
        }
    }
}

fn read_one(fd: &FeatureDef, state: &FeatureState, pos: Pos, at: i64, newest: i64) -> AggValue {
    if fd.agg.reads_before_update() || reachable(fd, at, newest) { state.read(fd, pos.bt, at) } else { empty_value(fd) }
}

/// Whether a read at `at` can see any stored bucket: not a whole window past the newest one,
/// and not absurdly far before it (where wrapping bucket differences would lie).
fn reachable(fd: &FeatureDef, at: i64, newest: i64) -> bool {
    let d = at.saturating_sub(newest);
    d < fd.window_ms + fd.resolution_ms && d > -JUMP_LIMIT_MS
}

fn read_empty(def: &GroupDef, reads: &[u16], out: &mut [AggValue]) {
    for (slot, &f) in out.iter_mut().zip(reads) {
        *slot = def.features.get(usize::from(f)).map_or(AggValue::Missing, empty_value);
    }
}
