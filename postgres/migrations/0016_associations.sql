-- State Manager associations (ssm/associations.go). Every table keeps the
-- JSON of its domain record in body, beside the columns queries use.
--
-- associations: the current version of each association; legacy_key
-- (document name and node of the legacy InstanceId form) is unique; next_run
-- is when the scheduler runs it next (0: not scheduled; a claim moves it
-- forward as a lease).
CREATE TABLE associations (
    association_id TEXT COLLATE "C" PRIMARY KEY,
    version        BIGINT NOT NULL,
    legacy_key     TEXT UNIQUE,
    next_run       BIGINT NOT NULL,
    last_execution BIGINT NOT NULL,
    last_success   BIGINT NOT NULL,
    body           TEXT NOT NULL
);

CREATE INDEX associations_due ON associations (next_run);

CREATE TABLE association_versions (
    association_id TEXT COLLATE "C" NOT NULL,
    version        BIGINT NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (association_id, version)
);

-- One row per run; seq orders an association's runs; done = 0 while its
-- command runs.
CREATE TABLE association_executions (
    seq            BIGINT NOT NULL,
    association_id TEXT COLLATE "C" NOT NULL,
    execution_id   TEXT NOT NULL,
    created        BIGINT NOT NULL,
    done           INTEGER NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (association_id, execution_id)
);

CREATE INDEX association_executions_open ON association_executions (done, created);

-- A node's status in one execution.
CREATE TABLE association_targets (
    association_id TEXT COLLATE "C" NOT NULL,
    execution_id   TEXT NOT NULL,
    node_id        TEXT COLLATE "C" NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (association_id, execution_id, node_id)
);

-- A node's latest status in an association (DescribeInstanceAssociationsStatus);
-- limited = 1 when the node was over the per-node limit for it.
CREATE TABLE association_nodes (
    association_id TEXT COLLATE "C" NOT NULL,
    node_id        TEXT COLLATE "C" NOT NULL,
    execution_id   TEXT NOT NULL,
    limited        INTEGER NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (association_id, node_id)
);

CREATE INDEX association_nodes_by_node ON association_nodes (node_id, association_id);
