//! The generator: a discrete-event simulation over one schedule. Popping an arrival builds
//! a session or an episode into drafts and schedules them; popping a draft emits it.

use std::collections::BTreeMap;

use shrike_types::Timestamp;

use crate::calib::Calibration;
use crate::config::{GenConfig, GenSummary, Generated, Label, Pattern};
use crate::draft::Draft;
use crate::flows::Ctx;
use crate::fraud;
use crate::honest::{self, Mix};
use crate::queue::{Item, Queue, Source};
use crate::render::render;
use crate::rng::Rng;
use crate::world::World;

/// A deterministic stream of events; see the crate docs.
pub struct Generator {
    cfg: GenConfig,
    rng: Rng,
    world: World,
    queue: Queue,
    calib: Calibration,
    mix: Mix,
    scratch: Vec<Draft>,
    tally: Tally,
}

/// Counters over emitted events.
#[derive(Default)]
struct Tally {
    events: u64,
    fraud: u64,
    per_pattern: [u64; 9],
    late: u64,
    first: Option<i64>,
    newest: Option<i64>,
}

impl Generator {
    pub fn new(cfg: GenConfig) -> Generator {
        let cfg = cfg.normalized();
        let mut rng = Rng::new(cfg.seed);
        let world = World::new(&mut rng, cfg.events);
        let calib = Calibration::new(&cfg);
        let mix = Mix::new(&world, calib.expected_ticks(), f64::from(cfg.days));
        let mut g = Generator {
            cfg,
            rng,
            world,
            queue: Queue::default(),
            calib,
            mix,
            scratch: Vec::new(),
            tally: Tally::default(),
        };
        g.start_processes();
        g
    }

    fn start_processes(&mut self) {
        let start = self.cfg.start.millis();
        self.queue.spawn_at(start, Source::Honest);
        for p in Pattern::ALL {
            let gap = self.calib.fraud_gap(p, self.rng.unit());
            if let Some(gap) = gap {
                let first = start + (gap as f64 * self.rng.unit()) as i64;
                self.queue.spawn_at(first, Source::Fraud(p));
            }
        }
    }

    /// What has been emitted so far.
    pub fn summary(&self) -> GenSummary {
        let per = |counts: &[u64; 9]| -> BTreeMap<Pattern, u64> {
            Pattern::ALL.iter().map(|&p| (p, counts[p.index()])).collect()
        };
        GenSummary {
            events: self.tally.events,
            fraud_events: self.tally.fraud,
            per_pattern: per(&self.tally.per_pattern),
            episodes: per(&self.calib.episodes),
            users: self.world.accounts(),
            shops: self.world.shops.len() as u64,
            affiliates: self.world.affiliates.len() as u64,
            late_events: self.tally.late,
            first_timestamp: self.tally.first.map(Timestamp),
            last_timestamp: self.tally.newest.map(Timestamp),
        }
    }

    /// Runs one arrival of `source` at `now` and schedules what it produced.
    fn spawn(&mut self, source: Source, now: i64) {
        let mut ctx = Ctx { rng: &mut self.rng, world: &mut self.world, out: &mut self.scratch };
        match source {
            Source::Honest => {
                honest::tick(&mut ctx, now, &self.mix);
                self.calib.record_tick(self.scratch.len());
                let gap = self.calib.honest_gap(now, self.rng.unit());
                self.queue.spawn_at(now + gap, source);
            }
            Source::Fraud(p) => {
                match fraud::plant(p, &mut ctx, now) {
                    Some(entity) => self.scratch.iter_mut().for_each(|d| d.label = Some((p, entity))),
                    // No target in the world yet: an unlabelled half-episode must not leak out.
                    None => self.scratch.clear(),
                }
                self.calib.record_episode(p, self.scratch.len());
                if let Some(gap) = self.calib.fraud_gap(p, self.rng.unit()) {
                    self.queue.spawn_at(now + gap, source);
                }
            }
        }
        for d in self.scratch.drain(..) {
            debug_assert!(d.at >= now, "an arrival scheduled an event in its past");
            self.queue.event(&mut self.rng, d);
        }
    }

    fn emit(&mut self, d: &Draft) -> Generated {
        let t = &mut self.tally;
        t.events += 1;
        let seq = t.events;
        if t.newest.is_some_and(|n| d.at < n) {
            t.late += 1;
        }
        t.newest = Some(t.newest.map_or(d.at, |n| n.max(d.at)));
        t.first = Some(t.first.map_or(d.at, |f| f.min(d.at)));
        let label = d.label.map(|(pattern, entity)| {
            t.fraud += 1;
            t.per_pattern[pattern.index()] += 1;
            Label { event_id: format!("e{seq:09}"), fraud: true, pattern, entity: entity.to_string() }
        });
        Generated { json: render(d, seq), label }
    }

    /// Events waiting in the schedule (for memory checks).
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

impl Iterator for Generator {
    type Item = Generated;

    fn next(&mut self) -> Option<Generated> {
        if self.tally.events >= self.cfg.events {
            return None;
        }
        // The honest process always reschedules itself, so the queue never runs dry.
        while let Some((due, item)) = self.queue.pop() {
            match item {
                Item::Spawn(source) => self.spawn(source, due),
                Item::Event(d) => return Some(self.emit(&d)),
            }
        }
        None
    }
}
