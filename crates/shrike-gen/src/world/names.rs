//! Word lists the world is drawn from. Plain ASCII so no event needs JSON escapes.

pub(crate) const FIRST_NAMES: &[&str] = &[
    "anna", "ben", "carla", "david", "emma", "felix", "grace", "hugo", "iris", "jack", "karen", "liam", "maria",
    "noah", "olivia", "paul", "quinn", "rosa", "sam", "tina", "umar", "vera", "will", "xena", "yusuf", "zoe", "lucas",
    "mia", "leon", "sofia", "omar", "hana", "ivan", "lena", "marco", "nina", "pedro", "sara", "tom", "yuki",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "smith", "jones", "miller", "brown", "garcia", "martin", "muller", "schmidt", "dubois", "rossi", "jansen",
    "kowalski", "silva", "tanaka", "nguyen", "johnson", "lee", "walker", "hall", "young", "king", "wright", "lopez",
    "hill", "scott", "green", "adams", "baker", "nelson", "carter", "fischer", "weber", "moreau", "bianchi", "ferrari",
    "novak", "sato", "kim", "patel", "singh",
];

pub(crate) const STREETS: &[&str] = &[
    "main", "oak", "maple", "cedar", "pine", "elm", "park", "lake", "hill", "church", "station", "mill", "river",
    "high", "king", "queen", "victoria", "garden", "north", "south", "west", "east", "market", "bridge", "castle",
    "forest", "spring", "meadow", "sunset", "harbor",
];

pub(crate) const STREET_KINDS: &[&str] = &["st", "ave", "rd", "ln", "blvd", "way", "dr", "ct"];

/// Everyday mail providers, with their weights among honest users.
pub(crate) const COMMON_DOMAINS: &[(&str, u32)] = &[
    ("gmail.com", 40),
    ("yahoo.com", 10),
    ("outlook.com", 10),
    ("hotmail.com", 8),
    ("icloud.com", 10),
    ("proton.me", 3),
    ("gmx.de", 5),
    ("web.de", 4),
    ("orange.fr", 4),
    ("aol.com", 3),
];

/// Disposable-mail providers (the spec's list); a few privacy-minded honest users use them too.
pub(crate) const DISPOSABLE_DOMAINS: &[&str] =
    &["mailinator.com", "yopmail.com", "guerrillamail.com", "10minutemail.com", "tempmail.dev"];

/// Product categories with their price band in cents (low, high). Books, groceries and
/// beauty go below three dollars, so a small amount alone does not mean card testing.
pub(crate) const CATEGORIES: &[(&str, i64, i64)] = &[
    ("electronics", 1_500, 120_000),
    ("fashion", 900, 15_000),
    ("home", 800, 30_000),
    ("beauty", 199, 8_000),
    ("toys", 700, 9_000),
    ("books", 99, 4_000),
    ("sports", 1_000, 25_000),
    ("jewelry", 1_500, 50_000),
    ("grocery", 149, 5_000),
    ("gift_cards", 1_000, 20_000),
];

/// Index of the categories fraudsters favour for resale (electronics, jewelry, gift cards).
pub(crate) const RESALE_CATEGORIES: &[u8] = &[0, 7, 9];

/// Honest affiliate channels; floods come through `display` and `social`.
pub(crate) const CHANNELS: &[&str] = &["blog", "youtube", "instagram", "tiktok", "newsletter", "display", "social"];

pub(crate) const HONEST_DECLINES: &[&str] = &["insufficient_funds", "do_not_honor", "expired_card", "invalid_cvc"];

pub(crate) const TESTING_DECLINES: &[&str] =
    &["incorrect_number", "invalid_cvc", "do_not_honor", "card_not_supported", "expired_card", "stolen_card"];
