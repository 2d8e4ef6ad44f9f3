//! A cache prefetch hint: the one `unsafe` block of the workspace.
//!
//! Feature state is read at random (one entity's slot per key group per event), so a lookup
//! waits for main memory. The engine knows the keys of the next events before it applies the
//! current one; asking the CPU to start loading their slots overlaps those waits instead of
//! serialising them. A plain load cannot do this: it holds its place in the reorder buffer
//! until the data arrives. The prefetch instruction does not.

/// Most cache lines of one value to prefetch: a group's slot (key, time, inline feature
/// states) spans up to six lines; more would evict useful lines for rarely used ones.
const MAX_LINES: usize = 6;
const LINE: usize = 64;

/// Hints the CPU to load the cache lines holding `value` (all the lines it overlaps, as it
/// need not start at a line boundary). Changes no state; a no-op on architectures without a
/// prefetch instruction.
#[inline(always)]
pub fn prefetch_lines<T>(value: &T) {
    prefetch_span((value as *const T).cast::<u8>(), size_of::<T>());
}

/// Hints the CPU to load the lines overlapping the `len` bytes at `start` (at most
/// [`MAX_LINES`]); `start` need not point to anything.
#[inline(always)]
pub(crate) fn prefetch_span(start: *const u8, len: usize) {
    let offset = start as usize % LINE;
    let lines = (offset + len.max(1)).div_ceil(LINE).min(MAX_LINES);
    let first = start.wrapping_sub(offset);
    for i in 0..lines {
        prefetch(first.wrapping_add(i * LINE));
    }
}

/// Hints the CPU to load the cache line holding the byte at `p` (any address: a prefetch of
/// an invalid one is ignored by the CPU).
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: it never faults (not even on an invalid address), reads
    // nothing into a register and writes no memory, so no pointer validity is required. The
    // `sse` target feature it needs is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
