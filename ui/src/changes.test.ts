import { describe, expect, it } from "vitest";
import type { Changes, SyncStatus } from "./bindings";
import { reshapes, touches } from "./changes";

const changes = (part: Partial<Changes>): Changes => ({ head: 7, remote: [], local: [], complete: true, ...part });

describe("what a sync changed, per page", () => {
  it("redraws the week for lessons, séances and homework pulled from the ENT", () => {
    for (const kind of ["courseOccurrence", "session", "homework", "visa", "week"] as const) {
      expect(touches("home", changes({ remote: [kind] }))).toBe(true);
    }
  });

  it("does not redraw the week for the user's own edits, drawn when saved, nor for documents", () => {
    expect(touches("home", changes({ local: ["session", "homework"] }))).toBe(false);
    expect(touches("home", changes({ remote: ["document"] }))).toBe(false);
  });

  it("redraws the documents for documents, pulled or changed by the synced folder, and nothing else", () => {
    expect(touches("documents", changes({ remote: ["document"] }))).toBe(true);
    expect(touches("documents", changes({ local: ["document"] }))).toBe(true);
    expect(touches("documents", changes({ remote: ["session", "courseOccurrence"] }))).toBe(false);
  });

  it("redraws every page for a new version of the charter, asked for before anything else", () => {
    expect(touches("home", changes({ remote: ["charter"] }))).toBe(true);
    expect(touches("documents", changes({ remote: ["charter"] }))).toBe(true);
    expect(touches("documents", changes({ remote: ["charterAcceptance"] }))).toBe(false);
  });

  it("takes everything as changed when the shell could not say all that changed", () => {
    expect(touches("home", changes({ complete: false }))).toBe(true);
    expect(touches("documents", changes({ complete: false }))).toBe(true);
  });
});

describe("what a new status changes", () => {
  const status: SyncStatus = { online: true, syncing: false, pending: 0, quarantined: 0, conflicts: 0, lastSync: null, cursor: 10, progress: null, keyStorage: "keyring",
    ent: "ardoise", capabilities: { changeFeed: true, serverMerge: true, safeRetries: true, resumableFiles: true, lessonStatus: true, visas: true, documents: true, calendarFeed: true, assistance: true, indicators: true, progressions: true } };

  it("reshapes the page for the first status after a sign-in", () => {
    expect(reshapes(null, status)).toBe(true);
  });

  it("reshapes it when the ENT or what it supports changes, not for a count or a time", () => {
    expect(reshapes(status, { ...status, pending: 3, lastSync: "2026-11-30T09:47:00Z", cursor: 11, online: false })).toBe(false);
    expect(reshapes(status, { ...status, ent: "open-ent-ng" })).toBe(true);
    expect(reshapes(status, { ...status, capabilities: { ...status.capabilities, visas: false } })).toBe(true);
  });
});
