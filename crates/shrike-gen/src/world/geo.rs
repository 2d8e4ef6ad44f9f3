//! Countries, IP space, currencies and the diurnal rhythm.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::rng::Rng;

pub(crate) struct Country {
    pub(crate) code: &'static str,
    /// Weight as an honest user's home country.
    pub(crate) home: u32,
    /// Weight as the origin of fraud traffic. Every country has both weights above zero, so
    /// no country is on its own a fraud signal.
    pub(crate) origin: u32,
    pub(crate) euro: bool,
    pub(crate) utc_offset: i8,
    pub(crate) dial: u16,
    pub(crate) digits: u8,
    /// Postal code shape: `#` is a digit, `A` an upper-case letter.
    pub(crate) postal: &'static str,
    pub(crate) cities: &'static [&'static str],
}

macro_rules! country {
    ($code:literal, $home:literal, $origin:literal, $euro:literal, $tz:literal, $dial:literal, $digits:literal, $postal:literal, [$($city:literal),*]) => {
        Country { code: $code, home: $home, origin: $origin, euro: $euro, utc_offset: $tz, dial: $dial, digits: $digits, postal: $postal, cities: &[$($city),*] }
    };
}

// One row per country reads as a table; rustfmt would spread each over twenty lines.
#[rustfmt::skip]
pub(crate) static COUNTRIES: &[Country] = &[
    //        code  home origin euro  tz  dial digits postal       cities
    country!("US", 380, 10, false, -5,   1, 10, "#####",     ["new york", "los angeles", "chicago", "houston", "phoenix", "seattle", "denver", "boston", "atlanta", "miami"]),
    country!("GB",  90,  4, false,  0,  44, 10, "AA# #AA",   ["london", "manchester", "birmingham", "leeds", "glasgow", "bristol"]),
    country!("DE",  80,  3, true,   1,  49, 11, "#####",     ["berlin", "hamburg", "munich", "cologne", "frankfurt", "stuttgart"]),
    country!("FR",  70,  3, true,   1,  33,  9, "#####",     ["paris", "lyon", "marseille", "toulouse", "nice", "lille"]),
    country!("CA",  50,  2, false, -5,   1, 10, "A#A #A#",   ["toronto", "montreal", "vancouver", "calgary", "ottawa"]),
    country!("ES",  40,  2, true,   1,  34,  9, "#####",     ["madrid", "barcelona", "valencia", "seville"]),
    country!("IT",  40,  2, true,   1,  39, 10, "#####",     ["rome", "milan", "naples", "turin", "bologna"]),
    country!("NL",  30,  4, true,   1,  31,  9, "#### AA",   ["amsterdam", "rotterdam", "utrecht", "the hague"]),
    country!("AU",  40,  1, false, 10,  61,  9, "####",      ["sydney", "melbourne", "brisbane", "perth"]),
    country!("JP",  30,  1, false,  9,  81, 10, "###-####",  ["tokyo", "osaka", "yokohama", "nagoya"]),
    country!("BR",  30,  8, false, -3,  55, 11, "#####-###", ["sao paulo", "rio de janeiro", "brasilia", "curitiba"]),
    country!("MX",  20,  4, false, -6,  52, 10, "#####",     ["mexico city", "guadalajara", "monterrey", "puebla"]),
    country!("PL",  20,  3, false,  1,  48,  9, "##-###",    ["warsaw", "krakow", "wroclaw", "gdansk"]),
    country!("SE",  10,  1, false,  1,  46,  9, "### ##",    ["stockholm", "gothenburg", "malmo"]),
    country!("IE",  10,  1, true,   0, 353,  9, "A## A#A#",  ["dublin", "cork", "galway"]),
    country!("IN",  20,  6, false,  5,  91, 10, "######",    ["mumbai", "delhi", "bangalore", "chennai"]),
    country!("TR",   8,  6, false,  3,  90, 10, "#####",     ["istanbul", "ankara", "izmir"]),
    country!("PH",   8,  6, false,  8,  63, 10, "####",      ["manila", "cebu", "davao"]),
    country!("RO",   8,  8, false,  2,  40,  9, "######",    ["bucharest", "cluj-napoca", "iasi"]),
    country!("NG",   5, 10, false,  1, 234, 10, "######",    ["lagos", "abuja", "ibadan"]),
    country!("VN",   5,  8, false,  7,  84,  9, "######",    ["ho chi minh city", "hanoi", "da nang"]),
    country!("ID",   5,  7, false,  7,  62, 10, "#####",     ["jakarta", "surabaya", "bandung"]),
    country!("UA",   5,  8, false,  2, 380,  9, "#####",     ["kyiv", "lviv", "odesa"]),
];

/// Relative activity by local hour (0–23), peaking in the evening; out of 100.
pub(crate) const DIURNAL: [u64; 24] =
    [30, 18, 10, 6, 5, 6, 10, 20, 35, 45, 50, 55, 60, 58, 55, 55, 58, 65, 75, 85, 95, 100, 85, 55];

/// The average of [`DIURNAL`] as a share of its peak: the long-run share of candidate
/// activity that [`awake`] lets through, whatever the country mix.
pub(crate) fn awake_share() -> f64 {
    DIURNAL.iter().sum::<u64>() as f64 / (24.0 * 100.0)
}

/// First octets that look like ordinary public address space (no private, loopback,
/// multicast or carrier-grade NAT ranges).
const FIRST_OCTETS: &[u8] = &[
    23, 24, 31, 37, 41, 45, 46, 49, 50, 62, 66, 68, 71, 73, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91,
    92, 93, 94, 95, 98, 99, 102, 103, 105, 109, 110, 112, 114, 116, 118, 121, 124, 125, 151, 154, 176, 177, 178, 179,
    181, 185, 186, 187, 188, 189, 190, 191, 193, 194, 195, 196, 197, 200, 201, 203, 212, 213, 217,
];

/// /16 blocks per country.
const BLOCKS_PER_COUNTRY: u64 = 4;

pub(crate) fn country(c: u8) -> &'static Country {
    &COUNTRIES[usize::from(c) % COUNTRIES.len()]
}

pub(crate) fn code(c: u8) -> &'static str {
    country(c).code
}

pub(crate) fn currency(c: u8) -> &'static str {
    if country(c).euro { "EUR" } else { "USD" }
}

/// An honest user's home country.
pub(crate) fn home_country(rng: &mut Rng) -> u8 {
    let weights: Vec<u32> = COUNTRIES.iter().map(|c| c.home).collect();
    rng.weighted(&weights) as u8
}

/// A fraud origin country other than every country in `not`.
pub(crate) fn origin_country(rng: &mut Rng, not: &[u8]) -> u8 {
    let weights: Vec<u32> =
        (0..COUNTRIES.len()).map(|i| if not.contains(&(i as u8)) { 0 } else { COUNTRIES[i].origin }).collect();
    rng.weighted(&weights) as u8
}

/// Any honest-weighted country other than `not` (travel, gifts, expat cards).
pub(crate) fn other_country(rng: &mut Rng, not: u8) -> u8 {
    let weights: Vec<u32> =
        COUNTRIES.iter().enumerate().map(|(i, c)| if i == usize::from(not) { 0 } else { c.home }).collect();
    rng.weighted(&weights) as u8
}

/// Local hour of day in country `c` at event time `at` (ms).
pub(crate) fn local_hour(c: u8, at: i64) -> usize {
    let offset = i64::from(country(c).utc_offset) * 3_600_000;
    ((at + offset).rem_euclid(86_400_000) / 3_600_000) as usize
}

/// Thinning for the diurnal rhythm: whether someone in `c` acts at `at`.
pub(crate) fn awake(rng: &mut Rng, c: u8, at: i64) -> bool {
    rng.below(100) < DIURNAL[local_hour(c, at)]
}

/// A random /24 network (host byte zero) in one of country `c`'s blocks.
pub(crate) fn net24(rng: &mut Rng, c: u8) -> u32 {
    let block = u64::from(c) * BLOCKS_PER_COUNTRY + rng.below(BLOCKS_PER_COUNTRY);
    let a = u32::from(FIRST_OCTETS[(block as usize) % FIRST_OCTETS.len()]);
    let b = ((block * 67 + 7) % 256) as u32;
    let third = rng.below(256) as u32;
    (a << 24) | (b << 16) | (third << 8)
}

/// A host in a /24 (`host` 1–254).
pub(crate) fn v4(net: u32, host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(net | u32::from(host.clamp(1, 254))))
}

/// A random /64 prefix for country `c` (upper 64 bits of an IPv6 address).
pub(crate) fn net64(rng: &mut Rng, c: u8) -> u64 {
    let site = 0x1000 + u64::from(c) * 16 + rng.below(16);
    (0x2a02 << 48) | (site << 32) | rng.below(1 << 32)
}

pub(crate) fn v6(prefix: u64, iid: u64) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from((u128::from(prefix) << 64) | u128::from(iid | 1)))
}

/// A random host on a random network of country `c`: a one-off IP.
pub(crate) fn random_ip(rng: &mut Rng, c: u8) -> IpAddr {
    let net = net24(rng, c);
    v4(net, rng.range(1, 254) as u8)
}
