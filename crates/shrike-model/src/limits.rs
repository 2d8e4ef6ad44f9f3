//! Named bounds on everything a model file, an imported model or a training run may hold.
//! A model comes from outside (a file, another library): each limit turns an adversarial or
//! corrupt input into a clear error instead of unbounded memory or recursion.

/// Trees in one ensemble. A few thousand is already far past what a 2 µs budget allows.
pub const MAX_TREES: usize = 10_000;

/// Depth of one tree (root = depth 0). Bounds the explanation's path buffers and recursion.
pub const MAX_DEPTH: usize = 64;

/// Nodes (splits + leaves) in one tree.
pub const MAX_NODES_PER_TREE: usize = 1 << 17;

/// Nodes (splits + leaves) in the whole ensemble.
pub const MAX_NODES: usize = 1 << 22;

/// Inputs a model may read. Node feature indices are stored as `u16`.
pub const MAX_INPUTS: usize = 4_096;

/// Largest category code a categorical split may name; the set is a bitset of this size.
pub const MAX_CATEGORY: u32 = 1 << 16;

/// Entries in one categorical input's dictionary (string -> code).
pub const MAX_DICTIONARY: usize = MAX_CATEGORY as usize;

/// Bytes of a model file (ours, LightGBM text or XGBoost JSON) read from disk.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Bins of a score histogram kept for drift.
pub const MAX_HISTOGRAM_BINS: usize = 1_000;

/// Length of an input name or a dictionary entry.
pub const MAX_NAME_BYTES: usize = 256;
