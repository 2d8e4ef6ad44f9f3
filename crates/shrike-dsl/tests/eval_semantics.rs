//! Evaluation semantics (docs/policy-language.md, "Types", "Missing values", "Functions").
//!
//! The bulk is the table `tests/eval/exprs.txt`: each expression is compiled inside a policy
//! with the declarations in [`DECLS`], as the argument of `is_missing(…)` so that it may have
//! any type, and the inlined argument is evaluated against the event of its `[context]`.
//! The rest are properties a table cannot state: a sorted string set against a linear search,
//! the `feature OP number` fast path against the general comparison, and what the list
//! lookup is asked.

use std::cell::RefCell;
use std::fs;
use std::path::PathBuf;

use shrike_dsl::CompiledPolicy;
use shrike_dsl::eval::{EvalCtx, ListLookup, NoLists, eval, is_true, truth};
use shrike_dsl::functions::Func;
use shrike_dsl::ir::{Expr, FeatureId, ListId};
use shrike_types::event::{AttrValue, Card, Item};
use shrike_types::{Event, EventType, KnownType, Money, Timestamp, Value};

/// Declarations every table expression may use. `M` is a missing bool (the attribute `unset`
/// is never sent as a bool), for the three-valued logic tables.
const DECLS: &str = r#"
attribute s: string
attribute n: number
attribute m: money
attribute b: bool
attribute t: timestamp
attribute d: duration
attribute addr: ip
attribute unset: bool
list disposable: string = ["mailinator.com", "yopmail.com"]
feature cnt = count(*) by user_id over 1h
feature spend = sum(amount of *) by user_id over 1d
feature seen = first_seen(*) by user_id over 90d
feature avg_items = avg(items.count of *) by user_id over 1d
let T = true
let F = false
let M = attributes.unset
"#;

/// 2026-03-04T05:06:07Z, a Wednesday.
const EVENT_TIME: Timestamp = Timestamp(1_772_600_767_000);
/// 2026-02-01T00:00:00Z.
const SEEN: Timestamp = Timestamp(1_769_904_000_000);

fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/eval/exprs.txt")
}

fn compile(source: &str) -> CompiledPolicy {
    shrike_dsl::compile(source).unwrap_or_else(|e| panic!("{}", e.render("test.shrike", source)))
}

fn order_at(t: Timestamp) -> Event<'static> {
    Event::new("e1", EventType::Known(KnownType::OrderCreate), t)
}

fn attrs(event: &mut Event<'static>, values: [AttrValue<'static>; 8]) {
    let names = ["s", "n", "m", "b", "t", "d", "addr", "unset"];
    event.attributes = names.into_iter().map(|n| n.into()).zip(values).collect();
}

fn num(text: &'static str) -> AttrValue<'static> {
    AttrValue::Number(text.into())
}

fn text(text: &'static str) -> AttrValue<'static> {
    AttrValue::String(text.into())
}

/// The event behind `[full]`: every field the table reads is set.
fn full_event() -> Event<'static> {
    let mut e = order_at(EVENT_TIME);
    e.user_id = Some("u1".into());
    e.email = Some("Bob@Mailinator.com".into());
    e.phone = Some("+447900123456".into());
    e.ip = Some("203.0.113.77".parse().expect("a valid address"));
    e.ip_country = Some("FR".into());
    e.amount = Some(Money(100_000));
    e.card = Some(Card { country: Some("GB".into()), ..Card::default() });
    let item = |quantity| Item { quantity, ..Item::default() };
    e.items = vec![item(1), item(2)];
    attrs(
        &mut e,
        [
            text("web"),
            num("3.5"),
            num("19.99"),
            AttrValue::Bool(true),
            text("2026-03-01T00:00:00Z"),
            num("60000"),
            text("2001:db8:abcd:12::1"),
            AttrValue::Json("{}".into()),
        ],
    );
    e
}

/// An event with only attributes, in the order s, n, m, b, t, d, addr, unset.
fn attr_event(values: [AttrValue<'static>; 8]) -> Event<'static> {
    let mut e = order_at(EVENT_TIME);
    attrs(&mut e, values);
    e
}

/// The attributes of the attribute-only contexts (see the table for what each holds).
fn attr_values(name: &str) -> Option<[AttrValue<'static>; 8]> {
    use AttrValue::{Bool, Json, Null};
    Some(match name {
        "wrong" => [
            Bool(true),
            text("abc"),
            Bool(false),
            text("true"),
            Bool(true),
            text("1m"),
            num("1"),
            Json(r#"{"a":1}"#.into()),
        ],
        "wrong2" => [
            Json(r#"{"a":1}"#.into()),
            Null,
            num("0.0000001"),
            Null,
            text("yesterday"),
            num("1.5"),
            text("not-an-ip"),
            num("1"),
        ],
        "lenient" => {
            [num("42"), text("7"), text("12.50"), Bool(false), num("0"), num("1500"), text("203.0.113.9"), Null]
        }
        "nan" => [Null, text("NaN"), Null, Null, Null, Null, Null, Null],
        "inf" => [Null, text("inf"), Null, Null, Null, Null, Null, Null],
        "huge" => [Null, num("1e400"), Null, Null, Null, Null, Null, Null],
        _ => return None,
    })
}

/// An event and the feature values read with it.
struct Context {
    event: Event<'static>,
    features: [(&'static str, Value<'static>); 4],
}

fn context(name: &str) -> Context {
    let missing =
        [("cnt", Value::Missing), ("spend", Value::Missing), ("seen", Value::Missing), ("avg_items", Value::Missing)];
    match name {
        "full" => Context {
            event: full_event(),
            features: [
                ("cnt", Value::Num(5.0)),
                ("spend", Value::Money(Money(12_500_000))),
                ("seen", Value::Time(SEEN)),
                ("avg_items", Value::Num(2.5)),
            ],
        },
        "bare" => Context { event: order_at(EVENT_TIME), features: missing },
        other => Context {
            event: attr_event(attr_values(other).unwrap_or_else(|| panic!("unknown context [{other}]"))),
            features: missing,
        },
    }
}

/// The feature slice of a policy, indexed by feature id.
fn feature_values(policy: &CompiledPolicy, named: &[(&str, Value<'static>)]) -> Vec<Value<'static>> {
    let mut values = vec![Value::Missing; policy.features.len()];
    for (name, v) in named {
        let id = policy.feature_id(name).unwrap_or_else(|| panic!("no feature {name}"));
        values[id.0 as usize] = v.clone();
    }
    values
}

/// Lists holding the entries written in the policy; records every lookup.
struct TestLists {
    entries: Vec<(ListId, Value<'static>)>,
    asked: RefCell<Vec<(ListId, String, Timestamp)>>,
}

impl TestLists {
    fn of(policy: &CompiledPolicy) -> TestLists {
        let entries = policy
            .lists
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.entries.iter().map(move |v| (ListId(i as u16), v.clone())))
            .collect();
        TestLists { entries, asked: RefCell::new(Vec::new()) }
    }
}

impl ListLookup for TestLists {
    fn contains(&self, list: ListId, value: &Value<'_>, at: Timestamp) -> bool {
        self.asked.borrow_mut().push((list, value.to_string(), at));
        self.entries.iter().any(|(l, v)| *l == list && v == value)
    }
}

/// A value as the table writes it: its type, then its value.
fn show(v: &Value<'_>) -> String {
    match v {
        Value::Missing => "missing".into(),
        Value::Bool(b) => format!("bool {b}"),
        Value::Num(n) => format!("number {n}"),
        Value::Money(m) => format!("money {m}"),
        Value::Str(s) => format!("string {s:?}"),
        Value::Time(t) => format!("timestamp {t}"),
        Value::Dur(d) => format!("duration {d}"),
        Value::Ip(ip) => format!("ip {ip}"),
    }
}

/// The IR of `expr`, compiled with [`DECLS`] as the argument of `is_missing`.
fn probe(policy: &CompiledPolicy) -> &Expr {
    match &policy.rules[0].condition {
        Expr::Call(Func::IsMissing, args) => &args[0],
        other => panic!("unexpected probe shape {other:?}"),
    }
}

struct Line {
    number: usize,
    context: String,
    expr: String,
    expected: String,
}

fn read_table() -> Vec<Line> {
    let text = fs::read_to_string(table_path()).expect("tests/eval/exprs.txt is readable");
    let mut context = String::new();
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            context = name.to_string();
            continue;
        }
        let (expr, expected) = line.rsplit_once(" => ").unwrap_or_else(|| panic!("line {}: no ` => `", i + 1));
        assert!(!context.is_empty(), "line {}: before any [context]", i + 1);
        lines.push(Line {
            number: i + 1,
            context: context.clone(),
            expr: expr.trim().to_string(),
            expected: expected.trim().to_string(),
        });
    }
    lines
}

/// Evaluates one table line; `Err` describes a mismatch.
fn run_line(line: &Line) -> Result<(), String> {
    let ctx_data = context(&line.context);
    let source = format!("{DECLS}rule probe {{ when is_missing({}) then block }}", line.expr);
    let policy = shrike_dsl::compile(&source).map_err(|e| e.render("test.shrike", &source))?;
    let lists = TestLists::of(&policy);
    let features = feature_values(&policy, &ctx_data.features);
    let ctx = EvalCtx { event: &ctx_data.event, features: &features, lists: &lists };
    let actual = show(&eval(probe(&policy), &ctx));
    if actual != line.expected {
        return Err(format!("got {actual}"));
    }
    if !actual.starts_with("bool ") && actual != "missing" {
        return Ok(());
    }
    // The same expression as a rule condition fires exactly when it is true.
    let source = format!("{DECLS}rule r {{ when {} then block }}", line.expr);
    let Ok(policy) = shrike_dsl::compile(&source) else {
        return Ok(()); // not a bool (a missing number, say)
    };
    let fires = is_true(&policy.rules[0].condition, &ctx);
    if fires != (line.expected == "bool true") {
        return Err(format!("as a rule condition, fires = {fires}"));
    }
    // The three-valued fast path agrees with `eval` on missing as well as on true and false.
    let three = truth(&policy.rules[0].condition, &ctx);
    let expected = line.expected.strip_prefix("bool ").map(|b| b == "true");
    if three != expected {
        return Err(format!("as a rule condition, truth = {three:?}"));
    }
    Ok(())
}

#[test]
fn table_expressions_evaluate_as_expected() {
    let lines = read_table();
    assert!(lines.len() >= 200, "only {} lines", lines.len());
    let mut failed = Vec::new();
    for line in &lines {
        if let Err(why) = run_line(line) {
            failed.push(format!(
                "exprs.txt:{} [{}] {} => {}: {why}",
                line.number, line.context, line.expr, line.expected
            ));
        }
    }
    assert!(failed.is_empty(), "{} failed:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn every_context_is_used() {
    let lines = read_table();
    for name in ["full", "bare", "wrong", "wrong2", "lenient", "nan", "inf", "huge"] {
        assert!(lines.iter().any(|l| l.context == name), "no lines for [{name}]");
    }
}

#[test]
fn money_times_a_number_is_exact() {
    let policy = compile(&format!("{DECLS}rule r {{ when is_missing(amount * 3) then block }}"));
    let event = full_event();
    let ctx = EvalCtx { event: &event, features: &feature_values(&policy, &[]), lists: &NoLists };
    assert_eq!(eval(probe(&policy), &ctx), Value::Money(Money(300_000)));
}

#[test]
fn a_comparison_with_a_missing_amount_never_fires_even_negated() {
    let policy =
        compile("rule big { when amount > 100 then block }\nrule not_big { when not (amount > 100) then allow }");
    let event = order_at(EVENT_TIME);
    let ctx = EvalCtx { event: &event, features: &[], lists: &NoLists };
    for rule in &policy.rules {
        assert_eq!(eval(&rule.condition, &ctx), Value::Missing, "{}", rule.name);
        assert!(!is_true(&rule.condition, &ctx), "{} fired", rule.name);
    }
}

/// 20 strings in no particular order, with case, accents and multi-byte characters, so the
/// checker's sort and the evaluator's binary search must agree on one order.
const SET: [&str; 20] = [
    "yopmail.com",
    "Zeta",
    "guerrillamail.com",
    "ápple",
    "10minutemail.com",
    "alpha",
    "日本",
    "mailinator.com",
    "Ärger",
    "b",
    "trashmail.de",
    "a",
    "zzz",
    "temp-mail.org",
    "Mailinator.com",
    "0",
    "sharklasers.com",
    "dispostable.com",
    "éclair",
    "getnada.com",
];

#[test]
fn string_sets_find_every_member_and_nothing_else() {
    let items: Vec<String> = SET.iter().map(|s| format!("{s:?}")).collect();
    let source = format!(
        "attribute s: string\nrule is_in {{ when attributes.s in [{0}] then block }}\nrule not_in {{ when attributes.s not in [{0}] then block }}",
        items.join(", ")
    );
    let policy = compile(&source);
    let mut probes: Vec<String> = SET.iter().map(|s| s.to_string()).collect();
    probes.extend(SET.iter().map(|s| format!("{s}x")));
    probes.extend(SET.iter().map(|s| s.chars().skip(1).collect::<String>()));
    probes.extend(["", " ", "Z", "zzzz", "~", "\u{10FFFF}", "MAILINATOR.COM"].map(String::from));
    for probe in &probes {
        let mut event = order_at(EVENT_TIME);
        event.attributes = vec![("s".into(), AttrValue::String(probe.clone().into()))];
        let ctx = EvalCtx { event: &event, features: &[], lists: &NoLists };
        let member = SET.contains(&probe.as_str());
        assert_eq!(eval(&policy.rules[0].condition, &ctx), Value::Bool(member), "{probe:?} in");
        assert_eq!(eval(&policy.rules[1].condition, &ctx), Value::Bool(!member), "{probe:?} not in");
    }
}

/// `cnt OP 5` and `5 OP cnt` take the `CmpFeatureNum` fast path; `cnt + 0 OP 5` and
/// `5 OP cnt + 0` the general comparison. All must agree with each other and with the rule.
#[test]
fn feature_fast_path_agrees_with_the_general_comparison() {
    let ops = ["<", "<=", ">", ">=", "==", "!="];
    let mut source = String::from("feature cnt = count(*) by user_id over 1h\n");
    for (k, op) in ops.iter().enumerate() {
        for (i, cond) in
            [format!("cnt {op} 5"), format!("5 {op} cnt"), format!("cnt + 0 {op} 5"), format!("5 {op} cnt + 0")]
                .iter()
                .enumerate()
        {
            source.push_str(&format!("rule r{k}_{i} {{ when {cond} then block }}\n"));
        }
    }
    let policy = compile(&source);
    for quad in policy.rules.chunks(4) {
        assert!(matches!(quad[0].condition, Expr::CmpFeatureNum(..)), "{:?}", quad[0].condition);
        assert!(matches!(quad[1].condition, Expr::CmpFeatureNum(..)), "{:?}", quad[1].condition);
        assert!(matches!(quad[2].condition, Expr::Cmp(..)), "{:?}", quad[2].condition);
        assert!(matches!(quad[3].condition, Expr::Cmp(..)), "{:?}", quad[3].condition);
    }
    let event = order_at(EVENT_TIME);
    for f in [Value::Num(4.0), Value::Num(5.0), Value::Num(6.0), Value::Num(5.5), Value::Missing] {
        let features = [f.clone()];
        let ctx = EvalCtx { event: &event, features: &features, lists: &NoLists };
        for (op, quad) in ops.iter().zip(policy.rules.chunks(4)) {
            let got: Vec<Value<'_>> = quad.iter().map(|r| eval(&r.condition, &ctx)).collect();
            let expected = reference(op, &f);
            assert_eq!(got[0], expected.0, "cnt {op} 5 with cnt = {f}");
            assert_eq!(got[1], expected.1, "5 {op} cnt with cnt = {f}");
            assert_eq!(got[2], got[0], "cnt + 0 {op} 5 with cnt = {f}");
            assert_eq!(got[3], got[1], "5 {op} cnt + 0 with cnt = {f}");
        }
    }
}

/// `(f OP 5, 5 OP f)` by plain f64 comparison; missing when `f` is.
fn reference(op: &str, f: &Value<'_>) -> (Value<'static>, Value<'static>) {
    let Value::Num(x) = f else {
        return (Value::Missing, Value::Missing);
    };
    let cmp = |a: f64, b: f64| match op {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        ">=" => a >= b,
        "==" => a == b,
        _ => a != b,
    };
    (Value::Bool(cmp(*x, 5.0)), Value::Bool(cmp(5.0, *x)))
}

#[test]
fn lists_are_asked_with_the_value_and_the_event_time_but_never_for_missing() {
    let policy = compile(
        "list blocked: string = [\"u1\"]\nrule r { when user_id in blocked then block }\nrule n { when user_id not in blocked then allow }",
    );
    let lists = TestLists::of(&policy);
    let mut event = order_at(EVENT_TIME);
    event.user_id = Some("u1".into());
    let ctx = EvalCtx { event: &event, features: &[], lists: &lists };
    assert_eq!(eval(&policy.rules[0].condition, &ctx), Value::Bool(true));
    assert_eq!(eval(&policy.rules[1].condition, &ctx), Value::Bool(false));
    let asked = lists.asked.borrow().clone();
    assert_eq!(asked, vec![(ListId(0), "\"u1\"".to_string(), EVENT_TIME); 2]);
    lists.asked.borrow_mut().clear();
    let bare = order_at(EVENT_TIME);
    let ctx = EvalCtx { event: &bare, features: &[], lists: &lists };
    assert_eq!(eval(&policy.rules[0].condition, &ctx), Value::Missing);
    assert_eq!(eval(&policy.rules[1].condition, &ctx), Value::Missing);
    assert!(lists.asked.borrow().is_empty());
}

/// `let`s are inlined: the rule's condition is the let's expression, and the features it
/// reads through the let are the rule's reads.
#[test]
fn lets_are_inlined_into_rule_conditions() {
    let policy = compile(
        "feature a = count(*) by user_id over 1h\nfeature b = count(*) by device_id over 1h\nlet busy = b > 3\nlet very = busy and a > 1\nrule r { when very then block }",
    );
    let rule = &policy.rules[0];
    assert_eq!(rule.reads, vec![FeatureId(0), FeatureId(1)]);
    let event = order_at(EVENT_TIME);
    for (a, b, fires) in [(2.0, 4.0, true), (1.0, 4.0, false), (2.0, 3.0, false)] {
        let features = [Value::Num(a), Value::Num(b)];
        let ctx = EvalCtx { event: &event, features: &features, lists: &NoLists };
        assert_eq!(is_true(&rule.condition, &ctx), fires, "a = {a}, b = {b}");
    }
}

/// BUG (shrike-types `Field::ItemQuantity`, field.rs): the total quantity of an order with no
/// items is `-0`, because `Iterator::sum` of no `f64`s is `-0.0`. It compares equal to 0, but
/// decisions show and serialise it as `-0`. Fix: start the sum from `0.0`
/// (`fold(0.0, |a, i| a + f64::from(i.quantity))`). Not in this crate.
#[test]
fn items_quantity_of_no_items_is_zero_not_negative_zero() {
    let policy = compile("rule r { when is_missing(items.quantity) then block }");
    let event = order_at(EVENT_TIME);
    let ctx = EvalCtx { event: &event, features: &[], lists: &NoLists };
    assert_eq!(show(&eval(probe(&policy), &ctx)), "number 0");
}
