-- A replica as schema version 7 left it, with data: frozen, never regenerated.
-- The migration test opens it with the current code and checks the data.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE audience_members (
    class_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (class_id, group_id)
) WITHOUT ROWID;
CREATE TABLE audiences (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    kind TEXT NOT NULL,           -- 'class' or 'group'
    name TEXT NOT NULL,           -- e.g. '1re B', 'Espagnol LV2 — 2nde 1-2-3'
    member_class_ids TEXT NOT NULL -- JSON array: for a group, the classes it is drawn from
, label TEXT);
INSERT INTO audiences VALUES('aud-2nde1',1,'class','2nde 1','[]',NULL);
CREATE TABLE cached_blobs (
    hash      TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    last_used TEXT NOT NULL       -- RFC 3339
) WITHOUT ROWID;
INSERT INTO cached_blobs VALUES('ab00000000000000000000000000000000000000000000000000000000000000',1024,'2026-11-23T10:00:00Z');
CREATE TABLE change_feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_id TEXT,
    source TEXT NOT NULL,         -- local | remote
    at TEXT NOT NULL
);
INSERT INTO change_feed VALUES(1,'homework','hw-1','local','2026-11-23T10:05:00Z');
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    fields TEXT NOT NULL,         -- JSON: {field: {base, mine, theirs}}
    created_at TEXT NOT NULL
);
INSERT INTO conflicts VALUES('cf-1',1,'homework','hw-2','usr-martin','{"kind":{"base":"test","mine":"presentation","theirs":"reading"}}','2026-11-23T10:07:00Z');
CREATE TABLE course_occurrences (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    course_id TEXT NOT NULL,
    date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    audience_id TEXT NOT NULL,
    room_id TEXT,
    status TEXT NOT NULL,         -- planned | cancelled | moved | replaced
    substitute_id TEXT,           -- the substitute teacher when replaced
    note TEXT                     -- e.g. 'Professeur absent'
, co_teacher_ids TEXT NOT NULL DEFAULT '[]');
INSERT INTO course_occurrences VALUES('occ-1',1,'crs-1','2026-11-23','10:00','11:00','sub-hg','usr-martin','aud-2nde1',NULL,'planned',NULL,NULL,'[]');
CREATE TABLE courses (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    subject_id TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    audience_id TEXT NOT NULL,
    room_id TEXT,
    weekday INTEGER NOT NULL,     -- 1 = Monday … 6 = Saturday
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    week_pattern TEXT NOT NULL,   -- 'every', 'A' or 'B'
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL
, co_teacher_ids TEXT NOT NULL DEFAULT '[]');
CREATE TABLE documents (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    folder TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    owner_id TEXT NOT NULL,
    head_version TEXT,
    hash TEXT                     -- BLAKE3 of the head version
, versions TEXT NOT NULL DEFAULT '[]', shares TEXT NOT NULL DEFAULT '[]', trashed_at TEXT, conflict_of TEXT);
INSERT INTO documents VALUES('doc-1',2,'/Cours','Lumières.pdf','application/pdf',1024,'usr-martin','v-1','ab00000000000000000000000000000000000000000000000000000000000000','[{"id": "v-1", "hash": "ab00000000000000000000000000000000000000000000000000000000000000", "size": 1024, "author": "usr-martin", "createdAt": "2026-11-20T08:00:00Z"}]','[{"to": "aud-2nde1", "canEdit": false}]',NULL,NULL);
CREATE TABLE holidays (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
);
CREATE TABLE homework (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    session_id TEXT,              -- the séance it was given in, if any
    audience_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    given_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    description TEXT NOT NULL,    -- sanitised HTML
    kind TEXT NOT NULL,           -- exercise | reading | test | …
    estimated_minutes INTEGER,
    state TEXT NOT NULL           -- draft | published
, attachments TEXT NOT NULL DEFAULT '[]');
INSERT INTO homework VALUES('hw-0',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','exercise',30,'published','[]');
INSERT INTO homework VALUES('hw-1',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','reading',30,'published','["doc-1"]');
INSERT INTO homework VALUES('hw-2',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','test',30,'published','[]');
INSERT INTO homework VALUES('hw-3',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','presentation',30,'published','[]');
INSERT INTO homework VALUES('hw-4',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','other',30,'published','[]');
INSERT INTO homework VALUES('hw-5',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','exercise',30,'published','[]');
INSERT INTO homework VALUES('hw-6',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','reading',30,'published','[]');
INSERT INTO homework VALUES('hw-7',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','test',30,'published','[]');
INSERT INTO homework VALUES('hw-8',1,'ses-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','2026-11-30','<p>Travail</p>','other',30,'published','[]');
CREATE TABLE mirror (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,           -- JSON object as the server sent it
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
INSERT INTO mirror VALUES('homework','hw-1',1,0,'{"audienceId":"aud-2nde1","subjectId":"sub-hg","teacherId":"usr-martin","givenOn":"2026-11-23","dueOn":"2026-11-30","description":"<p>Lire le chapitre 3</p>","kind":"reading","estimatedMinutes":30,"state":"published","sessionId":null}');
INSERT INTO mirror VALUES('session','ses-1',3,0,'{"title": "Les Lumi\u00e8res", "kind": "lecture"}');
CREATE TABLE mirror_files (
    path        TEXT PRIMARY KEY,      -- relative, "/"-separated
    document_id TEXT NOT NULL UNIQUE,
    hash        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    remote_path TEXT NOT NULL          -- the document's folder/name in the ENT then
) WITHOUT ROWID;
INSERT INTO mirror_files VALUES('Cours/Lumières.pdf','doc-1','ab00000000000000000000000000000000000000000000000000000000000000',1024,1700000000000000000,'/Cours/Lumières.pdf');
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL UNIQUE,   -- UUIDv7; the server applies it at most once
    action TEXT NOT NULL,         -- create | update | delete | resolve
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    base_version INTEGER,         -- server version the edit was made against
    fields TEXT NOT NULL,         -- JSON: {field: {base, new}}
    keep TEXT,                    -- for resolve: mine | theirs
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,  -- pushes that failed for a passing reason
    state TEXT NOT NULL DEFAULT 'pending', -- pending | quarantined
    error_code TEXT,              -- why it was quarantined
    error_message TEXT
);
INSERT INTO outbox VALUES(1,'0190c000-0000-7000-8000-000000000001','update','homework','hw-1',1,'{"kind":{"base":"reading","new":"test"},"estimatedMinutes":{"base":30,"new":45}}',NULL,'2026-11-23T10:05:00Z',0,'pending',NULL,NULL);
INSERT INTO outbox VALUES(2,'0190c000-0000-7000-8000-000000000002','create','homework','hw-9',NULL,'{"kind":{"base":null,"new":"exercise"},"description":{"base":null,"new":"<p>Ex. 4</p>"}}',NULL,'2026-11-23T10:06:00Z',0,'pending',NULL,NULL);
CREATE TABLE pins (
    path TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO pins VALUES('/Cours');
CREATE TABLE rooms (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    code TEXT NOT NULL,           -- e.g. B12
    label TEXT NOT NULL
);
CREATE TABLE schools (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    uai TEXT NOT NULL,            -- national school id (ex-RNE)
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,      -- IANA zone, Europe/Paris
    year_start TEXT NOT NULL,     -- first day of the school year
    year_end TEXT NOT NULL        -- last day of classes
, workload TEXT);
INSERT INTO schools VALUES('sch-1',1,'0750001A','Lycée Condorcet','Europe/Paris','2026-09-01','2027-07-04','{"maxMinutes":60,"maxAssessments":2}');
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    occurrence_id TEXT,           -- the course occurrence it records, if any
    audience_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,        -- sanitised HTML
    annotation TEXT,              -- private note: only in its teacher's replica
    state TEXT NOT NULL,          -- draft | published
    publish_at TEXT               -- RFC 3339, publication time when deferred
, attachments TEXT NOT NULL DEFAULT '[]');
INSERT INTO sessions VALUES('ses-1',3,'occ-1','aud-2nde1','sub-hg','usr-martin','2026-11-23','10:00','11:00','Les Lumières','<p>Montesquieu</p>','à revoir','published',NULL,'[]');
CREATE TABLE subjects (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    code TEXT NOT NULL,           -- management code (e.g. HIGEO)
    label TEXT NOT NULL,
    color TEXT NOT NULL           -- '#rrggbb'
);
INSERT INTO subjects VALUES('sub-hg',1,'HIGEO','Histoire-géographie','#2e86de');
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO sync_state VALUES('cursor','42');
INSERT INTO sync_state VALUES('device','dev-1');
INSERT INTO sync_state VALUES('user_id','usr-martin');
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
INSERT INTO transfers VALUES(1,'up','cd00000000000000000000000000000000000000000000000000000000000000',2048,'doc-1','queued',1024,1024,1,NULL,NULL,'2026-11-23T10:00:00Z');
CREATE TABLE users (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    login TEXT NOT NULL,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,          -- JSON array: teacher, vie_scolaire, direction, inspector, pupil, parent
    audience_ids TEXT NOT NULL,   -- JSON array: audiences taught, or the pupil's class
    subject_ids TEXT NOT NULL     -- JSON array: subjects taught
);
INSERT INTO users VALUES('usr-martin',1,'martin','Claire Martin','["teacher"]','["aud-2nde1"]','["sub-hg"]');
CREATE TABLE visas (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    signer_id TEXT NOT NULL,      -- direction or inspector
    teacher_id TEXT NOT NULL,
    audience_id TEXT NOT NULL,
    until TEXT NOT NULL,
    comment TEXT NOT NULL,
    signed_at TEXT NOT NULL       -- RFC 3339
);
CREATE TABLE weeks (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    monday TEXT NOT NULL,
    week_type TEXT NOT NULL       -- 'A' or 'B'
);
CREATE TABLE lesson_co_teachers (
    occurrence_id TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, teacher_id)
) WITHOUT ROWID;
CREATE TABLE charters (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    number INTEGER NOT NULL,      -- 1, 2…: the latest is the one to accept
    title TEXT NOT NULL,
    text TEXT NOT NULL,           -- Markdown, shown as text
    published_at TEXT NOT NULL    -- RFC 3339, the server's
);
INSERT INTO charters VALUES('charter-1',1,1,'Charte','# Charte\n\nRespect.','2026-09-01T08:00:00Z');
CREATE TABLE charter_acceptances (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    number INTEGER NOT NULL,      -- the version accepted
    accepted_at TEXT NOT NULL     -- RFC 3339, when the user accepted (their device's clock)
);
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
INSERT INTO news VALUES('news-1',1,'u-dir','school',NULL,'Rentrée','Bonne rentrée.','2026-09-01','2026-09-30','2026-08-30T10:00:00Z');
CREATE TABLE news_read (
    news_id TEXT PRIMARY KEY,
    read_at TEXT NOT NULL         -- RFC 3339
) WITHOUT ROWID;
INSERT INTO news_read VALUES('news-1','2026-09-01T09:00:00Z');
CREATE TABLE homework_done (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    homework_id TEXT NOT NULL,
    done TEXT NOT NULL,           -- JSON true | false
    at TEXT NOT NULL              -- RFC 3339, the pupil's device
);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('outbox',2);
INSERT INTO sqlite_sequence VALUES('change_feed',1);
CREATE INDEX users_login ON users(login);
CREATE INDEX rooms_code ON rooms(code);
CREATE INDEX audiences_name ON audiences(name);
CREATE INDEX occurrences_audience_date ON course_occurrences(audience_id, date, start_time);
CREATE INDEX occurrences_teacher_date ON course_occurrences(teacher_id, date, start_time);
CREATE INDEX occurrences_room_date ON course_occurrences(room_id, date, start_time);
CREATE INDEX occurrences_date ON course_occurrences(date, start_time);
CREATE INDEX sessions_audience_date ON sessions(audience_id, date);
CREATE INDEX sessions_teacher_date ON sessions(teacher_id, date);
CREATE INDEX sessions_occurrence ON sessions(occurrence_id);
CREATE INDEX homework_audience_due ON homework(audience_id, due_on);
CREATE INDEX homework_teacher_given ON homework(teacher_id, given_on);
CREATE INDEX homework_session ON homework(session_id);
CREATE INDEX visas_teacher_audience ON visas(teacher_id, audience_id, until);
CREATE INDEX outbox_record ON outbox(kind, record_id);
CREATE INDEX outbox_state ON outbox(state, seq);
CREATE INDEX documents_folder ON documents(folder, name);
CREATE INDEX documents_hash ON documents(hash);
CREATE INDEX transfers_open ON transfers(direction, hash) WHERE state = 'queued';
CREATE INDEX transfers_document ON transfers(document_id) WHERE state != 'done';
CREATE INDEX sessions_with_attachments ON sessions(id) WHERE attachments <> '[]';
CREATE INDEX homework_with_attachments ON homework(id) WHERE attachments <> '[]';
CREATE INDEX lesson_co_teachers_teacher ON lesson_co_teachers(teacher_id, occurrence_id);
CREATE TRIGGER lesson_co_teachers_on_insert AFTER INSERT ON course_occurrences
WHEN NEW.co_teacher_ids <> '[]'
BEGIN
    INSERT OR IGNORE INTO lesson_co_teachers (occurrence_id, teacher_id)
        SELECT NEW.id, value FROM json_each(NEW.co_teacher_ids) WHERE type = 'text';
END;
CREATE TRIGGER lesson_co_teachers_on_update AFTER UPDATE OF co_teacher_ids ON course_occurrences
WHEN OLD.co_teacher_ids IS NOT NEW.co_teacher_ids
BEGIN
    DELETE FROM lesson_co_teachers WHERE occurrence_id = OLD.id;
    INSERT OR IGNORE INTO lesson_co_teachers (occurrence_id, teacher_id)
        SELECT NEW.id, value FROM json_each(NEW.co_teacher_ids) WHERE type = 'text';
END;
CREATE TRIGGER lesson_co_teachers_on_delete AFTER DELETE ON course_occurrences
WHEN OLD.co_teacher_ids <> '[]'
BEGIN
    DELETE FROM lesson_co_teachers WHERE occurrence_id = OLD.id;
END;
CREATE INDEX charters_number ON charters(number);
CREATE INDEX charter_acceptances_user ON charter_acceptances(user_id, number);
CREATE INDEX news_until ON news(until_date);
CREATE INDEX homework_done_homework ON homework_done(homework_id, at);
COMMIT;
PRAGMA user_version=7;
