-- Parameter Store. A parameter's identity is its key: the name without its
-- leading '/' ("/a" and "a" are one parameter). parent is the key of the
-- hierarchy level holding it ('' at the root), for one-level path queries,
-- recursive path queries are range scans on pkey. Text compares bytewise
-- (SQLite BINARY, PostgreSQL COLLATE "C"), so order and ranges agree.
--
-- parameters holds the latest version of each parameter (everything
-- GetParameter needs in one point query); parameter_versions holds every
-- kept version, the latest included. SecureString values are sealed by the
-- keyring before they get here: value never holds their plaintext.
CREATE TABLE parameters (
    pkey            TEXT NOT NULL PRIMARY KEY,
    parent          TEXT NOT NULL,
    name            TEXT NOT NULL,
    version         BIGINT NOT NULL,
    type            TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    description     TEXT NOT NULL,
    allowed_pattern TEXT NOT NULL,
    tier            TEXT NOT NULL,
    policies        TEXT NOT NULL,
    data_type       TEXT NOT NULL,
    value           BLOB NOT NULL,
    modified_at     BIGINT NOT NULL,
    modified_by     TEXT NOT NULL
);

CREATE INDEX parameters_parent ON parameters (parent, pkey);

CREATE TABLE parameter_versions (
    pkey            TEXT NOT NULL REFERENCES parameters (pkey) ON DELETE CASCADE,
    version         BIGINT NOT NULL,
    type            TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    description     TEXT NOT NULL,
    allowed_pattern TEXT NOT NULL,
    tier            TEXT NOT NULL,
    policies        TEXT NOT NULL,
    data_type       TEXT NOT NULL,
    value           BLOB NOT NULL,
    modified_at     BIGINT NOT NULL,
    modified_by     TEXT NOT NULL,
    PRIMARY KEY (pkey, version)
);

-- A label lives on one version of a parameter (primary key), and moves
-- between versions.
CREATE TABLE parameter_labels (
    pkey    TEXT NOT NULL,
    label   TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (pkey, label),
    FOREIGN KEY (pkey, version) REFERENCES parameter_versions (pkey, version) ON DELETE CASCADE
);

CREATE INDEX parameter_labels_version ON parameter_labels (pkey, version);

-- Tags of every SSM resource type (parameters, documents, …). For parameters
-- resource_id is the parameter key.
CREATE TABLE tags (
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    tag_key       TEXT NOT NULL,
    tag_value     TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id, tag_key)
);
