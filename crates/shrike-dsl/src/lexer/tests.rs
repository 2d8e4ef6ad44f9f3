use super::*;

fn kinds(source: &str) -> Vec<TokenKind> {
    lex(source).unwrap().into_iter().map(|t| t.kind).collect()
}

fn error(source: &str) -> (String, &str) {
    let e = lex(source).unwrap_err();
    (e.message, &source[e.span.start as usize..e.span.end as usize])
}

fn ident(name: &str) -> TokenKind {
    TokenKind::Ident(name.to_string())
}

fn number(text: &str) -> TokenKind {
    TokenKind::Number { value: text.parse().unwrap(), text: text.to_string() }
}

#[test]
fn words_are_keywords_or_identifiers() {
    assert_eq!(
        kinds("feature count_10m over missing"),
        vec![
            TokenKind::Keyword(Keyword::Feature),
            ident("count_10m"),
            TokenKind::Keyword(Keyword::Over),
            ident("missing"),
            TokenKind::Eof,
        ]
    );
}

#[test]
fn numbers_keep_their_text() {
    assert_eq!(
        kinds("5 0.5 12.50 1e3 2E-2"),
        vec![number("5"), number("0.5"), number("12.50"), number("1e3"), number("2E-2"), TokenKind::Eof]
    );
}

#[test]
fn a_trailing_dot_is_not_part_of_a_number() {
    assert_eq!(kinds("5."), vec![number("5"), TokenKind::Dot, TokenKind::Eof]);
}

#[test]
fn durations_take_an_integer_and_a_unit() {
    let d = |ms| TokenKind::Duration(Duration(ms));
    assert_eq!(
        kinds("500ms 10s 10m 1h 90d 2w"),
        vec![d(500), d(10_000), d(600_000), d(3_600_000), d(90 * 86_400_000), d(14 * 86_400_000), TokenKind::Eof]
    );
}

#[test]
fn operators_take_the_longest_match() {
    use TokenKind::*;
    assert_eq!(
        kinds("== != <= >= < > = ?? | ( ) [ ] { } , . : + - * / %"),
        vec![
            EqEq, NotEq, Le, Ge, Lt, Gt, Assign, Coalesce, Pipe, LParen, RParen, LBracket, RBracket, LBrace, RBrace,
            Comma, Dot, Colon, Plus, Minus, Star, Slash, Percent, Eof
        ]
    );
}

#[test]
fn strings_resolve_escapes() {
    let src = r#""a\"b\\c\nd\te\u{e9}\u{1F600}""#;
    assert_eq!(kinds(src), vec![TokenKind::Str("a\"b\\c\nd\te\u{e9}\u{1F600}".into()), TokenKind::Eof]);
}

#[test]
fn comments_and_whitespace_are_skipped() {
    let tokens = lex("\u{feff}# header\n  a # trailing\n\tb").unwrap();
    let names: Vec<_> = tokens.iter().map(|t| t.kind.clone()).collect();
    assert_eq!(names, vec![ident("a"), ident("b"), TokenKind::Eof]);
    assert_eq!(tokens[0].span, Span::new(14, 15));
}

#[test]
fn eof_has_an_empty_span_at_the_end() {
    let tokens = lex("a ").unwrap();
    assert_eq!(tokens.last().unwrap().span, Span::new(2, 2));
}

#[test]
fn spans_cover_token_text() {
    let src = "rule x { when amount >= 12.50 }";
    for token in lex(src).unwrap() {
        let text = &src[token.span.start as usize..token.span.end as usize];
        match &token.kind {
            TokenKind::Ident(name) => assert_eq!(text, name),
            TokenKind::Keyword(kw) => assert_eq!(text, kw.as_str()),
            TokenKind::Number { text: t, .. } => assert_eq!(text, t),
            TokenKind::Eof => assert_eq!(text, ""),
            other => assert_eq!(Some(text), other.punct()),
        }
    }
}

#[test]
fn bad_input_is_reported_at_the_offending_text() {
    assert_eq!(error("a $ b"), ("unknown character '$'".into(), "$"));
    assert_eq!(error("a é"), ("unknown character 'é'".into(), "é"));
    assert_eq!(error("x = \"abc\ny"), ("unterminated string".into(), "\"abc"));
    assert_eq!(error("\"a\\qb\"").1, "\\q");
    assert_eq!(error("\"\\u{d800}\"").1, "\\u");
    assert_eq!(error("10min").0, "unknown unit 'min' in '10min'; durations end with ms, s, m, h, d or w");
    assert_eq!(error("1.5h").0, "a duration must be a whole number of units, found '1.5h'");
    assert_eq!(error("1e3s").0, "a duration must be a whole number of units, found '1e3s'");
    assert_eq!(error("12abc").0, "unknown unit 'abc' in '12abc'; durations end with ms, s, m, h, d or w");
    assert_eq!(error("1_000").0, "invalid number '1_000'");
    assert_eq!(error("1e999").0, "number '1e999' is too large");
    assert_eq!(error("99999999999999999999d").0, "duration '99999999999999999999d' is too large");
}

#[test]
fn long_strings_are_rejected() {
    let ok = format!("\"{}\"", "a".repeat(MAX_STRING_BYTES));
    assert!(lex(&ok).is_ok());
    let long = format!("\"{}\"", "a".repeat(MAX_STRING_BYTES + 1));
    assert_eq!(lex(&long).unwrap_err().message, "string literal is longer than 4096 bytes");
}

#[test]
fn huge_sources_are_rejected_up_front() {
    let src = " ".repeat(MAX_SOURCE_BYTES + 1);
    assert!(lex(&src).unwrap_err().message.starts_with("policy source is 1048577 bytes"));
    assert!(lex(&" ".repeat(MAX_SOURCE_BYTES)).is_ok());
}
