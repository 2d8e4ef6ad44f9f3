//! Tree models in the service. A policy version runs with exactly the model bytes it was
//! created with: the records store pins them (`policy_models`), and every journal record and
//! snapshot of a policy carries them after its source, so recovery needs nothing else.
//!
//! A policy names a model by a file (`model risk = "models/risk.model.json" { ... }`); the
//! service looks the file's last path component (`risk.model.json`) up among the models
//! uploaded with `PUT /v1/models/{name}` and takes the newest when the version is created.
//! For the initial `--policy` file, the files are read beside it and uploaded first.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use shrike_dsl::ModelResolver;
use shrike_records::{ModelPin, Records};
use shrike_types::model::TreeModel;

/// One model file as a policy names it, with the exact bytes it runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    pub file: Arc<str>,
    pub bytes: Arc<[u8]>,
}

/// The name a model file is stored under: its last path component.
pub fn store_name(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

/// Loaded models by the SHA-256 of their bytes, so publishing, rolling back and validating
/// versions that share a model parse it once.
#[derive(Default)]
pub struct ModelCache {
    loaded: Mutex<HashMap<String, Arc<dyn TreeModel>>>,
}

/// Models a [`ModelCache`] holds at most; past it, it starts over (a policy has at most 16).
pub const MAX_CACHED_MODELS: usize = 64;

impl ModelCache {
    /// The model of `bytes`, parsed unless cached.
    pub fn load(&self, bytes: &[u8]) -> Result<Arc<dyn TreeModel>, String> {
        let key = shrike_records::model_hash(bytes);
        if let Some(m) = self.loaded.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(m);
        }
        let model: Arc<dyn TreeModel> = Arc::new(shrike_model::Model::from_json(bytes).map_err(|e| e.to_string())?);
        if let Ok(mut c) = self.loaded.lock() {
            if c.len() >= MAX_CACHED_MODELS {
                c.clear();
            }
            c.insert(key, Arc::clone(&model));
        }
        Ok(model)
    }
}

/// Resolves a policy's model files from bytes in hand; a file it has no bytes for, or whose
/// bytes are not a model, is a compile error with the reason.
#[derive(Default)]
pub struct BytesResolver {
    models: HashMap<String, Result<Arc<dyn TreeModel>, String>>,
}

impl BytesResolver {
    pub fn new(files: &[ModelFile], missing: &[(String, String)], cache: Option<&ModelCache>) -> BytesResolver {
        let mut models = HashMap::new();
        for f in files {
            let loaded = match cache {
                Some(c) => c.load(&f.bytes),
                None => shrike_model::Model::from_json(&f.bytes)
                    .map(|m| Arc::new(m) as Arc<dyn TreeModel>)
                    .map_err(|e| e.to_string()),
            };
            models.insert(f.file.to_string(), loaded);
        }
        for (file, why) in missing {
            models.insert(file.clone(), Err(why.clone()));
        }
        BytesResolver { models }
    }
}

impl ModelResolver for BytesResolver {
    fn resolve(&self, file: &str) -> Result<Arc<dyn TreeModel>, String> {
        match self.models.get(file) {
            Some(r) => r.clone(),
            None => Err("no bytes for this model".to_string()),
        }
    }
}

/// The model files `source` declares, read relative to `dir` (the initial policy file's
/// directory); files that cannot be read are returned with the reason.
pub fn read_beside(dir: &Path, source: &str) -> (Vec<ModelFile>, Vec<(String, String)>) {
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for file in shrike_dsl::model_files(source).unwrap_or_default() {
        match shrike_model::error::read_bounded(&dir.join(&file)) {
            Ok(bytes) => found.push(ModelFile { file: file.as_str().into(), bytes: bytes.into() }),
            Err(e) => missing.push((file, e.to_string())),
        }
    }
    (found, missing)
}

/// The newest stored model for each file `source` declares, and the pins that record them.
pub async fn latest_for(
    records: &Records,
    source: &str,
) -> Result<(Vec<ModelFile>, Vec<ModelPin>, Vec<(String, String)>), shrike_records::RecordsError> {
    let (mut files, mut pins, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for file in shrike_dsl::model_files(source).unwrap_or_default() {
        let name = store_name(&file);
        let stored = match records.latest_model(name).await {
            Ok(m) => m,
            Err(shrike_records::RecordsError::InvalidInput { message, .. }) => {
                missing.push((file.clone(), format!("`{name}` is not a model name: {message}")));
                continue;
            }
            Err(e) => return Err(e),
        };
        match stored {
            Some(m) => {
                pins.push(ModelPin { file: file.clone(), model_id: m.info.id });
                files.push(ModelFile { file: file.as_str().into(), bytes: m.bytes.into() });
            }
            None => {
                let why = format!("no model `{name}` in the records store (upload it with PUT /v1/models/{name})");
                missing.push((file, why));
            }
        }
    }
    Ok((files, pins, missing))
}

/// The model files policy version `version` was created with.
pub async fn pinned(records: &Records, version: i64) -> Result<Vec<ModelFile>, shrike_records::RecordsError> {
    let mut files = Vec::new();
    for pin in records.policy_models(version).await? {
        let stored = records.model(pin.model_id).await?;
        let what = || shrike_records::RecordsError::NotFound { what: format!("model {}", pin.model_id) };
        let m = stored.ok_or_else(what)?;
        files.push(ModelFile { file: pin.file.as_str().into(), bytes: m.bytes.into() });
    }
    Ok(files)
}

/// Appends the model files after a policy record's source: a NUL (which no stored source
/// holds: the records store refuses it), then per file its name and bytes, each prefixed with
/// its length as a little-endian `u32` (model files are bounded far below 4 GiB).
pub fn encode_trailer(out: &mut Vec<u8>, models: &[ModelFile]) {
    if models.is_empty() {
        return;
    }
    out.push(0);
    for m in models {
        for part in [m.file.as_bytes(), &m.bytes[..]] {
            out.extend_from_slice(&(part.len() as u32).to_le_bytes());
            out.extend_from_slice(part);
        }
    }
}

/// Splits a policy record's text part from its model trailer.
pub fn decode_trailer(payload: &[u8]) -> Option<(&[u8], Vec<ModelFile>)> {
    let Some(nul) = payload.iter().position(|&b| b == 0) else { return Some((payload, Vec::new())) };
    let (text, mut rest) = (&payload[..nul], &payload[nul + 1..]);
    let mut models = Vec::new();
    let part = |rest: &mut &[u8]| -> Option<Vec<u8>> {
        let (len, r) = rest.split_first_chunk::<4>()?;
        let (p, r) = r.split_at_checked(u32::from_le_bytes(*len) as usize)?;
        *rest = r;
        Some(p.to_vec())
    };
    while !rest.is_empty() {
        let file = String::from_utf8(part(&mut rest)?).ok()?;
        let bytes = part(&mut rest)?;
        models.push(ModelFile { file: file.into(), bytes: bytes.into() });
    }
    Some((text, models))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_round_trip_and_a_record_without_models_is_unchanged() {
        let models = vec![
            ModelFile { file: "models/a.json".into(), bytes: vec![0, 1, 2, 0].into() },
            ModelFile { file: "b.json".into(), bytes: Vec::new().into() },
        ];
        let mut out = b"v1\nsource".to_vec();
        encode_trailer(&mut out, &models);
        assert_eq!(decode_trailer(&out), Some((&b"v1\nsource"[..], models)));
        let mut plain = b"v1\nsource".to_vec();
        encode_trailer(&mut plain, &[]);
        assert_eq!(plain, b"v1\nsource");
        assert_eq!(decode_trailer(&out[..out.len() - 2]), None, "a cut trailer is refused");
    }

    #[test]
    fn store_names_are_the_last_path_component() {
        assert_eq!(store_name("models/risk.model.json"), "risk.model.json");
        assert_eq!(store_name("risk.json"), "risk.json");
        assert_eq!(store_name(r"dir\risk.json"), "risk.json");
    }
}
