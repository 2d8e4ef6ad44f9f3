//! Every bound of the decision log, with the reason for its value.

/// A segment is sealed (its index written to disk) once it holds this many bytes (about
/// 40,000 of the service's decisions), or once its index is full. Bounds the in-memory
/// index of the segment being written (~35 MiB at this size) and the work of one seal;
/// retention deletes whole segments, so it is also the granularity of retention.
pub const DEFAULT_SEGMENT_BYTES: u64 = 32 * 1024 * 1024;
/// A segment is also sealed once its decisions span this long (decision time), so that a
/// quiet service still gets whole old segments for retention to delete.
pub const DEFAULT_SEGMENT_SPAN_MS: i64 = 3_600_000;
/// Smallest and largest `Options::segment_bytes` (offsets in the index are `u32`).
pub const MIN_SEGMENT_BYTES: u64 = 4 * 1024;
pub const MAX_SEGMENT_BYTES: u64 = 1 << 31;
/// Largest encoded decision: the records' 64 KiB of decision JSON plus its columns.
pub const MAX_ROW_BYTES: usize = 96 * 1024;
/// Index entries read with one `pread` while walking a sealed segment's posting range.
pub const INDEX_CHUNK: usize = 256;
/// Chain steps taken under the read lock of the segment being written before releasing it,
/// so a query holds up the writer (the engine thread) for at most a few microseconds.
pub const MEM_WALK_CHUNK: usize = 4096;
/// Seals whose index is still being written in the background; past it, `append` waits
/// for the oldest (backpressure instead of unbounded memory). With the segment being
/// written and one prepared index for the next, at most four indexes are in memory.
pub const MAX_PENDING_SEALS: usize = 2;
/// How often a background thread fdatasyncs the segment being written (what a power loss
/// can take from the log; a process crash takes nothing that `append` returned).
pub const SYNC_INTERVAL_MS: u64 = 1_000;
/// Segment bytes per posting when sizing the index of a new segment: room for 1M postings
/// (and 512K distinct keys) at the default segment size, ~35 MiB. The service's decisions
/// take ~600-1,000 bytes with ~11 postings; a segment of smaller rows fills its index
/// first and is sealed then.
pub const BYTES_PER_POSTING: u64 = 32;
