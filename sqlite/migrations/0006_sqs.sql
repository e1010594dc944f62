-- SQS. A queue's identity is its name; id is a random 63-bit number made
-- in Go that receipt handles carry, so a handle never matches a queue that
-- was deleted and created again. attributes is a JSON object of the
-- settable attributes (defaults filled in); dead_letter_target is the
-- deadLetterTargetArn of its RedrivePolicy ('' for none), for
-- ListDeadLetterSourceQueues. fifo_seq is the last FIFO sequence number.
CREATE TABLE sqs_queues (
    id                 BIGINT NOT NULL PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    attributes         TEXT NOT NULL,
    dead_letter_target TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    modified_at        BIGINT NOT NULL,
    purged_at          BIGINT NOT NULL,
    fifo_seq           BIGINT NOT NULL
);

CREATE INDEX sqs_queues_dead_letter ON sqs_queues (dead_letter_target, name);

CREATE TABLE sqs_queue_tags (
    queue_id  BIGINT NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (queue_id, tag_key)
);

-- One row per message. id increases in send order (SQLite rowid). A
-- message is visible when visible_at <= now; hidden messages are in flight
-- (receive_count > 0) or delayed (never received). attributes and
-- system_attributes hold the canonical encoding AWS hashes into
-- MD5OfMessageAttributes. group_id is '' for standard queues without one;
-- the partial indexes serve FIFO receives (sequence order, per-group
-- blocking) and cost standard queues nothing.
CREATE TABLE sqs_messages (
    id                INTEGER PRIMARY KEY,
    queue_id          BIGINT NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
    message_id        TEXT NOT NULL,
    body              TEXT NOT NULL,
    attributes        BLOB NOT NULL,
    system_attributes BLOB NOT NULL,
    sender_id         TEXT NOT NULL,
    sent_at           BIGINT NOT NULL,
    visible_at        BIGINT NOT NULL,
    receive_count     INTEGER NOT NULL,
    first_receive_at  BIGINT NOT NULL,
    received_at       BIGINT NOT NULL,
    group_id          TEXT NOT NULL,
    dedup_id          TEXT NOT NULL,
    sequence          BIGINT NOT NULL,
    dead_letter_source TEXT NOT NULL
);

CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_at);
CREATE INDEX sqs_messages_fifo ON sqs_messages (queue_id, id) WHERE group_id <> '';
CREATE INDEX sqs_messages_groups ON sqs_messages (queue_id, group_id, visible_at) WHERE group_id <> '';

-- FIFO deduplication: a (queue, scope, id) sent within the last 5 minutes.
-- scope is '' for DeduplicationScope queue, else the message group.
CREATE TABLE sqs_dedup (
    queue_id   BIGINT NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    dedup_id   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sequence   BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (queue_id, scope, dedup_id)
);

CREATE INDEX sqs_dedup_expires ON sqs_dedup (expires_at);
