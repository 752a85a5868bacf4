// Generated from the Rust types by `make bindings` (src-tauri/src/bindings.rs).
// Do not edit: a test fails when this file and the Rust types disagree.

export type Role = "teacher" | "vie_scolaire" | "direction" | "inspector" | "pupil" | "parent";

export type EntityKind = "school" | "week" | "holiday" | "user" | "subject" | "room" | "audience" | "course" | "courseOccurrence" | "session" | "homework" | "visa" | "document" | "charter" | "charterAcceptance" | "news" | "homeworkDone" | "progression" | "conflict";

export type Changes = { 
/**
 * The newest entry read: ask after it next time.
 */
head: number, 
/**
 * Kinds of records pulled from the ENT.
 */
remote: Array<EntityKind>, 
/**
 * Kinds of records changed on this device (the user's edits, folder sync).
 */
local: Array<EntityKind>, 
/**
 * False when entries were dropped before they were read (the feed keeps the last
 * ten thousand): a view then takes everything as changed.
 */
complete: boolean, };

export type PublishState = "draft" | "published";

export type HomeworkKind = "exercise" | "reading" | "test" | "presentation" | "other";

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
keyStorage: KeyStorage, 
/**
 * Which kind of ENT this is (`ardoise`, `open-ent-ng`).
 */
ent: string, 
/**
 * What it guarantees and lets Ardoise do.
 */
capabilities: Capabilities, };

export type Capabilities = { 
/**
 * A cursor that misses no change (else windows are read again and compared).
 */
changeFeed: boolean, 
/**
 * The server merges edits against their base and makes conflict revisions (else the
 * client merges, with a conditional write).
 */
serverMerge: boolean, 
/**
 * A request delivered twice is applied once (else creations are looked for by a
 * natural key before they are sent again).
 */
safeRetries: boolean, 
/**
 * Uploads resume from the server's offset (else files go up whole).
 */
resumableFiles: boolean, 
/**
 * The vie scolaire marks lessons cancelled or replaced from Ardoise.
 */
lessonStatus: boolean, 
/**
 * The direction signs logbooks off (visas) from Ardoise.
 */
visas: boolean, 
/**
 * The espace documentaire is reached from Ardoise.
 */
documents: boolean, 
/**
 * The ENT publishes the user's timetable for a calendar to subscribe to.
 */
calendarFeed: boolean, 
/**
 * The ENT has an assistance inbox for support reports (else they are saved to a file).
 */
assistance: boolean, 
/**
 * The ENT computes the direction's indicators.
 */
indicators: boolean, 
/**
 * The ENT keeps the teachers' progressions.
 */
progressions: boolean, };

export type Ent = "ardoise" | "open-ent-ng";

export type SyncPhase = "push" | "snapshot" | "pull" | "upload" | "download";

export type SyncProgress = { 
/**
 * Sending, receiving, a file.
 */
phase: SyncPhase, 
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
 * Teachers' names: the first, then any co-teachers, comma-separated.
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
label: string, 
/**
 * What it is, for people: a class and a group are both audiences.
 */
category: "class" | "group" | "teacher" | "room", };

export type ErrorCode = "acl.forbidden" | "auth.account_disabled" | "auth.activation_required" | "auth.activation_expired" | "auth.weak_password" | "auth.invalid_credentials" | "auth.invalid_login" | "auth.invalid_token" | "auth.logged_out" | "auth.too_long" | "auth.too_many_attempts" | "protocol.content_type" | "protocol.invalid_body" | "protocol.invalid_data" | "protocol.invalid_id" | "protocol.invalid_json" | "protocol.invalid_op" | "protocol.invalid_path" | "protocol.invalid_query" | "protocol.method_not_allowed" | "protocol.missing_version" | "protocol.not_found" | "protocol.too_large" | "protocol.too_many_hashes" | "protocol.too_many_ops" | "protocol.unsupported" | "record.exists" | "record.not_found" | "logbook.already_written" | "logbook.attachment_not_yours" | "logbook.audience_fixed" | "logbook.visa_locked" | "logbook.visa_out_of_year" | "logbook.year_closed" | "charter.version" | "charter.none" | "support.invalid" | "support.too_many" | "indicators.invalid_period" | "document.bad_name" | "document.bad_share" | "document.blob_missing" | "document.cache_damaged" | "document.not_downloaded" | "document.not_in_trash" | "documents.open" | "documents.path" | "documents.unsupported" | "quota.exceeded" | "backend.unsupported" | "backend.invalid_client" | "policy.locked" | "blob.bad_range" | "blob.not_found" | "upload.bad_hash" | "upload.bad_offset" | "upload.busy" | "upload.chunk_too_large" | "upload.hash_mismatch" | "upload.not_found" | "upload.offset_mismatch" | "upload.too_large" | "upload.too_long" | "server.busy" | "server.internal" | "server.storage" | "sync.bad_response" | "sync.offline" | "sync.rejected" | "replica.bad_key" | "replica.corrupt" | "replica.not_found" | "replica.storage" | "replica.wrong_key" | "profile.io" | "profile.other_user" | "logout.fixed_profile" | "logout.none" | "logout.pending" | "mirror.unsafe_path" | "mirror.watch" | "export.io" | "export.none" | "export.open" | "export.path" | "archive.invalid_year" | "app.invalid_choice" | "app.invalid_date" | "app.invalid_zoom" | "app.language" | "app.lock" | "app.sync_stopped" | "app.task" | "app.thread" | "app.zoom" | "update.off" | "update.insecure_url" | "update.check_failed" | "update.bad_signature" | "update.pending_edits" | "update.busy" | "update.none" | "update.install_failed" | "cli.invalid_input" | "cli.io" | "unknown";

export type CommandError = { 
/**
 * Stable code, e.g. `logbook.visa_locked`.
 */
code: ErrorCode, 
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
 * Occurrence id → its séance, for the teacher's lessons already written.
 */
sessionsByOccurrence: { [key in string]: WrittenLesson }, 
/**
 * Day (YYYY-MM-DD) → the holiday it falls in (« Vacances de Noël », « Armistice »).
 */
holidays: { [key in string]: string }, };

export type WrittenLesson = { 
/**
 * The séance.
 */
sessionId: string, 
/**
 * Its title.
 */
title: string, 
/**
 * Draft (the class does not see it yet) or published.
 */
state: PublishState, 
/**
 * Homework given with it.
 */
homework: number, };

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
 * Exercise, reading, test…
 */
kind: HomeworkKind, 
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

export type WorkloadLimits = { 
/**
 * Most estimated minutes of work for one day (5 to 600).
 */
maxMinutes: number, 
/**
 * Most assessments due on one day (0 to 10).
 */
maxAssessments: number, };

export type LoadItem = { 
/**
 * Homework id.
 */
id: string, 
/**
 * The subject's label.
 */
subject: string, 
/**
 * The class or group it was given to.
 */
audience: string, 
/**
 * Exercise, reading, test…
 */
kind: HomeworkKind, 
/**
 * Estimated minutes, when the teacher gave them.
 */
minutes: number | null, 
/**
 * Whether it is still the reader's draft.
 */
draft: boolean, };

export type DayLoad = { 
/**
 * The day, YYYY-MM-DD.
 */
date: string, 
/**
 * The homework due.
 */
items: Array<LoadItem>, 
/**
 * Estimated minutes, summed.
 */
minutes: number, 
/**
 * Homework without an estimate.
 */
unestimated: number, 
/**
 * Assessments due.
 */
assessments: number, 
/**
 * Above the minutes limit.
 */
tooLong: boolean, 
/**
 * Above the assessments limit.
 */
tooManyAssessments: boolean, 
/**
 * The limits it is held to.
 */
limits: WorkloadLimits, };

export type WeekLoad = { 
/**
 * The class or group.
 */
audience: string, 
/**
 * Monday of the week, YYYY-MM-DD.
 */
monday: string, 
/**
 * Monday to Saturday.
 */
days: Array<DayLoad>, 
/**
 * The limits the days are held to.
 */
limits: WorkloadLimits, };

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
 * Exercise, reading, test…
 */
kind: HomeworkKind, 
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

export type PolicyView = { 
/**
 * The ENT's address the school set (locked, or only preset).
 */
entUrl: string | null, 
/**
 * The user may not change that address.
 */
entLocked: boolean, 
/**
 * Features not shown (names from [`FEATURES`]).
 */
hiddenFeatures: Array<string>, 
/**
 * What was wrong with the policy file (ignored), for the status bar.
 */
problems: Array<string>, };

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

export type Direction = "up" | "down";

export type TransferView = { id: number, direction: Direction, hash: string, size: number, doneBytes: number, 
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

export type CharterView = { 
/**
 * Its number: 1, 2…
 */
number: number, 
/**
 * Its title.
 */
title: string, 
/**
 * Its text, Markdown (to be shown as text, never as HTML).
 */
text: string, 
/**
 * When the server took it (RFC 3339).
 */
publishedAt: string, 
/**
 * When the reader accepted it, if they did (RFC 3339).
 */
acceptedAt: string | null, };

export type Acceptance = { 
/**
 * Login.
 */
login: string, 
/**
 * Name shown.
 */
displayName: string, 
/**
 * Roles, as the protocol names them.
 */
roles: Array<string>, 
/**
 * The highest version they accepted.
 */
accepted: number | null, 
/**
 * When they first accepted it (RFC 3339).
 */
acceptedAt: string | null, };

export type CharterStatus = { 
/**
 * The latest version, if any.
 */
current: number | null, 
/**
 * How many people accepted it.
 */
acceptedCurrent: number, 
/**
 * Everyone, those who have not accepted the latest first, then by name.
 */
people: Array<Acceptance>, };

export type NewsAudience = "school" | "staff" | "class";

export type NewsView = { 
/**
 * Its id.
 */
id: string, 
/**
 * Its title.
 */
title: string, 
/**
 * Its text, Markdown (shown as text, never as HTML).
 */
text: string, 
/**
 * Who it is for.
 */
audience: NewsAudience, 
/**
 * The class or group's name, for a class's item.
 */
audienceName: string | null, 
/**
 * First day shown, YYYY-MM-DD.
 */
from: string, 
/**
 * Last day shown, YYYY-MM-DD.
 */
until: string, 
/**
 * Its author's name.
 */
author: string, 
/**
 * Whether the reader wrote it (and may change it).
 */
mine: boolean, 
/**
 * Whether this device has shown it to the reader.
 */
read: boolean, };

export type NewsInput = { 
/**
 * The item to change, `None` for a new one.
 */
id: string | null, 
/**
 * Its title.
 */
title: string, 
/**
 * Its text (Markdown).
 */
text: string, 
/**
 * Who it is for (not changed on an existing item).
 */
audience: NewsAudience, 
/**
 * The class or group, by name, for a class's item.
 */
audienceName: string | null, 
/**
 * First day shown, YYYY-MM-DD.
 */
from: string, 
/**
 * Last day shown, YYYY-MM-DD.
 */
until: string, };

export type SupportReport = { 
/**
 * Its id.
 */
id: string, 
/**
 * When it was made (RFC 3339).
 */
createdAt: string, 
/**
 * When the ENT received it; `None` while it waits.
 */
sentAt: string | null, 
/**
 * The code of the ENT's refusal, for good.
 */
refused: string | null, 
/**
 * Bytes.
 */
size: number, };

export type StepHomework = { 
/**
 * Sanitised HTML.
 */
description: string, kind: HomeworkKind, estimatedMinutes: number | null, };

export type ProgressionStep = { title: string, 
/**
 * Sanitised HTML.
 */
content: string, homework: StepHomework | null, };

export type ProgressionView = { 
/**
 * Its id.
 */
id: string, 
/**
 * Its title.
 */
title: string, 
/**
 * The level it is for.
 */
level: string, 
/**
 * The subject's id.
 */
subjectId: string, 
/**
 * The subject's name.
 */
subject: string, 
/**
 * The planned séances, in order.
 */
steps: Array<ProgressionStep>, 
/**
 * The classes and groups she teaches this subject to (where it may be applied).
 */
classes: Array<string>, };

export type Placed = { 
/**
 * The step's title.
 */
title: string, 
/**
 * The lesson.
 */
occurrenceId: string, 
/**
 * Its day (YYYY-MM-DD) and start (HH:MM).
 */
date: string, 
/**
 * Its start.
 */
start: string, 
/**
 * The step's homework is due on this day (the next lesson), if it has one.
 */
homeworkDue: string | null, };

export type Applied = { 
/**
 * The steps and the lessons they went to, in order.
 */
placed: Array<Placed>, 
/**
 * Steps left over: the class has no more free lesson this year.
 */
leftOver: number, 
/**
 * Lessons passed over: already written, cancelled or in the holidays.
 */
skipped: number, };

export type WritingRow = { 
/**
 * The class's or teacher's record id.
 */
id: string, 
/**
 * Its name.
 */
name: string, 
/**
 * Lessons held up to today (not cancelled).
 */
lessonsHeld: number, 
/**
 * Of those, the ones with their séance written.
 */
seancesWritten: number, 
/**
 * Homework given in the period.
 */
homeworkGiven: number, 
/**
 * Edits of séances and homework that reached the server in the period.
 */
edits: number, 
/**
 * Of those, the ones made offline (sent more than [`OFFLINE_AFTER_SECS`] later).
 */
offlineEdits: number, };

export type WeekActivity = { 
/**
 * The week's Monday.
 */
week: string, 
/**
 * Teachers.
 */
teachers: number, 
/**
 * Vie scolaire.
 */
vieScolaire: number, 
/**
 * Direction.
 */
direction: number, 
/**
 * Pupils.
 */
pupils: number, 
/**
 * Parents.
 */
parents: number, };

export type ConflictCounts = { 
/**
 * Edits that became conflict revisions.
 */
made: number, 
/**
 * Settled by keeping the conflicting edit.
 */
keptMine: number, 
/**
 * Settled by keeping what the server had.
 */
keptTheirs: number, 
/**
 * Still to settle today (whenever made).
 */
open: number, };

export type RoleAcceptance = { 
/**
 * The role.
 */
role: Role, 
/**
 * Active accounts.
 */
accounts: number, 
/**
 * Of those, the ones that accepted the latest version.
 */
accepted: number, };

export type CharterCounts = { 
/**
 * The latest version's number; `None` when the school has no charter.
 */
version: number | null, 
/**
 * Per role (a person counts under their first role).
 */
byRole: Array<RoleAcceptance>, };

export type Indicators = { 
/**
 * First day of the period.
 */
from: string, 
/**
 * Last day of the period.
 */
until: string, 
/**
 * Per class or group, by name.
 */
classes: Array<WritingRow>, 
/**
 * Per teacher, by name.
 */
teachers: Array<WritingRow>, 
/**
 * Per week of the period, who used Ardoise.
 */
weeks: Array<WeekActivity>, 
/**
 * Conflicts made and settled in the period.
 */
conflicts: ConflictCounts, 
/**
 * The charter's latest version and who accepted it, per role.
 */
charter: CharterCounts, };

export type TodoItem = { 
/**
 * Homework id.
 */
id: string, 
/**
 * Due day, YYYY-MM-DD.
 */
dueOn: string, 
/**
 * Day it was given, YYYY-MM-DD.
 */
givenOn: string, 
/**
 * The subject's label.
 */
subject: string, 
/**
 * The subject's colour, `#rrggbb`.
 */
color: string, 
/**
 * The teacher's name.
 */
teacher: string, 
/**
 * The class or group it was given to.
 */
audience: string, 
/**
 * The reader's class it is for (a parent of children in several classes reads
 * each child's apart): the class itself, or the one the group is drawn from.
 */
class: string, 
/**
 * What to do, as paragraphs of plain text.
 */
description: Array<string>, 
/**
 * Exercise, reading, test…
 */
kind: HomeworkKind, 
/**
 * Estimated minutes, when the teacher gave them.
 */
minutes: number | null, 
/**
 * For a pupil, whether they ticked it done; `None` for anyone else.
 */
done: boolean | null, };

export type UpdatesOff = "policy" | "noChannel" | "noKey";

export type UpdateFound = { 
/**
 * Its version.
 */
version: string, 
/**
 * What it brings, as the channel says.
 */
notes: string | null, 
/**
 * When it was published (RFC 3339), when the channel says.
 */
date: string | null, };

export type UpdateStatus = { 
/**
 * The version running.
 */
current: string, 
/**
 * Why updates are off here, when they are.
 */
off: UpdatesOff | null, 
/**
 * The channel looked at.
 */
channel: string | null, 
/**
 * The channel was set by the school.
 */
channelFromPolicy: boolean, 
/**
 * The last look found this update.
 */
found: UpdateFound | null, 
/**
 * When the last look was made (RFC 3339).
 */
lookedAt: string | null, 
/**
 * This version was installed: it runs after a restart.
 */
installed: string | null, 
/**
 * This copy can install an update itself (it came from a package the updater knows).
 */
canInstall: boolean, 
/**
 * The package of this version was downloaded and its signature checked, by a copy
 * that does not install it (built from the sources).
 */
verified: string | null, 
/**
 * Why the last look or install failed, until the next one succeeds.
 */
problem: ErrorCode | null, };

/** Every error code but `unknown`, in the order of the Rust enum. */
export const ERROR_CODES: readonly ErrorCode[] = ["acl.forbidden","auth.account_disabled","auth.activation_required","auth.activation_expired","auth.weak_password","auth.invalid_credentials","auth.invalid_login","auth.invalid_token","auth.logged_out","auth.too_long","auth.too_many_attempts","protocol.content_type","protocol.invalid_body","protocol.invalid_data","protocol.invalid_id","protocol.invalid_json","protocol.invalid_op","protocol.invalid_path","protocol.invalid_query","protocol.method_not_allowed","protocol.missing_version","protocol.not_found","protocol.too_large","protocol.too_many_hashes","protocol.too_many_ops","protocol.unsupported","record.exists","record.not_found","logbook.already_written","logbook.attachment_not_yours","logbook.audience_fixed","logbook.visa_locked","logbook.visa_out_of_year","logbook.year_closed","charter.version","charter.none","support.invalid","support.too_many","indicators.invalid_period","document.bad_name","document.bad_share","document.blob_missing","document.cache_damaged","document.not_downloaded","document.not_in_trash","documents.open","documents.path","documents.unsupported","quota.exceeded","backend.unsupported","backend.invalid_client","policy.locked","blob.bad_range","blob.not_found","upload.bad_hash","upload.bad_offset","upload.busy","upload.chunk_too_large","upload.hash_mismatch","upload.not_found","upload.offset_mismatch","upload.too_large","upload.too_long","server.busy","server.internal","server.storage","sync.bad_response","sync.offline","sync.rejected","replica.bad_key","replica.corrupt","replica.not_found","replica.storage","replica.wrong_key","profile.io","profile.other_user","logout.fixed_profile","logout.none","logout.pending","mirror.unsafe_path","mirror.watch","export.io","export.none","export.open","export.path","archive.invalid_year","app.invalid_choice","app.invalid_date","app.invalid_zoom","app.language","app.lock","app.sync_stopped","app.task","app.thread","app.zoom","update.off","update.insecure_url","update.check_failed","update.bad_signature","update.pending_edits","update.busy","update.none","update.install_failed","cli.invalid_input","cli.io"];
