//! Reading an entity's current feature values (the service's `GET /v1/entities/{kind}/{id}`).

use std::sync::Arc;

use shrike_dsl::ir::Expr;
use shrike_features::{AggValue, FeatureStore};
use shrike_types::{FeatureReading, Field, Value};

use crate::engine::{Engine, to_value};
use crate::keys;

impl<S: FeatureStore> Engine<S> {
    /// The value, at the watermark, of every feature keyed by `field` alone (e.g. all
    /// features `by device_id` for a device), as a decision would read them now. Features
    /// keyed by a combination of fields (`by user_id, device_id`) are not an entity's alone
    /// and are not listed. Nothing is created or changed.
    pub fn entity_features(&mut self, field: Field, value: &Value<'_>) -> Vec<FeatureReading> {
        let mut key = Vec::new();
        if !keys::encode(value, &mut key) {
            return Vec::new();
        }
        let key = keys::key_hash(&key);
        let mut out = Vec::new();
        for (g, group) in self.policy.groups.iter().enumerate() {
            if !matches!(group.keys.as_slice(), [Expr::Field(f)] if *f == field) {
                continue;
            }
            let slots: Vec<u16> = (0..group.features.len() as u16).collect();
            let mut values = vec![AggValue::Missing; slots.len()];
            self.store.apply_and_read(g, key, self.watermark, &[], &slots, &mut values);
            for (id, v) in group.features.iter().zip(values) {
                let name = Arc::clone(&self.policy.feature(*id).name);
                out.push(FeatureReading { name, value: to_value(v) });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The names of the lists holding `value` now (entries still live at the watermark).
    pub fn lists_containing(&self, value: &Value<'_>) -> Vec<String> {
        self.lists.containing(value, self.watermark)
    }
}
