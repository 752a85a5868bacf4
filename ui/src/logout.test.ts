import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { logoutButton } from "./logout";

afterEach(() => clearMocks());

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("logout button", () => {
  it("asks for a second click before erasing the profile", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
    });
    const done = vi.fn();
    const b = logoutButton("fr", done, vi.fn());
    b.click();
    await tick();
    expect(calls).toEqual([]);
    expect(b.textContent).toContain("Confirmer");
    b.click();
    await tick();
    expect(calls).toEqual([["logout", { discardPending: false }]]);
    expect(done).toHaveBeenCalledOnce();
  });

  it("offers to abandon edits not yet sent, and only then discards them", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if ((args as { discardPending: boolean }).discardPending === false) {
        throw { code: "logout.pending", message: "2 modification(s) pas encore envoyée(s) à l'ENT" };
      }
    });
    const done = vi.fn();
    const failed = vi.fn();
    const b = logoutButton("fr", done, failed);
    b.click();
    b.click();
    await tick();
    expect(failed).toHaveBeenCalledWith(expect.objectContaining({ code: "logout.pending" }));
    expect(done).not.toHaveBeenCalled();
    expect(b.textContent).toBe("Abandonner et se déconnecter");
    b.click();
    await tick();
    expect(calls.at(-1)).toEqual(["logout", { discardPending: true }]);
    expect(done).toHaveBeenCalledOnce();
  });
});
