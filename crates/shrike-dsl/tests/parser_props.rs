//! Property tests for the parser and printer:
//! - the parser never panics, on arbitrary text or on soups of the language's own tokens;
//! - whatever parses prints to text that parses back to the same tree (spans aside), and
//!   printing is idempotent;
//! - every generated AST in the parser's shape survives print → parse unchanged.

use proptest::prelude::*;
use shrike_dsl::ast::{BinaryOp, Expr, ExprKind, FeatureDecl, Ident, Item, Path, Policy, RuleDecl, Span, UnaryOp};
use shrike_dsl::lexer::Keyword;
use shrike_dsl::parser::parse;
use shrike_dsl::printer::{print, strip_spans};
use shrike_types::Duration;

/// If `source` parses, its canonical print must parse to the same tree and print identically.
fn assert_round_trip(source: &str) -> Result<(), TestCaseError> {
    let Ok(policy) = parse(source) else {
        return Ok(());
    };
    let printed = print(&policy);
    let reparsed =
        parse(&printed).map_err(|e| TestCaseError::fail(format!("printed text does not parse: {e}\n{printed}")))?;
    prop_assert_eq!(strip_spans(&reparsed), strip_spans(&policy), "{}", printed);
    prop_assert_eq!(print(&reparsed), printed);
    Ok(())
}

const TOKENS: &[&str] = &[
    "policy",
    "lateness",
    "score",
    "at",
    "attribute",
    "list",
    "feature",
    "let",
    "rule",
    "on",
    "when",
    "then",
    "reason",
    "tags",
    "shadow",
    "live",
    "by",
    "over",
    "every",
    "of",
    "where",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "count",
    "sum",
    "amount",
    "user_id",
    "block",
    "string",
    "a",
    "b",
    "x",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ".",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "|",
    "??",
    "5",
    "0.5",
    "12.50",
    "1e3",
    "10m",
    "90d",
    "500ms",
    "\"s\"",
    "\"",
    "\"\\u{41}\"",
    "\"\\q\"",
    "#",
    "\n",
    "$",
    "!",
    "?",
    "1.5h",
];

fn token_soup() -> impl Strategy<Value = String> {
    let piece = (prop::sample::select(TOKENS), prop::sample::select(&[" ", "", "\n"][..]));
    prop::collection::vec(piece, 0..120).prop_map(|pieces| pieces.into_iter().flat_map(|(t, sep)| [t, sep]).collect())
}

/// Token sequences that start like real declarations, so the parser gets deep before failing.
fn declaration_soup() -> impl Strategy<Value = String> {
    let starts = prop::sample::select(
        &[
            "feature f = count(",
            "feature f = sum(amount of ",
            "rule r { when ",
            "let x = ",
            "list l: string = [",
            "score review at ",
        ][..],
    );
    (starts, token_soup()).prop_map(|(start, rest)| format!("{start}{rest}"))
}

/// The golden sources with a few random edits: deletions and inserted tokens at random places.
/// Unlike soups, most of these get far into the grammar and many still parse.
fn mutated_ok_file() -> impl Strategy<Value = String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse/ok");
    let mut sources: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/parse/ok is readable")
        .map(|e| e.expect("tests/parse/ok is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "shrike"))
        .map(|p| std::fs::read_to_string(p).expect("golden sources are UTF-8 files"))
        .collect();
    sources.sort();
    let edit = (any::<prop::sample::Index>(), 0usize..6, prop::sample::select(TOKENS));
    (prop::sample::select(sources), prop::collection::vec(edit, 1..4)).prop_map(|(mut source, edits)| {
        for (at, delete, insert) in edits {
            let start = floor_char_boundary(&source, at.index(source.len() + 1));
            let end = floor_char_boundary(&source, (start + delete).min(source.len()));
            source.replace_range(start..end, insert);
        }
        source
    })
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

proptest! {
    #[test]
    fn never_panics_on_mutated_ok_files(source in mutated_ok_file()) {
        assert_round_trip(&source)?;
    }

    #[test]
    fn never_panics_on_arbitrary_text(source in any::<String>()) {
        assert_round_trip(&source)?;
    }

    #[test]
    fn never_panics_on_ascii(source in "[ -~\n\t]{0,300}") {
        assert_round_trip(&source)?;
    }

    #[test]
    fn never_panics_on_token_soup(source in token_soup()) {
        assert_round_trip(&source)?;
    }

    #[test]
    fn never_panics_on_declaration_soup(source in declaration_soup()) {
        assert_round_trip(&source)?;
    }

    #[test]
    fn generated_policies_round_trip(policy in policy()) {
        let printed = print(&policy);
        let reparsed = parse(&printed)
            .map_err(|e| TestCaseError::fail(format!("{e} at {:?}\n{printed}", e.span)))?;
        prop_assert_eq!(strip_spans(&reparsed), policy, "{}", printed);
    }
}

// ----- AST generators, in the parser's shape and with empty spans -----

const NO_SPAN: Span = Span { start: 0, end: 0 };

fn ident() -> impl Strategy<Value = Ident> {
    "[a-z_][a-z0-9_]{0,7}"
        .prop_filter("keywords are not names", |s| Keyword::from_word(s).is_none())
        .prop_map(|name| Ident { name, span: NO_SPAN })
}

fn path() -> impl Strategy<Value = Path> {
    prop::collection::vec(ident(), 1..4).prop_map(|segments| Path { segments, span: NO_SPAN })
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

fn duration() -> impl Strategy<Value = Duration> {
    (0i64..5000, prop::sample::select(&["ms", "s", "m", "h", "d", "w"][..]))
        .prop_map(|(n, unit)| Duration::parse_literal(&format!("{n}{unit}")).unwrap_or_default())
}

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u32>().prop_map(|n| n.to_string()),
        (any::<u16>(), "[0-9]{1,3}").prop_map(|(a, b)| format!("{a}.{b}")),
        (1u8..10, 0u8..30, prop::sample::select(&["e", "E", "e+", "e-"][..]))
            .prop_map(|(m, e, sign)| format!("{m}{sign}{e}")),
    ]
}

/// A finite float, for scores and thresholds (which keep no source text).
fn score() -> impl Strategy<Value = f64> {
    prop_oneof![(-1000i32..1000).prop_map(f64::from), any::<f64>().prop_filter("finite", |f| f.is_finite()),]
}

fn leaf() -> impl Strategy<Value = ExprKind> {
    prop_oneof![
        number_text().prop_map(|text| ExprKind::Number { value: text.parse().unwrap_or_default(), text }),
        text().prop_map(ExprKind::Str),
        any::<bool>().prop_map(ExprKind::Bool),
        duration().prop_map(ExprKind::Duration),
        path().prop_map(ExprKind::Path),
    ]
}

const BINARY_OPS: &[BinaryOp] = &[
    BinaryOp::Or,
    BinaryOp::And,
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Rem,
    BinaryOp::Coalesce,
];

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = leaf().prop_map(|kind| Expr { kind, span: NO_SPAN });
    leaf.prop_recursive(6, 48, 4, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        let kind = prop_oneof![
            (prop::sample::select(&[UnaryOp::Not, UnaryOp::Neg][..]), boxed.clone())
                .prop_map(|(op, expr)| ExprKind::Unary { op, expr }),
            (prop::sample::select(BINARY_OPS), boxed.clone(), boxed.clone())
                .prop_map(|(op, lhs, rhs)| ExprKind::Binary { op, lhs, rhs }),
            (boxed.clone(), boxed, any::<bool>()).prop_map(|(expr, set, negated)| ExprKind::In { expr, set, negated }),
            (ident(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(func, args)| ExprKind::Call { func, args }),
            prop::collection::vec(inner, 0..4).prop_map(ExprKind::Set),
        ];
        kind.prop_map(|kind| Expr { kind, span: NO_SPAN })
    })
}

fn feature() -> impl Strategy<Value = FeatureDecl> {
    let source = (ident(), ident(), prop::option::of(expr()), prop::collection::vec(path(), 0..3));
    let rest =
        (prop::option::of(expr()), prop::collection::vec(expr(), 1..3), duration(), prop::option::of(duration()));
    (source, rest).prop_map(|((name, agg, arg, types), (filter, keys, window, every))| FeatureDecl {
        name,
        agg,
        arg,
        types,
        filter,
        keys,
        window,
        window_span: NO_SPAN,
        every: every.map(|d| (d, NO_SPAN)),
        span: NO_SPAN,
    })
}

fn rule() -> impl Strategy<Value = RuleDecl> {
    let mode = prop::sample::select(&["shadow", "live"][..]).prop_map(|m| Ident { name: m.to_string(), span: NO_SPAN });
    let head = (ident(), prop::collection::vec(path(), 0..3), prop::option::of(expr()), prop::option::of(ident()));
    let tail = (
        prop::option::of(score()),
        prop::option::of(text()),
        prop::collection::vec(ident(), 0..3),
        prop::option::of(mode),
    );
    (head, tail).prop_map(|((name, on, when, then), (score, reason, tags, mode))| RuleDecl {
        name,
        on,
        when,
        then,
        score: score.map(|s| (s, NO_SPAN)),
        reason: reason.map(|r| (r, NO_SPAN)),
        tags,
        mode,
        span: NO_SPAN,
    })
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        text().prop_map(|name| Item::Header { name, span: NO_SPAN }),
        duration().prop_map(|value| Item::Lateness { value, span: NO_SPAN }),
        (ident(), score()).prop_map(|(outcome, at)| Item::Threshold { outcome, at, span: NO_SPAN }),
        (ident(), ident()).prop_map(|(name, ty)| Item::Attribute { name, ty, span: NO_SPAN }),
        (ident(), ident(), prop::option::of(prop::collection::vec(expr(), 0..4)))
            .prop_map(|(name, ty, entries)| Item::List { name, ty, entries, span: NO_SPAN }),
        feature().prop_map(Item::Feature),
        (ident(), expr()).prop_map(|(name, value)| Item::Let { name, value, span: NO_SPAN }),
        rule().prop_map(Item::Rule),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    prop::collection::vec(item(), 0..8).prop_map(|items| Policy { items })
}
