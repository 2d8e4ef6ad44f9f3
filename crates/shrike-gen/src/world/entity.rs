//! Entity values kept as small seeds and rendered on demand, so a user costs a few dozen
//! bytes however many events mention them. Every rendering is a pure function of the seed.

use std::fmt::{self, Display, Formatter};

use super::geo;
use super::names::{COMMON_DOMAINS, DISPOSABLE_DOMAINS, FIRST_NAMES, LAST_NAMES, STREET_KINDS, STREETS};
use crate::digits;
use crate::rng::{Rng, mix};

/// A payment card: the key determines fingerprint and last four digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Card {
    pub(crate) key: u64,
    /// Six-digit BIN; its first digit gives the brand.
    pub(crate) bin: u32,
    pub(crate) country: u8,
}

impl Card {
    /// A card issued in `country` by one of that country's six issuers.
    pub(crate) fn issued(rng: &mut Rng, country: u8) -> Card {
        Card { key: rng.next_u64(), bin: issuer_bin(country, rng.below(6)), country }
    }

    pub(crate) fn fingerprint(&self) -> Id {
        Id::Fingerprint(mix(self.key ^ 0xC0FF_EE00))
    }

    pub(crate) fn last4(&self) -> u64 {
        mix(self.key) % 10_000
    }

    pub(crate) fn brand(&self) -> &'static str {
        match self.bin / 100_000 {
            4 => "visa",
            5 => "mastercard",
            3 => "amex",
            _ => "discover",
        }
    }
}

/// The BIN of issuer `k` in `country`: mostly Visa, then Mastercard, a few Amex.
pub(crate) fn issuer_bin(country: u8, k: u64) -> u32 {
    let h = mix((u64::from(country) << 8) | k | 0xB1_0000);
    random_bin(h)
}

/// A BIN drawn from 64 random bits, with the brand mix of real traffic.
pub(crate) fn random_bin(h: u64) -> u32 {
    let rest = (h >> 8) as u32;
    match h % 100 {
        0..58 => 400_000 + rest % 100_000,
        58..92 => 510_000 + rest % 50_000,
        _ => 370_000 + rest % 10_000,
    }
}

/// A postal address; the key determines street, number, city and postal code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) key: u64,
    pub(crate) country: u8,
}

impl Address {
    pub(crate) fn random(rng: &mut Rng, country: u8) -> Address {
        Address { key: rng.next_u64(), country }
    }

    pub(crate) fn line1(&self) -> impl Display + use<> {
        let k = self.key;
        let number = 1 + k % 1_999;
        let street = STREETS[((k >> 12) % STREETS.len() as u64) as usize];
        let kind = STREET_KINDS[((k >> 20) % STREET_KINDS.len() as u64) as usize];
        Joined3(number, street, kind)
    }

    pub(crate) fn city(&self) -> &'static str {
        let cities = geo::country(self.country).cities;
        cities[((self.key >> 28) % cities.len() as u64) as usize]
    }

    pub(crate) fn postal_code(&self) -> impl Display + use<> {
        Postal(geo::country(self.country).postal, mix(self.key ^ 0x9057))
    }

    /// `country|postal_code|city|line1`, lower case: how labels name an address.
    pub(crate) fn key_text(&self) -> String {
        let text = format!("{}|{}|{}|{}", geo::code(self.country), self.postal_code(), self.city(), self.line1());
        text.to_lowercase()
    }
}

/// How an e-mail address's local part is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmailStyle {
    /// `first.last42`-like, from name lists.
    Person,
    /// A person address with a `+tag` sub-address (one inbox, many accounts).
    Tagged(u16),
    /// Eight random letters and digits.
    Random,
}

/// An e-mail address. `domain` indexes [`COMMON_DOMAINS`] then [`DISPOSABLE_DOMAINS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Email {
    pub(crate) seed: u64,
    pub(crate) domain: u8,
    pub(crate) style: EmailStyle,
}

impl Email {
    /// A person's address at an everyday provider.
    pub(crate) fn person(rng: &mut Rng) -> Email {
        let weights: Vec<u32> = COMMON_DOMAINS.iter().map(|d| d.1).collect();
        Email { seed: rng.next_u64(), domain: rng.weighted(&weights) as u8, style: EmailStyle::Person }
    }

    /// A throwaway address: random local part, disposable provider.
    pub(crate) fn disposable(rng: &mut Rng) -> Email {
        let domain = (COMMON_DOMAINS.len() as u64 + rng.below(DISPOSABLE_DOMAINS.len() as u64)) as u8;
        Email { seed: rng.next_u64(), domain, style: EmailStyle::Random }
    }

    /// A random local part at an everyday provider (farms that avoid the disposable list).
    pub(crate) fn random_common(rng: &mut Rng) -> Email {
        Email { style: EmailStyle::Random, ..Email::person(rng) }
    }

    fn domain_name(&self) -> &'static str {
        let i = usize::from(self.domain);
        match COMMON_DOMAINS.get(i) {
            Some(d) => d.0,
            None => DISPOSABLE_DOMAINS[(i - COMMON_DOMAINS.len()) % DISPOSABLE_DOMAINS.len()],
        }
    }
}

impl Display for Email {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let s = self.seed;
        match self.style {
            EmailStyle::Random => base36(f, s, 8)?,
            EmailStyle::Person => person_local(f, s)?,
            EmailStyle::Tagged(tag) => {
                person_local(f, s)?;
                write!(f, "+{tag}")?;
            }
        }
        write!(f, "@{}", self.domain_name())
    }
}

fn person_local(f: &mut Formatter<'_>, s: u64) -> fmt::Result {
    let first = FIRST_NAMES[(s % FIRST_NAMES.len() as u64) as usize];
    let last = LAST_NAMES[((s >> 8) % LAST_NAMES.len() as u64) as usize];
    match (s >> 16) % 4 {
        0 => write!(f, "{first}.{last}")?,
        1 => write!(f, "{first}{last}")?,
        2 => write!(f, "{}.{last}", &first[..1])?,
        _ => write!(f, "{first}_{last}")?,
    }
    if !(s >> 20).is_multiple_of(3) {
        write!(f, "{}", (s >> 24) % 100)?;
    }
    Ok(())
}

fn base36(f: &mut Formatter<'_>, mut s: u64, len: usize) -> fmt::Result {
    const DIGITS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    for _ in 0..len {
        let c = DIGITS[(s % 36) as usize];
        write!(f, "{}", char::from(c))?;
        s /= 36;
    }
    Ok(())
}

/// A phone number in E.164 form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Phone {
    pub(crate) country: u8,
    pub(crate) national: u64,
}

impl Phone {
    pub(crate) fn random(rng: &mut Rng, country: u8) -> Phone {
        let digits = u32::from(geo::country(country).digits);
        let low = 10u64.pow(digits - 1);
        Phone { country, national: low + rng.below(9 * low) }
    }
}

impl Display for Phone {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let c = geo::country(self.country);
        write!(f, "+{}{:0w$}", c.dial, self.national, w = usize::from(c.digits))
    }
}

/// What an episode's label names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entity {
    User(u64),
    Device(u64),
    Net24(u32),
    Shop(u32),
    Affiliate(u32),
    Card(Card),
    Address(Address),
}

impl Display for Entity {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Entity::User(u) => write!(f, "user:{}", Id::User(*u)),
            Entity::Device(d) => write!(f, "device:{}", Id::Device(*d)),
            Entity::Net24(n) => write!(f, "ip:{}/24", std::net::Ipv4Addr::from(*n)),
            Entity::Shop(s) => write!(f, "shop:{}", Id::Shop(*s)),
            Entity::Affiliate(a) => write!(f, "affiliate:{}", Id::Affiliate(*a)),
            Entity::Card(c) => write!(f, "card:{}", c.fingerprint()),
            Entity::Address(a) => write!(f, "address:{}", a.key_text()),
        }
    }
}

/// The identifier formats, in one place for events and labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Id {
    /// `u123`.
    User(u64),
    /// `dv_` and 12 hex digits.
    Device(u64),
    /// `se_` and 12 hex digits.
    Session(u64),
    /// `shop7`.
    Shop(u32),
    /// `aff3`.
    Affiliate(u32),
    /// `o1234`.
    Order(u64),
    /// `cf_` and 16 hex digits.
    Fingerprint(u64),
}

impl Id {
    pub(crate) fn push(self, out: &mut String) {
        match self {
            Id::User(n) => prefixed(out, "u", n),
            Id::Device(n) => hex_prefixed(out, "dv_", n, 12),
            Id::Session(n) => hex_prefixed(out, "se_", n, 12),
            Id::Shop(n) => prefixed(out, "shop", u64::from(n)),
            Id::Affiliate(n) => prefixed(out, "aff", u64::from(n)),
            Id::Order(n) => prefixed(out, "o", n),
            Id::Fingerprint(n) => hex_prefixed(out, "cf_", n, 16),
        }
    }
}

fn prefixed(out: &mut String, prefix: &str, n: u64) {
    out.push_str(prefix);
    digits::dec(out, n);
}

fn hex_prefixed(out: &mut String, prefix: &str, n: u64, width: usize) {
    out.push_str(prefix);
    digits::hex(out, n, width);
}

impl Display for Id {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(20);
        self.push(&mut s);
        f.write_str(&s)
    }
}

struct Joined3(u64, &'static str, &'static str);

impl Display for Joined3 {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.0, self.1, self.2)
    }
}

/// A postal code shaped by a country pattern, digits and letters taken from `bits`.
struct Postal(&'static str, u64);

impl Display for Postal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut bits = self.1;
        for c in self.0.chars() {
            let out = match c {
                '#' => char::from(b'0' + (bits % 10) as u8),
                'A' => char::from(b'A' + (bits % 26) as u8),
                other => other,
            };
            bits /= 26;
            write!(f, "{out}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_stable_values() {
        let card = Card { key: 1, bin: 411_111, country: 0 };
        assert!(card.fingerprint().to_string().starts_with("cf_"));
        assert_eq!(card.brand(), "visa");
        let email = Email { seed: 0, domain: 0, style: EmailStyle::Person };
        assert_eq!(email.to_string(), "anna.smith@gmail.com");
        let tagged = Email { style: EmailStyle::Tagged(3), ..email };
        assert_eq!(tagged.to_string(), "anna.smith+3@gmail.com");
        assert_eq!(Phone { country: 0, national: 5_551_230_000 }.to_string(), "+15551230000");
        assert_eq!(Id::Device(0xabc).to_string(), "dv_000000000abc");
        assert_eq!(Id::User(12).to_string(), "u12");
        let addr = Address { key: 5, country: 0 };
        assert_eq!(addr.postal_code().to_string().len(), 5);
        assert!(addr.key_text().starts_with("us|"));
    }
}
