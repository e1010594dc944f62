-- CloudWatch Logs (minimal): log groups, their streams and events. Times are
-- milliseconds since the epoch; first/last event times are 0 until a stream
-- has events. next_seq numbers a stream's events in arrival order (events
-- are read in (ts, stream, seq) order).
CREATE TABLE log_groups (
    name         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    created_at   BIGINT NOT NULL,
    stored_bytes BIGINT NOT NULL
);

CREATE TABLE log_streams (
    group_name     TEXT COLLATE "C" NOT NULL REFERENCES log_groups (name) ON DELETE CASCADE,
    name           TEXT COLLATE "C" NOT NULL,
    created_at     BIGINT NOT NULL,
    first_event_at BIGINT NOT NULL,
    last_event_at  BIGINT NOT NULL,
    last_ingestion BIGINT NOT NULL,
    next_seq       BIGINT NOT NULL,
    PRIMARY KEY (group_name, name)
);

CREATE TABLE log_events (
    group_name  TEXT COLLATE "C" NOT NULL,
    stream_name TEXT COLLATE "C" NOT NULL,
    ts          BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    ingested_at BIGINT NOT NULL,
    message     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (group_name, ts, stream_name, seq),
    FOREIGN KEY (group_name, stream_name) REFERENCES log_streams (group_name, name) ON DELETE CASCADE
);
