//! The store layout: which features exist, grouped by key expression, with their windows and
//! resolutions. A layout is validated once ([`compile`]) into the per-feature constants the hot
//! path needs, so that `apply_and_read` never re-checks a window or divides durations.

use shrike_types::Duration;

/// Finest bucket resolution. Coarser than event-time jitter, and keeps bucket numbers of a key
/// within `u32` distance of each other (68 years at 1 s).
pub const MIN_RESOLUTION: Duration = Duration::SECOND;
/// Shortest window.
pub const MIN_WINDOW: Duration = Duration::SECOND;
/// Longest window (400 days): a year of history plus margin, so yearly features fit.
pub const MAX_WINDOW: Duration = Duration(400 * 86_400_000);
/// Longest allowed lateness; the same bound as a window so retention stays below two windows.
pub const MAX_LATENESS: Duration = MAX_WINDOW;
/// Most features in one group: bounds the per-key state and the per-call scratch.
pub const MAX_FEATURES_PER_GROUP: usize = 256;

/// What a feature computes over the events in its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggKind {
    /// Number of events.
    Count,
    /// Sum of the values (0 when there are none).
    Sum,
    /// Mean of the values (missing when there are none).
    Avg,
    /// Smallest value (missing when there are none).
    Min,
    /// Largest value (missing when there are none).
    Max,
    /// Number of distinct value hashes: exact up to [`crate::DISTINCT_EXACT_CAP`], then a
    /// sliding-window HyperLogLog estimate.
    Distinct,
    /// Earliest event time seen before this event (exact ms; retention = window).
    FirstSeen,
    /// Latest event time seen before this event (exact ms; retention = window).
    LastSeen,
}

impl AggKind {
    /// Whether this kind aggregates a number or an amount (and so needs a value kind).
    pub fn takes_value(self) -> bool {
        matches!(self, AggKind::Sum | AggKind::Avg | AggKind::Min | AggKind::Max)
    }

    /// First/last seen are read before the call's own updates are applied.
    pub fn reads_before_update(self) -> bool {
        matches!(self, AggKind::FirstSeen | AggKind::LastSeen)
    }
}

/// The type of value that `Sum`/`Avg`/`Min`/`Max` aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// No value: `Count`, `Distinct` (which takes a hash), `FirstSeen`, `LastSeen`.
    None,
    /// An `f64`; non-finite inputs are ignored.
    Number,
    /// Exact [`shrike_types::Money`] micros; sums saturate at the `i64` range.
    Money,
}

/// One windowed feature: `agg(value) over window`, bucketed at `resolution`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureSpec {
    /// The aggregate.
    pub agg: AggKind,
    /// What the aggregate takes as input (see [`ValueKind`]).
    pub value_kind: ValueKind,
    /// The sliding window `W`; for first/last seen, the retention.
    pub window: Duration,
    /// Bucket width `r`: `W` must be a multiple of it; reads are exact at this resolution.
    pub resolution: Duration,
}

impl FeatureSpec {
    /// A feature with the [`default_resolution`] for its window.
    pub fn new(agg: AggKind, value_kind: ValueKind, window: Duration) -> Self {
        FeatureSpec { agg, value_kind, window, resolution: default_resolution(window) }
    }
}

/// The features that share one key expression; the engine calls the store once per group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupSpec {
    /// Features, addressed by their index in this list.
    pub features: Vec<FeatureSpec>,
}

/// Every group of a compiled policy plus the lateness the engine allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreLayout {
    /// Groups, addressed by their index in this list.
    pub groups: Vec<GroupSpec>,
    /// `L`: how far behind a key's newest event time updates and reads must still be exact.
    pub allowed_lateness: Duration,
}

/// Why a layout cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The resolution is finer than [`MIN_RESOLUTION`].
    #[error("group {group} feature {feature}: resolution {resolution} is finer than 1s")]
    ResolutionTooFine { group: usize, feature: usize, resolution: Duration },
    /// The window is outside [`MIN_WINDOW`]..=[`MAX_WINDOW`].
    #[error("group {group} feature {feature}: window {window} is outside 1s..=400d")]
    WindowOutOfRange { group: usize, feature: usize, window: Duration },
    /// The window is not a whole number of buckets.
    #[error("group {group} feature {feature}: window {window} is not a multiple of {resolution}")]
    WindowNotMultiple { group: usize, feature: usize, window: Duration, resolution: Duration },
    /// The value kind does not fit the aggregate (e.g. `Sum` of nothing, `Count` of money).
    #[error("group {group} feature {feature}: {agg:?} cannot take a {value_kind:?} value")]
    ValueKindMismatch { group: usize, feature: usize, agg: AggKind, value_kind: ValueKind },
    /// The group has more than [`MAX_FEATURES_PER_GROUP`] features.
    #[error("group {group} has {count} features, more than {MAX_FEATURES_PER_GROUP}")]
    TooManyFeatures { group: usize, count: usize },
    /// The lateness is negative or above [`MAX_LATENESS`].
    #[error("allowed lateness {0} is outside 0..=400d")]
    LatenessOutOfRange(Duration),
}

/// The default bucket width for a window: `W / 60` rounded down to whole seconds, at least 1 s,
/// then lowered to the nearest whole-second divisor of `W` so the window is a whole number of
/// buckets (`10m` → `10s`, `1h` → `1m`, `24h` → `24m`, `7d` → `2h48m`, `450s` → `6s`).
/// A window that is not a whole number of seconds gets a single bucket of width `W`.
///
/// 60 buckets keep reads exact to within 1/60 of the window while bounding a key's cells to
/// 60 (+ lateness) per feature.
pub fn default_resolution(window: Duration) -> Duration {
    let ms = window.0.max(MIN_WINDOW.0);
    if ms % 1_000 != 0 {
        return Duration(ms);
    }
    // One rule for the whole engine: the policy planner uses the same function.
    Duration(ms).default_resolution()
}

/// A feature compiled for the hot path: bucket counts precomputed, no durations left.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FeatureDef {
    pub(crate) agg: AggKind,
    pub(crate) value_kind: ValueKind,
    /// Index of this feature's resolution in its group's distinct resolutions.
    pub(crate) res: usize,
    pub(crate) span: Span,
    pub(crate) window_ms: i64,
    pub(crate) resolution_ms: i64,
}

/// Bucket counts of one feature. Ages are `newest bucket - bucket`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    /// `n = W / r`: buckets in the window.
    pub(crate) n: u32,
    /// `ceil(L / r)`: a bucket this old or older is before every bucket still writable/readable,
    /// so for distinct values only its newest occurrence matters ("settled").
    pub(crate) lat: u32,
    /// `n + lat`: buckets at this age or older can no longer be read and are pruned.
    pub(crate) keep: u32,
}

/// A group compiled for the hot path.
#[derive(Clone, Debug)]
pub(crate) struct GroupDef {
    pub(crate) features: Box<[FeatureDef]>,
    /// Distinct resolutions (ms) of the group: one division per resolution per call.
    pub(crate) resolutions: Box<[i64]>,
    /// Whether any feature is read before the call's updates (first/last seen).
    pub(crate) reads_before: bool,
    /// A key idle (by event time) for longer than this can be dropped: longest window + `L`.
    pub(crate) idle_ms: i64,
}

/// Validates a layout and precomputes what the store needs.
pub(crate) fn compile(layout: &StoreLayout) -> Result<Vec<GroupDef>, LayoutError> {
    let lateness = layout.allowed_lateness;
    if lateness.0 < 0 || lateness > MAX_LATENESS {
        return Err(LayoutError::LatenessOutOfRange(lateness));
    }
    let groups = layout.groups.iter().enumerate();
    groups.map(|(g, spec)| compile_group(g, spec, lateness.0)).collect()
}

fn compile_group(group: usize, spec: &GroupSpec, lateness_ms: i64) -> Result<GroupDef, LayoutError> {
    let count = spec.features.len();
    if count > MAX_FEATURES_PER_GROUP {
        return Err(LayoutError::TooManyFeatures { group, count });
    }
    let mut resolutions: Vec<i64> = Vec::new();
    let mut features = Vec::with_capacity(count);
    for (feature, f) in spec.features.iter().enumerate() {
        check_feature(group, feature, f)?;
        let r = f.resolution.0;
        let res = resolutions.iter().position(|&x| x == r).unwrap_or_else(|| {
            resolutions.push(r);
            resolutions.len() - 1
        });
        features.push(compile_feature(f, res, lateness_ms));
    }
    let longest = spec.features.iter().map(|f| f.window.0).max().unwrap_or(0);
    let reads_before = spec.features.iter().any(|f| f.agg.reads_before_update());
    Ok(GroupDef {
        features: features.into(),
        resolutions: resolutions.into(),
        reads_before,
        idle_ms: longest + lateness_ms,
    })
}

fn compile_feature(f: &FeatureSpec, res: usize, lateness_ms: i64) -> FeatureDef {
    let r = f.resolution.0;
    // Both quotients are below 2^26 thanks to the range checks, so the casts are exact.
    let n = (f.window.0 / r) as u32;
    let lat = ((lateness_ms + r - 1) / r) as u32;
    FeatureDef {
        agg: f.agg,
        value_kind: f.value_kind,
        res,
        span: Span { n, lat, keep: n + lat },
        window_ms: f.window.0,
        resolution_ms: r,
    }
}

fn check_feature(group: usize, feature: usize, f: &FeatureSpec) -> Result<(), LayoutError> {
    let (window, resolution) = (f.window, f.resolution);
    if resolution < MIN_RESOLUTION {
        return Err(LayoutError::ResolutionTooFine { group, feature, resolution });
    }
    if window < MIN_WINDOW || window > MAX_WINDOW {
        return Err(LayoutError::WindowOutOfRange { group, feature, window });
    }
    if window.0 % resolution.0 != 0 {
        return Err(LayoutError::WindowNotMultiple { group, feature, window, resolution });
    }
    if f.agg.takes_value() == (f.value_kind == ValueKind::None) {
        let (agg, value_kind) = (f.agg, f.value_kind);
        return Err(LayoutError::ValueKindMismatch { group, feature, agg, value_kind });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(f: FeatureSpec, lateness: Duration) -> StoreLayout {
        StoreLayout { groups: vec![GroupSpec { features: vec![f] }], allowed_lateness: lateness }
    }

    #[test]
    fn default_resolution_is_window_over_60_dividing_the_window() {
        let cases = [
            ("10m", "10s"),
            ("1h", "1m"),
            ("24h", "24m"),
            ("90s", "1s"),
            ("450s", "6s"),
            ("7d", "168m"),
            ("1s", "1s"),
            ("400d", "9600m"),
        ];
        for (w, r) in cases {
            let w = Duration::parse_literal(w).unwrap();
            let r = Duration::parse_literal(r).unwrap();
            assert_eq!(default_resolution(w), r, "{w}");
            assert_eq!(w.0 % r.0, 0);
        }
        assert_eq!(default_resolution(Duration(1_500)), Duration(1_500));
    }

    #[test]
    fn rejects_bad_features() {
        let ok = FeatureSpec::new(AggKind::Count, ValueKind::None, Duration::MINUTE);
        assert!(compile(&layout(ok, Duration(0))).is_ok());
        let bad = [
            FeatureSpec { resolution: Duration(999), ..ok },
            FeatureSpec { window: Duration(90_000), resolution: Duration(60_000), ..ok },
            FeatureSpec { window: Duration(MAX_WINDOW.0 + 86_400_000), resolution: Duration::DAY, ..ok },
            FeatureSpec { agg: AggKind::Sum, ..ok },
            FeatureSpec { value_kind: ValueKind::Money, ..ok },
        ];
        for f in bad {
            assert!(compile(&layout(f, Duration(0))).is_err(), "{f:?}");
        }
        let late = layout(ok, Duration(-1));
        assert_eq!(compile(&late).unwrap_err(), LayoutError::LatenessOutOfRange(Duration(-1)));
    }

    #[test]
    fn spans_count_buckets() {
        let f = FeatureSpec::new(AggKind::Count, ValueKind::None, Duration::parse_literal("10m").unwrap());
        let g = compile(&layout(f, Duration(15_001))).unwrap();
        assert_eq!(g[0].features[0].span, Span { n: 60, lat: 2, keep: 62 });
        assert_eq!(g[0].idle_ms, 600_000 + 15_001);
    }
}
