//! The log against a naive model (a vector of rows, filtered and sorted): every query,
//! paged to the end with cursors, gives the same rows in the same order; so does every
//! lookup by id, across seals (tiny segments), background index writes and a reopen.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

use proptest::prelude::*;
use shrike_decisionlog::{DecisionLog, Options, RowRef};
use shrike_records::{DecisionQuery, DecisionRow, Entities, EntityKind};
use shrike_types::Outcome;

fn row(i: usize, at: i64, pick: [u8; 6], shadow: bool) -> DecisionRow {
    // Ids unique but not in append order, so ties in time are broken by id, not position.
    let n = (i * 37) % 1000;
    let pool = |p: u8, prefix: &str| (!p.is_multiple_of(4)).then(|| format!("{prefix}{}", p % 3));
    let rules = ["r_a", "r_b", "r_c"].iter().enumerate().filter(|(j, _)| pick[4] & (1 << j) != 0);
    DecisionRow {
        decision_id: if shadow { format!("e{n:04}:shadow") } else { format!("e{n:04}") },
        event_id: format!("e{n:04}"),
        event_type: "payment".into(),
        event_time: at - 5,
        decided_at: at,
        outcome: Outcome::ALL[usize::from(pick[0] % 4)],
        score: pick[1] % 101,
        policy_version: format!("p@v{}", pick[2] % 2),
        degraded: pick[1].is_multiple_of(7),
        shadow,
        latency_us: u64::from(pick[3]),
        entities: Entities {
            user: pool(pick[3], "u"),
            device: pool(pick[5], "d"),
            ip: pool(pick[3] / 4, "10.0.0."),
            card: pool(pick[5] / 4, "fp"),
            email: pool(pick[2] / 2, "m"),
            phone: pool(pick[1] / 3, "+1"),
            shop: pool(pick[0] / 4, "s"),
        },
        rules: rules.map(|(_, r)| r.to_string()).collect(),
        decision_json: format!("{{\"i\":{i},\"pad\":\"{}\"}}", "x".repeat(usize::from(pick[5]))),
    }
}

fn rows_strategy() -> impl Strategy<Value = Vec<DecisionRow>> {
    // Times mostly rising with steps back (a wall clock stepping back), many ties.
    prop::collection::vec((0i64..40, any::<[u8; 6]>(), any::<bool>()), 1..160).prop_map(|v| {
        let mut at = 1_000;
        v.into_iter()
            .enumerate()
            .map(|(i, (step, pick, shadow))| {
                at += step - 8;
                row(i, at, pick, shadow)
            })
            .collect()
    })
}

fn query_strategy() -> impl Strategy<Value = DecisionQuery> {
    (any::<[u8; 8]>(), 1u32..12).prop_map(|(p, limit)| {
        let kind = EntityKind::ALL[usize::from(p[0] % 7)];
        let id = match kind {
            EntityKind::User => "u1",
            EntityKind::Device => "d2",
            EntityKind::Ip => "10.0.0.0",
            EntityKind::Card => "fp1",
            EntityKind::Email => "m0",
            EntityKind::Phone => "+12",
            EntityKind::Shop => "s1",
        };
        DecisionQuery {
            entity: (p[1] % 3 == 0).then(|| (kind, id.to_string())),
            outcome: (p[2] % 3 == 0).then(|| Outcome::ALL[usize::from(p[2] % 4)]),
            rule: (p[3] % 4 == 0).then(|| ["r_a", "r_b", "r_c"][usize::from(p[3] % 3)].to_string()),
            policy_version: (p[4] % 4 == 0).then(|| format!("p@v{}", p[4] % 2)),
            shadow: p[5] % 3 == 0,
            from: (p[6] % 3 == 0).then(|| 900 + i64::from(p[6]) * 4),
            to: (p[7] % 3 == 0).then(|| 1_000 + i64::from(p[7]) * 4),
            limit,
            cursor: None,
        }
    })
}

/// Every row `q` matches, newest first: the specification.
fn model(rows: &[DecisionRow], q: &DecisionQuery) -> Vec<String> {
    let mut m: Vec<&DecisionRow> = rows
        .iter()
        .filter(|r| r.shadow == q.shadow)
        .filter(|r| q.entity.as_ref().is_none_or(|(k, id)| r.entities.get(*k) == Some(id)))
        .filter(|r| q.outcome.is_none_or(|o| r.outcome == o))
        .filter(|r| q.rule.as_ref().is_none_or(|x| r.rules.contains(x)))
        .filter(|r| q.policy_version.as_ref().is_none_or(|v| &r.policy_version == v))
        .filter(|r| q.from.is_none_or(|t| r.decided_at >= t) && q.to.is_none_or(|t| r.decided_at < t))
        .collect();
    m.sort_by(|a, b| (b.decided_at, &b.decision_id).cmp(&(a.decided_at, &a.decision_id)));
    m.into_iter().map(|r| r.decision_id.clone()).collect()
}

/// Every page of `q` from the log, followed by its cursors to the end.
fn paged(log: &DecisionLog, q: &DecisionQuery, all: &[DecisionRow]) -> Vec<String> {
    let mut q = q.clone();
    let mut out = Vec::new();
    loop {
        let page = log.query(&q).unwrap();
        assert!(page.items.len() <= q.limit as usize);
        for r in &page.items {
            let want = all.iter().find(|x| x.decision_id == r.decision_id).unwrap();
            assert_eq!(r, want, "a stored row reads back exactly");
        }
        out.extend(page.items.iter().map(|r| r.decision_id.clone()));
        match page.next {
            Some(c) => {
                assert_eq!(page.items.len(), q.limit as usize, "a page with a next cursor is full");
                q.cursor = Some(c);
            }
            None => return out,
        }
    }
}

fn append(log: &DecisionLog, rows: &[DecisionRow]) {
    let mut scratch: Vec<Vec<&str>> = rows.iter().map(|_| Vec::new()).collect();
    let refs: Vec<RowRef<'_>> = rows.iter().zip(scratch.iter_mut()).map(|(r, s)| RowRef::of(r, s)).collect();
    assert_eq!(log.append(&refs).unwrap().written, rows.len() as u64);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn queries_match_the_model(rows in rows_strategy(), queries in prop::collection::vec(query_strategy(), 1..12),
                               batch in 1usize..40) {
        let dir = tempfile::tempdir().unwrap();
        let opts = Options { segment_bytes: 4096, segment_span_ms: 120 };
        let (log, _) = DecisionLog::open(dir.path(), opts).unwrap();
        for chunk in rows.chunks(batch) {
            append(&log, chunk);
        }
        for q in &queries {
            prop_assert_eq!(paged(&log, q, &rows), model(&rows, q), "{:?}", q);
        }
        for r in rows.iter().step_by(7) {
            let got = log.get(&r.decision_id).unwrap();
            prop_assert_eq!(got.as_ref(), Some(r));
        }
        prop_assert_eq!(log.get("nope").unwrap(), None);
        log.close().unwrap();
        drop(log);
        let (log, rec) = DecisionLog::open(dir.path(), opts).unwrap();
        prop_assert_eq!(rec.rows, rows.len() as u64);
        for q in &queries {
            prop_assert_eq!(paged(&log, q, &rows), model(&rows, q), "after reopen {:?}", q);
        }
    }
}
