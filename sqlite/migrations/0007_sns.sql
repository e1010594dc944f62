-- SNS: topics, their tags and subscriptions, published messages waiting for
-- delivery, the delivery work table, FIFO deduplication and the signing key.
-- Attribute maps are JSON objects in the row: written and read with it,
-- never queried (has_filter is the one fact queries need).
CREATE TABLE sns_topics (
    arn        TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    fifo       INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sns_topic_tags (
    topic_arn TEXT NOT NULL REFERENCES sns_topics (arn) ON DELETE CASCADE,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (topic_arn, tag_key)
);

-- state: pending, confirmed or deleted (an unsubscribed tombstone kept for
-- its UnsubscribeConfirmation's SubscribeURL). state_at: when it last
-- changed (pending subscriptions and tombstones expire after 3 days).
CREATE TABLE sns_subscriptions (
    arn                         TEXT NOT NULL PRIMARY KEY,
    topic_arn                   TEXT NOT NULL REFERENCES sns_topics (arn) ON DELETE CASCADE,
    protocol                    TEXT NOT NULL,
    endpoint                    TEXT NOT NULL,
    owner                       TEXT NOT NULL,
    state                       TEXT NOT NULL,
    token                       TEXT NOT NULL,
    unsubscribe_token           TEXT NOT NULL,
    confirmation_authenticated  INTEGER NOT NULL,
    authenticate_on_unsubscribe INTEGER NOT NULL,
    attributes                  TEXT NOT NULL,
    has_filter                  INTEGER NOT NULL,
    created_at                  BIGINT NOT NULL,
    state_at                    BIGINT NOT NULL
);

CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_arn, state);
CREATE INDEX sns_subscriptions_endpoint ON sns_subscriptions (topic_arn, protocol, endpoint);
CREATE INDEX sns_subscriptions_token ON sns_subscriptions (token);
CREATE INDEX sns_subscriptions_expiry ON sns_subscriptions (state, state_at);

-- A published message, kept while deliveries of it are outstanding.
CREATE TABLE sns_messages (
    id           TEXT NOT NULL PRIMARY KEY,
    topic_arn    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    structure    TEXT NOT NULL,
    attributes   TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    dedup_id     TEXT NOT NULL,
    seq          TEXT NOT NULL,
    published_at BIGINT NOT NULL
);

-- The durable delivery work: one row per (message, subscription) or
-- confirmation message, deleted once delivered (or dead-lettered). A row is
-- claimable when due_at <= now and lease_until <= now.
CREATE TABLE sns_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    subscription_arn TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    due_at           BIGINT NOT NULL,
    lease_until      BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);

CREATE INDEX sns_deliveries_due ON sns_deliveries (due_at);
CREATE INDEX sns_deliveries_message ON sns_deliveries (message_id);

-- FIFO deduplication IDs seen in the last 5 minutes, per topic.
CREATE TABLE sns_dedup (
    topic_arn  TEXT NOT NULL,
    dedup_id   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (topic_arn, dedup_id)
);

-- The notification signing key: PKCS #8 sealed by the keyring, and its
-- self-signed certificate.
CREATE TABLE sns_signing_keys (
    id         TEXT NOT NULL PRIMARY KEY,
    key_sealed BLOB NOT NULL,
    cert_pem   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
