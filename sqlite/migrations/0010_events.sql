-- EventBridge: buses, rules, targets, tags, the delivery work table, the
-- per-rule metrics and the version of the rule set. ARNs are not stored:
-- they are derived from names, the account and the region.
CREATE TABLE event_buses (
    name        TEXT NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);

-- next_fire_at: when an enabled schedule rule fires next (0: never).
CREATE TABLE event_rules (
    bus           TEXT NOT NULL REFERENCES event_buses (name) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    event_pattern TEXT NOT NULL,
    schedule      TEXT NOT NULL,
    state         TEXT NOT NULL,
    description   TEXT NOT NULL,
    role_arn      TEXT NOT NULL,
    managed_by    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    modified_at   BIGINT NOT NULL,
    next_fire_at  BIGINT NOT NULL,
    PRIMARY KEY (bus, name)
);

CREATE INDEX event_rules_schedule ON event_rules (next_fire_at) WHERE next_fire_at > 0;

-- spec: the target as JSON (Input, transformer, retry policy, …).
CREATE TABLE event_targets (
    bus  TEXT NOT NULL,
    rule TEXT NOT NULL,
    id   TEXT NOT NULL,
    arn  TEXT NOT NULL,
    spec TEXT NOT NULL,
    PRIMARY KEY (bus, rule, id),
    FOREIGN KEY (bus, rule) REFERENCES event_rules (bus, name) ON DELETE CASCADE
);

CREATE INDEX event_targets_arn ON event_targets (bus, arn, rule);

-- Tags of a bus (rule = '') or a rule.
CREATE TABLE event_tags (
    bus       TEXT NOT NULL,
    rule      TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (bus, rule, tag_key)
);

-- The durable delivery work: one row per (event, target), deleted once the
-- target took the event (or its dead-letter queue did, or it was dropped).
-- A row is claimable when ready_at <= now: ready_at is due_at, or the end
-- of the lease of the process delivering it. failure (JSON) is set when the
-- row waits for its dead-letter queue.
CREATE TABLE event_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    bus         TEXT NOT NULL,
    rule        TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event       TEXT NOT NULL,
    ingested_at BIGINT NOT NULL,
    hops        INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    due_at      BIGINT NOT NULL,
    ready_at    BIGINT NOT NULL,
    failure     TEXT NOT NULL
);

CREATE INDEX event_deliveries_ready ON event_deliveries (ready_at);

-- Counters per rule (rule = '' for the bus) and minute (AWS/Events).
CREATE TABLE event_metrics (
    bus    TEXT NOT NULL,
    rule   TEXT NOT NULL,
    metric TEXT NOT NULL,
    minute BIGINT NOT NULL,
    value  BIGINT NOT NULL,
    PRIMARY KEY (bus, rule, metric, minute)
);

CREATE INDEX event_metrics_minute ON event_metrics (minute);

-- rules_version moves with every change of buses, rules or targets, so
-- that replicas know when to reload.
CREATE TABLE event_state (
    name  TEXT NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO event_state (name, value) VALUES ('rules_version', 0);
