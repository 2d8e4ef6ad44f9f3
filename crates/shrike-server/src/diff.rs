//! The difference of two policy versions, declaration by declaration: which features,
//! rules, lists, lets and settings were added, removed or changed (compared in canonical
//! form, so formatting and comments do not count), which features a publish would carry
//! over, and the canonical lines that differ.

use std::collections::BTreeMap;

use shrike_dsl::CompiledPolicy;
use shrike_dsl::ast::{Item, Policy};

/// [`diff`]'s answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub carried: Vec<String>,
    pub lines: Vec<String>,
}

/// Compares two policy sources that declare no models. Both must compile.
pub fn diff(from: &str, to: &str) -> Result<Diff, String> {
    let a = shrike_dsl::compile(from).map_err(|e| e.to_string())?;
    let b = shrike_dsl::compile(to).map_err(|e| e.to_string())?;
    diff_compiled(from, to, &a, &b)
}

/// Compares two policy sources, given as compiled (with their models) too.
pub fn diff_compiled(
    from: &str,
    to: &str,
    from_plan: &CompiledPolicy,
    to_plan: &CompiledPolicy,
) -> Result<Diff, String> {
    let (a, b) = (items(from)?, items(to)?);
    let mut d = Diff::default();
    for (key, text) in &b {
        match a.get(key) {
            None => d.added.push(key.clone()),
            Some(old) if old != text => d.changed.push(key.clone()),
            Some(_) => {}
        }
    }
    d.removed = a.keys().filter(|k| !b.contains_key(*k)).cloned().collect();
    d.carried = carried(from_plan, to_plan);
    let old: Vec<&str> = a.values().flat_map(|t| t.lines()).collect();
    let new: Vec<&str> = b.values().flat_map(|t| t.lines()).collect();
    d.lines.extend(old.iter().filter(|l| !new.contains(l)).map(|l| format!("- {l}")));
    d.lines.extend(new.iter().filter(|l| !old.contains(l)).map(|l| format!("+ {l}")));
    Ok(d)
}

/// Every declaration as `kind name` with its canonical text.
fn items(source: &str) -> Result<BTreeMap<String, String>, String> {
    let policy = shrike_dsl::parser::parse(source).map_err(|e| e.message)?;
    let mut out = BTreeMap::new();
    for item in policy.items {
        let key = match &item {
            Item::Header { .. } => "policy".to_string(),
            Item::Lateness { .. } => "lateness".to_string(),
            Item::Threshold { outcome, .. } => format!("score {}", outcome.name),
            Item::Attribute { name, .. } => format!("attribute {}", name.name),
            Item::List { name, .. } => format!("list {}", name.name),
            Item::Feature(f) => format!("feature {}", f.name.name),
            Item::Let { name, .. } => format!("let {}", name.name),
            Item::Rule(r) => format!("rule {}", r.name.name),
            Item::Model(m) => format!("model {}", m.name.name),
        };
        let text = shrike_dsl::printer::print(&Policy { items: vec![item] });
        out.insert(key, text);
    }
    Ok(out)
}

/// Features of `b` whose state a publish from `a` would keep.
fn carried(a: &CompiledPolicy, b: &CompiledPolicy) -> Vec<String> {
    let carry = shrike_engine::layout::carry_map(a, b);
    let mut names: Vec<String> = b
        .features
        .iter()
        .filter(|f| carry.get(f.group).and_then(|g| g.get(usize::from(f.slot))).is_some_and(Option::is_some))
        .map(|f| f.name.to_string())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_changed() {
        let a = "policy \"p\"\nfeature c = count(order.create) by user_id over 1h\nrule r {\n  when c >= 3\n  then block\n}\n";
        let b = "policy \"p\"\n# reformatted\nfeature  c = count(order.create) by user_id over 1h\nfeature d = count(account.login) by user_id over 1d\nrule r {\n  when c >= 4\n  then block\n}\n";
        let d = diff(a, b).unwrap();
        assert_eq!(d.added, ["feature d"]);
        assert_eq!(d.changed, ["rule r"]);
        assert!(d.removed.is_empty());
        assert_eq!(d.carried, ["c"]);
        assert!(d.lines.iter().any(|l| l.starts_with("+ ") && l.contains("c >= 4")), "{:?}", d.lines);
    }
}
