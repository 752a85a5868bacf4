-- The school's usage charter (protocol 2): its versions, and the acceptances this replica
-- may read (one's own; the direction's replica, everyone's). Replicas synced before this
-- version have none: the server refused their protocol 1 once it had a charter to send,
-- so nothing of the charter was skipped, and the next pull brings it.
CREATE TABLE charters (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    number INTEGER NOT NULL,      -- 1, 2…: the latest is the one to accept
    title TEXT NOT NULL,
    text TEXT NOT NULL,           -- Markdown, shown as text
    published_at TEXT NOT NULL    -- RFC 3339, the server's
);
CREATE INDEX charters_number ON charters(number);

CREATE TABLE charter_acceptances (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    number INTEGER NOT NULL,      -- the version accepted
    accepted_at TEXT NOT NULL     -- RFC 3339, when the user accepted (their device's clock)
);
CREATE INDEX charter_acceptances_user ON charter_acceptances(user_id, number);

-- The school's news (protocol 2), as this replica may read them: for the school, for the
-- staff, or for one class or group. An item leaves the replica once its last day is past.
CREATE TABLE news (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    author_id TEXT NOT NULL,
    audience TEXT NOT NULL,       -- school | staff | class
    audience_id TEXT,             -- the class or group, for 'class'
    title TEXT NOT NULL,
    text TEXT NOT NULL,           -- Markdown, shown as text
    from_date TEXT NOT NULL,      -- first day shown
    until_date TEXT NOT NULL,     -- last day shown
    created_at TEXT NOT NULL      -- RFC 3339
);
CREATE INDEX news_until ON news(until_date);

-- Which news this device has shown its user (unread marks). Kept here only, never sent.
CREATE TABLE news_read (
    news_id TEXT PRIMARY KEY,
    read_at TEXT NOT NULL         -- RFC 3339
) WITHOUT ROWID;

-- A pupil's « fait » ticks (protocol 2), in this replica only for its own pupil: each
-- tick or untick is a record; the latest (by `at`, then id) says whether it is done.
CREATE TABLE homework_done (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    homework_id TEXT NOT NULL,
    done TEXT NOT NULL,           -- JSON true | false
    at TEXT NOT NULL              -- RFC 3339, the pupil's device
);
CREATE INDEX homework_done_homework ON homework_done(homework_id, at);
