//! Every case in `events/bad_events.txt` must fail with exactly its expected error.

use shrike_types::parse::{parse_event, parse_event_into};

const TABLE: &str = include_str!("events/bad_events.txt");
const DOCS: &str = include_str!("../../../docs/events.md");

struct Case {
    title: String,
    input: String,
    expected: String,
}

/// Reads the table (format described at the top of the file).
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut lines = TABLE.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(title) = line.strip_prefix("=== ") else {
            assert!(line.is_empty() || line.starts_with('#'), "stray line in table: {line}");
            continue;
        };
        let mut input = Vec::new();
        for l in lines.by_ref() {
            if l == "---" {
                break;
            }
            input.push(l);
        }
        let expected = lines.next().unwrap_or_else(|| panic!("{title}: no expected error"));
        cases.push(Case { title: title.into(), input: expand(&input.join("\n")), expected: expected.into() });
    }
    cases
}

/// Expands `<<N*TEXT>>` to TEXT repeated N times, `#` in TEXT replaced by the index.
fn expand(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("<<") {
        out.push_str(&rest[..start]);
        let body = &rest[start + 2..];
        let end = body.find(">>").expect("unclosed <<");
        let (n, text) = body[..end].split_once('*').expect("<<N*TEXT>>");
        for i in 0..n.parse::<usize>().expect("repeat count") {
            out.push_str(&text.replace('#', &i.to_string()));
        }
        rest = &body[end + 2..];
    }
    out.push_str(rest);
    out
}

#[test]
fn table_of_bad_events() {
    let cases = cases();
    assert!(cases.len() >= 30, "the table lost its cases: {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = match parse_event(case.input.as_bytes()) {
            Ok(event) => format!("parsed: {event:?}"),
            Err(e) => e.to_string(),
        };
        if got != case.expected {
            failures.push(format!("{}\n  expected: {}\n       got: {got}", case.title, case.expected));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// `parse_event_into` gives the same error and leaves the events it appends to untouched,
/// and appends exactly what `parse_event` returns.
#[test]
fn parsing_into_a_vector_agrees() {
    let good = [include_str!("events/typical.json"), include_str!("events/full.json")];
    let mut events = Vec::new();
    for json in good {
        let before = events.len();
        assert!(parse_event_into(json.as_bytes(), &mut events).is_ok());
        assert_eq!(events.len(), before + 1);
        assert_eq!(events.last(), parse_event(json.as_bytes()).ok().as_ref());
    }
    let kept = events.clone();
    for case in &cases() {
        let into = parse_event_into(case.input.as_bytes(), &mut events);
        let got = parse_event(case.input.as_bytes()).map(|_| ());
        assert_eq!(into.map_err(|e| e.to_string()), got.map_err(|e| e.to_string()), "{}", case.title);
        assert_eq!(events, kept, "{}", case.title);
    }
}

/// Inputs a UTF-8 text table cannot hold.
#[test]
fn bad_bytes() {
    let head = br#"{"event_id":"e1","type":"chargeback","timestamp":1,"user_id":""#;
    let cases: [(&[u8], &str); 4] = [
        (b"\xff", "invalid UTF-8 (line 1, column 1)"),
        (b"{\"event_id\":\"a\xc3\"}", "invalid UTF-8 (line 1, column 15)"),
        (b"\t\"\x01\"", "unescaped control character in string (line 1, column 3)"),
        (b"{\"event_id\":\"a\nb\"}", "unescaped control character in string (line 1, column 15)"),
    ];
    for (input, want) in cases {
        let got = parse_event(input).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(got, Err(want.to_owned()), "{}", String::from_utf8_lossy(input));
    }
    let mut tab = head.to_vec();
    tab.extend_from_slice(b"a\tb\"}");
    let err = parse_event(&tab).map(|_| ()).map_err(|e| (e.field, e.message, e.column));
    assert_eq!(err, Err((None, "unescaped control character in string".into(), 64)));
}

#[test]
fn errors_expose_their_parts() {
    let e = parse_event(br#"{"event_id":"e1","type":"chargeback","timestamp":1,"card":{"country":"X"}}"#)
        .expect_err("bad card country");
    assert_eq!(e.field.as_deref(), Some("card.country"));
    assert_eq!((e.line, e.column), (1, 70));
    assert!(e.message.starts_with("expected a 2-letter country code"), "{}", e.message);
}

/// The error examples in docs/events.md are cases of the table, so they cannot drift from
/// what the parser says.
#[test]
fn documented_errors_are_tested() {
    let errors = DOCS.split("## Errors").nth(1).and_then(|s| s.split("\n## ").next()).expect("Errors section");
    let expected: Vec<String> = cases().into_iter().map(|c| c.expected).collect();
    let mut checked = 0;
    for row in errors.lines().filter(|l| l.starts_with("| ") && l.ends_with("` |")) {
        let error = row.trim_end_matches(" |").rsplit('`').nth(1).expect("backticked error");
        if error == "error" {
            continue;
        }
        assert!(expected.iter().any(|e| e == error), "docs/events.md shows an untested error: {error}");
        checked += 1;
    }
    assert!(checked >= 10, "the docs' error table went missing ({checked} rows)");
}
