-- The school's settings, set by its administrator (`ardoise-server config set`): its
-- holiday zone, for now.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- An account waiting for its first login: until when its one-time activation code works
-- (unix seconds). While it is set, password_hash holds the code's hash, and the login
-- made with the code must choose the password. NULL once the person has chosen one.
ALTER TABLE accounts ADD COLUMN activation_expires_at INTEGER;
