//! A model as it is shipped: the ensemble, its named inputs, where it came from, how it was
//! trained and the reference score histogram for drift, as one JSON file (docs/models.md).
//!
//! Loading checks everything an [`Ensemble`] checks plus the file's own fields, and each
//! error names the field (`ensemble.trees[3].nodes[7].right`) or the JSON line and column.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::drift::{DEFAULT_BINS, ScoreHistogram};
use crate::ensemble::{Ensemble, Score};
use crate::error::{ModelError, read_bounded};
use crate::import::Imported;
use crate::input::{Input, InputKind, UNSEEN_CATEGORY, check_inputs};
use crate::shap::Explanation;
use crate::spec::EnsembleSpec;
use crate::train::{Params, Summary, Trained};

/// The `format` field of every model file.
pub const FORMAT: &str = "shrike-model";

/// The newest `format_version` this build reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;

/// How a trained model was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    pub params: Params,
    pub summary: Summary,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    format_version: u32,
    source: String,
    inputs: Vec<Input>,
    ensemble: EnsembleSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    training: Option<TrainingInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    score_histogram: Option<ScoreHistogram>,
}

/// A checked model with named inputs.
#[derive(Clone, Debug)]
pub struct Model {
    inputs: Vec<Input>,
    ensemble: Ensemble,
    source: String,
    training: Option<TrainingInfo>,
    score_histogram: Option<ScoreHistogram>,
    /// Per categorical input with a dictionary, string -> code.
    codes: Vec<HashMap<String, u32>>,
    /// Per categorical input, the code of each dictionary entry that reads as a number, by
    /// the number's bits (a numeric CSV column read as categories).
    number_codes: Vec<HashMap<u64, u32>>,
    /// FNV-1a of the file's bytes ([`Model::from_json`]) or of [`Model::to_json`], hex.
    digest: String,
}

impl Model {
    /// A model from its parts; `inputs` must match the ensemble's input count.
    pub fn new(inputs: Vec<Input>, ensemble: Ensemble, source: impl Into<String>) -> Result<Model, ModelError> {
        let mut model = Model::unhashed(inputs, ensemble, source.into())?;
        model.digest = digest(model.to_json().as_bytes());
        Ok(model)
    }

    fn unhashed(inputs: Vec<Input>, ensemble: Ensemble, source: String) -> Result<Model, ModelError> {
        check_inputs(&inputs, ensemble.num_inputs())?;
        let codes = inputs.iter().map(dictionary_index).collect();
        let number_codes = inputs.iter().map(number_index).collect();
        let digest = String::new();
        Ok(Model { inputs, ensemble, source, training: None, score_histogram: None, codes, number_codes, digest })
    }

    /// A model from a LightGBM or XGBoost import.
    pub fn from_imported(imported: Imported) -> Result<Model, ModelError> {
        let ensemble = Ensemble::new(&imported.ensemble).map_err(|e| within("ensemble", e))?;
        Model::new(imported.inputs, ensemble, imported.source)
    }

    /// A model from a training run: keeps the parameters, the summary and a reference
    /// histogram of the run's validation scores (training scores without validation).
    pub fn from_trained(inputs: Vec<Input>, params: &Params, trained: Trained) -> Result<Model, ModelError> {
        let ensemble = Ensemble::new(&trained.ensemble).map_err(|e| within("ensemble", e))?;
        let mut model = Model::unhashed(inputs, ensemble, "shrike-train".into())?;
        model.score_histogram = Some(ScoreHistogram::from_quantiles(&trained.reference_scores, DEFAULT_BINS));
        model.training = Some(TrainingInfo { params: params.clone(), summary: trained.summary });
        model.digest = digest(model.to_json().as_bytes());
        Ok(model)
    }

    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    pub fn ensemble(&self) -> &Ensemble {
        &self.ensemble
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn training(&self) -> Option<&TrainingInfo> {
        self.training.as_ref()
    }

    pub fn score_histogram(&self) -> Option<&ScoreHistogram> {
        self.score_histogram.as_ref()
    }

    /// The position of the input called `name`.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|i| i.name == name)
    }

    /// The row value of category `value` for input `input`: its code in the dictionary, or
    /// [`UNSEEN_CATEGORY`] (an unknown string, or an input without a dictionary).
    pub fn category_code(&self, input: usize, value: &str) -> f64 {
        self.codes.get(input).and_then(|m| m.get(value)).map_or(UNSEEN_CATEGORY, |&c| f64::from(c))
    }

    /// The row value of a category written as a number: the code of the dictionary entry
    /// that reads as that number, [`UNSEEN_CATEGORY`] if none does, or the number itself for
    /// an input without a dictionary (its codes are numbers).
    pub fn category_code_of_number(&self, input: usize, value: f64) -> f64 {
        match self.inputs.get(input).map(|i| &i.kind) {
            Some(InputKind::Categorical { dictionary }) if dictionary.is_empty() => value,
            Some(InputKind::Categorical { .. }) => {
                let code = self.number_codes.get(input).and_then(|m| m.get(&(value + 0.0).to_bits()));
                code.map_or(UNSEEN_CATEGORY, |&c| f64::from(c))
            }
            _ => UNSEEN_CATEGORY,
        }
    }

    /// A short content digest (FNV-1a of the canonical JSON, 16 hex digits): equal models
    /// have equal digests.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn score(&self, row: &[f64]) -> Result<Score, ModelError> {
        self.ensemble.score(row)
    }

    pub fn explain(&self, row: &[f64]) -> Result<Explanation, ModelError> {
        self.ensemble.explain(row)
    }

    /// The model as JSON (one document, with a trailing newline).
    pub fn to_json(&self) -> String {
        let file = File {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            source: self.source.clone(),
            inputs: self.inputs.clone(),
            ensemble: self.ensemble.to_spec(),
            training: self.training.clone(),
            score_histogram: self.score_histogram.clone(),
        };
        // serialising plain data with finite floats cannot fail
        let mut text = serde_json::to_string(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses and checks a model file's bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Model, ModelError> {
        let file: File = serde_json::from_slice(bytes).map_err(|e| ModelError::json(&e))?;
        if file.format != FORMAT {
            return Err(ModelError::invalid("format", format!("`{}` is not `{FORMAT}`", file.format)));
        }
        if file.format_version == 0 || file.format_version > FORMAT_VERSION {
            let msg = format!("{} is not a version this build reads (1 to {FORMAT_VERSION})", file.format_version);
            return Err(ModelError::invalid("format_version", msg));
        }
        if let Some(h) = &file.score_histogram {
            h.validate("score_histogram")?;
        }
        if let Some(t) = &file.training {
            t.params.validate().map_err(|e| ModelError::invalid(format!("training.params.{}", e.field), e.message))?;
        }
        let ensemble = Ensemble::new(&file.ensemble).map_err(|e| within("ensemble", e))?;
        let mut model = Model::unhashed(file.inputs, ensemble, file.source)?;
        model.training = file.training;
        model.score_histogram = file.score_histogram;
        model.digest = digest(bytes);
        Ok(model)
    }

    /// Reads a model file (at most [`crate::limits::MAX_FILE_BYTES`]).
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let bytes = read_bounded(path)?;
        Model::from_json(&bytes)
    }

    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        std::fs::write(path, self.to_json())
            .map_err(|source| ModelError::Io { path: path.display().to_string(), source })
    }
}

fn dictionary_index(input: &Input) -> HashMap<String, u32> {
    match &input.kind {
        InputKind::Categorical { dictionary } => {
            dictionary.iter().enumerate().map(|(i, s)| (s.clone(), i as u32)).collect()
        }
        InputKind::Numeric => HashMap::new(),
    }
}

fn number_index(input: &Input) -> HashMap<u64, u32> {
    let InputKind::Categorical { dictionary } = &input.kind else { return HashMap::new() };
    let number = |(i, s): (usize, &String)| {
        let v: f64 = s.parse().ok().filter(|v: &f64| v.is_finite())?;
        Some(((v + 0.0).to_bits(), i as u32))
    };
    dictionary.iter().enumerate().filter_map(number).collect()
}

/// FNV-1a, 64 bits, as hex: an identity for model bytes, not a security measure.
fn digest(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

/// Prefixes an invalid field with the part of the file it sits in.
fn within(prefix: &str, e: ModelError) -> ModelError {
    match e {
        ModelError::Invalid { field, message } => ModelError::Invalid { field: format!("{prefix}.{field}"), message },
        other => other,
    }
}
