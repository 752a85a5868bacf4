// The IPC contract: each call reaches the shell's command by name with camelCase arguments,
// and shell errors arrive as {code, message}.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { cancelOccurrence, getDay, getWeek, saveSession } from "./api";

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
    await saveSession({ occurrence: "occ-1", title: "T", content: "", annotation: null, state: "draft" });
    expect(calls).toEqual([
      ["get_week", { date: "2026-11-30" }],
      ["get_day", { of: { kind: "audience", key: "1re B" }, date: "2026-11-30" }],
      ["cancel_occurrence", { id: "occ-1", note: "Professeur absent" }],
      ["save_session", { input: { occurrence: "occ-1", title: "T", content: "", annotation: null, state: "draft" } }],
    ]);
  });

  it("passes typed errors through", async () => {
    mockIPC(() => {
      throw { code: "logbook.visa_locked", message: "Entrée visée" };
    });
    await expect(getWeek("2026-11-30")).rejects.toEqual({ code: "logbook.visa_locked", message: "Entrée visée" });
  });
});
