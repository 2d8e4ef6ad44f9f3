//! Named bounds on input. Each is documented in docs/events.md; fraud traffic is adversarial,
//! so every size an attacker controls has a cap here.

/// Largest accepted JSON text for one event, in bytes.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;
/// Deepest nesting of JSON objects and arrays in an event (the event object itself is depth 1).
pub const MAX_JSON_DEPTH: usize = 16;
/// Longest string value, in bytes after unescaping.
pub const MAX_STRING_LEN: usize = 4 * 1024;
/// Longest `event_id`, in bytes.
pub const MAX_EVENT_ID_LEN: usize = 128;
/// Longest custom event type name, in bytes.
pub const MAX_TYPE_NAME_LEN: usize = 64;
/// Most entries in `items`.
pub const MAX_ITEMS: usize = 256;
/// Most keys in `attributes`.
pub const MAX_ATTRIBUTES: usize = 64;
