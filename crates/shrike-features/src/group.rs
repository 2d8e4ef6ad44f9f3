//! One group's keys: the hash table of [`EntityState`]s by [`KeyHash`] and the per-call logic
//! (lateness check, reads before/after updates, bucket positions).

use crate::api::{AggValue, Update};
use crate::cells::Pos;
use crate::key::KeyHash;
use crate::prefetch::prefetch;
use crate::spec::{FeatureDef, GroupDef};
use crate::state::{ALLOC_OVERHEAD, FeatureState, empty_value};
use crate::table::{Keyed, MAX_TABLE_ENTRIES, PrefetchTable};

/// Most keys one group holds. Past it, a call for a new key applies nothing and reads as an
/// empty key (counted in [`GroupStore::refused`]) until expiry makes room: memory stays
/// bounded under a flood of new entities (a key-cardinality attack), at ~300 bytes per key
/// for the widest reference group.
pub const MAX_KEYS_PER_GROUP: usize = 20_000_000;

/// A call further than this from the key's newest event time (34 years, far beyond any
/// window or lateness) resets or reads nothing, so `u32` bucket differences never wrap.
const JUMP_LIMIT_MS: i64 = 1 << 40;

/// All features of one group for one key. `F` holds the feature states: an array for groups
/// of up to [`INLINE_FEATURES`] features, so they live in the table slot next to the key (one
/// dependent cache miss less per call), else a boxed slice.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EntityState<F> {
    /// Which key this is.
    pub(crate) key: KeyHash,
    /// Newest event time applied to this key (ms): lateness, pruning and expiry count from it.
    pub(crate) newest: i64,
    /// One state per feature of the group, in layout order (arrays may have unused states
    /// past the group's features; they are never touched).
    pub(crate) features: F,
}

/// Largest group whose feature states are stored inline in the table slot.
pub(crate) const INLINE_FEATURES: usize = 8;

/// Storage of a key's feature states: `[FeatureState; N]` or `Box<[FeatureState]>`.
pub(crate) trait Features: Sized {
    /// Whether the states are on the heap (counted by `heap_bytes`) rather than in the slot.
    const BOXED: bool;
    /// The empty states of a group's features (`states.len() == def.features.len()`).
    fn from_states(states: Vec<FeatureState>) -> Self;
    /// The empty states of `def`'s features, without an intermediate vector (a new key is a
    /// fifth of all calls).
    fn empty(def: &GroupDef) -> Self;
    /// Every stored state, possibly more than the group has.
    fn all(&self) -> &[FeatureState];
    /// The first `n` states, by value.
    fn into_states(self, n: usize) -> Vec<FeatureState>;
    fn all_mut(&mut self) -> &mut [FeatureState];
}

impl<const N: usize> Features for [FeatureState; N] {
    const BOXED: bool = false;
    fn empty(def: &GroupDef) -> Self {
        std::array::from_fn(|i| def.features.get(i).map_or(FeatureState::Seen(Default::default()), FeatureState::new))
    }
    fn from_states(states: Vec<FeatureState>) -> Self {
        let mut states = states.into_iter();
        std::array::from_fn(|_| states.next().unwrap_or(FeatureState::Seen(Default::default())))
    }
    fn all(&self) -> &[FeatureState] {
        self
    }
    fn all_mut(&mut self) -> &mut [FeatureState] {
        self
    }
    fn into_states(self, n: usize) -> Vec<FeatureState> {
        self.into_iter().take(n).collect()
    }
}

impl Features for Box<[FeatureState]> {
    const BOXED: bool = true;
    fn into_states(self, n: usize) -> Vec<FeatureState> {
        self.into_iter().take(n).collect()
    }
    fn empty(def: &GroupDef) -> Self {
        def.features.iter().map(FeatureState::new).collect()
    }
    fn from_states(states: Vec<FeatureState>) -> Self {
        states.into()
    }
    fn all(&self) -> &[FeatureState] {
        self
    }
    fn all_mut(&mut self) -> &mut [FeatureState] {
        self
    }
}

impl<F> Keyed for EntityState<F> {
    #[inline(always)]
    fn key(&self) -> u128 {
        self.key.0
    }
}

impl<F: Features> EntityState<F> {
    pub(crate) fn new(def: &GroupDef, key: KeyHash, at: i64) -> Self {
        EntityState { key, newest: at, features: F::empty(def) }
    }

    /// The states of the group's features.
    pub(crate) fn states<'a>(&'a self, def: &GroupDef) -> &'a [FeatureState] {
        let all = self.features.all();
        &all[..def.features.len().min(all.len())]
    }

    fn heap_bytes(&self, def: &GroupDef) -> usize {
        let states = self.states(def).iter().map(FeatureState::heap_bytes).sum::<usize>();
        let own = if F::BOXED { def.features.len() * size_of::<FeatureState>() + ALLOC_OVERHEAD } else { 0 };
        own + states
    }
}

/// One group's table, its slot type chosen by the number of features.
#[derive(Debug)]
pub(crate) enum Table {
    F1(PrefetchTable<EntityState<[FeatureState; 1]>>),
    F2(PrefetchTable<EntityState<[FeatureState; 2]>>),
    F3(PrefetchTable<EntityState<[FeatureState; 3]>>),
    F4(PrefetchTable<EntityState<[FeatureState; 4]>>),
    F5(PrefetchTable<EntityState<[FeatureState; 5]>>),
    F6(PrefetchTable<EntityState<[FeatureState; 6]>>),
    F7(PrefetchTable<EntityState<[FeatureState; 7]>>),
    F8(PrefetchTable<EntityState<[FeatureState; INLINE_FEATURES]>>),
    Boxed(PrefetchTable<EntityState<Box<[FeatureState]>>>),
}

/// Runs `$body` with `$t` bound to the table of whatever slot type.
macro_rules! with_table {
    ($table:expr, $t:ident => $body:expr) => {
        match $table {
            Table::F1($t) => $body,
            Table::F2($t) => $body,
            Table::F3($t) => $body,
            Table::F4($t) => $body,
            Table::F5($t) => $body,
            Table::F6($t) => $body,
            Table::F7($t) => $body,
            Table::F8($t) => $body,
            Table::Boxed($t) => $body,
        }
    };
}
pub(crate) use with_table;

impl Table {
    pub(crate) fn new(features: usize) -> Self {
        match features {
            0 | 1 => Table::F1(PrefetchTable::new()),
            2 => Table::F2(PrefetchTable::new()),
            3 => Table::F3(PrefetchTable::new()),
            4 => Table::F4(PrefetchTable::new()),
            5 => Table::F5(PrefetchTable::new()),
            6 => Table::F6(PrefetchTable::new()),
            7 => Table::F7(PrefetchTable::new()),
            8 => Table::F8(PrefetchTable::new()),
            _ => Table::Boxed(PrefetchTable::new()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        with_table!(self, t => t.len())
    }
}

/// One group's definition, keys and per-call scratch.
#[derive(Debug)]
pub(crate) struct GroupStore {
    pub(crate) def: GroupDef,
    pub(crate) table: Table,
    /// One per distinct resolution: the last buckets computed for the call's time and for the
    /// key's newest time. Positions are computed only for the features a call touches.
    buckets: Box<[BucketPair]>,
    /// Updates refused because the group was full.
    pub(crate) refused: u64,
    /// Most keys this group holds ([`MAX_KEYS_PER_GROUP`] unless set lower).
    pub(crate) max_keys: usize,
}

impl GroupStore {
    pub(crate) fn new(def: GroupDef) -> Self {
        let buckets = vec![BucketPair::default(); def.resolutions.len()].into();
        let table = Table::new(def.features.len());
        GroupStore { def, table, buckets, refused: 0, max_keys: MAX_KEYS_PER_GROUP }
    }

    /// `FeatureStore::apply_and_read` for this group.
    pub(crate) fn call(
        &mut self,
        lateness_ms: i64,
        key: KeyHash,
        at: i64,
        updates: &[Update],
        reads: &[u16],
        out: &mut [AggValue],
    ) {
        let GroupStore { def, table, buckets, refused, max_keys } = self;
        let mut cx = Call { def, buckets, lateness_ms, key, at, updates, reads, out, max_keys: *max_keys };
        if !with_table!(table, t => cx.run(t)) {
            *refused += 1;
        }
    }

    /// First prefetch stage: starts loading `key`'s index word; reads nothing, so it never
    /// waits for memory.
    pub(crate) fn prefetch(&self, key: KeyHash) {
        with_table!(&self.table, table => table.prefetch_index(key.0))
    }

    /// Second stage, once the index word is in cache: starts loading the key's state (the
    /// first lines of its slot: key, newest time, inline feature states and first cells).
    pub(crate) fn prefetch_state(&self, key: KeyHash) {
        with_table!(&self.table, table => table.prefetch_entry(key.0))
    }

    /// Third stage, once the state is in cache: loads the first line of each spilled cell
    /// vector of `key`'s states.
    pub(crate) fn prefetch_cells(&self, key: KeyHash) {
        with_table!(&self.table, table => {
            if let Some(e) = table.find(key.0) {
                e.states(&self.def).iter().filter_map(FeatureState::spilled).for_each(prefetch);
            }
        })
    }

    /// Drops keys idle for longer than the group's longest window plus lateness.
    pub(crate) fn expire(&mut self, watermark: i64) -> usize {
        let idle_ms = self.def.idle_ms;
        with_table!(&mut self.table, table => {
            let before = table.len();
            // Also gives memory back after a large expiry.
            table.retain(|e| watermark.saturating_sub(e.newest) <= idle_ms);
            before - table.len()
        })
    }

    /// Entries (by capacity), index words and what the feature states own.
    pub(crate) fn heap_bytes(&self) -> usize {
        let def = &self.def;
        with_table!(&self.table, table => {
            let states: usize = table.iter().map(|e| e.heap_bytes(def)).sum();
            table.heap_bytes() + states
        })
    }
}

/// The arguments of one call.
struct Call<'a> {
    def: &'a GroupDef,
    buckets: &'a mut [BucketPair],
    lateness_ms: i64,
    key: KeyHash,
    at: i64,
    updates: &'a [Update],
    reads: &'a [u16],
    out: &'a mut [AggValue],
    max_keys: usize,
}

impl Call<'_> {
    /// Returns false when the call was refused: a new key in a full group.
    fn run<F: Features>(&mut self, table: &mut PrefetchTable<EntityState<F>>) -> bool {
        let Call { def, ref mut buckets, lateness_ms, key, at, updates, reads, ref mut out, max_keys } = *self;
        let position = table.position(key.0);
        if updates.is_empty() {
            match position.and_then(|p| table.get_mut(p)) {
                Some(e) => read_all(def, e.newest, e.features.all(), buckets, at, reads, out),
                None => read_empty(def, reads, out),
            }
            return true;
        }
        let found = match position {
            Some(p) => table.get_mut(p).ok_or(()),
            None if table.len() >= max_keys.min(MAX_TABLE_ENTRIES) => Err(()),
            None => table.insert_new(EntityState::new(def, key, at)).map_err(|_| ()),
        };
        let Ok(e) = found else {
            read_empty(def, reads, out);
            return false;
        };
        if at < e.newest.saturating_sub(lateness_ms) {
            // Too late: the engine's watermark should have rejected it; ignore the updates.
            read_all(def, e.newest, e.features.all(), buckets, at, reads, out);
            return true;
        }
        if at.saturating_sub(e.newest) > JUMP_LIMIT_MS {
            *e = EntityState::new(def, key, at);
        }
        if def.reads_before {
            read_seen(def, e.features.all(), at, reads, out);
        }
        // Positions count ages from the newest bucket once this call is applied.
        let newest = e.newest.max(at);
        apply(def, e.features.all_mut(), buckets, at, newest, updates);
        e.newest = newest;
        read_windows(def, newest, e.features.all(), buckets, at, reads, out);
        true
    }
}

/// `b(at)` and `b(max(newest, at))` at feature `fd`'s resolution.
fn position(fd: &FeatureDef, buckets: &mut [BucketPair], at: i64, newest: i64) -> Pos {
    let r = fd.resolution_ms;
    // `fd.res` indexes `buckets` by construction (one pair per resolution).
    let pair = &mut buckets[fd.res];
    let bt = pair.at.bucket(at, r);
    let bn = if at >= newest { bt } else { pair.newest.bucket(newest, r) };
    // Truncation to u32 is the wrapping bucket encoding (see `cells`).
    Pos { bt: bt as u32, bn: bn as u32 }
}

/// Bucket caches for the call's time and for the key's newest time (which differ only for late
/// events), so that a late event does not evict the other's entry.
#[derive(Clone, Copy, Debug, Default)]
struct BucketPair {
    at: BucketCache,
    newest: BucketCache,
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

fn apply(
    def: &GroupDef,
    states: &mut [FeatureState],
    buckets: &mut [BucketPair],
    at: i64,
    newest: i64,
    updates: &[Update],
) {
    for u in updates {
        let i = usize::from(u.feature);
        if let (Some(fd), Some(state)) = (def.features.get(i), states.get_mut(i)) {
            state.apply(fd, position(fd, buckets, at, newest), at, u.input);
        }
    }
}

/// Every read, as a call without updates (or a refused late one) gives them.
#[allow(clippy::too_many_arguments)]
fn read_all(
    def: &GroupDef,
    newest: i64,
    states: &[FeatureState],
    buckets: &mut [BucketPair],
    at: i64,
    reads: &[u16],
    out: &mut [AggValue],
) {
    read_seen(def, states, at, reads, out);
    read_windows(def, newest, states, buckets, at, reads, out);
}

/// The first/last seen values among `reads`: read before the call's updates.
#[inline(always)]
fn read_seen(def: &GroupDef, states: &[FeatureState], at: i64, reads: &[u16], out: &mut [AggValue]) {
    for (slot, &f) in out.iter_mut().zip(reads) {
        let i = usize::from(f);
        if let (Some(fd), Some(FeatureState::Seen(s))) = (def.features.get(i), states.get(i)) {
            *slot = s.read(fd.agg, at, fd.window_ms);
        }
    }
}

/// Every other value among `reads` (windowed aggregates, read after the updates); unknown
/// features read as missing.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn read_windows(
    def: &GroupDef,
    newest: i64,
    states: &[FeatureState],
    buckets: &mut [BucketPair],
    at: i64,
    reads: &[u16],
    out: &mut [AggValue],
) {
    for (slot, &f) in out.iter_mut().zip(reads) {
        let i = usize::from(f);
        let (Some(fd), Some(state)) = (def.features.get(i), states.get(i)) else {
            *slot = AggValue::Missing;
            continue;
        };
        if matches!(state, FeatureState::Seen(_)) {
            continue;
        }
        *slot = if reachable(fd, at, newest) {
            state.read(fd, position(fd, buckets, at, newest).bt, at)
        } else {
            empty_value(fd)
        };
    }
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
