use super::*;
use crate::parser::parse;

/// Parses, prints, and checks the printed text parses back to the same tree.
fn canonical(source: &str) -> String {
    let policy = parse(source).unwrap();
    let printed = print(&policy);
    let reparsed = parse(&printed).unwrap_or_else(|e| panic!("{e}: {printed}"));
    assert_eq!(strip_spans(&reparsed), strip_spans(&policy), "{printed}");
    printed
}

fn expr(text: &str) -> String {
    let printed = canonical(&format!("let x = {text}"));
    printed.trim_end().strip_prefix("let x = ").unwrap().to_string()
}

#[test]
fn parentheses_only_where_needed() {
    assert_eq!(expr("((a + b)) * c"), "(a + b) * c");
    assert_eq!(expr("a + (b * c)"), "a + b * c");
    assert_eq!(expr("a - (b - c)"), "a - (b - c)");
    assert_eq!(expr("(a - b) - c"), "a - b - c");
    assert_eq!(expr("(a < b) == c"), "(a < b) == c");
    assert_eq!(expr("a == (not b)"), "a == (not b)");
    assert_eq!(expr("not (a and b)"), "not (a and b)");
    assert_eq!(expr("(not a) and b"), "not a and b");
    assert_eq!(expr("-(a + b)"), "-(a + b)");
    assert_eq!(expr("- - a"), "--a");
    assert_eq!(expr("(a in b) == true"), "(a in b) == true");
    assert_eq!(expr("(a ?? b) ?? c"), "a ?? b ?? c");
    assert_eq!(expr("a ?? (b ?? c)"), "a ?? (b ?? c)");
    assert_eq!(expr("(a or b) and c"), "(a or b) and c");
}

#[test]
fn literals_print_as_written() {
    assert_eq!(expr("12.50"), "12.50");
    assert_eq!(expr("1e3"), "1e3");
    assert_eq!(expr("90d + 1500ms + 60m"), "90d + 1500ms + 1h");
    assert_eq!(expr("\"a\\\"b\\\\c\\nd\\te\\u{7}f\""), "\"a\\\"b\\\\c\\nd\\te\\u{7}f\"");
    assert_eq!(expr("[ 1 , 2 , ]"), "[1, 2]");
}

#[test]
fn declarations_in_canonical_form() {
    let src = "policy \"m\" lateness 60m score review at 60 score block at 90.5 \
               attribute referrer : string list l : string list d : string = [\"a\"] \
               feature f = count ( * ) by user_id , device_id over 1d every 10s \
               let r = a / b rule x { live score -5 then review } rule y { }";
    let expected = "policy \"m\"\n\nlateness 1h\n\nscore review at 60\nscore block at 90.5\n\n\
                    attribute referrer: string\n\nlist l: string\nlist d: string = [\"a\"]\n\n\
                    feature f = count(*) by user_id, device_id over 1d every 10s\n\n\
                    let r = a / b\n\nrule x {\n  then review\n  score -5\n  live\n}\n\n\
                    rule y {\n}\n";
    assert_eq!(canonical(src), expected);
}

#[test]
fn feature_with_argument_and_filter() {
    let src = "feature s = sum(amount of order.create|order.update where amount>5) by user_id over 30d";
    assert_eq!(
        canonical(src),
        "feature s = sum(amount of order.create | order.update where amount > 5) by user_id over 30d\n"
    );
}

#[test]
fn strip_spans_ignores_layout_only() {
    let a = parse("let x = a+b").unwrap();
    let b = parse("let   x =\n  a + b # comment").unwrap();
    let c = parse("let x = a-b").unwrap();
    assert_ne!(a, b);
    assert_eq!(strip_spans(&a), strip_spans(&b));
    assert_ne!(strip_spans(&a), strip_spans(&c));
}

#[test]
fn empty_policy_prints_nothing() {
    assert_eq!(print(&Policy::default()), "");
}
