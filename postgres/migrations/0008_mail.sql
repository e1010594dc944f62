-- Mail kept by the built-in catcher (used when no SMTP relay is configured):
-- the latest mails only (the catcher deletes older ones as it inserts).
-- seq orders them (newest first) and positions list pages; id is the UUID
-- users see. subject and body are stored as bytes so both engines keep any
-- UTF-8 (PostgreSQL TEXT refuses NUL); mail_to is a JSON array; raw is the
-- RFC 5322 message as a relay would have received it.
CREATE TABLE caught_mail (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    caught_at  BIGINT NOT NULL,
    message_id TEXT COLLATE "C" NOT NULL,
    mail_from  TEXT COLLATE "C" NOT NULL,
    mail_to    TEXT COLLATE "C" NOT NULL,
    subject    BYTEA NOT NULL,
    size       INTEGER NOT NULL,
    body       BYTEA NOT NULL,
    raw        BYTEA NOT NULL
);
