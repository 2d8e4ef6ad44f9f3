//! Integer-to-text without `core::fmt`: rendering is most of the generator's time, and
//! these few helpers roughly halve it.

/// Appends `n` in decimal.
pub(crate) fn dec(out: &mut String, n: u64) {
    dec_padded(out, n, 1);
}

/// Appends `n` in decimal, left-padded with zeros to at least `width` digits.
pub(crate) fn dec_padded(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = i.min(buf.len() - width.clamp(1, buf.len()));
    push_ascii(out, &buf[start..]);
}

/// Appends the low `digits` hex digits of `n`, zero-padded, lower case.
pub(crate) fn hex(out: &mut String, n: u64, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [b'0'; 16];
    let digits = digits.clamp(1, 16);
    for (k, slot) in buf[16 - digits..].iter_mut().rev().enumerate() {
        *slot = HEX[((n >> (4 * k)) & 0xf) as usize];
    }
    push_ascii(out, &buf[16 - digits..]);
}

/// Appends cents as a decimal with exactly two fraction digits (`1250` → `12.50`).
pub(crate) fn cents(out: &mut String, cents: i64) {
    if cents < 0 {
        out.push('-');
    }
    let abs = cents.unsigned_abs();
    dec(out, abs / 100);
    out.push('.');
    dec_padded(out, abs % 100, 2);
}

/// Appends ASCII bytes (the buffers above only hold digits and letters); cheaper than
/// UTF-8 validation for strings this short.
fn push_ascii(out: &mut String, bytes: &[u8]) {
    out.extend(bytes.iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: impl FnOnce(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn formats_like_core_fmt() {
        for n in [0u64, 7, 10, 99, 12_345, u64::MAX] {
            assert_eq!(run(|s| dec(s, n)), n.to_string());
            assert_eq!(run(|s| dec_padded(s, n, 9)), format!("{n:09}"));
            assert_eq!(run(|s| hex(s, n, 12)), format!("{:012x}", n & 0xffff_ffff_ffff));
        }
        assert_eq!(run(|s| hex(s, u64::MAX, 16)), "ffffffffffffffff");
        assert_eq!(run(|s| cents(s, 1_250)), "12.50");
        assert_eq!(run(|s| cents(s, 5)), "0.05");
        assert_eq!(run(|s| cents(s, -101)), "-1.01");
    }
}
