-- Run Command SNS notifications (ssm/command_notify.go): one row per
-- notification still to publish, written in the transaction of the status
-- change. A row is claimable when due and not leased; claiming leases it.
CREATE TABLE command_notifications (
    id          BIGSERIAL PRIMARY KEY,
    topic_arn   TEXT COLLATE "C" NOT NULL,
    message     TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    due_at      BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE INDEX command_notifications_due ON command_notifications (due_at);
