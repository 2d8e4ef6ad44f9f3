-- Shrike records, SQLite. Times are epoch milliseconds from the caller.
-- docs/records.md explains every table and index.

CREATE TABLE policy_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    comment      TEXT    NOT NULL
);
CREATE INDEX policy_versions_name ON policy_versions (name, id);

CREATE TABLE policy_pointers (
    slot       TEXT    PRIMARY KEY,
    version_id INTEGER REFERENCES policy_versions (id),
    changed_at INTEGER NOT NULL,
    changed_by TEXT    NOT NULL
);
INSERT INTO policy_pointers (slot, version_id, changed_at, changed_by)
VALUES ('live', NULL, 0, ''), ('shadow', NULL, 0, '');

CREATE TABLE policy_pointer_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slot        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    version_id  INTEGER REFERENCES policy_versions (id),
    previous_id INTEGER REFERENCES policy_versions (id),
    undone      BOOLEAN NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL
);
CREATE INDEX policy_pointer_history_slot ON policy_pointer_history (slot, id);

CREATE TABLE list_entries (
    list       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    expires_at INTEGER,
    added_at   INTEGER NOT NULL,
    added_by   TEXT    NOT NULL,
    PRIMARY KEY (list, value)
) WITHOUT ROWID;
CREATE INDEX list_entries_expiry ON list_entries (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE labels (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT,
    entity_kind TEXT,
    entity_id   TEXT,
    fraud       BOOLEAN NOT NULL,
    kind        TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    known_at    INTEGER NOT NULL
);
CREATE INDEX labels_event ON labels (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX labels_entity ON labels (entity_kind, entity_id, at, id) WHERE entity_id IS NOT NULL;
CREATE INDEX labels_at ON labels (at, id);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    key_hash   TEXT    NOT NULL UNIQUE,
    scopes     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_target ON audit_log (target, at, id);

CREATE TABLE decisions (
    decision_id    TEXT    NOT NULL PRIMARY KEY,
    event_id       TEXT    NOT NULL,
    event_type     TEXT    NOT NULL,
    event_time     INTEGER NOT NULL,
    decided_at     INTEGER NOT NULL,
    outcome        TEXT    NOT NULL,
    score          SMALLINT NOT NULL,
    policy_version TEXT    NOT NULL,
    degraded       BOOLEAN NOT NULL,
    shadow         BOOLEAN NOT NULL,
    latency_us     INTEGER NOT NULL,
    user_id        TEXT,
    device_id      TEXT,
    ip             TEXT,
    card           TEXT,
    email          TEXT,
    phone          TEXT,
    shop_id        TEXT,
    rules          TEXT    NOT NULL,
    decision       TEXT    NOT NULL
);
-- Secondary keys are short: SQLite appends the rowid to every index entry, and ties on
-- decided_at are ordered by decision_id with a small sort. Each entity index is a random-key
-- B-tree whose inserts dirty about one page per row; docs/records.md has the measured cost.
CREATE INDEX decisions_time ON decisions (decided_at);
CREATE INDEX decisions_outcome ON decisions (outcome, decided_at);
CREATE INDEX decisions_policy ON decisions (policy_version, decided_at);
CREATE INDEX decisions_user ON decisions (user_id, decided_at) WHERE user_id IS NOT NULL;
CREATE INDEX decisions_device ON decisions (device_id, decided_at) WHERE device_id IS NOT NULL;
CREATE INDEX decisions_ip ON decisions (ip, decided_at) WHERE ip IS NOT NULL;
CREATE INDEX decisions_card ON decisions (card, decided_at) WHERE card IS NOT NULL;
CREATE INDEX decisions_email ON decisions (email, decided_at) WHERE email IS NOT NULL;
CREATE INDEX decisions_phone ON decisions (phone, decided_at) WHERE phone IS NOT NULL;
CREATE INDEX decisions_shop ON decisions (shop_id, decided_at) WHERE shop_id IS NOT NULL;

CREATE TABLE decision_rules (
    decided_at  INTEGER NOT NULL,
    decision_id TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    PRIMARY KEY (decided_at, decision_id, rule)
) WITHOUT ROWID;
CREATE INDEX decision_rules_rule ON decision_rules (rule, decided_at, decision_id);
