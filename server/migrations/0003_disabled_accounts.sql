-- An account the school disables (the person left): when, in unix seconds; NULL while it
-- is active. A disabled account cannot log in, and its devices are told at their next
-- contact, so that they erase its data.
ALTER TABLE accounts ADD COLUMN disabled_at INTEGER;
