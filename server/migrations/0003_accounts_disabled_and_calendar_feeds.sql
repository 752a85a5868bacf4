-- An account the school disables (the person left): when, in unix seconds; NULL while it
-- is active. A disabled account cannot log in, and its devices are told at their next
-- contact, so that they erase its data.
ALTER TABLE accounts ADD COLUMN disabled_at INTEGER;

-- A user's calendar subscription (/ical/<secret>.ics): the SHA-256 of the secret in its
-- address, never the secret. Renewing it replaces the row, and the old address stops
-- working.
CREATE TABLE calendar_feeds (
    user_id     TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
