//! The simulated marketplace: who exists, and the counters that hand out identifiers.
//!
//! The population is sized from the requested event count and capped, so memory is bounded
//! by [`MAX_EXISTING_USERS`] whatever the stream length; longer streams mean busier users.

pub(crate) mod entity;
pub(crate) mod geo;
pub(crate) mod names;
pub(crate) mod people;

use crate::rng::Rng;
use names::CHANNELS;
use people::{Affiliate, Shop, User};

/// Events per pre-existing user, which sizes the population for a given stream length.
const EVENTS_PER_USER: u64 = 40;
/// Smallest population, so that tiny streams still have shops and households.
const MIN_EXISTING_USERS: u64 = 300;
/// Largest population: about 75 MB of user records, the memory bound of the generator.
pub(crate) const MAX_EXISTING_USERS: u64 = 200_000;
/// Newcomers who sign up during the stream, per ten pre-existing users.
const NEWCOMERS_PER_TEN: usize = 3;
/// Share of users who live with the previous user (shared address, network, device).
const HOUSEHOLD_SHARE: f64 = 0.08;
/// Share of low user ids held back for fraud accounts that must look as old as honest ones.
const AGED_RESERVE_SHARE: f64 = 0.10;
/// Rejection-sampling tries when picking a user by activity.
const PICK_TRIES: usize = 8;
/// Pre-existing users per shop.
const USERS_PER_SHOP: usize = 25;
/// Pre-existing users per affiliate.
const USERS_PER_AFFILIATE: usize = 150;

pub(crate) struct World {
    pub(crate) users: Vec<User>,
    /// `(activity, country)` of each user, kept apart from the records so that picking a
    /// user and checking whether they are awake stay in cache (half the picks are dropped).
    brief: Vec<(u8, u8)>,
    /// `users[..existing]` predate the stream.
    pub(crate) existing: usize,
    /// `users[..active]` can act: the pre-existing users and the newcomers signed up so far.
    pub(crate) active: usize,
    pub(crate) shops: Vec<Shop>,
    pub(crate) affiliates: Vec<Affiliate>,
    /// Unused old user ids, handed to fraud accounts that must look aged.
    aged_users: Vec<u64>,
    /// Unused affiliate ids interleaved with honest ones, for fraudulent affiliates.
    spare_affiliates: Vec<u32>,
    next_user: u64,
    next_affiliate: u32,
    next_order: u64,
    /// Accounts created for fraud episodes.
    pub(crate) fraud_accounts: u64,
}

impl World {
    pub(crate) fn new(rng: &mut Rng, events: u64) -> World {
        let existing = (events / EVENTS_PER_USER).clamp(MIN_EXISTING_USERS, MAX_EXISTING_USERS) as usize;
        let (mut users, aged_users) = populate(rng, existing);
        let newcomers = existing * NEWCOMERS_PER_TEN / 10;
        users.extend((0..newcomers).map(|_| User::random(rng, 0)));
        let shops = (0..(existing / USERS_PER_SHOP).max(20))
            .map(|i| {
                let owner = rng.below(existing as u64) as usize;
                Shop::random(rng, i as u32 + 1, owner)
            })
            .collect();
        let (affiliates, spare_affiliates) = affiliates(rng, (existing / USERS_PER_AFFILIATE).max(6));
        let next_user = (existing + aged_users.len()) as u64 + 1;
        let next_affiliate = (affiliates.len() + spare_affiliates.len()) as u32 + 1;
        World {
            brief: users.iter().map(|u| (u.activity, u.country)).collect(),
            users,
            existing,
            active: existing,
            shops,
            affiliates,
            aged_users,
            spare_affiliates,
            next_user,
            next_affiliate,
            next_order: 1,
            fraud_accounts: 0,
        }
    }

    /// Signs up the next newcomer at `at`; `None` when everyone has joined.
    pub(crate) fn sign_up_next(&mut self, at: i64) -> Option<usize> {
        let i = self.active;
        if i >= self.users.len() {
            return None;
        }
        let id = self.new_user_id();
        let user = &mut self.users[i];
        user.id = id;
        user.signup_at = Some(at);
        self.active += 1;
        Some(i)
    }

    fn new_user_id(&mut self) -> u64 {
        self.next_user += 1;
        self.next_user - 1
    }

    /// A brand-new account id for a fraud episode (interleaved with honest sign-ups).
    pub(crate) fn fraud_account(&mut self) -> u64 {
        self.fraud_accounts += 1;
        self.new_user_id()
    }

    /// An id that looks as old as the pre-existing users, for aged fraud accounts.
    pub(crate) fn aged_account(&mut self, rng: &mut Rng) -> u64 {
        if self.aged_users.is_empty() {
            return self.fraud_account();
        }
        self.fraud_accounts += 1;
        let i = rng.below(self.aged_users.len() as u64) as usize;
        self.aged_users.swap_remove(i)
    }

    /// An affiliate id for a fraudulent affiliate.
    pub(crate) fn fraud_affiliate(&mut self) -> u32 {
        self.spare_affiliates.pop().unwrap_or_else(|| {
            self.next_affiliate += 1;
            self.next_affiliate - 1
        })
    }

    pub(crate) fn next_order_id(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order - 1
    }

    /// A random active user, favouring the more active ones (rejection sampling on the
    /// activity weight, with a bounded number of tries).
    pub(crate) fn pick_user(&self, rng: &mut Rng) -> usize {
        let mut i = 0;
        for _ in 0..PICK_TRIES {
            i = rng.below(self.active as u64) as usize;
            if rng.below(4) < u64::from(self.brief[i].0) {
                break;
            }
        }
        i
    }

    /// The home country of user `i`, from the cache-friendly copy.
    pub(crate) fn country_of(&self, i: usize) -> u8 {
        self.brief[i].1
    }

    /// A random active user with at least one approved order, if one turns up in a few tries.
    pub(crate) fn pick_customer(&self, rng: &mut Rng) -> Option<usize> {
        (0..32).map(|_| rng.below(self.active as u64) as usize).find(|&i| self.users[i].orders > 0)
    }

    /// A shop; popular shops (low ids) get more traffic.
    pub(crate) fn pick_shop(&self, rng: &mut Rng) -> usize {
        let n = self.shops.len() as u64;
        (rng.below(n).min(rng.below(n))) as usize
    }

    /// The shop with this id (ids are `1..=shops.len()`).
    pub(crate) fn shop_mut(&mut self, id: u32) -> Option<&mut Shop> {
        self.shops.get_mut((id as usize).checked_sub(1)?)
    }

    pub(crate) fn accounts(&self) -> u64 {
        self.active as u64 + self.fraud_accounts
    }
}

/// Pre-existing users with ids `1..`, skipping the ids reserved for aged fraud accounts.
fn populate(rng: &mut Rng, existing: usize) -> (Vec<User>, Vec<u64>) {
    let mut users: Vec<User> = Vec::with_capacity(existing + existing * NEWCOMERS_PER_TEN / 10);
    let mut aged = Vec::new();
    let mut id = 1u64;
    while users.len() < existing {
        if rng.chance(AGED_RESERVE_SHARE) {
            aged.push(id);
        } else {
            let user = match users.last() {
                Some(head) if rng.chance(HOUSEHOLD_SHARE) => User::household_member(rng, id, head),
                _ => User::random(rng, id),
            };
            users.push(user);
        }
        id += 1;
    }
    (users, aged)
}

/// Honest affiliates, and ids interleaved with theirs kept for fraudulent ones.
fn affiliates(rng: &mut Rng, honest: usize) -> (Vec<Affiliate>, Vec<u32>) {
    let mut list = Vec::with_capacity(honest);
    let mut spare = Vec::new();
    let mut id = 1u32;
    while list.len() < honest {
        if rng.chance(0.3) {
            spare.push(id);
        } else {
            list.push(Affiliate { id, channel: rng.pick(&CHANNELS[..5]) });
        }
        id += 1;
    }
    spare.reverse();
    (list, spare)
}
