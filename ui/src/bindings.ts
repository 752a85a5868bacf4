// Generated from the Rust types by `make bindings` (src-tauri/src/bindings.rs).
// Do not edit: a test fails when this file and the Rust types disagree.

export type Role = "teacher" | "vie_scolaire" | "direction" | "inspector" | "pupil" | "parent";

export type PublishState = "draft" | "published";

export type SyncStatus = { 
/**
 * The ENT answered the last probe.
 */
online: boolean, 
/**
 * A sync is running.
 */
syncing: boolean, 
/**
 * Local edits waiting to go up.
 */
pending: number, 
/**
 * Edits refused for good, kept for the user to see.
 */
quarantined: number, 
/**
 * Open conflict revisions.
 */
conflicts: number, 
/**
 * End of the last complete sync (RFC 3339).
 */
lastSync: string | null, 
/**
 * Last change applied.
 */
cursor: number, 
/**
 * What the running sync has done so far, while it runs.
 */
progress: SyncProgress | null, 
/**
 * Where the replica's key is kept: `file` means no keyring protects it (shown).
 */
keyStorage: KeyStorage, };

export type SyncProgress = { 
/**
 * "push", "snapshot" (first sync: the whole school at once), "pull", or "upload" /
 * "download" (bytes of the file under way).
 */
phase: string, 
/**
 * Ops sent, or records received, in this sync.
 */
done: number, 
/**
 * Ops to send when pushing; unknown while receiving.
 */
total: number | null, };

export type KeyStorage = "keyring" | "file" | "none";

export type OccurrenceView = { 
/**
 * Occurrence id.
 */
id: string, 
/**
 * Date, YYYY-MM-DD.
 */
date: string, 
/**
 * Start, HH:MM.
 */
start: string, 
/**
 * End, HH:MM.
 */
end: string, 
/**
 * Subject label.
 */
subject: string, 
/**
 * Subject colour.
 */
subjectColor: string, 
/**
 * Audience name.
 */
audience: string, 
/**
 * Teacher's name.
 */
teacher: string, 
/**
 * Room code.
 */
room: string | null, 
/**
 * planned | cancelled | moved | replaced.
 */
status: "planned" | "cancelled" | "moved" | "replaced", 
/**
 * Substitute's name when replaced.
 */
substitute: string | null, 
/**
 * Note (reason of a cancellation…).
 */
note: string | null, };

export type Target = { 
/**
 * audience, teacher or room.
 */
kind: "audience" | "teacher" | "room", 
/**
 * What to pass back: audience name, teacher login, room code.
 */
key: string, 
/**
 * What to show.
 */
label: string, };

export type CommandError = { 
/**
 * Stable code, e.g. `logbook.visa_locked`.
 */
code: string, 
/**
 * For people, in French.
 */
message: string, };

export type WeekView = { 
/**
 * Monday of the week.
 */
monday: string, 
/**
 * Semaine A or B (None in holidays).
 */
weekType: string | null, 
/**
 * Who is shown.
 */
userName: string, 
/**
 * Lessons, Monday to Saturday.
 */
occurrences: Array<OccurrenceView>, 
/**
 * Occurrence id → id of its séance, for lessons already written.
 */
sessionsByOccurrence: { [key in string]: string }, };

export type Me = { 
/**
 * Login.
 */
login: string, 
/**
 * Name to show.
 */
displayName: string, 
/**
 * Roles (teacher, vie_scolaire, direction…).
 */
roles: Array<Role>, };

export type DayOf = { "kind": "audience", "key": string } | { "kind": "teacher", "key": string } | { "kind": "room", "key": string } | { "kind": "everyone" };

export type SessionView = { 
/**
 * Séance id.
 */
id: string, 
/**
 * Version the replica holds.
 */
version: number, 
/**
 * The lesson it was written for.
 */
occurrenceId: string | null, 
/**
 * Class or group id.
 */
audienceId: string, 
/**
 * Class or group name.
 */
audience: string, 
/**
 * Subject id.
 */
subjectId: string, 
/**
 * Subject label.
 */
subject: string, 
/**
 * Teacher id.
 */
teacherId: string, 
/**
 * Date, YYYY-MM-DD.
 */
date: string, 
/**
 * Start, HH:MM.
 */
start: string, 
/**
 * End, HH:MM.
 */
end: string, 
/**
 * Title.
 */
title: string, 
/**
 * Content, sanitised HTML.
 */
content: string, 
/**
 * The teacher's private note (only the teacher sees it).
 */
annotation: string | null, 
/**
 * Draft or published.
 */
state: PublishState, 
/**
 * Signed off by a visa: read-only.
 */
locked: boolean, 
/**
 * Documents attached (ids; the Documents list names them).
 */
attachments: Array<string>, 
/**
 * Homework given with it.
 */
homework: Array<HomeworkView>, };

export type HomeworkView = { 
/**
 * Homework id.
 */
id: string, 
/**
 * Version the replica holds.
 */
version: number, 
/**
 * The séance it was given with.
 */
sessionId: string | null, 
/**
 * Given on, YYYY-MM-DD.
 */
givenOn: string, 
/**
 * Due on, YYYY-MM-DD.
 */
dueOn: string, 
/**
 * What to do, sanitised HTML.
 */
description: string, 
/**
 * exercice, lecture, évaluation, exposé…
 */
kind: string, 
/**
 * Estimated work, minutes.
 */
estimatedMinutes: number | null, 
/**
 * Draft or published.
 */
state: PublishState, 
/**
 * Documents attached (ids).
 */
attachments: Array<string>, };

export type SessionInput = { 
/**
 * The séance to change (absent: a new one).
 */
id: string | null, 
/**
 * The lesson of a new séance.
 */
occurrence: string | null, 
/**
 * Title.
 */
title: string, 
/**
 * Content, HTML (sanitised on save).
 */
content: string, 
/**
 * Private note.
 */
annotation: string | null, 
/**
 * Draft or published.
 */
state: PublishState, 
/**
 * Documents attached (ids of the teacher's documents).
 */
attachments: Array<string>, };

export type HomeworkInput = { 
/**
 * The homework to change (absent: a new one).
 */
id: string | null, 
/**
 * The séance it goes with.
 */
sessionId: string, 
/**
 * Due on, YYYY-MM-DD.
 */
dueOn: string, 
/**
 * What to do.
 */
description: string, 
/**
 * exercice, lecture, évaluation…
 */
kind: string, 
/**
 * Estimated work, minutes.
 */
estimatedMinutes: number | null, 
/**
 * Draft or published.
 */
state: PublishState, 
/**
 * Documents attached (ids of the teacher's documents).
 */
attachments: Array<string>, };

export type DraftView = { 
/**
 * Séance id.
 */
id: string, 
/**
 * Its lesson, to open the editor on it.
 */
occurrenceId: string | null, 
/**
 * Date, YYYY-MM-DD.
 */
date: string, 
/**
 * Start, HH:MM.
 */
start: string, 
/**
 * Class or group name.
 */
audience: string, 
/**
 * Subject label.
 */
subject: string, 
/**
 * Title (may be empty).
 */
title: string, };

export type AudienceVisa = { 
/**
 * Audience id.
 */
id: string, 
/**
 * Class or group name.
 */
name: string, 
/**
 * Entries up to this date are signed off (YYYY-MM-DD).
 */
visaUntil: string | null, };

export type TeacherLogbook = { 
/**
 * Login.
 */
login: string, 
/**
 * Name to show.
 */
displayName: string, 
/**
 * Their classes and groups, with visas.
 */
audiences: Array<AudienceVisa>, 
/**
 * Séances of the period, in time order.
 */
entries: Array<SessionView>, };

export type ConflictField = { 
/**
 * Wire name of the field (title, content…).
 */
name: string, 
/**
 * The value both started from.
 */
base: unknown, 
/**
 * This user's value, not applied.
 */
mine: unknown, 
/**
 * The value applied first, now on the server.
 */
theirs: unknown, };

export type ConflictView = { 
/**
 * Conflict id.
 */
id: string, 
/**
 * Kind of the record in conflict.
 */
recordKind: string, 
/**
 * The record.
 */
recordId: string, 
/**
 * What the record is, for people (a séance's date and title).
 */
label: string, 
/**
 * When the conflict was made.
 */
createdAt: string, 
/**
 * The fields in conflict.
 */
fields: Array<ConflictField>, };

export type LastLogin = { 
/**
 * ENT address.
 */
server: string, 
/**
 * Login.
 */
login: string, };

export type DocumentVersion = { 
/**
 * Version id.
 */
id: string, 
/**
 * BLAKE3 of the content.
 */
hash: string, 
/**
 * Bytes.
 */
size: number, 
/**
 * Who uploaded it.
 */
authorId: string, 
/**
 * When the server took it (RFC 3339).
 */
createdAt: string, };

export type Share = { 
/**
 * A user id or an audience id.
 */
to: string, 
/**
 * May add versions, rename, move and trash.
 */
canEdit: boolean, };

export type DocEntry = { id: string, 
/**
 * "/Cours/Maths/fiche.pdf".
 */
path: string, folder: string, name: string, size: number, mediaType: string, hash: string | null, ownerId: string, 
/**
 * Name of the owner, for documents shared with you.
 */
ownerName: string, versions: Array<DocumentVersion>, trashedAt: string | null, 
/**
 * A conflict copy of that document.
 */
conflictOf: string | null, 
/**
 * Its content is in the cache: it opens offline.
 */
cached: boolean, 
/**
 * Kept in the cache (itself or a folder above it is pinned).
 */
pinned: boolean, 
/**
 * Its content is still to go up (or was refused: see the transfers).
 */
pendingUpload: boolean, 
/**
 * Who it is shared with.
 */
shares: Array<Share>, 
/**
 * You may add versions, rename, move and trash it (yours, or shared for editing).
 */
canEdit: boolean, };

export type TransferView = { id: number, 
/**
 * "up" or "down".
 */
direction: string, hash: string, size: number, doneBytes: number, 
/**
 * "queued", "done" or "failed".
 */
state: string, error: string | null, 
/**
 * Path of the document it is for, when known.
 */
path: string | null, };

export type DocumentsView = { 
/**
 * Every document of the replica (trash included), by path, with versions and state.
 */
documents: Array<DocEntry>, 
/**
 * Folders and documents kept offline.
 */
pins: Array<string>, 
/**
 * The user's id (their own documents say "vous").
 */
me: string, 
/**
 * The folder of this computer kept in step, if one was chosen.
 */
mirrorDir: string | null, };
