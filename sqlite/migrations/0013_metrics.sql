-- CloudWatch metrics (cloudwatch/store.go). A metric's identity is its key
-- (cloudwatch.MetricKey), which joins namespace, name and dimensions with
-- NUL bytes; PostgreSQL TEXT cannot hold NUL, so on both engines the key is
-- stored as the BLOB of its bytes, which also compares bytewise (the order
-- of Go strings, in which ListMetrics pages). dimensions is the JSON of
-- [{"Name","Value"}] sorted by name; metric_dimensions repeats it as rows so
-- that a ListMetrics dimension filter is an index lookup. last_put is when
-- data last arrived, in milliseconds.
CREATE TABLE metrics (
    id         INTEGER PRIMARY KEY,
    key        BLOB NOT NULL UNIQUE,
    namespace  TEXT NOT NULL,
    name       TEXT NOT NULL,
    dimensions TEXT NOT NULL,
    last_put   BIGINT NOT NULL
);

CREATE INDEX metrics_by_name ON metrics (namespace, name, key);

CREATE INDEX metrics_by_last_put ON metrics (last_put);

CREATE TABLE metric_dimensions (
    metric_id BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (metric_id, name)
) WITHOUT ROWID;

CREATE INDEX metric_dimensions_by_value ON metric_dimensions (name, value, metric_id);

-- One bucket per (metric, resolution, start, unit): resolution in seconds,
-- ts the bucket's start in milliseconds, the aggregate's count, sum, min and
-- max, and dist the distribution (cloudwatch.EncodeValues; NULL for
-- statistic sets). The primary key serves ReadPoints (one metric, one
-- resolution, a time range); metric_points_by_age serves PurgePoints. The
-- table is clustered on its key (WITHOUT ROWID): every write is a lookup
-- and rewrite by that key.
CREATE TABLE metric_points (
    metric_id  BIGINT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    resolution INTEGER NOT NULL,
    ts         BIGINT NOT NULL,
    unit       TEXT NOT NULL,
    count      REAL NOT NULL,
    sum        REAL NOT NULL,
    min        REAL NOT NULL,
    max        REAL NOT NULL,
    dist       BLOB,
    PRIMARY KEY (metric_id, resolution, ts, unit)
) WITHOUT ROWID;

CREATE INDEX metric_points_by_age ON metric_points (resolution, ts);
