//! The `ip` field: IPv4 or IPv6 text into an [`IpAddr`].
//!
//! std's parser decides what is an address. The two fast paths here read the shapes that
//! almost all traffic has (a dotted quad; eight full groups of hex) and give `None` for
//! anything else, which std then reads: so they accept a subset of what std accepts, with
//! the same value, and never change an answer (checked against std by the tests below).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::{Fail, quote};
use super::reader::Reader;
use super::values::optional;

#[inline(always)]
pub(crate) fn ip(r: &mut Reader<'_>) -> Result<Option<IpAddr>, Fail> {
    // A dotted quad is digits and dots only, so it needs no scan for escapes.
    if let Some(v4) = r.short_bytes(ipv4) {
        return Ok(Some(IpAddr::V4(v4)));
    }
    let Some(s) = r.plain_string() else {
        return ip_general(r);
    };
    match fast(s.as_bytes()) {
        Some(ip) => Ok(Some(ip)),
        None => std_ip(s, r.pos().saturating_sub(s.len() + 2)).map(Some),
    }
}

#[inline(never)]
fn ip_general(r: &mut Reader<'_>) -> Result<Option<IpAddr>, Fail> {
    optional(r, "an IP address string", |s, at| match fast(s.as_bytes()) {
        Some(ip) => Ok(ip),
        None => std_ip(&s, at),
    })
}

#[inline(never)]
fn std_ip(s: &str, at: usize) -> Result<IpAddr, Fail> {
    s.parse().map_err(|_| bad_ip(at, s))
}

#[cold]
fn bad_ip(at: usize, s: &str) -> Fail {
    Fail::value(at, format!("expected an IPv4 or IPv6 address, got {}", quote(s)))
}

#[inline]
fn fast(s: &[u8]) -> Option<IpAddr> {
    match ipv4(s) {
        Some(v4) => Some(IpAddr::V4(v4)),
        None => ipv6(s).map(IpAddr::V6),
    }
}

/// The common case of IPv4: a dotted quad of decimal octets without leading zeros.
#[inline]
fn ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    if s.len() < 7 || s.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v = 0u32;
        while let Some(&c) = s.get(i) {
            if !c.is_ascii_digit() || i - start == 3 {
                break;
            }
            v = v * 10 + u32::from(c - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || v > 255 || (len > 1 && s.get(start) == Some(&b'0')) {
            return None;
        }
        *octet = v as u8;
    }
    (i == s.len()).then_some(Ipv4Addr::from(octets))
}

/// Value of each byte as a hex digit, or `NOT_HEX`.
const HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        table[i] = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => NOT_HEX,
        };
        i += 1;
    }
    table
};
const NOT_HEX: u8 = 0xff;

/// The common case of IPv6 (what most clients and proxies print for a real address): eight
/// groups of one to four hex digits, no `::` and no embedded IPv4. std's general parser
/// costs about 6,000 instructions for such an address, this about 200.
#[inline(never)]
fn ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    if s.len() < 15 || s.len() > 39 {
        return None;
    }
    let mut groups = [0u16; 8];
    let mut i = 0;
    for (n, group) in groups.iter_mut().enumerate() {
        if n > 0 {
            if s.get(i) != Some(&b':') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v = 0u16;
        while let Some(&d) = s.get(i).and_then(|&c| HEX.get(usize::from(c))) {
            if d == NOT_HEX || i - start == 4 {
                break;
            }
            v = (v << 4) | u16::from(d);
            i += 1;
        }
        if i == start {
            return None;
        }
        *group = v;
    }
    (i == s.len()).then_some(Ipv6Addr::from(groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// A string of `min..=max` characters drawn from `alphabet`.
        fn text(&mut self, alphabet: &[u8], min: usize, max: usize) -> String {
            let len = min + (self.next() % (max - min + 1) as u64) as usize;
            let bytes = (0..len).map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize]).collect();
            String::from_utf8(bytes).unwrap_or_default()
        }
    }

    #[test]
    fn fast_ipv4_agrees_with_std() {
        let cases = [
            "203.0.113.7",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "1234.1.1.1",
            "1.2.3.4a",
            "::1",
            "2001:db8::1",
            "999.999.999.999",
            "1.02.3.4",
            "10.0.0.255",
            "1.2.3.-4",
            "+1.2.3.4",
        ];
        for case in cases {
            let fast = ipv4(case.as_bytes());
            let std = case.parse::<Ipv4Addr>().ok();
            assert!(fast.is_none() || fast == std, "{case}: {fast:?} vs {std:?}");
        }
        assert_eq!(ipv4(b"203.0.113.7"), Some(Ipv4Addr::new(203, 0, 113, 7)));
        for a in [0u8, 1, 9, 10, 99, 100, 199, 255] {
            for b in [0u8, 7, 42, 250] {
                let text = format!("{a}.{b}.{b}.{a}");
                assert_eq!(ipv4(text.as_bytes()), text.parse().ok(), "{text}");
            }
        }
        // Every string of 7 to 15 characters from a small alphabet that std reads as IPv4
        // is read the same, and nothing else is read.
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..200_000 {
            let text = rng.text(b"01259.a", 7, 15);
            assert_eq!(ipv4(text.as_bytes()), text.parse().ok(), "{text}");
        }
        for text in ["255.255.255.255", "256.0.0.0", "1.1.1.1", "100.200.250.199", "0.0.0.00", "00.0.0.0"] {
            assert_eq!(ipv4(text.as_bytes()), text.parse().ok(), "{text}");
        }
    }

    #[test]
    fn fast_ipv6_agrees_with_std() {
        let cases = [
            "2a02:1040:131f:f769:fddb:f2ff:cbde:362d",
            "2A02:1040:131F:F769:FDDB:F2FF:CBDE:362D",
            "0:0:0:0:0:0:0:0",
            "1:2:3:4:5:6:7:8",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "0001:0002:0003:0004:0005:0006:0007:0008",
        ];
        for case in cases {
            assert_eq!(ipv6(case.as_bytes()), Some(case.parse().unwrap_or(Ipv6Addr::UNSPECIFIED)), "{case}");
        }
        let refused = [
            "2001:db8::1",
            "::1",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:",
            ":1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:12345",
            "10000:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:8%eth0",
            "g:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8 ",
        ];
        for case in refused {
            assert_eq!(ipv6(case.as_bytes()), None, "{case}");
        }
        // Strings of hex digits and colons (and a few other bytes): whatever the fast path
        // reads, std reads the same; and a full eight-group address is always read.
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300_000 {
            let text = rng.text(b"0f9aAF::::.x", 15, 39);
            let fast = ipv6(text.as_bytes());
            assert!(fast.is_none() || fast == text.parse().ok(), "{text}: {fast:?}");
            let groups: Vec<String> = (0..8).map(|_| rng.text(b"0123456789abcdefABCDEF", 1, 4)).collect();
            let full = groups.join(":");
            assert_eq!(ipv6(full.as_bytes()), full.parse().ok(), "{full}");
            assert_eq!(fast_agrees(&text), Ok(()), "{text}");
        }
    }

    /// `fast` (IPv4, then IPv6) never disagrees with std's `IpAddr` parser.
    fn fast_agrees(text: &str) -> Result<(), String> {
        match fast(text.as_bytes()) {
            Some(ip) if text.parse::<IpAddr>().ok() != Some(ip) => Err(format!("{ip}")),
            _ => Ok(()),
        }
    }
}
