import type { Changes, SyncStatus } from "./bindings";

/** The pages of the window. */
export type Page = "home" | "documents" | "help" | "progressions";

/**
 * Whether what changed in the replica touches what `page` shows: the documents page shows
 * documents (pulled, or changed on this computer by the synced folder); the home page
 * (the week, the day views, the logbooks) shows the rest as the ENT sends it — the user's
 * own edits are drawn when they are saved. When the shell could not say everything that
 * changed, every page takes it as changed. A new version of the charter touches every
 * page: it is asked for before anything else.
 */
export function touches(page: Page, changes: Changes): boolean {
  if (!changes.complete) return true;
  // A new version of the charter is shown before anything else, on every page.
  if (changes.remote.includes("charter")) return true;
  if (page === "documents") return [...changes.remote, ...changes.local].includes("document");
  if (page === "help") return false; // it shows the sync status, not the replica
  // Her progressions, and the lessons they would fill.
  if (page === "progressions") return changes.remote.some((k) => ["progression", "courseOccurrence", "holiday", "session"].includes(k));
  return changes.remote.some((kind) => kind !== "document");
}

/**
 * Whether a new status changes the page's shape, not only the status bar: the first status
 * (after a sign-in), or another ENT, or other capabilities (which hide or show the actions
 * an ENT does not support).
 */
export function reshapes(before: SyncStatus | null, after: SyncStatus): boolean {
  if (!before) return true;
  if (before.ent !== after.ent) return true;
  const a = before.capabilities;
  const b = after.capabilities;
  return (Object.keys(b) as (keyof typeof b)[]).some((k) => a[k] !== b[k]);
}
