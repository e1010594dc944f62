-- SSM documents. documents holds what a document's versions share, with
-- pointers to its default and latest versions; document_versions holds every
-- version with its content (in the format it was written in) and what
-- DescribeDocument derives from it, so no read parses content. Text compares
-- bytewise (SQLite BINARY, PostgreSQL COLLATE "C"), so name order and
-- prefix ranges agree between the engines.
--
-- owner is the account ID, or 'Amazon' for the documents Steward ships.
-- max_version is the highest version number ever assigned (numbers are not
-- reused after a version is deleted). Tags live in the tags table
-- (resource_type 'Document', resource_id the name).
CREATE TABLE documents (
    name            TEXT NOT NULL PRIMARY KEY,
    owner           TEXT NOT NULL,
    document_type   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    default_version BIGINT NOT NULL,
    latest_version  BIGINT NOT NULL,
    max_version     BIGINT NOT NULL
);

-- ListDocuments with an Owner filter (Self, Amazon) and the quota count.
CREATE INDEX documents_owner ON documents (owner, name);

-- platforms is a bit set: 1 Windows, 2 Linux, 4 MacOS. parameters and
-- requires are JSON arrays ('' for none).
CREATE TABLE document_versions (
    name           TEXT NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    version_name   TEXT,
    display_name   TEXT NOT NULL,
    content        TEXT NOT NULL,
    format         TEXT NOT NULL,
    hash           TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    description    TEXT NOT NULL,
    parameters     TEXT NOT NULL,
    platforms      INTEGER NOT NULL,
    target_type    TEXT NOT NULL,
    requires       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (name, version)
);

-- A version name is unique among a document's versions (NULLs are distinct).
CREATE UNIQUE INDEX document_versions_version_name ON document_versions (name, version_name);
