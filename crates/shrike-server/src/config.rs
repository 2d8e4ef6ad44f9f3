//! The one typed configuration tree of `shrike serve`, read from TOML (`--config FILE`) with
//! every field defaulted, then overridden by environment variables and flags. Unknown keys
//! are errors that name the key (`deny_unknown_fields`). Defaults and env overrides are
//! documented in `docs/operations.md`; keep the two in step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use shrike_types::Outcome;

/// Largest accepted request body (a `POST /v1/events` batch of 1,000 4 KiB events fits).
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Events in one `POST /v1/events` request.
pub const DEFAULT_MAX_BATCH_EVENTS: usize = 1_000;
/// Requests waiting for the engine thread; past this, new ones are shed with 503.
pub const DEFAULT_QUEUE_CAPACITY: usize = 8_192;
/// Requests being handled at once (including those queued for the engine).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16_384;
/// Commands the engine thread takes from its queue per batch.
pub const DEFAULT_ENGINE_BATCH: usize = 256;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub data: DataConfig,
    pub policy: PolicyConfig,
    pub engine: EngineConfig,
    pub durability: DurabilityConfig,
    pub decision_log: DecisionLogConfig,
    pub auth: AuthConfig,
    pub records: RecordsConfig,
    pub state: StateConfig,
    /// Event streams (NATS JetStream or Kafka) consumed beside the HTTP API; none by default.
    pub stream: shrike_streams::StreamConfig,
}

/// Where feature state, idempotency claims and the list feed live. Without `url`, in this
/// process (embedded mode: the data directory's journal and snapshots); with it, in Redis,
/// shared by every node of a scale-out deployment (docs/scale-out.md).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StateConfig {
    /// `"redis://HOST:PORT"` (one Redis) or a list of cluster seeds
    /// (`["redis://a:7000", "redis://b:7001"]`). Env `SHRIKE_STATE` (seeds comma-separated).
    pub url: Option<StateUrl>,
    /// Prefix of every key, so deployments (or tests) can share a Redis.
    pub prefix: String,
    /// Longest wait for one Redis round trip (ms); past it the batch is decided degraded. A
    /// batch takes two round trips: keep twice this below the callers' deadline.
    pub timeout_ms: u64,
    /// After Redis failed, batches are decided degraded without trying it for this long (ms).
    pub retry_after_ms: u64,
    /// Added to a group's longest window + lateness to make its keys' TTL (s): a margin for
    /// event time running behind wall time.
    pub ttl_margin_secs: u64,
    /// How long an event id is remembered across nodes for idempotency (s). Each id costs
    /// ~100 bytes of Redis memory for this long.
    pub claim_ttl_secs: u64,
    /// How long an event id stays claimed by the node deciding it (ms). An event whose node
    /// died mid-batch is claimed (and applied) afresh after this; a batch that takes longer
    /// is not committed and is answered degraded. Keep it well above `2 × timeout_ms`.
    pub pending_ttl_ms: u64,
    /// When set, a degraded decision's outcome is at least this severe (`review`, `block`…);
    /// unset: the policy's outcome with every windowed feature missing.
    pub degraded_outcome: Option<Outcome>,
    /// How often a node checks the records store for a newly published policy and Redis for
    /// list changes made through other nodes (ms).
    pub sync_interval_ms: u64,
}

/// One Redis URL or a list of cluster seeds.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum StateUrl {
    One(String),
    Seeds(Vec<String>),
}

impl StateUrl {
    /// The URLs: one for a single node, several for a cluster.
    pub fn urls(&self) -> Vec<String> {
        match self {
            StateUrl::One(u) => vec![u.clone()],
            StateUrl::Seeds(s) => s.clone(),
        }
    }
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            url: None,
            prefix: "shrike".into(),
            timeout_ms: 100,
            retry_after_ms: 1_000,
            ttl_margin_secs: 3_600,
            claim_ttl_secs: 86_400,
            pending_ttl_ms: 10_000,
            degraded_outcome: None,
            sync_interval_ms: 500,
        }
    }
}

/// Where policies, lists, labels, keys, the audit log and the decision log are kept.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RecordsConfig {
    /// `sqlite://PATH`, `mysql://USER@HOST:PORT/DB` or `postgres://USER@HOST:PORT/DB`; none:
    /// `sqlite://DATA_DIR/records.db`. Env `SHRIKE_RECORDS`.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on. Env `SHRIKE_LISTEN`, flag `--listen`.
    pub listen: SocketAddr,
    pub max_body_bytes: usize,
    pub max_batch_events: usize,
    pub max_in_flight: usize,
    /// Seconds a client is told to wait in `Retry-After` when shed.
    pub retry_after_secs: u32,
    /// Seconds to wait for in-flight requests on shutdown before closing them.
    pub shutdown_grace_secs: u64,
    pub tls: Option<TlsConfig>,
    /// Adds `POST /v1/echo`, which parses an event and returns it, through the same stack
    /// as `/v1/decide` but without the engine: the HTTP benchmark's baseline. Off by default.
    pub bench_echo: bool,
}

/// PEM files; with this section the server speaks HTTPS only.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Directory of the command log, snapshots and records. Env `SHRIKE_DATA`, flag `--data`.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Policy file created and published as the first version when the data directory has
    /// none. Env `SHRIKE_POLICY`, flag `--policy`.
    pub initial: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    pub queue_capacity: usize,
    pub batch: usize,
    /// Deadline applied when the caller sets none (ms); none: wait for the engine.
    pub default_deadline_ms: Option<u64>,
    /// The outcome answered when a caller's deadline cannot be met (marked `degraded`).
    pub fallback_outcome: Outcome,
}

/// When a journal record is forced to disk (docs/storage.md, "Group commit").
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SyncPolicy {
    /// Acknowledge after `write` (survives `kill -9`); fdatasync every `sync_interval_ms`.
    Background,
    /// Acknowledge after fdatasync (survives power loss), one per engine batch.
    BeforeAck,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DurabilityConfig {
    pub sync: SyncPolicy,
    /// How often the `background` policy fdatasyncs.
    pub sync_interval_ms: u64,
    /// Take a snapshot after this many logged commands (and on shutdown).
    pub snapshot_every: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionLogConfig {
    /// Days of decisions kept; older ones are deleted in the background.
    pub retention_days: u32,
    /// Decisions waiting to be written; past it they are counted as dropped from the log
    /// (never blocking decisions).
    pub queue_capacity: usize,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `false` turns API keys off (every route open): for local experiments only.
    pub required: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_batch_events: DEFAULT_MAX_BATCH_EVENTS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            retry_after_secs: 1,
            shutdown_grace_secs: 10,
            tls: None,
            bench_echo: false,
        }
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig { dir: PathBuf::from("data") }
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            batch: DEFAULT_ENGINE_BATCH,
            default_deadline_ms: None,
            fallback_outcome: Outcome::Review,
        }
    }
}

impl Default for DurabilityConfig {
    fn default() -> Self {
        DurabilityConfig { sync: SyncPolicy::Background, sync_interval_ms: 10, snapshot_every: 1_000_000 }
    }
}

impl Default for DecisionLogConfig {
    fn default() -> Self {
        DecisionLogConfig { retention_days: 30, queue_capacity: 65_536 }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { required: true }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    Stream(#[from] shrike_streams::config::ConfigError),
}

impl Config {
    /// Reads `path` (TOML). Errors name the file, and the line, column and key at fault.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::from_toml(&text).map_err(|message| ConfigError::Parse { path: path.to_path_buf(), message })
    }

    /// Parses TOML text; the error message names the line, column and key.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    /// Applies `SHRIKE_LISTEN`, `SHRIKE_DATA` and `SHRIKE_POLICY` from `env` (a lookup, so
    /// tests need not touch the process environment).
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = env("SHRIKE_LISTEN") {
            self.server.listen = v.parse().map_err(|e| ConfigError::Env {
                name: "SHRIKE_LISTEN",
                message: format!("expected an address such as 127.0.0.1:8080, got {v:?} ({e})"),
            })?;
        }
        if let Some(v) = env("SHRIKE_DATA") {
            self.data.dir = PathBuf::from(v);
        }
        if let Some(v) = env("SHRIKE_RECORDS") {
            self.records.url = Some(v);
        }
        if let Some(v) = env("SHRIKE_STATE") {
            let urls: Vec<String> = v.split(',').map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
            self.state.url = Some(match <[String; 1]>::try_from(urls) {
                Ok([one]) => StateUrl::One(one),
                Err(seeds) => StateUrl::Seeds(seeds),
            });
        }
        if let Some(v) = env("SHRIKE_STREAM") {
            self.stream.url = Some(v);
        }
        if let Some(v) = env("SHRIKE_POLICY") {
            self.policy.initial = Some(PathBuf::from(v));
        }
        Ok(())
    }

    /// Checks the values serde cannot: positive sizes and capacities.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("server.max_body_bytes", self.server.max_body_bytes),
            ("server.max_batch_events", self.server.max_batch_events),
            ("server.max_in_flight", self.server.max_in_flight),
            ("engine.queue_capacity", self.engine.queue_capacity),
            ("engine.batch", self.engine.batch),
            ("decision_log.queue_capacity", self.decision_log.queue_capacity),
            ("state.timeout_ms", self.state.timeout_ms as usize),
            ("state.sync_interval_ms", self.state.sync_interval_ms as usize),
            ("state.claim_ttl_secs", self.state.claim_ttl_secs as usize),
            ("state.pending_ttl_ms", self.state.pending_ttl_ms as usize),
        ];
        for (field, v) in positive {
            if v == 0 {
                return Err(ConfigError::Invalid { field, message: "must be at least 1".into() });
            }
        }
        if self
            .state
            .url
            .as_ref()
            .is_some_and(|u| u.urls().is_empty() || u.urls().iter().any(|u| !u.starts_with("redis")))
        {
            let message = "expected \"redis://HOST:PORT\" or a list of such cluster seeds".into();
            return Err(ConfigError::Invalid { field: "state.url", message });
        }
        self.stream.validate()?;
        if self.durability.sync_interval_ms == 0 {
            let message = "must be at least 1".into();
            return Err(ConfigError::Invalid { field: "durability.sync_interval_ms", message });
        }
        if self.durability.snapshot_every == 0 {
            let message = "must be at least 1".into();
            return Err(ConfigError::Invalid { field: "durability.snapshot_every", message });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(Config::from_toml("").unwrap(), Config::default());
    }

    #[test]
    fn the_scale_out_example_is_a_valid_config() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scale-out/shrike.toml");
        let c = Config::from_file(&path).unwrap();
        c.validate().unwrap();
        assert_eq!(c.state.url.unwrap().urls(), ["redis://127.0.0.1:6379"]);
        assert!(c.records.url.unwrap().starts_with("mysql://"));
        assert_eq!(c.state.degraded_outcome, Some(Outcome::Review));
        let stream = c.stream.transport().unwrap();
        assert_eq!(stream, Some(shrike_streams::Transport::Nats("nats://127.0.0.1:4222".into())));
        let modes: Vec<_> = c.stream.inputs.iter().map(|i| i.mode).collect();
        assert_eq!(modes, [shrike_streams::Mode::Decide, shrike_streams::Mode::Ingest]);
    }

    #[test]
    fn state_is_one_url_or_a_list_of_seeds() {
        let one = Config::from_toml("[state]\nurl = \"redis://127.0.0.1:6379\"\n").unwrap();
        assert_eq!(one.state.url.unwrap().urls(), ["redis://127.0.0.1:6379"]);
        let seeds = Config::from_toml("[state]\nurl = [\"redis://a:7000\", \"redis://b:7001\"]\n").unwrap();
        assert_eq!(seeds.state.url.unwrap().urls().len(), 2);
        let bad = Config::from_toml("[state]\nurl = \"mysql://x\"\n").unwrap();
        assert!(bad.validate().unwrap_err().to_string().contains("state.url"));
        let empty = Config::from_toml("[state]\nurl = []\n").unwrap();
        assert!(empty.validate().is_err());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_toml("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n").unwrap_err();
        assert!(err.contains("lisen"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn env_overrides_and_validation() {
        let mut c = Config::default();
        let env = |k: &str| (k == "SHRIKE_LISTEN").then(|| "0.0.0.0:9000".to_string());
        c.apply_env(env).unwrap();
        assert_eq!(c.server.listen.port(), 9000);
        let bad = |k: &str| (k == "SHRIKE_LISTEN").then(|| "nope".to_string());
        assert!(c.apply_env(bad).unwrap_err().to_string().contains("SHRIKE_LISTEN"));
        let state = |k: &str| (k == "SHRIKE_STATE").then(|| "redis://a:1, redis://b:2".to_string());
        c.apply_env(state).unwrap();
        assert_eq!(c.state.url, Some(StateUrl::Seeds(vec!["redis://a:1".into(), "redis://b:2".into()])));
        c.engine.batch = 0;
        assert!(c.validate().unwrap_err().to_string().contains("engine.batch"));
    }
}
