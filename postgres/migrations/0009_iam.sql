-- IAM roles and customer managed policies. IAM names are unique regardless
-- of case: role_key and policy_key are the lower-cased names (the name
-- column keeps the case it was created with). Documents are stored as
-- written; size is what IAM counts against its quotas (characters other
-- than white space). tags is a JSON array of {"Key","Value"} in the order
-- the tags were added. Text compares bytewise (SQLite BINARY, PostgreSQL
-- COLLATE "C"), so listings come in the same order on both engines.
--
-- boundary_arn is a role's permissions boundary as given ('' for none) and
-- boundary_key the policy_key it names, for usage counts.
CREATE TABLE iam_roles (
    role_key             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name                 TEXT COLLATE "C" NOT NULL,
    role_id              TEXT COLLATE "C" NOT NULL UNIQUE,
    path                 TEXT COLLATE "C" NOT NULL,
    trust_policy         TEXT COLLATE "C" NOT NULL,
    description          TEXT COLLATE "C" NOT NULL,
    max_session_duration INTEGER NOT NULL,
    boundary_arn         TEXT COLLATE "C" NOT NULL,
    boundary_key         TEXT COLLATE "C" NOT NULL,
    tags                 TEXT COLLATE "C" NOT NULL,
    created_at           BIGINT NOT NULL
);

CREATE INDEX iam_roles_boundary ON iam_roles (boundary_key);

CREATE TABLE iam_role_policies (
    role_key   TEXT COLLATE "C" NOT NULL REFERENCES iam_roles (role_key) ON DELETE CASCADE,
    policy_key TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    document   TEXT COLLATE "C" NOT NULL,
    size       INTEGER NOT NULL,
    PRIMARY KEY (role_key, policy_key)
);

-- default_version and next_version are version numbers (the API's "v3").
CREATE TABLE iam_policies (
    policy_key      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name            TEXT COLLATE "C" NOT NULL,
    policy_id       TEXT COLLATE "C" NOT NULL UNIQUE,
    path            TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C" NOT NULL,
    default_version BIGINT NOT NULL,
    next_version    BIGINT NOT NULL,
    tags            TEXT COLLATE "C" NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE iam_policy_versions (
    policy_key TEXT COLLATE "C" NOT NULL REFERENCES iam_policies (policy_key) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    document   TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_key, version)
);

-- A policy cannot be deleted while attached (no cascade from iam_policies).
CREATE TABLE iam_role_attachments (
    role_key   TEXT COLLATE "C" NOT NULL REFERENCES iam_roles (role_key) ON DELETE CASCADE,
    policy_key TEXT COLLATE "C" NOT NULL REFERENCES iam_policies (policy_key),
    PRIMARY KEY (role_key, policy_key)
);

CREATE INDEX iam_role_attachments_policy ON iam_role_attachments (policy_key);
