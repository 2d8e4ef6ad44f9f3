//! The records suite, run against SQLite, MariaDB and PostgreSQL alike.

#![allow(clippy::unwrap_used)] // suite bodies are test code: a failure is a test failure

mod common;
mod suite;

crate::backend_tests!(
    migrations_are_idempotent,
    policy_versions_round_trip,
    models_are_versioned_by_name_and_pinned_by_policies,
    bad_models_and_pins_are_refused,
    publish_and_rollback_walk_the_history,
    shadow_pointer_is_set_and_cleared,
    list_entries_add_replace_remove,
    list_scan_skips_expired_and_purge_deletes_them,
    list_import_is_bulk_and_deduplicated,
    labels_query_by_event_entity_and_time,
    api_keys_lookup_by_hash_and_revoke,
    audit_log_records_every_change,
    decision_queries_match_a_naive_filter,
    decision_inserts_are_idempotent,
    large_decisions_are_split_into_statements,
    retention_deletes_in_bounded_chunks,
    bad_input_names_the_field,
    closed_handle_is_unavailable,
);
