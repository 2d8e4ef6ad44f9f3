-- Tree models (docs/models.md) and the model each policy version was created with.
-- A model row is immutable: an upload under an existing name is a new row.

CREATE TABLE models (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    bytes        BLOB    NOT NULL,
    size         INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    comment      TEXT    NOT NULL
);
CREATE INDEX models_name ON models (name, id);

CREATE TABLE policy_models (
    version_id INTEGER NOT NULL REFERENCES policy_versions (id),
    file       TEXT    NOT NULL,
    model_id   INTEGER NOT NULL REFERENCES models (id),
    PRIMARY KEY (version_id, file)
);
