-- EventBridge counters are folded into CloudWatch (namespace AWS/Events) by
-- a background export: exported is how much of value CloudWatch has, and
-- the partial index finds what it lacks.
ALTER TABLE event_metrics ADD COLUMN exported BIGINT NOT NULL DEFAULT 0;

CREATE INDEX event_metrics_unexported ON event_metrics (minute) WHERE value > exported;
