use shrike_records::limits::{MAX_DECISION_PAGE_SIZE, RETENTION_CHUNK};
use shrike_records::{DecisionCursor, DecisionQuery, DecisionRow, Entities, EntityKind, Records};
use shrike_types::Outcome;

use crate::common::TestDb;

/// A small deterministic generator (xorshift), so the suite needs no RNG crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn pick(&mut self, prefix: &str, n: u64, none_one_in: u64) -> Option<String> {
        if self.below(none_one_in) == 0 { None } else { Some(format!("{prefix}{}", self.below(n))) }
    }
}

pub(crate) fn row(i: u64, decided_at: i64) -> DecisionRow {
    DecisionRow {
        decision_id: format!("d{i:06}"),
        event_id: format!("e{i}"),
        event_type: "payment.attempt".into(),
        event_time: decided_at - 3,
        decided_at,
        outcome: Outcome::Allow,
        score: 0,
        policy_version: "p@1".into(),
        degraded: false,
        shadow: false,
        latency_us: 120,
        entities: Entities::default(),
        rules: Vec::new(),
        decision_json: format!(r#"{{"decision":{i}}}"#),
    }
}

/// `n` varied decisions; times repeat (three per millisecond) so ties are ordered by id.
fn varied(n: u64) -> Vec<DecisionRow> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|i| {
            let mut r = row(i, 1_000 + (i / 3) as i64);
            r.outcome = Outcome::ALL[rng.below(4) as usize];
            r.score = rng.below(101) as u8;
            r.policy_version = format!("p@{}", rng.below(2));
            r.degraded = rng.below(10) == 0;
            r.shadow = rng.below(5) == 0;
            for (k, kind) in EntityKind::ALL.into_iter().enumerate() {
                r.entities.set(kind, rng.pick(&format!("{}-", kind.name()), 3 + k as u64, 4));
            }
            r.rules =
                ["r_a", "r_b", "r_c", "r_d"].into_iter().filter(|_| rng.below(3) == 0).map(String::from).collect();
            r
        })
        .collect()
}

fn matches(r: &DecisionRow, q: &DecisionQuery) -> bool {
    r.shadow == q.shadow
        && q.entity.as_ref().is_none_or(|(k, id)| r.entities.get(*k) == Some(id.as_str()))
        && q.outcome.is_none_or(|o| r.outcome == o)
        && q.rule.as_ref().is_none_or(|x| r.rules.contains(x))
        && q.policy_version.as_ref().is_none_or(|v| &r.policy_version == v)
        && q.from.is_none_or(|f| r.decided_at >= f)
        && q.to.is_none_or(|t| r.decided_at < t)
}

fn naive(rows: &[DecisionRow], q: &DecisionQuery) -> Vec<String> {
    let mut hits: Vec<&DecisionRow> = rows.iter().filter(|r| matches(r, q)).collect();
    hits.sort_by(|a, b| (b.decided_at, &b.decision_id).cmp(&(a.decided_at, &a.decision_id)));
    hits.into_iter().map(|r| r.decision_id.clone()).collect()
}

/// Every page of `q`, through the text form of the cursor as a client would send it.
async fn all_pages(r: &Records, mut q: DecisionQuery) -> Vec<String> {
    let mut ids = Vec::new();
    loop {
        let page = r.decisions(&q).await.unwrap();
        assert!(page.items.len() <= q.limit as usize);
        ids.extend(page.items.into_iter().map(|d| d.decision_id));
        match page.next {
            Some(c) => q.cursor = Some(c.to_string().parse::<DecisionCursor>().unwrap()),
            None => return ids,
        }
    }
}

async fn insert_all(r: &Records, rows: &[DecisionRow]) {
    for batch in rows.chunks(1000) {
        assert_eq!(r.insert_decisions(batch).await.unwrap(), batch.len() as u64);
    }
}

fn queries() -> Vec<DecisionQuery> {
    let base = DecisionQuery { limit: 13, ..DecisionQuery::default() };
    let mut qs = vec![base.clone(), DecisionQuery { shadow: true, ..base.clone() }];
    for (k, kind) in EntityKind::ALL.into_iter().enumerate() {
        qs.push(DecisionQuery { entity: Some((kind, format!("{}-{}", kind.name(), k % 3))), ..base.clone() });
    }
    for o in Outcome::ALL {
        qs.push(DecisionQuery { outcome: Some(o), ..base.clone() });
    }
    for rule in ["r_a", "r_d", "r_none"] {
        qs.push(DecisionQuery { rule: Some(rule.into()), ..base.clone() });
    }
    qs.push(DecisionQuery { policy_version: Some("p@1".into()), ..base.clone() });
    qs.push(DecisionQuery { from: Some(1_020), to: Some(1_050), ..base.clone() });
    qs.push(DecisionQuery {
        entity: Some((EntityKind::User, "user-1".into())),
        outcome: Some(Outcome::Block),
        from: Some(1_010),
        ..base.clone()
    });
    qs.push(DecisionQuery {
        rule: Some("r_b".into()),
        entity: Some((EntityKind::Device, "device-2".into())),
        to: Some(1_080),
        shadow: true,
        ..base.clone()
    });
    qs.push(DecisionQuery { rule: Some("r_c".into()), from: Some(1_030), limit: MAX_DECISION_PAGE_SIZE, ..base });
    qs
}

pub(crate) async fn decision_queries_match_a_naive_filter(db: TestDb) {
    let r = &db.records;
    let rows = varied(300);
    insert_all(r, &rows).await;
    for q in queries() {
        let want = naive(&rows, &q);
        assert_eq!(all_pages(r, q.clone()).await, want, "{q:?}");
    }
    for probe in [&rows[0], &rows[137], &rows[299]] {
        assert_eq!(r.decision(&probe.decision_id).await.unwrap().as_ref(), Some(probe));
    }
    assert_eq!(r.decision("d999999").await.unwrap(), None);
}

pub(crate) async fn decision_inserts_are_idempotent(db: TestDb) {
    let r = &db.records;
    let rows = varied(20);
    assert_eq!(r.insert_decisions(&rows[..10]).await.unwrap(), 10);
    assert_eq!(r.insert_decisions(&rows[..10]).await.unwrap(), 0);
    assert_eq!(r.insert_decisions(&rows[5..]).await.unwrap(), 10);
    assert_eq!(r.insert_decisions(&[]).await.unwrap(), 0);
    let q = DecisionQuery { limit: 100, ..DecisionQuery::default() };
    let live = naive(&rows, &q);
    assert_eq!(all_pages(r, q).await, live);
    let q = DecisionQuery { rule: Some("r_a".into()), limit: 100, ..DecisionQuery::default() };
    assert_eq!(all_pages(r, q.clone()).await, naive(&rows, &q), "rule rows are not doubled");
}

pub(crate) async fn large_decisions_are_split_into_statements(db: TestDb) {
    let r = &db.records;
    // 300 rows of ~60 KiB: 18 MiB in one batch, more than MariaDB's 16 MiB packet limit.
    let pad = "x".repeat(60 * 1024);
    let rows: Vec<_> = (0..300)
        .map(|i| DecisionRow { decision_json: format!(r#"{{"i":{i},"pad":"{pad}"}}"#), ..row(i, 5_000 + i as i64) })
        .collect();
    assert_eq!(r.insert_decisions(&rows).await.unwrap(), 300);
    let q = DecisionQuery { limit: MAX_DECISION_PAGE_SIZE, ..DecisionQuery::default() };
    assert_eq!(all_pages(r, q.clone()).await, naive(&rows, &q));
    assert_eq!(r.decision("d000123").await.unwrap().unwrap().decision_json, rows[123].decision_json);
}

pub(crate) async fn retention_deletes_in_bounded_chunks(db: TestDb) {
    let r = &db.records;
    let chunk = u64::from(RETENTION_CHUNK);
    let n = 2 * chunk + 123;
    let rows: Vec<_> = (0..n)
        .map(|i| DecisionRow { rules: if i % 2 == 0 { vec!["r".into()] } else { vec![] }, ..row(i, i as i64) })
        .collect();
    insert_all(r, &rows).await;
    let cutoff = 2 * chunk as i64;
    // One round per call: a full chunk each time, then the remainder says done.
    let first = r.delete_decisions_before(cutoff, 1).await.unwrap();
    assert_eq!((first.deleted, first.done), (chunk, false));
    let second = r.delete_decisions_before(cutoff, 1).await.unwrap();
    assert_eq!((second.deleted, second.done), (chunk, false));
    let third = r.delete_decisions_before(cutoff, 1).await.unwrap();
    assert_eq!((third.deleted, third.done), (0, true));

    let q = DecisionQuery { limit: MAX_DECISION_PAGE_SIZE, ..DecisionQuery::default() };
    let left: Vec<_> = rows[cutoff as usize..].to_vec();
    assert_eq!(all_pages(r, q.clone()).await, naive(&left, &q));
    let by_rule = DecisionQuery { rule: Some("r".into()), ..q };
    assert_eq!(all_pages(r, by_rule.clone()).await, naive(&left, &by_rule));
    let again = r.delete_decisions_before(cutoff, 10).await.unwrap();
    assert_eq!((again.deleted, again.done), (0, true));
}
