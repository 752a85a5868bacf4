-- Hostile clients (issue 13): op ids scoped to their author; tokens grouped by login
-- session (logout revokes them all); failed logins counted per throttle key (account and
-- address, or known device) and forgotten after a day; devices that logged in; blobs
-- dated, so those no document holds are collected after a grace.
CREATE TABLE applied_ops_by_user (
    user_id TEXT NOT NULL,
    op_id   TEXT NOT NULL,
    result  TEXT NOT NULL,
    PRIMARY KEY (user_id, op_id)
) WITHOUT ROWID;
INSERT INTO applied_ops_by_user (user_id, op_id, result)
    SELECT user_id, op_id, result FROM applied_ops;
DROP TABLE applied_ops;
ALTER TABLE applied_ops_by_user RENAME TO applied_ops;
ALTER TABLE tokens ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
-- Tokens issued before sessions: one session per user (a logout ends them all).
UPDATE tokens SET session_id = 'legacy:' || user_id;
CREATE INDEX tokens_session ON tokens(session_id);
CREATE INDEX tokens_expiry ON tokens(expires_at);
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    key     TEXT PRIMARY KEY,     -- "acct:<login>@<address>" or "dev:<device hash>"
    count   INTEGER NOT NULL,
    last_at INTEGER NOT NULL      -- unix seconds
) WITHOUT ROWID;
CREATE TABLE devices (
    user_id   TEXT NOT NULL,
    hash      TEXT NOT NULL,      -- SHA-256 of the device token
    last_seen INTEGER NOT NULL,   -- unix seconds
    PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;
ALTER TABLE blobs ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
-- Blobs already there get their grace from now: one whose document op is still to
-- come is not collected at the first pass.
UPDATE blobs SET created_at = CAST(strftime('%s', 'now') AS INTEGER);
-- An upload expires after its last chunk, not after it was opened.
ALTER TABLE uploads ADD COLUMN touched_at INTEGER NOT NULL DEFAULT 0;
UPDATE uploads SET touched_at = CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX uploads_touched ON uploads(touched_at);
CREATE INDEX document_blobs_document ON document_blobs(document_id);
