-- The store on PostgreSQL, at the state of the SQLite store's migration 0005: the same
-- tables and columns, in PostgreSQL's types (BIGINT for every integer, BOOLEAN for flags,
-- JSONB for a record's data, BYTEA for a bundle). Never edit once shipped: add a file.

CREATE TABLE records (
    kind        TEXT NOT NULL,                -- EntityKind wire name
    id          TEXT NOT NULL,                -- record id
    version     BIGINT NOT NULL,              -- bumped on each change, from 1
    change_seq  BIGINT NOT NULL UNIQUE,       -- feed position of its last change
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    ever_public BOOLEAN NOT NULL DEFAULT FALSE,
    data        JSONB NOT NULL,               -- JSON object, validated by ardoise-protocol
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_kind_live ON records (kind) WHERE NOT deleted;
-- The snapshot's order: byte order of the texts, absent fields first.
CREATE INDEX records_snapshot_order ON records (
    kind COLLATE "C",
    (data ->> 'date') COLLATE "C" NULLS FIRST,
    (data ->> 'start') COLLATE "C" NULLS FIRST,
    (data ->> 'givenOn') COLLATE "C" NULLS FIRST,
    id COLLATE "C") WHERE NOT deleted;

-- The feed's counter: one row, taken FOR UPDATE by every write transaction before it
-- writes anything and held until it commits, so positions are handed out in commit order
-- (docs/adr/0023).
CREATE TABLE seq (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
INSERT INTO seq (id, value) VALUES (1, 0);

CREATE TABLE applied_ops (
    user_id TEXT NOT NULL,
    op_id   TEXT NOT NULL,
    result  TEXT NOT NULL,                    -- OpResult as JSON
    PRIMARY KEY (user_id, op_id)
);
CREATE TABLE accounts (
    user_id               TEXT PRIMARY KEY,
    login                 TEXT NOT NULL UNIQUE,
    password_hash         TEXT NOT NULL,
    disabled_at           BIGINT,
    activation_expires_at BIGINT
);
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,                 -- access | refresh
    user_id    TEXT NOT NULL,
    expires_at BIGINT NOT NULL,               -- unix seconds
    session_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_session ON tokens (session_id);
CREATE INDEX tokens_expiry ON tokens (expires_at);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE blob_grants (
    hash    TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (hash, user_id)
);
CREATE INDEX blob_grants_user ON blob_grants (user_id);
CREATE TABLE uploads (
    user_id    TEXT NOT NULL,
    hash       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    touched_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, hash)
);
CREATE INDEX uploads_touched ON uploads (touched_at);
CREATE INDEX uploads_hash ON uploads (hash);
CREATE TABLE document_blobs (
    hash        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    PRIMARY KEY (hash, document_id)
);
CREATE INDEX document_blobs_document ON document_blobs (document_id);
CREATE TABLE login_throttle (
    key     TEXT PRIMARY KEY,
    count   BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
CREATE TABLE devices (
    user_id   TEXT NOT NULL,
    hash      TEXT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (user_id, hash)
);
CREATE TABLE calendar_feeds (
    user_id     TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE support_reports (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    bundle      BYTEA NOT NULL
);
CREATE INDEX support_reports_user ON support_reports (user_id, received_at);
CREATE TABLE activity (
    user_id TEXT NOT NULL,
    week    TEXT NOT NULL,
    PRIMARY KEY (week, user_id)
);
CREATE TABLE op_log (
    op_id       TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    keep        TEXT,
    outcome     TEXT NOT NULL,
    made_at     BIGINT,
    received_at BIGINT NOT NULL
);
CREATE INDEX op_log_received ON op_log (received_at);
