//! Loading the models a policy file declares: a model's file is read relative to the policy
//! file's directory (an absolute path is used as it is), once, when the policy is compiled.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use shrike_dsl::{CompileErrors, CompiledPolicy, ModelResolver};
use shrike_types::model::TreeModel;

/// Resolves model files relative to a directory.
#[derive(Debug, Clone)]
pub struct ModelDir {
    dir: PathBuf,
}

impl ModelDir {
    pub fn new(dir: impl Into<PathBuf>) -> ModelDir {
        ModelDir { dir: dir.into() }
    }

    /// Models next to the policy file at `policy`.
    pub fn beside(policy: &Path) -> ModelDir {
        ModelDir::new(policy.parent().unwrap_or(Path::new(".")))
    }

    /// The path a model reference names.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

impl ModelResolver for ModelDir {
    fn resolve(&self, file: &str) -> Result<Arc<dyn TreeModel>, String> {
        let model = shrike_model::Model::load(&self.path(file)).map_err(|e| e.to_string())?;
        Ok(Arc::new(model))
    }
}

/// Compiles the policy `source` read from `path`, with its models beside it.
pub fn compile_policy_file(path: &Path, source: &str) -> Result<CompiledPolicy, CompileErrors> {
    shrike_dsl::compile_with(source, &ModelDir::beside(path))
}
