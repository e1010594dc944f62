-- Run Command. A command row carries everything its invocations share (the
-- document rendered for the run, its settings) and the per-status counters
-- rate control needs, so no step recounts invocations. Timestamps are epoch
-- milliseconds (0 = none); booleans 0/1. Text compares bytewise.
--
-- steps is the JSON of the steps as the agent receives them (parameters
-- substituted, {{ssm-secure:}} references left); step_names, secure_refs,
-- parameters, instance_ids, targets, notification, cloudwatch, alarms and
-- triggered_alarms are JSON. done is 1 once status is terminal.
CREATE TABLE commands (
    command_id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    document_name            TEXT COLLATE "C" NOT NULL,
    document_version         TEXT COLLATE "C" NOT NULL,
    schema_version           TEXT COLLATE "C" NOT NULL,
    steps                    TEXT COLLATE "C" NOT NULL,
    step_names               TEXT COLLATE "C" NOT NULL,
    secure_refs              TEXT COLLATE "C" NOT NULL,
    comment                  TEXT COLLATE "C" NOT NULL,
    parameters               TEXT COLLATE "C" NOT NULL,
    instance_ids             TEXT COLLATE "C" NOT NULL,
    targets                  TEXT COLLATE "C" NOT NULL,
    requested_at             BIGINT NOT NULL,
    deadline                 BIGINT NOT NULL,
    expires_at               BIGINT NOT NULL,
    timeout_seconds          BIGINT NOT NULL,
    execution_timeout        BIGINT NOT NULL,
    output_s3_region         TEXT COLLATE "C" NOT NULL,
    output_s3_bucket         TEXT COLLATE "C" NOT NULL,
    output_s3_prefix         TEXT COLLATE "C" NOT NULL,
    max_concurrency          TEXT COLLATE "C" NOT NULL,
    max_errors               TEXT COLLATE "C" NOT NULL,
    concurrency_limit        BIGINT NOT NULL,
    error_limit              BIGINT NOT NULL,
    service_role             TEXT COLLATE "C" NOT NULL,
    notification             TEXT COLLATE "C" NOT NULL,
    cloudwatch               TEXT COLLATE "C" NOT NULL,
    alarms                   TEXT COLLATE "C" NOT NULL,
    triggered_alarms         TEXT COLLATE "C" NOT NULL,
    status                   TEXT COLLATE "C" NOT NULL,
    status_details           TEXT COLLATE "C" NOT NULL,
    done                     INTEGER NOT NULL,
    cancel_requested         INTEGER NOT NULL,
    stopped                  INTEGER NOT NULL,
    target_count             BIGINT NOT NULL,
    completed_count          BIGINT NOT NULL,
    success_count            BIGINT NOT NULL,
    failed_count             BIGINT NOT NULL,
    exec_timed_out_count     BIGINT NOT NULL,
    delivery_timed_out_count BIGINT NOT NULL,
    cancelled_count          BIGINT NOT NULL,
    terminated_count         BIGINT NOT NULL,
    non_counting_count       BIGINT NOT NULL,
    acked_count              BIGINT NOT NULL,
    inflight_count           BIGINT NOT NULL
);

-- ListCommands (newest first) and the retention purge.
CREATE INDEX commands_requested ON commands (requested_at, command_id);
-- The sweeper: commands not done, by expiry.
CREATE INDEX commands_due ON commands (done, expires_at);

-- One invocation per (command, node). phase is the engine's state: 0 waiting
-- for dispatch, 1 deliverable (offered at each poll until acked), 2 running,
-- 3 cancelling (cancel offered until acked), 4 cancel acknowledged, 9
-- terminal. seq is the dispatch order. requested_at repeats the command's,
-- for listings by node.
CREATE TABLE invocations (
    command_id     TEXT COLLATE "C" NOT NULL,
    node_id        TEXT COLLATE "C" NOT NULL,
    seq            BIGINT NOT NULL,
    phase          INTEGER NOT NULL,
    status         TEXT COLLATE "C" NOT NULL,
    status_details TEXT COLLATE "C" NOT NULL,
    offline        INTEGER NOT NULL,
    requested_at   BIGINT NOT NULL,
    dispatched_at  BIGINT NOT NULL,
    acked_at       BIGINT NOT NULL,
    finished_at    BIGINT NOT NULL,
    response_code  BIGINT NOT NULL,
    PRIMARY KEY (command_id, node_id)
);

-- Poll: a node's deliverable and cancelling invocations.
CREATE INDEX invocations_node_phase ON invocations (node_id, phase);
-- Dispatch: a command's waiting invocations in seq order.
CREATE INDEX invocations_dispatch ON invocations (command_id, phase, seq);
-- ListCommands / ListCommandInvocations by node.
CREATE INDEX invocations_node_time ON invocations (node_id, requested_at);

-- Step (plugin) results, written with the invocation's result.
CREATE TABLE invocation_steps (
    command_id     TEXT COLLATE "C" NOT NULL,
    node_id        TEXT COLLATE "C" NOT NULL,
    step_index     BIGINT NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    action         TEXT COLLATE "C" NOT NULL,
    status         TEXT COLLATE "C" NOT NULL,
    status_details TEXT COLLATE "C" NOT NULL,
    response_code  BIGINT NOT NULL,
    started_at     BIGINT NOT NULL,
    ended_at       BIGINT NOT NULL,
    PRIMARY KEY (command_id, node_id, step_index)
);

-- The full output: chunks of each step stream (stdout/stderr) at byte
-- offsets, never overlapping (retried bytes are dropped before insert). id
-- orders chunks by arrival within an invocation (the cursor of `steward
-- command output`).
CREATE TABLE command_output (
    id         BIGSERIAL PRIMARY KEY,
    command_id TEXT COLLATE "C" NOT NULL,
    node_id    TEXT COLLATE "C" NOT NULL,
    step       TEXT COLLATE "C" NOT NULL,
    stream     TEXT COLLATE "C" NOT NULL,
    off        BIGINT NOT NULL,
    data       BYTEA NOT NULL
);

CREATE UNIQUE INDEX command_output_pos ON command_output (command_id, node_id, step, stream, off);
CREATE INDEX command_output_seq ON command_output (command_id, node_id, id);
