//! Building the service's pieces: engines for a policy, the engine thread, the shared state.

use std::sync::Arc;

use shrike_dsl::CompiledPolicy;
use shrike_engine::{Engine, store_layout};
use shrike_features::{LayoutError, MemoryStore};
use shrike_types::clock::SystemClock;

/// An empty engine for `policy`, its decisions stamped with wall time.
pub fn fresh_engine(policy: Arc<CompiledPolicy>) -> Result<Engine<MemoryStore>, LayoutError> {
    let store = MemoryStore::new(store_layout(&policy))?;
    Ok(Engine::new(policy, store, Arc::new(SystemClock)))
}

/// The starting state for `config`: the initial policy (journal and records arrive with the
/// durable data directory).
pub fn open(config: &crate::config::Config) -> Result<crate::service::Start, crate::service::ServeError> {
    use crate::service::ServeError;
    let path = config.policy.initial.as_ref().ok_or(ServeError::NoPolicy)?;
    let source =
        std::fs::read_to_string(path).map_err(|source| ServeError::Io { what: "reading the policy", source })?;
    let name = path.display().to_string();
    let policy = crate::journal::LoadedPolicy::compile(&version_label(&source), &source, &name)
        .map_err(|source| ServeError::Policy { path: name, source })?;
    Ok(crate::service::Start::ephemeral(policy))
}

/// `NAME@v1`-style label for a first version: the policy's declared name.
fn version_label(source: &str) -> String {
    let name = shrike_dsl::compile(source).map(|p| p.name.to_string()).unwrap_or_else(|_| "policy".into());
    format!("{name}@v1")
}
