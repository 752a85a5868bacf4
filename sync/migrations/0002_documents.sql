-- The espace documentaire: versions, shares and trash of documents, attachments of
-- séances and homework; the local content
-- cache; pins; the transfer queue; and the last-synced state of the mirrored folder.

ALTER TABLE documents ADD COLUMN versions TEXT NOT NULL DEFAULT '[]';  -- JSON, immutable entries
ALTER TABLE documents ADD COLUMN shares TEXT NOT NULL DEFAULT '[]';    -- JSON [{to, canEdit}]
ALTER TABLE documents ADD COLUMN trashed_at TEXT;                      -- RFC 3339, in the trash
ALTER TABLE documents ADD COLUMN conflict_of TEXT;                     -- id of the original
CREATE INDEX documents_folder ON documents(folder, name);
-- Documents attached to séances and homework (JSON arrays of document ids).
ALTER TABLE sessions ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE homework ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
CREATE INDEX documents_hash ON documents(hash);

-- Contents held in the cache folder (cache/<ab>/<hash>), by BLAKE3.
CREATE TABLE cached_blobs (
    hash      TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    last_used TEXT NOT NULL       -- RFC 3339
) WITHOUT ROWID;

-- Folders ("/Cours") or documents ("/Cours/fiche.pdf") kept in the cache for offline use.
CREATE TABLE pins (
    path TEXT PRIMARY KEY
) WITHOUT ROWID;

-- The transfer queue, apart from the outbox so a big file never holds up record sync.
-- An upload carries the document op it releases: that op stays out of pushes until the
-- server has the content.
CREATE TABLE transfers (
    id          INTEGER PRIMARY KEY,
    direction   TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    hash        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    document_id TEXT,                  -- the document it is for (uploads)
    state       TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
    done_bytes  INTEGER NOT NULL DEFAULT 0,   -- progress, as the server last confirmed it
    sent_bytes  INTEGER NOT NULL DEFAULT 0,   -- bytes actually sent or received, all tries
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT,                  -- backoff after a failure (RFC 3339)
    error       TEXT,                  -- last error, for people
    created_at  TEXT NOT NULL
);
CREATE INDEX transfers_open ON transfers(direction, hash) WHERE state = 'queued';
CREATE INDEX transfers_document ON transfers(document_id) WHERE state != 'done';

-- The mirrored folder as of the last reconciliation: for each local file, the document it
-- is and the content both sides agreed on (the base of the three-way comparison).
CREATE TABLE mirror_files (
    path        TEXT PRIMARY KEY,      -- relative, "/"-separated
    document_id TEXT NOT NULL UNIQUE,
    hash        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    remote_path TEXT NOT NULL          -- the document's folder/name in the ENT then
) WITHOUT ROWID;
