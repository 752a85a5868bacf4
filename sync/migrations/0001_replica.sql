-- Migration 0001: the replica of the school, as one user may read it.
--
-- Entity tables hold the LOCAL view: the last server copy with this user's pending edits
-- applied on top. Every entity table has:
--   id       the record id (client-made UUIDv7 for records created here)
--   version  the server version this row builds on (0: created here, never acknowledged)
-- The other columns are the record's fields, named after the camelCase wire names in
-- snake_case (start/end times are start_time/end_time, dates of a range start_date/end_date).
-- Lists (roles, ids) are JSON arrays in TEXT. Dates are 'YYYY-MM-DD', times 'HH:MM',
-- in the school's time zone (Europe/Paris).

-- Key/value state of the sync engine: cursor (last change_seq applied), last_sync (RFC 3339),
-- user_id and login of the profile's user.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The établissement.
CREATE TABLE schools (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    uai TEXT NOT NULL,            -- national school id (ex-RNE)
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,      -- IANA zone, Europe/Paris
    year_start TEXT NOT NULL,     -- first day of the school year
    year_end TEXT NOT NULL        -- last day of classes
);

-- School weeks; id is the Monday. Holiday weeks have no row.
CREATE TABLE weeks (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    monday TEXT NOT NULL,
    week_type TEXT NOT NULL       -- 'A' or 'B'
);

-- Holiday periods, both ends included.
CREATE TABLE holidays (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
);

-- People with accounts (no passwords: those never leave the server).
CREATE TABLE users (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    login TEXT NOT NULL,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,          -- JSON array: teacher, vie_scolaire, direction, inspector, pupil, parent
    audience_ids TEXT NOT NULL,   -- JSON array: audiences taught, or the pupil's class
    subject_ids TEXT NOT NULL     -- JSON array: subjects taught
);
CREATE INDEX users_login ON users(login);

-- Matières.
CREATE TABLE subjects (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    code TEXT NOT NULL,           -- management code (e.g. HIGEO)
    label TEXT NOT NULL,
    color TEXT NOT NULL           -- '#rrggbb'
);

-- Salles.
CREATE TABLE rooms (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    code TEXT NOT NULL,           -- e.g. B12
    label TEXT NOT NULL
);
CREATE INDEX rooms_code ON rooms(code);

-- Classes and groups.
CREATE TABLE audiences (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    kind TEXT NOT NULL,           -- 'class' or 'group'
    name TEXT NOT NULL,           -- e.g. '1re B', 'Espagnol LV2 — 2nde 1-2-3'
    member_class_ids TEXT NOT NULL -- JSON array: for a group, the classes it is drawn from
);
CREATE INDEX audiences_name ON audiences(name);

-- Derived from audiences.member_class_ids, kept in step by the replica: which groups draw
-- from which class, so "the timetable of 1re B" includes its groups' courses.
CREATE TABLE audience_members (
    class_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (class_id, group_id)
) WITHOUT ROWID;

-- Recurring timetable slots.
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
);

-- Dated occurrences of courses: what the timetable views read.
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
);
CREATE INDEX occurrences_audience_date ON course_occurrences(audience_id, date, start_time);
CREATE INDEX occurrences_teacher_date ON course_occurrences(teacher_id, date, start_time);
CREATE INDEX occurrences_room_date ON course_occurrences(room_id, date, start_time);
CREATE INDEX occurrences_date ON course_occurrences(date, start_time);

-- Séances of the cahier de textes.
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
);
CREATE INDEX sessions_audience_date ON sessions(audience_id, date);
CREATE INDEX sessions_teacher_date ON sessions(teacher_id, date);
CREATE INDEX sessions_occurrence ON sessions(occurrence_id);

-- Travail à faire.
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
);
CREATE INDEX homework_audience_due ON homework(audience_id, due_on);
CREATE INDEX homework_teacher_given ON homework(teacher_id, given_on);
CREATE INDEX homework_session ON homework(session_id);

-- Visas: a logbook signed off up to a date (included) is locked.
CREATE TABLE visas (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    signer_id TEXT NOT NULL,      -- direction or inspector
    teacher_id TEXT NOT NULL,
    audience_id TEXT NOT NULL,
    until TEXT NOT NULL,
    comment TEXT NOT NULL,
    signed_at TEXT NOT NULL       -- RFC 3339
);
CREATE INDEX visas_teacher_audience ON visas(teacher_id, audience_id, until);

-- Metadata of documents (contents: a later migration).
CREATE TABLE documents (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    folder TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    owner_id TEXT NOT NULL,
    head_version TEXT,
    hash TEXT                     -- BLAKE3 of the head version
);

-- Conflict revisions of this user's edits, synced from the server until resolved.
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    fields TEXT NOT NULL,         -- JSON: {field: {base, mine, theirs}}
    created_at TEXT NOT NULL
);

-- The merge base: the last server copy of each record that has pending local changes.
-- Written when a record is first edited here, refreshed by pulls while edits are pending,
-- removed once no edit is pending. (Records without local changes need no second copy: the
-- entity row is the server copy.)
CREATE TABLE mirror (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,           -- JSON object as the server sent it
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

-- Local edits waiting to go up, in the order they were made. Written in the same
-- transaction as the entity row they change.
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
CREATE INDEX outbox_record ON outbox(kind, record_id);
CREATE INDEX outbox_state ON outbox(state, seq);

-- What changed, for the UI: one row per record (or per kind with record_id NULL after a
-- bulk apply), with its source, so a view refreshes without echoing its own writes.
CREATE TABLE change_feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_id TEXT,
    source TEXT NOT NULL,         -- local | remote
    at TEXT NOT NULL
);
