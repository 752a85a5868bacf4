-- Support reports sent by the apps (« Envoyer un rapport à l'assistance »): a zip the app
-- built without lesson text, names, tokens or passwords. Listed and saved by the school's
-- support staff (`ardoise-server support list|save`). A report sent again (a retried
-- request) keeps its first copy.
CREATE TABLE support_reports (
    id          TEXT PRIMARY KEY,   -- UUID made by the app
    user_id     TEXT NOT NULL,      -- who sent it
    received_at INTEGER NOT NULL,   -- unix seconds
    bundle      BLOB NOT NULL
);
CREATE INDEX support_reports_user ON support_reports(user_id, received_at);

-- The direction's indicators. Who used Ardoise in which week (a login, a token renewed or
-- an edit sent): counted per role, never listed per person.
CREATE TABLE activity (
    user_id TEXT NOT NULL,
    week    TEXT NOT NULL,          -- its Monday, YYYY-MM-DD (Paris)
    PRIMARY KEY (week, user_id)
) WITHOUT ROWID;

-- Every op applied once (not its retries): when it was made on the device (the time in
-- its UUIDv7 id) and when it arrived, how the server took it, and for a resolution which
-- side was kept. Edits made offline are those that arrived long after they were made.
CREATE TABLE op_log (
    op_id       TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    action      TEXT NOT NULL,      -- create | update | delete | resolve
    keep        TEXT,               -- for resolve: mine | theirs
    outcome     TEXT NOT NULL,      -- applied | conflict | rejected
    made_at     INTEGER,            -- unix seconds, from the op id (NULL when not a UUIDv7)
    received_at INTEGER NOT NULL    -- unix seconds
) WITHOUT ROWID;
CREATE INDEX op_log_received ON op_log(received_at);
