-- Maintenance Windows (ssm/windows.go). Every table keeps the JSON of its
-- domain record in body, beside the columns queries use.
--
-- maintenance_windows: next_run is the window's next start (0: none; a claim
-- moves it forward as a lease).
CREATE TABLE maintenance_windows (
    window_id TEXT PRIMARY KEY,
    next_run  BIGINT NOT NULL,
    body      TEXT NOT NULL
);

CREATE INDEX maintenance_windows_due ON maintenance_windows (next_run);

CREATE TABLE maintenance_window_targets (
    window_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (window_id, target_id)
);

CREATE TABLE maintenance_window_tasks (
    window_id TEXT NOT NULL,
    task_id   TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (window_id, task_id)
);

-- One row per start; done = 0 while it runs; lease_until: the server moving
-- it forward holds it until then (0: free).
CREATE TABLE maintenance_window_executions (
    execution_id TEXT PRIMARY KEY,
    window_id    TEXT NOT NULL,
    started      BIGINT NOT NULL,
    done         INTEGER NOT NULL,
    lease_until  BIGINT NOT NULL,
    body         TEXT NOT NULL
);

CREATE INDEX maintenance_window_executions_window ON maintenance_window_executions (window_id, started);
CREATE INDEX maintenance_window_executions_open ON maintenance_window_executions (done, started);
CREATE INDEX maintenance_window_executions_running ON maintenance_window_executions (window_id, done);

CREATE TABLE maintenance_window_task_executions (
    execution_id      TEXT NOT NULL,
    task_execution_id TEXT NOT NULL,
    priority          BIGINT NOT NULL,
    body              TEXT NOT NULL,
    PRIMARY KEY (execution_id, task_execution_id)
);

CREATE TABLE maintenance_window_invocations (
    execution_id      TEXT NOT NULL,
    task_execution_id TEXT NOT NULL,
    invocation_id     TEXT NOT NULL,
    seq               BIGINT NOT NULL,
    body              TEXT NOT NULL,
    PRIMARY KEY (execution_id, task_execution_id, invocation_id)
);
