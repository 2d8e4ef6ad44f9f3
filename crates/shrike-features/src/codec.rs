//! Little-endian primitives for snapshots: a bounds-checked [`Reader`] and the [`Wire`] trait
//! for integers, floats and cells. Decoding never panics and never allocates more than the
//! remaining input can fill.

use crate::cells::{CountCell, MaxCell, MinCell, SumCell};
use crate::distinct::Occurrence;
use crate::hll::HllEntry;
use crate::snapshot::SnapshotError;

/// A cursor over snapshot bytes.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if n > self.buf.len() {
            return Err(SnapshotError::Truncated);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub(crate) fn get<T: Wire>(&mut self) -> Result<T, SnapshotError> {
        T::get(self)
    }

    /// A `u32` length followed by that many items of at least `T::SIZE` bytes each.
    pub(crate) fn vec<T: Wire>(&mut self) -> Result<Vec<T>, SnapshotError> {
        let len = self.get::<u32>()? as usize;
        if len.saturating_mul(T::SIZE) > self.remaining() {
            return Err(SnapshotError::Truncated);
        }
        (0..len).map(|_| T::get(self)).collect()
    }
}

/// A value with a fixed little-endian encoding.
pub(crate) trait Wire: Sized {
    /// Encoded size in bytes.
    const SIZE: usize;
    fn put(&self, out: &mut Vec<u8>);
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError>;
}

/// Writes a `u32` length then the items.
pub(crate) fn put_vec<T: Wire>(out: &mut Vec<u8>, items: &[T]) {
    // Lengths are bounded by retention (well below u32::MAX) by construction.
    (items.len() as u32).put(out);
    items.iter().for_each(|x| x.put(out));
}

macro_rules! wire_int {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            const SIZE: usize = size_of::<$t>();
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
                Ok(<$t>::from_le_bytes(r.array()?))
            }
        }
    )*};
}

wire_int!(u8, u16, u32, u64, u128, i64);

impl Wire for f64 {
    const SIZE: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        self.to_bits().put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let v = f64::from_bits(r.get()?);
        // The store only ever holds finite numbers.
        if v.is_finite() { Ok(v) } else { Err(SnapshotError::Corrupt("non-finite number")) }
    }
}

impl Wire for CountCell {
    const SIZE: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        self.bucket.put(out);
        self.count.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        Ok(CountCell { bucket: r.get()?, count: r.get()? })
    }
}

impl<T: Wire> Wire for SumCell<T> {
    const SIZE: usize = 8 + T::SIZE;
    fn put(&self, out: &mut Vec<u8>) {
        self.bucket.put(out);
        self.count.put(out);
        self.sum.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        Ok(SumCell { bucket: r.get()?, count: r.get()?, sum: r.get()? })
    }
}

impl<T: Wire> Wire for MinCell<T> {
    const SIZE: usize = 4 + T::SIZE;
    fn put(&self, out: &mut Vec<u8>) {
        self.bucket.put(out);
        self.value.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        Ok(MinCell { bucket: r.get()?, value: r.get()? })
    }
}

impl<T: Wire> Wire for MaxCell<T> {
    const SIZE: usize = 4 + T::SIZE;
    fn put(&self, out: &mut Vec<u8>) {
        self.bucket.put(out);
        self.value.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        Ok(MaxCell { bucket: r.get()?, value: r.get()? })
    }
}

impl Wire for Occurrence {
    const SIZE: usize = 12;
    fn put(&self, out: &mut Vec<u8>) {
        self.hash.put(out);
        self.bucket.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        Ok(Occurrence { hash: r.get()?, bucket: r.get()? })
    }
}

impl Wire for HllEntry {
    const SIZE: usize = 7;
    fn put(&self, out: &mut Vec<u8>) {
        self.bucket.put(out);
        self.reg.put(out);
        self.rho.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        Ok(HllEntry { bucket: r.get()?, reg: r.get()?, rho: r.get()? })
    }
}
