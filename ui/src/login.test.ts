import { describe, expect, it, vi } from "vitest";
import { renderLogin } from "./login";

describe("login screen", () => {
  it("labels its fields, remembers the server and sends what was typed", () => {
    const onLogin = vi.fn();
    const view = renderLogin("fr", "http://ent.example:8787", onLogin);
    for (const input of view.querySelectorAll("input")) {
      expect(view.querySelector(`label[for="${input.id}"]`)).not.toBeNull();
    }
    expect((view.querySelector("input[name=server]") as HTMLInputElement).value).toBe("http://ent.example:8787");
    expect((view.querySelector("input[name=password]") as HTMLInputElement).type).toBe("password");
    (view.querySelector("input[name=login]") as HTMLInputElement).value = " martin ";
    (view.querySelector("input[name=password]") as HTMLInputElement).value = "ardoise";
    view.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(onLogin).toHaveBeenCalledWith({ server: "http://ent.example:8787", login: "martin", password: "ardoise" });
  });
});
