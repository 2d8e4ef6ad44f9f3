//! The deterministic payload of the record at each position, shared by the crash writer and
//! the tests that check what it wrote (`tests/common/mod.rs` includes this file).

/// Record kind the crash writer and tests use.
pub(crate) const KIND: u8 = 1;

/// The payload written at `pos`: the position itself, then 0–391 pseudo-random bytes (about
/// 200 on average), so a record read back at the wrong position or with other bytes differs.
pub(crate) fn payload(pos: u64) -> Vec<u8> {
    let mut state = pos.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut step = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let len = (step() % 392) as usize;
    let mut out = pos.to_le_bytes().to_vec();
    out.extend((0..len).map(|_| step() as u8));
    out
}
