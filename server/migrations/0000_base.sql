-- Schema version 0: the store as the server first shipped it, before numbered migrations.
-- A new store starts here; every file after it brings version i to i + 1.
-- Every record of the school, one row per (kind, id), holding its latest version.
CREATE TABLE records (
    kind        TEXT NOT NULL,     -- EntityKind wire name
    id          TEXT NOT NULL,     -- record id
    version     INTEGER NOT NULL,  -- bumped on each change, from 1
    change_seq  INTEGER NOT NULL UNIQUE, -- global sequence of its last change
    deleted     INTEGER NOT NULL DEFAULT 0,  -- tombstone
    ever_public INTEGER NOT NULL DEFAULT 0,  -- was published once (readers must see its removal)
    data        TEXT NOT NULL,     -- JSON object, validated by ardoise-protocol
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX records_kind_live ON records(kind) WHERE deleted = 0;
-- Snapshots are read in this order and streamed as they are read (a day's lessons together).
CREATE INDEX records_snapshot_order ON records(
    kind, json_extract(data, '$.date'), json_extract(data, '$.start'),
    json_extract(data, '$.givenOn'), id) WHERE deleted = 0;
-- The single counter behind change_seq: incremented inside each write transaction.
CREATE TABLE seq (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO seq (id, value) VALUES (1, 0);
-- Idempotency: the answer to each op id, written with its effect.
CREATE TABLE applied_ops (
    op_id   TEXT PRIMARY KEY,  -- UUID made by the client
    user_id TEXT NOT NULL,     -- who sent it
    result  TEXT NOT NULL      -- OpResult as JSON
) WITHOUT ROWID;
-- Logins and their argon2id hashes (never synced).
CREATE TABLE accounts (
    user_id       TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);
-- Issued tokens, by SHA-256 of the token (the token itself is never stored).
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,     -- access | refresh
    user_id    TEXT NOT NULL,
    expires_at INTEGER NOT NULL   -- unix seconds
);
-- Stored blobs (document contents, by BLAKE3), and who uploaded each: an uploader may read
-- back what they sent; anyone else needs a readable document with that version.
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE blob_grants (
    hash    TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (hash, user_id)
) WITHOUT ROWID;
-- Open uploads; their offset is the length of their file on disk (the truth).
CREATE TABLE uploads (
    user_id    TEXT NOT NULL,
    hash       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,  -- unix seconds
    PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;
-- Finds the documents holding a version of a blob (download access).
CREATE TABLE document_blobs (
    hash        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    PRIMARY KEY (hash, document_id)
) WITHOUT ROWID;
-- Failed logins, to slow down password guessing.
CREATE TABLE login_failures (
    login   TEXT PRIMARY KEY,
    count   INTEGER NOT NULL,
    last_at INTEGER NOT NULL      -- unix seconds
);
