-- A server store as schema version 4 left it, with data: frozen, never regenerated.
-- The migration test opens it with the current code and checks the data.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE accounts (
    user_id       TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
, disabled_at INTEGER, activation_expires_at INTEGER);
INSERT INTO accounts VALUES('usr-martin','martin','$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0000000000000000000000000000000000000000000',NULL,NULL);
CREATE TABLE IF NOT EXISTS "applied_ops" (
        user_id TEXT NOT NULL,
        op_id   TEXT NOT NULL,
        result  TEXT NOT NULL,
        PRIMARY KEY (user_id, op_id)
    ) WITHOUT ROWID;
INSERT INTO applied_ops VALUES('usr-martin','0190c000-0000-7000-8000-000000000001','{"opId":"0190c000-0000-7000-8000-000000000001","outcome":"applied","version":3}');
CREATE TABLE blob_grants (
    hash    TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (hash, user_id)
) WITHOUT ROWID;
INSERT INTO blob_grants VALUES('ab00000000000000000000000000000000000000000000000000000000000000','usr-martin');
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL
, created_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
INSERT INTO blobs VALUES('ab00000000000000000000000000000000000000000000000000000000000000',1024,1796019260);
CREATE TABLE devices (
        user_id   TEXT NOT NULL,
        hash      TEXT NOT NULL,      -- SHA-256 of the device token
        last_seen INTEGER NOT NULL,   -- unix seconds
        PRIMARY KEY (user_id, hash)
    ) WITHOUT ROWID;
INSERT INTO devices VALUES('usr-martin','dd00000000000000000000000000000000000000000000000000000000000000',1700000000);
CREATE TABLE document_blobs (
    hash        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    PRIMARY KEY (hash, document_id)
) WITHOUT ROWID;
INSERT INTO document_blobs VALUES('ab00000000000000000000000000000000000000000000000000000000000000','doc-1');
CREATE TABLE login_throttle (
        key     TEXT PRIMARY KEY,     -- "acct:<login>@<address>" or "dev:<device hash>"
        count   INTEGER NOT NULL,
        last_at INTEGER NOT NULL      -- unix seconds
    ) WITHOUT ROWID;
INSERT INTO login_throttle VALUES('acct:leroy@127.0.0.1',2,1700000000);
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
INSERT INTO records VALUES('conflict','cf-1',1,11,0,0,'{"recordKind":"homework","recordId":"hw-2","authorId":"usr-martin","fields":{"kind":{"base":"test","mine":"presentation","theirs":"reading"}},"createdAt":"2026-11-23T10:07:00Z"}');
INSERT INTO records VALUES('conflict','cf-2',1,12,0,0,'{"recordKind": "session", "recordId": "ses-1", "authorId": "usr-martin", "fields": {"kind": {"base": "lecture", "mine": "x", "theirs": "y"}}, "createdAt": "2026-11-23T10:07:00Z"}');
INSERT INTO records VALUES('document','doc-1',2,13,0,1,'{"folder": "/Cours", "name": "Lumières.pdf", "mediaType": "application/pdf", "size": 1024, "ownerId": "usr-martin", "headVersion": "v-1", "versions": [{"id": "v-1", "hash": "ab00000000000000000000000000000000000000000000000000000000000000", "size": 1024, "author": "usr-martin", "createdAt": "2026-11-20T08:00:00Z"}], "shares": [], "trashedAt": null, "conflictOf": null}');
INSERT INTO records VALUES('homework','hw-0',1,2,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"exercise","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-1',1,3,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"reading","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-2',1,4,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"test","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-3',1,5,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"presentation","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-4',1,6,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"other","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-5',1,7,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"exercise","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-6',1,8,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"reading","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-7',1,9,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"test","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-8',1,10,0,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"other","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('homework','hw-gone',4,14,1,1,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Travail</p>","kind":"reading","estimatedMinutes":30,"state":"published","attachments":[]}');
INSERT INTO records VALUES('session','ses-1',3,1,0,1,'{"audienceId": "aud-2nde1", "subjectId": "sub-hg", "teacherId": "usr-martin", "date": "2026-11-23", "start": "10:00", "end": "11:00", "title": "Les Lumières", "content": "<p>Montesquieu</p>", "annotation": "à revoir", "state": "published", "occurrenceId": null, "publishAt": null, "attachments": []}');
CREATE TABLE seq (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO seq VALUES(1,14);
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,     -- access | refresh
    user_id    TEXT NOT NULL,
    expires_at INTEGER NOT NULL   -- unix seconds
, session_id TEXT NOT NULL DEFAULT '');
INSERT INTO tokens VALUES('h-access','access','usr-martin',4102444800,'legacy:usr-martin');
INSERT INTO tokens VALUES('h-refresh','refresh','usr-martin',4102444800,'legacy:usr-martin');
INSERT INTO tokens VALUES('h-session','access','usr-martin',4102444800,'sess-1');
CREATE TABLE uploads (
    user_id    TEXT NOT NULL,
    hash       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL, touched_at INTEGER NOT NULL DEFAULT 0,  -- unix seconds
    PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;
INSERT INTO uploads VALUES('usr-martin','cd00000000000000000000000000000000000000000000000000000000000000',4096,1700000000,1796019260);
CREATE TABLE calendar_feeds (
    user_id     TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
INSERT INTO calendar_feeds VALUES('usr-martin','f00dfeed',1735689600);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings VALUES('zone','C');
CREATE INDEX records_kind_live ON records(kind) WHERE deleted = 0;
CREATE INDEX records_snapshot_order ON records(
    kind, json_extract(data, '$.date'), json_extract(data, '$.start'),
    json_extract(data, '$.givenOn'), id) WHERE deleted = 0;
CREATE INDEX tokens_session ON tokens(session_id);
CREATE INDEX tokens_expiry ON tokens(expires_at);
CREATE INDEX uploads_touched ON uploads(touched_at);
CREATE INDEX document_blobs_document ON document_blobs(document_id);
COMMIT;
PRAGMA user_version=4;
