//! Nondecreasing event time except the documented late share, bounded lateness, bounded
//! memory.

use shrike_gen::{GenConfig, Generator, LATE_SHARE, MAX_LATENESS_MS};

use crate::common::fixture;

#[test]
fn late_events_are_few_and_never_too_late() {
    let f = fixture();
    let (mut newest, mut late, mut worst) = (i64::MIN, 0u64, 0i64);
    for e in &f.events {
        if e.at < newest {
            late += 1;
            worst = worst.max(newest - e.at);
        }
        newest = newest.max(e.at);
    }
    assert!(late > 0, "some events arrive late, as documented");
    assert!((late as f64) <= 1.5 * LATE_SHARE * f.events.len() as f64, "{late} late events");
    assert!(worst <= MAX_LATENESS_MS, "{worst} ms late");
    assert_eq!(late, f.summary.late_events);
}

#[test]
fn stream_spans_the_period() {
    let f = fixture();
    let start = f.cfg.start.millis();
    let end = start + i64::from(f.cfg.days) * 86_400_000;
    assert!(f.events.iter().all(|e| e.at >= start));
    let last = f.summary.last_timestamp.unwrap().millis();
    let day = 86_400_000;
    assert!((end - 2 * day..end + 2 * day).contains(&last), "the stream fills about `days` days");
}

#[test]
fn schedule_stays_small() {
    // Memory is the population plus what is in flight, not the stream: the schedule holds
    // sessions under way, episodes being played out and rare far-future chargebacks.
    let mut g = Generator::new(GenConfig { events: 200_000, ..GenConfig::default() });
    let (mut n, mut most) = (0u64, 0usize);
    while g.next().is_some() {
        n += 1;
        if n % 1_000 == 0 {
            most = most.max(g.pending());
        }
    }
    assert!(most < 20_000, "{most} drafts pending");
}
