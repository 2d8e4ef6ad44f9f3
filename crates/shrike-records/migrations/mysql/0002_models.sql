-- Tree models (docs/models.md) and the model each policy version was created with.
-- A model row is immutable: an upload under an existing name is a new row.

CREATE TABLE models (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name         VARCHAR(128)  NOT NULL,
    content_hash VARCHAR(64)   NOT NULL,
    bytes        LONGBLOB      NOT NULL,
    size         BIGINT        NOT NULL,
    created_at   BIGINT        NOT NULL,
    created_by   VARCHAR(128)  NOT NULL,
    comment      VARCHAR(1024) NOT NULL,
    KEY models_name (name, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE policy_models (
    version_id BIGINT       NOT NULL,
    file       VARCHAR(512) NOT NULL,
    model_id   BIGINT       NOT NULL,
    PRIMARY KEY (version_id, file),
    CONSTRAINT policy_models_version FOREIGN KEY (version_id) REFERENCES policy_versions (id),
    CONSTRAINT policy_models_model FOREIGN KEY (model_id) REFERENCES models (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
