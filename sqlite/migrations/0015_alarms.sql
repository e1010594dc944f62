-- CloudWatch metric alarms (cloudwatch/alarm_store.go). body is the JSON of
-- cloudwatch.Alarm (configuration, tags and state); the columns beside it
-- are what queries select on: the name (DescribeAlarms pages in name
-- order), the state value, when the alarm is next due for evaluation (the
-- engine's claim moves it forward as a lease), and the version that
-- optimistic writes compare.
CREATE TABLE cloudwatch_alarms (
    name        TEXT PRIMARY KEY,
    state_value TEXT NOT NULL,
    next_eval   BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL
);

CREATE INDEX cloudwatch_alarms_due ON cloudwatch_alarms (next_eval);

-- Alarm history (kept two weeks; items outlive a deleted alarm). ts is in
-- milliseconds; id orders items as they were written.
CREATE TABLE cloudwatch_alarm_history (
    id         INTEGER PRIMARY KEY,
    alarm_name TEXT NOT NULL,
    alarm_type TEXT NOT NULL,
    ts         BIGINT NOT NULL,
    item_type  TEXT NOT NULL,
    summary    TEXT NOT NULL,
    data       TEXT NOT NULL
);

CREATE INDEX cloudwatch_alarm_history_by_alarm ON cloudwatch_alarm_history (alarm_name, id);

CREATE INDEX cloudwatch_alarm_history_by_age ON cloudwatch_alarm_history (ts);
