//! Late labels as events. A fraud label becomes a `label` event for the labelled event's
//! entities at the time the label became known, merged into the stream in time order, so a
//! policy feature such as `count(label) by card.fingerprint over 90d` reads exactly the
//! fraud known at each moment and nothing later. The type is `label`, not `chargeback`, so
//! that chargebacks recorded in the stream itself are not counted twice.

use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use shrike_types::{Address, AttrValue, Card, Duration, Event, EventType, Str, Timestamp};

use crate::labels::Label;

/// Most label events waiting for their time at once (a chargeback delay of 30 days holds a
/// month of fraud labels).
pub const MAX_PENDING_LABELS: usize = 5_000_000;
/// Prefix of an injected label event's id: `label:` + the labelled event's id.
pub const LABEL_ID_PREFIX: &str = "label:";
/// The (custom) event type of injected label events.
pub const LABEL_EVENT_TYPE: &str = "label";

/// The label event for `event`: type [`LABEL_EVENT_TYPE`] at `at`, `status` the label kind, id
/// `label:<event_id>`, and the labelled event's entity fields (user, session, device, IP and
/// its country, e-mail, phone, card, addresses, shop, affiliate, order, coupon), amount,
/// currency and attributes (so features keyed by an attribute, such as an e-mail domain
/// proxy, see labels too). Items are not copied.
pub fn label_event(event: &Event<'_>, kind: &str, at: Timestamp) -> Event<'static> {
    let id = format!("{LABEL_ID_PREFIX}{}", event.event_id);
    let mut e = Event::new(id, EventType::Custom(Cow::Borrowed(LABEL_EVENT_TYPE)), at);
    e.user_id = own(&event.user_id);
    e.session_id = own(&event.session_id);
    e.device_id = own(&event.device_id);
    e.ip = event.ip;
    e.ip_country = own(&event.ip_country);
    e.email = own(&event.email);
    e.phone = own(&event.phone);
    e.card = event.card.as_ref().map(own_card);
    e.shipping_address = event.shipping_address.as_ref().map(own_address);
    e.billing_address = event.billing_address.as_ref().map(own_address);
    e.shop_id = own(&event.shop_id);
    e.affiliate_id = own(&event.affiliate_id);
    e.order_id = own(&event.order_id);
    e.coupon_code = own(&event.coupon_code);
    e.amount = event.amount;
    e.currency = own(&event.currency);
    e.status = Some(Cow::Owned(kind.to_string()));
    e.attributes = event.attributes.iter().map(|(k, v)| (Cow::Owned(k.to_string()), own_attr(v))).collect();
    e
}

fn own_attr(v: &AttrValue<'_>) -> AttrValue<'static> {
    match v {
        AttrValue::Null => AttrValue::Null,
        AttrValue::Bool(b) => AttrValue::Bool(*b),
        AttrValue::Number(s) => AttrValue::Number(Cow::Owned(s.to_string())),
        AttrValue::String(s) => AttrValue::String(Cow::Owned(s.to_string())),
        AttrValue::Json(s) => AttrValue::Json(s.clone()),
    }
}

fn own(s: &Option<Str<'_>>) -> Option<Str<'static>> {
    s.as_deref().map(|s| Cow::Owned(s.to_string()))
}

fn own_card(c: &Card<'_>) -> Card<'static> {
    Card {
        fingerprint: own(&c.fingerprint),
        bin: own(&c.bin),
        last4: own(&c.last4),
        country: own(&c.country),
        brand: own(&c.brand),
    }
}

fn own_address(a: &Address<'_>) -> Address<'static> {
    Address { key: Cow::Owned(a.key.to_string()), country: own(&a.country), postal_code: own(&a.postal_code) }
}

struct Waiting {
    at: Timestamp,
    seq: u64,
    event: Box<Event<'static>>,
}

impl PartialEq for Waiting {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiting {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Label events waiting for their time, earliest first (ties in the order scheduled).
#[derive(Default)]
pub struct Pending {
    heap: BinaryHeap<Reverse<Waiting>>,
    seq: u64,
}

/// Too many labels waiting at once.
#[derive(Debug, thiserror::Error)]
#[error("more than {MAX_PENDING_LABELS} labels waiting for their time; shorten the label delay")]
pub struct TooManyPending;

impl Pending {
    /// Schedules the label of `event` (fraud labels only: a legitimate event has no
    /// chargeback). It becomes known at `known_at` if the label says so, otherwise `delay`
    /// after the event, and never before the event itself.
    pub fn schedule(
        &mut self,
        event: &Event<'_>,
        label: &Label,
        kind: &str,
        delay: Duration,
    ) -> Result<(), TooManyPending> {
        if !label.fraud {
            return Ok(());
        }
        if self.heap.len() >= MAX_PENDING_LABELS {
            return Err(TooManyPending);
        }
        let at = label.known_at.unwrap_or(event.timestamp.plus(delay)).max(event.timestamp);
        let waiting = Waiting { at, seq: self.seq, event: Box::new(label_event(event, kind, at)) };
        self.seq += 1;
        self.heap.push(Reverse(waiting));
        Ok(())
    }

    /// The earliest label event known at or before `t`, if any.
    pub fn pop_due(&mut self, t: Timestamp) -> Option<Box<Event<'static>>> {
        if self.heap.peek().is_some_and(|w| w.0.at <= t) {
            return self.heap.pop().map(|w| w.0.event);
        }
        None
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use shrike_types::KnownType;

    fn event(id: &str, at: i64) -> Event<'static> {
        let mut e = Event::new(id.to_string(), EventType::Known(KnownType::PaymentAttempt), Timestamp(at));
        e.card = Some(Card { fingerprint: Some("fp1".into()), ..Card::default() });
        e.user_id = Some("u1".into());
        e.attributes = vec![("domain".into(), AttrValue::String("x.com".into()))];
        e
    }

    #[test]
    fn labels_wait_for_their_time_in_order() {
        let mut p = Pending::default();
        let fraud = Label { fraud: true, kind: 0, known_at: None };
        p.schedule(&event("a", 100), &fraud, "chargeback", Duration(50)).unwrap();
        p.schedule(&event("b", 90), &fraud, "chargeback", Duration(10)).unwrap();
        p.schedule(&event("c", 0), &Label { fraud: false, ..fraud }, "chargeback", Duration(1)).unwrap();
        let told = Label { known_at: Some(Timestamp(5)), ..fraud };
        p.schedule(&event("d", 120), &told, "review", Duration(1)).unwrap();
        assert_eq!(p.len(), 3, "legitimate labels are not events");
        assert!(p.pop_due(Timestamp(99)).is_none());
        let b = p.pop_due(Timestamp(100)).unwrap();
        assert_eq!((b.event_id.as_ref(), b.timestamp), ("label:b", Timestamp(100)));
        assert_eq!(b.event_type.name(), "label");
        assert_eq!(b.card.as_ref().unwrap().fingerprint.as_deref(), Some("fp1"));
        assert_eq!(b.user_id.as_deref(), Some("u1"));
        assert_eq!(b.status.as_deref(), Some("chargeback"));
        assert_eq!(b.attribute("domain"), Some(&AttrValue::String("x.com".into())));
        let d = p.pop_due(Timestamp(1_000)).unwrap();
        assert_eq!((d.event_id.as_ref(), d.timestamp), ("label:d", Timestamp(120)), "never before its event");
        assert_eq!(p.pop_due(Timestamp(1_000)).unwrap().event_id, "label:a");
        assert!(p.is_empty());
    }
}
