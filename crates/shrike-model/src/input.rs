//! A model's named, typed inputs. A row gives input `i` at index `i` as an `f64`:
//! - a **numeric** input is the number itself; NaN is missing;
//! - a **categorical** input is its integer category code (NaN is missing). With a
//!   `dictionary`, the code of a string is its position in it; a string not
//!   in the dictionary maps to [`UNSEEN_CATEGORY`] (see `Model::category_code`), which every categorical split sends to
//!   the "not in the set" side, as LightGBM and XGBoost do with unseen categories.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::limits::{MAX_DICTIONARY, MAX_INPUTS, MAX_NAME_BYTES};

/// The code of a category the model never saw: negative, so no split's set holds it.
pub const UNSEEN_CATEGORY: f64 = -1.0;

/// What kind of value an input holds.
#[derive(Clone, Debug, PartialEq)]
pub enum InputKind {
    Numeric,
    /// `dictionary[code]` is the category's string; empty when codes come as numbers.
    Categorical {
        dictionary: Vec<String>,
    },
}

/// One named input. In a file: `{"name": "amount", "kind": "numeric"}` or
/// `{"name": "country", "kind": "categorical", "dictionary": ["DE", "FR"]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawInput", into = "RawInput")]
pub struct Input {
    pub name: String,
    pub kind: InputKind,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindTag {
    Numeric,
    Categorical,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    name: String,
    kind: KindTag,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dictionary: Vec<String>,
}

impl TryFrom<RawInput> for Input {
    type Error = String;

    fn try_from(raw: RawInput) -> Result<Input, String> {
        match raw.kind {
            KindTag::Numeric if !raw.dictionary.is_empty() => {
                Err(format!("input `{}`: a dictionary is only for categorical inputs", raw.name))
            }
            KindTag::Numeric => Ok(Input::numeric(raw.name)),
            KindTag::Categorical => Ok(Input::categorical(raw.name, raw.dictionary)),
        }
    }
}

impl From<Input> for RawInput {
    fn from(i: Input) -> RawInput {
        match i.kind {
            InputKind::Numeric => RawInput { name: i.name, kind: KindTag::Numeric, dictionary: Vec::new() },
            InputKind::Categorical { dictionary } => RawInput { name: i.name, kind: KindTag::Categorical, dictionary },
        }
    }
}

impl Input {
    pub fn numeric(name: impl Into<String>) -> Input {
        Input { name: name.into(), kind: InputKind::Numeric }
    }

    pub fn categorical(name: impl Into<String>, dictionary: Vec<String>) -> Input {
        Input { name: name.into(), kind: InputKind::Categorical { dictionary } }
    }

    pub fn is_categorical(&self) -> bool {
        matches!(self.kind, InputKind::Categorical { .. })
    }
}

/// Checks a model's inputs: count, unique non-empty bounded names, bounded dictionaries.
pub fn check_inputs(inputs: &[Input], expected: usize) -> Result<(), ModelError> {
    if inputs.len() != expected || inputs.len() > MAX_INPUTS {
        let msg = format!("{} inputs for an ensemble reading {expected} (at most {MAX_INPUTS})", inputs.len());
        return Err(ModelError::invalid("inputs", msg));
    }
    let mut names = std::collections::HashSet::new();
    for (i, input) in inputs.iter().enumerate() {
        if input.name.is_empty() || input.name.len() > MAX_NAME_BYTES {
            return Err(ModelError::invalid(
                format!("inputs[{i}].name"),
                format!("must be 1 to {MAX_NAME_BYTES} bytes"),
            ));
        }
        if !names.insert(input.name.as_str()) {
            return Err(ModelError::invalid(format!("inputs[{i}].name"), format!("`{}` appears twice", input.name)));
        }
        if let InputKind::Categorical { dictionary } = &input.kind
            && (dictionary.len() > MAX_DICTIONARY || dictionary.iter().any(|d| d.len() > MAX_NAME_BYTES))
        {
            let msg = format!("at most {MAX_DICTIONARY} entries of at most {MAX_NAME_BYTES} bytes");
            return Err(ModelError::invalid(format!("inputs[{i}].dictionary"), msg));
        }
    }
    Ok(())
}
