//! IEEE-CIS (Vesta) transactions → `payment.attempt` events and chargeback labels.
//!
//! The data set has no account, card or device identifiers, only proxies; they become
//! entities so that velocity features and linking work (docs/backtest.md has the table):
//!
//! | event field | from |
//! | --- | --- |
//! | `event_id` | `TransactionID` |
//! | `timestamp` | [`EPOCH`] + `TransactionDT` seconds |
//! | `amount`, `currency` | `TransactionAmt`, exact; `USD` |
//! | `card.fingerprint` | `card1-card2-card3-card5` (the card proxy) |
//! | `card.bin` | `card1` (the issuer proxy) |
//! | `user_id` | `card1-addr1` (the client proxy: card issuer and billing region) |
//! | `billing_address` | `addr2|addr1` (billing country and region codes) |
//! | `device_id` | `DeviceInfo|id_19|id_20`, when `DeviceInfo` is present |
//! | `attributes.NAME` | the other columns, lower-cased (`productcd`, `r_emaildomain`, `c1`, `id_19`, `v13`, …): non-`V` columns first, then `V` columns in file order, up to `MAX_ATTRIBUTES` |
//!
//! `isFraud = 1` gives a label of kind `chargeback`.

use std::borrow::Cow;
use std::io::BufRead;

use shrike_types::limits::MAX_ATTRIBUTES;
use shrike_types::parse::to_json;
use shrike_types::{Address, AttrValue, Card, Event, EventType, KnownType, Str, Timestamp};

use crate::cells::{self, At};
use crate::csv::{Header, Reader};
use crate::{ImportError, Imported, MAX_ROWS, Row};

/// `TransactionDT` counts seconds from 2017-11-30T00:00:00Z, so the first row (86,400 s)
/// falls on 2017-12-01. Vesta did not publish the epoch; this is the one analyses of the
/// data set agree on, and only differences of times matter to features.
pub const EPOCH: Timestamp = Timestamp(1_512_000_000_000);

/// The first `TransactionID` of the acceptance hold-out (the last 20% of the rows by time):
/// never develop, tune or report on rows from here on.
pub const HOLDOUT_FROM_ID: u64 = 3_459_432;

/// Columns mapped to standard event fields rather than attributes.
const FIELD_COLUMNS: [&str; 5] = ["TransactionID", "isFraud", "TransactionDT", "TransactionAmt", "DeviceInfo"];

struct Columns {
    id: usize,
    fraud: usize,
    dt: usize,
    amount: usize,
    card: [Option<usize>; 4],
    addr1: Option<usize>,
    addr2: Option<usize>,
    device: Option<usize>,
    device_ids: [Option<usize>; 2],
    /// `(position, attribute name)`.
    attributes: Vec<(usize, String)>,
    names: Vec<String>,
}

impl Columns {
    fn new(h: &Header) -> Result<Columns, ImportError> {
        Ok(Columns {
            id: h.require("TransactionID")?,
            fraud: h.require("isFraud")?,
            dt: h.require("TransactionDT")?,
            amount: h.require("TransactionAmt")?,
            card: [Some(h.require("card1")?), h.find("card2"), h.find("card3"), h.find("card5")],
            addr1: h.find("addr1"),
            addr2: h.find("addr2"),
            device: h.find("DeviceInfo"),
            device_ids: [h.find("id_19"), h.find("id_20")],
            attributes: attribute_columns(h.names()),
            names: h.names().to_vec(),
        })
    }

    fn at(&self, line: u64, i: usize) -> At<'_> {
        At { line, column: &self.names[i] }
    }
}

/// Non-`V` columns first, then `V` columns, in file order, up to the attribute limit.
fn attribute_columns(names: &[String]) -> Vec<(usize, String)> {
    let is_v = |n: &str| n.len() > 1 && n.starts_with('V') && n[1..].bytes().all(|b| b.is_ascii_digit());
    let named = names.iter().enumerate().filter(|(_, n)| !FIELD_COLUMNS.contains(&n.as_str()));
    let (v, other): (Vec<_>, Vec<_>) = named.partition(|(_, n)| is_v(n));
    other.into_iter().chain(v).take(MAX_ATTRIBUTES).map(|(i, n)| (i, n.to_lowercase())).collect()
}

/// Reads the whole CSV (with its header) into events sorted by time.
pub fn import(input: impl BufRead) -> Result<Imported, ImportError> {
    let mut reader = Reader::new(input);
    let cols = Columns::new(&Header::read(&mut reader)?)?;
    let mut imported = Imported::default();
    while reader.next_record()? {
        if imported.rows.len() >= MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        let order = imported.rows.len() as u64;
        imported.rows.push(row(&reader, &cols, order)?);
    }
    imported.sort();
    Ok(imported)
}

fn row<R: BufRead>(r: &Reader<R>, cols: &Columns, order: u64) -> Result<Row, ImportError> {
    let line = r.line();
    let id = cells::id_text(r.field(cols.id));
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(cols.at(line, cols.id).error(format!("expected a transaction id, got {id:?}")));
    }
    let fraud = cells::flag(r.field(cols.fraud), cols.at(line, cols.fraud))?;
    let time = EPOCH.plus(shrike_types::Duration(cells::seconds_ms(r.field(cols.dt), cols.at(line, cols.dt))?));
    let amount = cells::money(r.field(cols.amount), cols.at(line, cols.amount))?;
    let mut e = Event::new(id.as_ref(), EventType::Known(KnownType::PaymentAttempt), time);
    e.amount = amount;
    e.currency = Some(Cow::Borrowed("USD"));
    let cell = |c: Option<usize>| c.map_or(Cow::Borrowed(""), |i| cells::id_text(r.field(i)));
    let card = cols.card.map(cell);
    e.card =
        Some(Card { fingerprint: Some(Cow::Owned(card.join("-"))), bin: Some(card[0].clone()), ..Card::default() });
    let (addr1, addr2) = (cell(cols.addr1), cell(cols.addr2));
    e.user_id = Some(Cow::Owned(format!("{}-{addr1}", card[0])));
    if !addr1.is_empty() || !addr2.is_empty() {
        e.billing_address = Some(Address { key: Cow::Owned(format!("{addr2}|{addr1}")), ..Address::default() });
    }
    e.device_id = device(r, cols);
    e.attributes = attributes(r, cols);
    let json = to_json(&e);
    Ok(Row { event_id: id.into_owned(), time, source_order: order, json, fraud, amount })
}

fn device<'r, R: BufRead>(r: &'r Reader<R>, cols: &Columns) -> Option<Str<'r>> {
    let info = r.field(cols.device?).trim();
    if info.is_empty() {
        return None;
    }
    let [a, b] = cols.device_ids.map(|c| c.map_or(Cow::Borrowed(""), |i| cells::id_text(r.field(i))));
    Some(Cow::Owned(format!("{info}|{a}|{b}")))
}

fn attributes<R: BufRead>(r: &Reader<R>, cols: &Columns) -> Vec<(Str<'static>, AttrValue<'static>)> {
    let present = |(i, name): &(usize, String)| cells::attribute(r.field(*i)).map(|v| (Cow::Owned(name.clone()), v));
    cols.attributes.iter().filter_map(present).collect()
}
