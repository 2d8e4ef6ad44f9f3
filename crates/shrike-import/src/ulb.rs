//! The ULB credit-card data set (`creditcard.csv`: `Time`, `V1`–`V28`, `Amount`, `Class`) →
//! `payment.attempt` events and chargeback labels.
//!
//! | event field | from |
//! | --- | --- |
//! | `event_id` | the row's position in the file, from 0 |
//! | `timestamp` | [`EPOCH`] + `Time` seconds |
//! | `amount`, `currency` | `Amount`, exact; `EUR` |
//! | `attributes.v1` … `attributes.v28` | `V1` … `V28` |
//!
//! The data set has no entities (its columns are PCA components), so policies over it read
//! the attributes and the amount. `Class = 1` gives a label of kind `chargeback`.

use std::borrow::Cow;
use std::io::BufRead;

use shrike_types::parse::to_json;
use shrike_types::{Duration, Event, EventType, KnownType, Timestamp};

use crate::cells::{self, At};
use crate::csv::{Header, Reader};
use crate::{ImportError, Imported, MAX_ROWS, Row};

/// `Time` counts seconds from 2013-09-01T00:00:00Z: the transactions are two days of
/// September 2013 (the exact days were not published; only differences matter).
pub const EPOCH: Timestamp = Timestamp(1_377_993_600_000);

/// The PCA components.
const COMPONENTS: usize = 28;

/// Reads the whole CSV (with its header) into events sorted by time.
pub fn import(input: impl BufRead) -> Result<Imported, ImportError> {
    let mut reader = Reader::new(input);
    let header = Header::read(&mut reader)?;
    let (time, amount, class) = (header.require("Time")?, header.require("Amount")?, header.require("Class")?);
    let v: Vec<(usize, String)> = (1..=COMPONENTS)
        .map(|k| header.require(&format!("V{k}")).map(|i| (i, format!("v{k}"))))
        .collect::<Result<_, _>>()?;
    let names = header.names().to_vec();
    let at = |line, i: usize| At { line, column: &names[i] };
    let mut imported = Imported::default();
    while reader.next_record()? {
        if imported.rows.len() >= MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        let (line, order) = (reader.line(), imported.rows.len() as u64);
        let id = order.to_string();
        let t = EPOCH.plus(Duration(cells::seconds_ms(reader.field(time), at(line, time))?));
        let mut e = Event::new(id.as_str(), EventType::Known(KnownType::PaymentAttempt), t);
        e.amount = cells::money(reader.field(amount), at(line, amount))?;
        e.currency = Some(Cow::Borrowed("EUR"));
        for (i, name) in &v {
            cells::number(reader.field(*i), at(line, *i))?;
            if let Some(value) = cells::attribute(reader.field(*i)) {
                e.attributes.push((Cow::Owned(name.clone()), value));
            }
        }
        let fraud = cells::flag(reader.field(class), at(line, class))?;
        let (json, amount) = (to_json(&e), e.amount);
        drop(e);
        imported.rows.push(Row { event_id: id, time: t, source_order: order, json, fraud, amount });
    }
    imported.sort();
    Ok(imported)
}
