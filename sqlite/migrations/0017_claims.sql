-- Periodic jobs that must run once per period across replicas (the per-node
-- health metric, once a minute): the last period claimed, per job.
CREATE TABLE periodic_claims (
    name   TEXT NOT NULL PRIMARY KEY,
    period BIGINT NOT NULL
);
