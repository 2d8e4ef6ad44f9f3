//! Shared wiring: loading and compiling a policy, building an engine over the memory store.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use shrike_dsl::CompiledPolicy;
use shrike_engine::{Engine, store_layout};
use shrike_features::MemoryStore;
use shrike_types::clock::Clock;

/// Reads and compiles a policy file, with the model files it declares read relative to its
/// directory; compile errors are rendered with the file's path.
pub(crate) fn load_policy(path: &Path) -> Result<Arc<CompiledPolicy>> {
    let source = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    match shrike_engine::model_files::compile_policy_file(path, &source) {
        Ok(p) => Ok(Arc::new(p)),
        Err(errors) => {
            eprintln!("{}", errors.render(&path.display().to_string(), &source));
            bail!("{} has {} error(s)", path.display(), errors.errors.len())
        }
    }
}

/// An engine with in-memory feature state for `policy`.
pub(crate) fn memory_engine(policy: Arc<CompiledPolicy>, clock: Arc<dyn Clock>) -> Result<Engine<MemoryStore>> {
    let store = MemoryStore::new(store_layout(&policy)).context("building the feature store")?;
    Ok(Engine::new(policy, store, clock))
}
