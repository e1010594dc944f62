-- Hybrid activations and managed nodes. Text compares bytewise (SQLite
-- BINARY, PostgreSQL COLLATE "C").
--
-- activations: code_hash is the SHA-256 of the activation code (the code is
-- never stored). tags and metadata are JSON arrays, written once at creation
-- (activation tags cannot be changed; they are copied onto each node
-- registered with the activation). Listing order is (created_at, id).
CREATE TABLE activations (
    id                    TEXT NOT NULL PRIMARY KEY,
    code_hash             BLOB NOT NULL,
    description           TEXT NOT NULL,
    default_instance_name TEXT NOT NULL,
    iam_role              TEXT NOT NULL,
    registration_limit    INTEGER NOT NULL,
    registrations_count   INTEGER NOT NULL,
    expires_at            BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    tags                  TEXT NOT NULL,
    metadata              TEXT NOT NULL
);

CREATE INDEX activations_created ON activations (created_at, id);
CREATE INDEX activations_name ON activations (default_instance_name);
CREATE INDEX activations_role ON activations (iam_role);

-- nodes: one row per registered node (mi- + 17 hex). A deregistered node
-- keeps its row (deregistered = 1) so its agent is told so; listings skip
-- it. public_key is the Ed25519 key that signs the agent's requests; the
-- facts columns are what the agent last reported. last_ping is written in
-- batches every second by the agent channel and deliberately not indexed
-- (PingStatus filters compare it while scanning the listing's rows).
-- activation_id keeps its value after the activation is deleted, as in AWS.
CREATE TABLE nodes (
    id               TEXT NOT NULL PRIMARY KEY,
    activation_id    TEXT NOT NULL,
    name             TEXT NOT NULL,
    iam_role         TEXT NOT NULL,
    registered_at    BIGINT NOT NULL,
    public_key       BLOB NOT NULL,
    agent_version    TEXT NOT NULL,
    platform_type    TEXT NOT NULL,
    platform_name    TEXT NOT NULL,
    platform_version TEXT NOT NULL,
    ip_address       TEXT NOT NULL,
    computer_name    TEXT NOT NULL,
    last_ping        BIGINT NOT NULL,
    deregistered     INTEGER NOT NULL
);

CREATE INDEX nodes_activation ON nodes (activation_id, id);
CREATE INDEX nodes_iam_role ON nodes (iam_role, id);

-- Tag targeting and tag filters (tag:KEY=VALUE, tag-key) select the
-- resources of one type having a key (and value) from the generic tags
-- table; this index answers them without scanning every resource.
CREATE INDEX tags_by_key ON tags (resource_type, tag_key, tag_value, resource_id);
