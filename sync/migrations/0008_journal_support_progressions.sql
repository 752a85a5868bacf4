-- Support reports (rapports à l'assistance) made on this device: sent with the next sync,
-- kept once sent so the help page can say when.
CREATE TABLE support_reports (
    id         TEXT PRIMARY KEY,   -- UUID, the server's key (a report sent twice is stored once)
    created_at TEXT NOT NULL,      -- RFC 3339
    bundle     BLOB NOT NULL,      -- the zip
    sent_at    TEXT,               -- RFC 3339; NULL while it waits
    refused    TEXT                -- the error code when the ENT refused it for good
);

-- A teacher's progressions (protocol 3): her planned séances for a subject and a level,
-- applied to a class as drafts on its next lessons. Only her own reach her replica.
CREATE TABLE progressions (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    teacher_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    level TEXT NOT NULL,          -- « 2nde », « 1re »…
    title TEXT NOT NULL,
    steps TEXT NOT NULL           -- JSON: [{title, content, homework?}]
);
-- A replica that synced before this version was never sent progressions (the server
-- hides them from protocol 2): its next sync takes them from a snapshot (ADR 0019).
INSERT INTO sync_state (key, value)
SELECT 'catch_up', 'progression' FROM sync_state WHERE key = 'cursor' AND value != '0';
