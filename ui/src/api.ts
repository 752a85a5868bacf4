// Typed calls to the Rust shell. The webview never does HTTP: everything goes through these.
import { invoke } from "@tauri-apps/api/core";

export interface SyncStatus {
  online: boolean;
  syncing: boolean;
  pending: number;
  quarantined: number;
  conflicts: number;
  lastSync: string | null;
  cursor: number;
}

export interface Occurrence {
  id: string;
  date: string;
  start: string;
  end: string;
  subject: string;
  subjectColor: string;
  audience: string;
  teacher: string;
  room: string | null;
  status: "planned" | "cancelled" | "moved" | "replaced";
  substitute: string | null;
  note: string | null;
}

export interface WeekView {
  monday: string;
  weekType: "A" | "B" | null;
  userName: string;
  occurrences: Occurrence[];
  sessionsByOccurrence: Record<string, string>;
}

/** An error as the shell sends it: a stable code the UI translates, and a message. */
export interface CommandError {
  code: string;
  message: string;
}

export const getWeek = (date: string) => invoke<WeekView>("get_week", { date });
export const getStatus = () => invoke<SyncStatus>("get_status");
export const syncNow = () => invoke<SyncStatus>("sync_now");

/** A séance as the replica holds it (camelCase wire fields, plus id and version). */
export interface SessionData {
  id: string;
  version: number;
  occurrenceId: string | null;
  audienceId: string;
  subjectId: string;
  teacherId: string;
  date: string;
  start: string;
  end: string;
  title: string;
  content: string;
  annotation: string | null;
  state: "draft" | "published";
}

/** What the editor sends: a new séance names its occurrence, an edit its id. */
export interface SessionInput {
  id?: string;
  occurrence?: string;
  title: string;
  content: string;
  annotation: string | null;
  state: "draft" | "published";
}

export const getSession = (occurrenceId: string) =>
  invoke<SessionData | null>("get_session", { occurrenceId });
export const saveSession = (input: SessionInput) => invoke<SessionData>("save_session", { input });

export type Role = "teacher" | "vie_scolaire" | "direction" | "inspector" | "pupil" | "parent";

export interface Me {
  login: string;
  displayName: string;
  roles: Role[];
}

/** Whose day: a class or group by name, a teacher by login, a room by code, or everyone. */
export type DayOf =
  | { kind: "audience"; key: string }
  | { kind: "teacher"; key: string }
  | { kind: "room"; key: string }
  | { kind: "everyone" };

export interface Target {
  kind: "audience" | "teacher" | "room";
  key: string;
  label: string;
}

export const getMe = () => invoke<Me>("get_me");
export const getDay = (of: DayOf, date: string) => invoke<Occurrence[]>("get_day", { of, date });
export const searchTargets = (text: string) => invoke<Target[]>("search_targets", { text });
export const cancelOccurrence = (id: string, note: string | null) =>
  invoke<Occurrence>("cancel_occurrence", { id, note });
export const replaceOccurrence = (id: string, substitute: string, note: string | null) =>
  invoke<Occurrence>("replace_occurrence", { id, substitute, note });

export interface ConflictField {
  name: string;
  base: unknown;
  mine: unknown;
  theirs: unknown;
}

export interface ConflictView {
  id: string;
  recordKind: string;
  recordId: string;
  label: string;
  createdAt: string;
  fields: ConflictField[];
}

export const listConflicts = () => invoke<ConflictView[]>("list_conflicts");
export const resolveConflict = (id: string, keep: "mine" | "theirs") =>
  invoke<void>("resolve_conflict", { id, keep });

export const login = (server: string, login: string, password: string) =>
  invoke<Me>("login", { server, login, password });
