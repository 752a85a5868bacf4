// The IPC contract: each call reaches the shell's command by name with camelCase arguments,
// and shell errors arrive as {code, message}.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import {
  addDocuments,
  cancelOccurrence,
  copySession,
  dayLoad,
  getDay,
  getLogbook,
  getWeek,
  installUpdate,
  openDocument,
  pinDocument,
  resolveConflictMerged,
  saveHomework,
  saveSession,
  setZoom,
  signVisa,
  trashDocument,
  purgeDocument,
} from "./api";

afterEach(() => clearMocks());

describe("api", () => {
  it("calls the shell's commands with their arguments", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "get_day" ? [] : { ok: true };
    });
    await getWeek("2026-11-30");
    await getDay({ kind: "audience", key: "1re B" }, "2026-11-30");
    await cancelOccurrence("occ-1", "Professeur absent");
    await saveSession({ id: null, occurrence: "occ-1", title: "T", content: "", annotation: null, state: "draft", attachments: [] });
    const hw = { id: null, sessionId: "s1", dueOn: "2026-12-07", description: "Lire", kind: "reading" as const, estimatedMinutes: 20, state: "published" as const, attachments: [] };
    await saveHomework(hw);
    await copySession("s1", "occ-9");
    await getLogbook("leroy", "2026-11-01", "2026-11-30");
    await signVisa("leroy", "aud-1", "2026-11-30", "");
    await resolveConflictMerged("c1", { title: "Fusion" });
    await setZoom(2);
    await pinDocument("/Cours", true);
    await trashDocument("d1", false);
    await purgeDocument("d1");
    await openDocument({ id: "d1" } as Parameters<typeof openDocument>[0], "h1");
    await addDocuments("/Cours");
    await dayLoad("2nde 3", "2026-12-07", "hw-1");
    await dayLoad("2nde 3", "2026-12-07");
    await installUpdate(true);
    expect(calls).toEqual([
      ["get_week", { date: "2026-11-30" }],
      ["get_day", { of: { kind: "audience", key: "1re B" }, date: "2026-11-30" }],
      ["cancel_occurrence", { id: "occ-1", note: "Professeur absent" }],
      ["save_session", { input: { id: null, occurrence: "occ-1", title: "T", content: "", annotation: null, state: "draft", attachments: [] } }],
      ["save_homework", { input: hw }],
      ["copy_session", { sessionId: "s1", occurrenceId: "occ-9" }],
      ["get_logbook", { teacher: "leroy", from: "2026-11-01", to: "2026-11-30" }],
      ["sign_visa", { teacher: "leroy", audience: "aud-1", until: "2026-11-30", comment: "" }],
      ["resolve_conflict_merged", { id: "c1", values: { title: "Fusion" } }],
      ["set_zoom", { factor: 2 }],
      ["pin_document", { path: "/Cours", pinned: true }],
      ["trash_document", { id: "d1", trashed: false }],
      ["purge_document", { id: "d1" }],
      ["open_document", { id: "d1", hash: "h1" }],
      ["add_documents", { folder: "/Cours" }],
      ["day_load", { audience: "2nde 3", date: "2026-12-07", excluding: "hw-1" }],
      ["day_load", { audience: "2nde 3", date: "2026-12-07", excluding: null }],
      ["install_update", { anyway: true }],
    ]);
  });

  it("passes typed errors through", async () => {
    mockIPC(() => {
      throw { code: "logbook.visa_locked", message: "Entrée visée" };
    });
    await expect(getWeek("2026-11-30")).rejects.toEqual({ code: "logbook.visa_locked", message: "Entrée visée" });
  });
});
