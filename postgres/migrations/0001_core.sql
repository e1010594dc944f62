-- Durable outbox of service events (Parameter Store changes, command status
-- changes, alarm state changes …) waiting to be routed by EventBridge.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    event_id    TEXT NOT NULL,
    event_time  BIGINT NOT NULL,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    source      TEXT NOT NULL,
    detail_type TEXT NOT NULL,
    resources   TEXT NOT NULL,
    detail      TEXT NOT NULL
);

-- API access keys. The secret is sealed with the keyring.
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    secret_sealed BYTEA NOT NULL,
    user_name     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    arn           TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
