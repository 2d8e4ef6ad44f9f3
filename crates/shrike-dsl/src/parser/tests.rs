use super::*;
use crate::ast::{Expr, ExprKind, Item, UnaryOp};

/// An expression as an s-expression, to make the tree shape visible.
fn sexpr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number { text, .. } => text.clone(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Duration(d) => d.to_string(),
        ExprKind::Path(p) => p.dotted(),
        ExprKind::Call { func, args } => format!("{}({})", func.name, list(args)),
        ExprKind::Unary { op: UnaryOp::Not, expr } => format!("(not {})", sexpr(expr)),
        ExprKind::Unary { op: UnaryOp::Neg, expr } => format!("(- {})", sexpr(expr)),
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), sexpr(lhs), sexpr(rhs))
        }
        ExprKind::In { expr, set, negated } => {
            let op = if *negated { "not-in" } else { "in" };
            format!("({op} {} {})", sexpr(expr), sexpr(set))
        }
        ExprKind::Set(items) => format!("[{}]", list(items)),
        ExprKind::Model(name) => format!("model.{}", name.name),
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(sexpr).collect::<Vec<_>>().join(" ")
}

fn parse_expr(text: &str) -> Expr {
    let policy = parse(&format!("let x = {text}")).unwrap();
    match policy.items.into_iter().next() {
        Some(Item::Let { value, .. }) => value,
        other => panic!("not a let: {other:?}"),
    }
}

fn shape(text: &str) -> String {
    sexpr(&parse_expr(text))
}

fn error(source: &str) -> (String, String) {
    let e = parse(source).unwrap_err();
    let text = source.get(e.span.start as usize..e.span.end as usize).unwrap_or("<bad span>");
    (e.message, text.to_string())
}

#[test]
fn precedence_follows_the_spec() {
    assert_eq!(shape("count ?? 0 >= 5"), "(>= (?? count 0) 5)");
    assert_eq!(shape("not a and b"), "(and (not a) b)");
    assert_eq!(shape("a or b and c"), "(or a (and b c))");
    assert_eq!(shape("not a == b"), "(not (== a b))");
    assert_eq!(shape("a + b * c - d"), "(- (+ a (* b c)) d)");
    assert_eq!(shape("a ?? b + c ?? d"), "(?? (?? a (+ b c)) d)");
    assert_eq!(shape("-a * -b % c"), "(% (* (- a) (- b)) c)");
    assert_eq!(shape("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(shape("not not a"), "(not (not a))");
}

#[test]
fn membership_tests() {
    assert_eq!(shape("email_domain in disposable"), "(in email_domain disposable)");
    assert_eq!(shape("a not in [\"x\", \"y\",]"), "(not-in a [\"x\" \"y\"])");
    assert_eq!(shape("not a in b"), "(not (in a b))");
    assert_eq!(shape("a ?? \"\" in []"), "(in (?? a \"\") [])");
}

#[test]
fn calls_paths_and_literals() {
    assert_eq!(shape("ip_prefix(ip, 24)"), "ip_prefix(ip 24)");
    assert_eq!(shape("now()"), "now()");
    assert_eq!(shape("card.fingerprint"), "card.fingerprint");
    assert_eq!(shape("f(g(x), [1, 2.5],)"), "f(g(x) [1 2.5])");
    assert_eq!(shape("true or false"), "(or true false)");
    assert_eq!(shape("age > 90d"), "(> age 90d)");
}

#[test]
fn spans_cover_the_source_text() {
    let src = "let x = (a + b) * f(c) in [1]";
    let Item::Let { value, span, .. } = &parse(src).unwrap().items[0] else { panic!() };
    assert_eq!(*span, Span::new(0, src.len()));
    let text = |s: Span| &src[s.start as usize..s.end as usize];
    assert_eq!(text(value.span), "(a + b) * f(c) in [1]");
    let ExprKind::In { expr, set, .. } = &value.kind else { panic!() };
    assert_eq!(text(expr.span), "(a + b) * f(c)");
    assert_eq!(text(set.span), "[1]");
    let ExprKind::Binary { lhs, rhs, .. } = &expr.kind else { panic!() };
    assert_eq!(text(lhs.span), "(a + b)");
    assert_eq!(text(rhs.span), "f(c)");
}

#[test]
fn feature_parts() {
    let src = "feature f = sum(amount of order.create | order.update where amount > 5) \
               by user_id, ip_prefix(ip, 24) over 30d every 1h";
    let Item::Feature(f) = &parse(src).unwrap().items[0] else { panic!() };
    assert_eq!(f.agg.name, "sum");
    assert_eq!(f.arg.as_ref().map(sexpr).as_deref(), Some("amount"));
    let types: Vec<_> = f.types.iter().map(|p| p.dotted()).collect();
    assert_eq!(types, ["order.create", "order.update"]);
    assert_eq!(f.filter.as_ref().map(sexpr).as_deref(), Some("(> amount 5)"));
    assert_eq!(f.keys.len(), 2);
    assert_eq!(f.window, shrike_types::Duration(30 * 86_400_000));
    assert_eq!(&src[f.window_span.start as usize..f.window_span.end as usize], "30d");
    assert_eq!(f.every.map(|e| e.0), Some(shrike_types::Duration::HOUR));
    assert_eq!(f.span, Span::new(0, src.len()));
}

#[test]
fn feature_over_every_type() {
    let Item::Feature(f) = &parse("feature f = count(*) by user_id over 1d").unwrap().items[0] else { panic!() };
    assert!(f.types.is_empty() && f.arg.is_none() && f.filter.is_none() && f.every.is_none());
}

#[test]
fn rule_clauses_in_any_order() {
    let src = "rule r { shadow tags a, b reason \"why\" score -20 then block when x on a.b, c }";
    let Item::Rule(r) = &parse(src).unwrap().items[0] else { panic!() };
    assert_eq!(r.on.len(), 2);
    assert_eq!(r.then.as_ref().map(|t| t.name.as_str()), Some("block"));
    assert_eq!(r.score.map(|s| s.0), Some(-20.0));
    assert_eq!(r.score.map(|s| &src[s.1.start as usize..s.1.end as usize]), Some("-20"));
    assert_eq!(r.reason.as_ref().map(|s| s.0.as_str()), Some("why"));
    assert_eq!(r.tags.len(), 2);
    assert_eq!(r.mode.as_ref().map(|m| m.name.as_str()), Some("shadow"));
    assert_eq!(r.span, Span::new(0, src.len()));
}

#[test]
fn errors_point_at_the_offending_token() {
    assert_eq!(
        error("rule r {\n when (a\n then block }"),
        ("expected ')' to close '(' opened at line 2, found 'then'".into(), "then".into())
    );
    assert_eq!(error("rule r { then 5 }"), ("expected an outcome after 'then', found '5'".into(), "5".into()));
    assert_eq!(error("rule r { when a when b }"), ("duplicate `when` clause in rule `r`".into(), "when".into()));
    assert_eq!(error("let x = a < b < c").1, "<");
    assert_eq!(error("let x = a.b(c)").1, "(");
    assert_eq!(
        error("let over = 1").0,
        "expected a name after 'let', found keyword 'over' (keywords cannot be used as names)"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for (open, close) in [("(", ")"), ("[", "]"), ("f(", ")"), ("-", ""), ("not ", "")] {
        let src = format!("let x = {}a{}", open.repeat(10_000), close.repeat(10_000));
        let e = parse(&src).unwrap_err();
        assert!(e.message.starts_with("expression is nested too deeply"), "{open}: {}", e.message);
    }
    let chain = format!("let x = a{}", " + a".repeat(10_000));
    assert!(parse(&chain).unwrap_err().message.starts_with("expression is nested too deeply"));
}

#[test]
fn nesting_up_to_the_limit_is_fine() {
    let depth = MAX_EXPR_DEPTH;
    let src = format!("let x = {}a{}", "(".repeat(depth), ")".repeat(depth));
    assert!(parse(&src).is_ok());
    let chain = format!("let x = a{}", " + a".repeat(depth));
    assert!(parse(&chain).is_ok());
    let chain = format!("let x = a{}", " + a".repeat(depth + 1));
    assert!(parse(&chain).is_err());
}

#[test]
fn item_count_is_bounded() {
    let ok = "let x = 1\n".repeat(MAX_ITEMS);
    assert_eq!(parse(&ok).unwrap().items.len(), MAX_ITEMS);
    let too_many = "let x = 1\n".repeat(MAX_ITEMS + 1);
    let e = parse(&too_many).unwrap_err();
    assert_eq!(e.message, "too many declarations (the limit is 10000)");
    assert_eq!(e.span.start as usize, MAX_ITEMS * "let x = 1\n".len());
}

#[test]
fn empty_and_comment_only_sources_are_empty_policies() {
    assert_eq!(parse("").unwrap().items.len(), 0);
    assert_eq!(parse("# nothing here\n\n").unwrap().items.len(), 0);
}

#[test]
fn lex_errors_keep_their_span() {
    let e = parse("let x = a $ b").unwrap_err();
    assert_eq!((e.message.as_str(), e.span), ("unknown character '$'", Span::new(10, 11)));
}
