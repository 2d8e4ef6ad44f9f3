//! Named bounds on everything a caller (and through it an API client) can make large.
//! docs/records.md lists them with their reasons.

/// Most rows one page of any query returns.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Most decisions one page of the decision log returns: each carries its full JSON.
pub const MAX_DECISION_PAGE_SIZE: u32 = 200;

/// Longest policy name, in bytes (`[a-z0-9_.-]`).
pub const MAX_POLICY_NAME_LEN: usize = 64;
/// Largest policy source text, in bytes.
pub const MAX_POLICY_SOURCE_BYTES: usize = 1024 * 1024;
/// Longest free-text comment (policy versions), in bytes.
pub const MAX_COMMENT_LEN: usize = 1024;
/// Largest model file, in bytes: a 1,000-tree model of 31 leaves is about 5 MiB of JSON; one
/// row must fit MariaDB's default `max_allowed_packet` (16 MiB) with room to spare.
pub const MAX_MODEL_BYTES: usize = 12 * 1024 * 1024;
/// Longest model name, in bytes (`[A-Za-z0-9_.-]`: a file name such as `risk.model.json`).
pub const MAX_MODEL_NAME_LEN: usize = 128;
/// Longest model file reference a policy makes, in bytes.
pub const MAX_MODEL_FILE_LEN: usize = 512;
/// Most models one policy version pins (the policy language allows 16).
pub const MAX_MODELS_PER_POLICY: usize = 16;

/// Longest actor name (who made a change: a key id or name), in bytes.
pub const MAX_ACTOR_LEN: usize = 128;

/// Longest list name, in bytes (`[a-z0-9_.-]`).
pub const MAX_LIST_NAME_LEN: usize = 64;
/// Longest list value, in bytes. Lists hold identifiers (e-mails, IPs, card fingerprints,
/// BINs, device ids), never documents.
pub const MAX_LIST_VALUE_LEN: usize = 512;
/// Most entries one bulk import takes; a larger import is split by the caller.
pub const MAX_IMPORT_ROWS: usize = 10_000;
/// Most distinct lists `lists()` reports.
pub const MAX_LISTS: u32 = 1000;

/// Longest label kind (`chargeback`, `ato`, `promo_abuse`, …), in bytes.
pub const MAX_LABEL_KIND_LEN: usize = 64;
/// Longest label source (`psp:stripe`, `analyst:alice`, …), in bytes.
pub const MAX_LABEL_SOURCE_LEN: usize = 128;
/// Longest entity id (user, device, card fingerprint, …), in bytes.
pub const MAX_ENTITY_ID_LEN: usize = 256;

/// Longest API key name, in bytes.
pub const MAX_KEY_NAME_LEN: usize = 128;

/// Longest audit action (`policy.publish`, …), in bytes.
pub const MAX_AUDIT_ACTION_LEN: usize = 64;
/// Longest audit target (`policy:12`, `list:blocked_emails`, …), in bytes.
pub const MAX_AUDIT_TARGET_LEN: usize = 256;
/// Largest audit detail JSON, in bytes.
pub const MAX_AUDIT_DETAIL_BYTES: usize = 16 * 1024;

/// Most decisions one `insert_decisions` call takes (one transaction).
pub const MAX_DECISION_BATCH: usize = 1000;
/// Longest decision id, in bytes (room for an event id plus a suffix such as `:shadow`).
pub const MAX_DECISION_ID_LEN: usize = 160;
/// Longest policy version label (`marketplace@e63537f3`), in bytes.
pub const MAX_POLICY_VERSION_LEN: usize = 128;
/// Longest rule name, in bytes.
pub const MAX_RULE_NAME_LEN: usize = 128;
/// Most fired rule names recorded per decision.
pub const MAX_RULES_PER_DECISION: usize = 64;
/// Largest decision JSON, in bytes.
pub const MAX_DECISION_JSON_BYTES: usize = 64 * 1024;

/// Rows one retention statement deletes: small enough that no statement holds the
/// table's write lock for long (a few milliseconds on SQLite), so decision-log writers
/// wait at most one chunk.
pub const RETENTION_CHUNK: u32 = 5000;
/// Suggested chunk budget of one purge call (`delete_decisions_before`,
/// `purge_expired_list_entries`): a first purge of a large backlog returns `done = false`
/// after about a million rows instead of tying up its caller for minutes.
pub const RETENTION_CHUNKS_PER_CALL: u32 = 200;

/// Rows per multi-row `INSERT` statement for decisions. SQLite allows 32,766 bound values
/// per statement, MariaDB and PostgreSQL 65,535; a decision row binds 19.
pub(crate) const DECISION_ROWS_PER_STATEMENT: usize = 500;
/// Rows per multi-row `INSERT` statement for fired-rule and list rows (few columns).
pub(crate) const SMALL_ROWS_PER_STATEMENT: usize = 1000;
