-- EventBridge connections and API destinations. A connection's
-- authorization parameters (secrets and all) are one JSON document sealed
-- with the keyring (auth, bound to the connection name); nothing else of it
-- is secret. ARNs are derived from the name and the uuid.
CREATE TABLE event_connections (
    name           TEXT NOT NULL PRIMARY KEY,
    uuid           TEXT NOT NULL,
    description    TEXT NOT NULL,
    auth_type      TEXT NOT NULL,
    state          TEXT NOT NULL,
    auth           BLOB NOT NULL,
    created_at     BIGINT NOT NULL,
    modified_at    BIGINT NOT NULL,
    authorized_at  BIGINT NOT NULL
);

CREATE TABLE event_api_destinations (
    name           TEXT NOT NULL PRIMARY KEY,
    uuid           TEXT NOT NULL,
    description    TEXT NOT NULL,
    connection_arn TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    http_method    TEXT NOT NULL,
    rate_limit     INTEGER NOT NULL,
    state          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    modified_at    BIGINT NOT NULL
);
