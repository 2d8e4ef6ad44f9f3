//! Objects with a fixed set of keys (the event, `card`, addresses, items): an unknown key or
//! a repeated one is an error, because a misspelt field silently ignored is a rule that
//! silently never fires.

use super::error::{Fail, quote};
use super::keys::{KeyTable, START};
use super::reader::{Key, Reader};

/// Enters the object under the cursor (`true`), consumes `null` (`false`), or fails with
/// "expected {expected}".
#[inline(always)]
pub(crate) fn object_or_null(r: &mut Reader<'_>, expected: &str) -> Result<bool, Fail> {
    if r.at(b'{') {
        return r.enter().map(|()| true);
    }
    object_or_null_general(r, expected)
}

#[inline(never)]
fn object_or_null_general(r: &mut Reader<'_>, expected: &str) -> Result<bool, Fail> {
    match r.peek() {
        Some(b'{') => r.enter().map(|()| true),
        _ if r.null()? => Ok(false),
        _ => Err(r.type_error(expected)),
    }
}

/// Walks the entries of an object already entered. Each key must be one of `keys` (at most
/// 64) and appear once; `each` gets the reader at the value, the key's index and name.
#[inline(always)]
pub(crate) fn fields<'a, const N: usize>(
    r: &mut Reader<'a>,
    keys: &KeyTable<N>,
    mut each: impl FnMut(&mut Reader<'a>, usize, &'static str) -> Result<(), Fail>,
) -> Result<(), Fail> {
    let mut seen = 0u64;
    let mut last = START;
    while let Some((i, at)) = r.next_field(last, keys)? {
        last = i;
        let bit = 1u64 << (i % 64);
        if seen & bit != 0 {
            return Err(duplicate_field(keys.name(i), at));
        }
        seen |= bit;
        each(r, i, keys.name(i))?;
    }
    Ok(())
}

/// Test helper: every name maps to its own index, and nothing else maps.
#[cfg(test)]
pub(crate) fn keys_agree<const N: usize>(keys: &KeyTable<N>) {
    for (i, name) in keys.names.iter().enumerate() {
        assert_eq!(keys.lookup(name), Some(i), "{name}");
        assert_eq!(keys.lookup(&format!("{name}_")), None);
    }
    assert!(keys.names.len() <= 64);
}

/// A key seen twice in one object; `name` as unescaped, `at` its opening quote.
#[cold]
pub(crate) fn duplicate_field(name: &str, at: usize) -> Fail {
    Fail::value(at, format!("duplicate field {}", quote(name)))
}

/// "unknown field", with the likely intended name when there is one, else the valid names
/// (the first few, for the long top-level list).
#[cold]
pub(crate) fn unknown_field(key: &Key<'_>, names: &[&str]) -> Fail {
    let got = quote(&key.name);
    let msg = match closest(&key.name, names) {
        Some(near) => format!("unknown field {got}; did you mean \"{near}\"?"),
        None if names.len() <= 6 => {
            format!("unknown field {got}; expected one of {}", names.join(", "))
        }
        None => {
            let some = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
            format!("unknown field {got}; expected one of {some}, … (see docs/events.md)")
        }
    };
    Fail::value(key.at, msg)
}

/// The name a misspelt key most likely meant: within two edits, or a prefix of at least
/// three characters (`user` → `user_id`).
fn closest<'n>(key: &str, names: &[&'n str]) -> Option<&'n str> {
    if key.len() > 32 {
        return None;
    }
    let prefix = |n: &&'n str| key.len() >= 3 && n.starts_with(key);
    let near = |n: &&'n str| distance(key.as_bytes(), n.as_bytes()) <= 2;
    names.iter().copied().find(prefix).or_else(|| names.iter().copied().find(near))
}

/// Levenshtein distance (single-row dynamic programme).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut row = Vec::with_capacity(b.len() + 1);
        let mut left = i + 1;
        row.push(left);
        for ((&cb, &diag), &up) in b.iter().zip(&prev).zip(prev.iter().skip(1)) {
            left = (diag + usize::from(ca != cb)).min(up + 1).min(left + 1);
            row.push(left);
        }
        prev = row;
    }
    prev.last().copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names() {
        let names = ["event_id", "user_id", "email", "amount"];
        assert_eq!(closest("emial", &names), Some("email"));
        assert_eq!(closest("user", &names), Some("user_id"));
        assert_eq!(closest("amonut", &names), Some("amount"));
        assert_eq!(closest("zzz", &names), None);
        assert_eq!(distance(b"kitten", b"sitting"), 3);
        assert_eq!(distance(b"", b"abc"), 3);
    }
}
