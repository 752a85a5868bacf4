// Typed calls to the Rust shell. The webview never does HTTP: everything goes through these.
// The types are generated from Rust into bindings.ts (`make bindings`); only the command
// names and argument names are written here, and api.test.ts pins them.
import { invoke } from "@tauri-apps/api/core";
import type {
  Applied,
  CharterStatus,
  CharterView,
  CommandError,
  ConflictView,
  DayLoad,
  DayOf,
  DocEntry,
  DocumentsView,
  DraftView,
  HomeworkInput,
  HomeworkView,
  Indicators,
  LastLogin,
  PolicyView,
  NewsInput,
  NewsView,
  Me,
  OccurrenceView,
  ProgressionView,
  SessionInput,
  SessionView,
  SupportReport,
  SyncStatus,
  Target,
  UpdateStatus,
  TodoItem,
  TeacherLogbook,
  TransferView,
  WeekView,
  Ent,
} from "./bindings";

export type * from "./bindings";
/** One dated lesson as the timetable shows it. */
export type Occurrence = OccurrenceView;
export type { CommandError };

export const getWeek = (date: string) => invoke<WeekView>("get_week", { date });
export const getStatus = () => invoke<SyncStatus>("get_status");
export const syncNow = () => invoke<SyncStatus>("sync_now");
/** A new address for a calendar to subscribe to the user's timetable (the old one stops working). */
export const renewCalendarFeed = () => invoke<string>("renew_calendar_feed");

export const getSession = (occurrenceId: string) =>
  invoke<SessionView | null>("get_session", { occurrenceId });
export const nextLesson = (occurrenceId: string) => invoke<string | null>("next_lesson", { occurrenceId });
/** What a class or group already has to do on `date`, the homework `excluding` left out. */
export const dayLoad = (audience: string, date: string, excluding?: string) =>
  invoke<DayLoad>("day_load", { audience, date, excluding: excluding ?? null });
export const openSession = (id: string) => invoke<SessionView>("open_session", { id });
export const saveSession = (input: SessionInput) => invoke<SessionView>("save_session", { input });
export const saveHomework = (input: HomeworkInput) => invoke<HomeworkView>("save_homework", { input });
export const deleteHomework = (id: string) => invoke<void>("delete_homework", { id });
export const listDrafts = () => invoke<DraftView[]>("list_drafts");
export const copyTargets = (sessionId: string) => invoke<OccurrenceView[]>("copy_targets", { sessionId });
export const copySession = (sessionId: string, occurrenceId: string) =>
  invoke<SessionView>("copy_session", { sessionId, occurrenceId });

export const getMe = () => invoke<Me>("get_me");
export const getDay = (of: DayOf, date: string) => invoke<OccurrenceView[]>("get_day", { of, date });
export const searchTargets = (text: string) => invoke<Target[]>("search_targets", { text });
export const cancelOccurrence = (id: string, note: string | null) =>
  invoke<OccurrenceView>("cancel_occurrence", { id, note });
export const restoreOccurrence = (id: string) => invoke<OccurrenceView>("restore_occurrence", { id });
export const replaceOccurrence = (id: string, substitute: string, note: string | null) =>
  invoke<OccurrenceView>("replace_occurrence", { id, substitute, note });
export const exportDayPdf = (date: string, of: DayOf | null) => invoke<string | null>("export_day_pdf", { date, of });
export const exportArchivePdf = (of: DayOf, year: string, today: string) =>
  invoke<string | null>("export_archive_pdf", { of, year, today });
export const listProgressions = () => invoke<ProgressionView[]>("list_progressions");
export const progressionClasses = () => invoke<string[]>("progression_classes");
export const progressionFromClass = (audience: string, level: string, title: string) =>
  invoke<ProgressionView>("progression_from_class", { audience, level, title });
export const applyProgression = (id: string, audience: string, from: string, dryRun: boolean) =>
  invoke<Applied>("apply_progression", { id, audience, from, dryRun });
export const deleteProgression = (id: string) => invoke<void>("delete_progression", { id });
export const saveSupportBundle = () => invoke<string | null>("save_support_bundle");
export const sendSupportReport = () => invoke<SupportReport>("send_support_report");
export const supportReports = () => invoke<SupportReport[]>("support_reports");
export const getIndicators = (from: string, until: string) => invoke<Indicators>("indicators", { from, until });
export const exportIndicatorsCsv = (from: string, until: string) =>
  invoke<string | null>("export_indicators_csv", { from, until });
export const openLastExport = () => invoke<void>("open_last_export");

/** What the « Mises à jour » section shows, without looking at the channel. */
export const updateStatus = () => invoke<UpdateStatus>("update_status");
/** Looks at the update channel now. */
export const checkUpdate = () => invoke<UpdateStatus>("check_update");
/** Downloads, verifies and installs the update found; `anyway` goes on while edits wait. */
export const installUpdate = (anyway: boolean) => invoke<UpdateStatus>("install_update", { anyway });
/** Restarts the app on the version installed. */
export const restartApp = () => invoke<void>("restart_app");

export const charterToAccept = () => invoke<CharterView | null>("charter_to_accept");
export const acceptCharter = (number: number) => invoke<CharterView>("accept_charter", { number });
export const charterStatus = () => invoke<CharterStatus>("charter_status");

export const listNews = (today: string) => invoke<NewsView[]>("list_news", { today });
export const markNewsRead = (id: string) => invoke<void>("mark_news_read", { id });
export const saveNews = (input: NewsInput) => invoke<NewsView>("save_news", { input });
export const deleteNews = (id: string) => invoke<void>("delete_news", { id });

export const todoList = (from: string, days: number) => invoke<TodoItem[]>("todo_list", { from, days });
export const setHomeworkDone = (id: string, done: boolean) => invoke<void>("set_homework_done", { id, done });

export const getLogbook = (teacher: string, from: string, to: string) =>
  invoke<TeacherLogbook>("get_logbook", { teacher, from, to });
export const signVisa = (teacher: string, audience: string, until: string, comment: string) =>
  invoke<void>("sign_visa", { teacher, audience, until, comment });

export const listConflicts = () => invoke<ConflictView[]>("list_conflicts");
export const resolveConflict = (id: string, keep: "mine" | "theirs") =>
  invoke<void>("resolve_conflict", { id, keep });
export const resolveConflictMerged = (id: string, values: Record<string, string>) =>
  invoke<void>("resolve_conflict_merged", { id, values });

/** Logs in; at an account's first login, `password` is its activation code and
 * `newPassword` the password chosen. */
export const login = (server: string, login: string, password: string, newPassword?: string) =>
  invoke<Me>("login", { server, login, password, newPassword: newPassword ?? null });
/** Which kind of ENT answers at this address (`ardoise`, `open-ent-ng`). */
export const probeEnt = (server: string) => invoke<Ent>("probe_ent", { server });
/** Opens the Open ENT NG's own sign-in page in the browser; returns its address. */
export const startEntLogin = (server: string) => invoke<string>("start_ent_login", { server });
/** Waits for the browser to come back from the ENT's page, then logs in. */
export const finishEntLogin = () => invoke<Me>("finish_ent_login");
/** Logs out and erases the profile from this computer; refused (`logout.pending`) while
 *  edits wait to be sent, unless `discardPending`. */
export const logout = (discardPending: boolean) => invoke<void>("logout", { discardPending });
export const lastLogin = () => invoke<LastLogin | null>("last_login");
/** The school's policies on this computer (`/etc/ardoise/policies.json`). */
export const getPolicies = () => invoke<PolicyView>("get_policies");
/** Sets the page zoom (1 = 100 %); the shell keeps it within 50–300 % and returns it. */
export const setZoom = (factor: number) => invoke<number>("set_zoom", { factor });
export const setLanguage = (lang: "fr" | "en") => invoke<void>("set_language", { lang });

export const listDocuments = () => invoke<DocumentsView>("list_documents");
export const listTransfers = () => invoke<TransferView[]>("list_transfers");
export const pinDocument = (path: string, pinned: boolean) => invoke<void>("pin_document", { path, pinned });
export const trashDocument = (id: string, trashed: boolean) => invoke<void>("trash_document", { id, trashed });
export const purgeDocument = (id: string) => invoke<void>("purge_document", { id });
export const retryTransfers = () => invoke<void>("retry_transfers");
/** Opens a document (or one of its versions) with the system's application. */
export const openDocument = (doc: Pick<DocEntry, "id">, hash: string | null) =>
  invoke<void>("open_document", { id: doc.id, hash });
/** Asks the shell for files to add to `folder`; returns how many were added. */
export const addDocuments = (folder: string) => invoke<number>("add_documents", { folder });
/** Asks the shell for a folder to keep in step with the espace documentaire. */
export const chooseMirrorDir = () => invoke<string | null>("choose_mirror_dir");
export const stopMirror = () => invoke<void>("stop_mirror");
