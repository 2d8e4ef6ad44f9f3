-- Shrike records, MariaDB / MySQL (InnoDB). Times are epoch milliseconds from the caller.
-- utf8mb4_bin: exact, case-sensitive comparisons (the crate rejects values with
-- surrounding white space, which this PAD SPACE collation would ignore).
-- docs/records.md explains every table and index.

CREATE TABLE policy_versions (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name         VARCHAR(64)   NOT NULL,
    source       MEDIUMTEXT    NOT NULL,
    content_hash VARCHAR(64)   NOT NULL,
    created_at   BIGINT        NOT NULL,
    created_by   VARCHAR(128)  NOT NULL,
    comment      VARCHAR(1024) NOT NULL,
    KEY policy_versions_name (name, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE policy_pointers (
    slot       VARCHAR(16)  NOT NULL PRIMARY KEY,
    version_id BIGINT,
    changed_at BIGINT       NOT NULL,
    changed_by VARCHAR(128) NOT NULL,
    CONSTRAINT policy_pointers_version FOREIGN KEY (version_id) REFERENCES policy_versions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO policy_pointers (slot, version_id, changed_at, changed_by)
VALUES ('live', NULL, 0, ''), ('shadow', NULL, 0, '');

CREATE TABLE policy_pointer_history (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    slot        VARCHAR(16)  NOT NULL,
    action      VARCHAR(16)  NOT NULL,
    version_id  BIGINT,
    previous_id BIGINT,
    undone      BOOLEAN      NOT NULL,
    at          BIGINT       NOT NULL,
    actor       VARCHAR(128) NOT NULL,
    KEY policy_pointer_history_slot (slot, id),
    CONSTRAINT policy_pointer_history_version FOREIGN KEY (version_id) REFERENCES policy_versions (id),
    CONSTRAINT policy_pointer_history_previous FOREIGN KEY (previous_id) REFERENCES policy_versions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE list_entries (
    list       VARCHAR(64)  NOT NULL,
    value      VARCHAR(512) NOT NULL,
    expires_at BIGINT,
    added_at   BIGINT       NOT NULL,
    added_by   VARCHAR(128) NOT NULL,
    PRIMARY KEY (list, value),
    KEY list_entries_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE labels (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id    VARCHAR(128),
    entity_kind VARCHAR(16),
    entity_id   VARCHAR(256),
    fraud       BOOLEAN      NOT NULL,
    kind        VARCHAR(64)  NOT NULL,
    source      VARCHAR(128) NOT NULL,
    at          BIGINT       NOT NULL,
    known_at    BIGINT       NOT NULL,
    KEY labels_event (event_id),
    KEY labels_entity (entity_kind, entity_id, at, id),
    KEY labels_at (at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_keys (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(128) NOT NULL,
    key_hash   VARCHAR(64)  NOT NULL,
    scopes     VARCHAR(64)  NOT NULL,
    created_at BIGINT       NOT NULL,
    revoked_at BIGINT,
    UNIQUE KEY api_keys_hash (key_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
    id     BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at     BIGINT       NOT NULL,
    actor  VARCHAR(128) NOT NULL,
    action VARCHAR(64)  NOT NULL,
    target VARCHAR(256) NOT NULL,
    detail MEDIUMTEXT   NOT NULL,
    KEY audit_log_at (at, id),
    KEY audit_log_target (target, at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Clustered by an auto-increment `seq` so inserts append to the primary B-tree;
-- decision ids (possibly random) live in a secondary unique index.
CREATE TABLE decisions (
    seq            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    decision_id    VARCHAR(160) NOT NULL,
    event_id       VARCHAR(128) NOT NULL,
    event_type     VARCHAR(64)  NOT NULL,
    event_time     BIGINT       NOT NULL,
    decided_at     BIGINT       NOT NULL,
    outcome        VARCHAR(16)  NOT NULL,
    score          SMALLINT     NOT NULL,
    policy_version VARCHAR(128) NOT NULL,
    degraded       BOOLEAN      NOT NULL,
    shadow         BOOLEAN      NOT NULL,
    latency_us     BIGINT       NOT NULL,
    user_id        VARCHAR(256),
    device_id      VARCHAR(256),
    ip             VARCHAR(256),
    card           VARCHAR(256),
    email          VARCHAR(256),
    phone          VARCHAR(256),
    shop_id        VARCHAR(256),
    rules          TEXT         NOT NULL,
    decision       MEDIUMTEXT   NOT NULL,
    UNIQUE KEY decisions_id (decision_id),
    KEY decisions_time (decided_at, decision_id),
    KEY decisions_outcome (outcome, decided_at, decision_id),
    KEY decisions_policy (policy_version, decided_at, decision_id),
    KEY decisions_user (user_id, decided_at, decision_id),
    KEY decisions_device (device_id, decided_at, decision_id),
    KEY decisions_ip (ip, decided_at, decision_id),
    KEY decisions_card (card, decided_at, decision_id),
    KEY decisions_email (email, decided_at, decision_id),
    KEY decisions_phone (phone, decided_at, decision_id),
    KEY decisions_shop (shop_id, decided_at, decision_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE decision_rules (
    decided_at  BIGINT       NOT NULL,
    decision_id VARCHAR(160) NOT NULL,
    rule        VARCHAR(128) NOT NULL,
    PRIMARY KEY (decided_at, decision_id, rule),
    KEY decision_rules_rule (rule, decided_at, decision_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
