import { describe, expect, it, vi } from "vitest";
import { askNewPassword, renderEntWait, renderLogin } from "./login";

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

  it("shows the school's locked address read-only, says why, and sends it", () => {
    const onLogin = vi.fn();
    const view = renderLogin("fr", "https://ent.lycee.fr", onLogin, undefined, { locked: true, problems: [] });
    const server = view.querySelector("input[name=server]") as HTMLInputElement;
    expect(server.readOnly).toBe(true);
    expect(server.value).toBe("https://ent.lycee.fr");
    const note = view.querySelector(`#${server.getAttribute("aria-describedby")}`);
    expect(note?.textContent).toBe("Adresse fixée par votre établissement.");
    expect(view.querySelector(".policy-warning")).toBeNull();
    (view.querySelector("input[name=login]") as HTMLInputElement).value = "martin";
    (view.querySelector("input[name=password]") as HTMLInputElement).value = "ardoise";
    view.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(onLogin).toHaveBeenCalledWith({ server: "https://ent.lycee.fr", login: "martin", password: "ardoise" });
  });

  it("keeps the address editable without a policy, and says when the policy file was ignored", () => {
    const view = renderLogin("en", "", vi.fn(), undefined, { locked: false, problems: ["policies.json : broken"] });
    expect((view.querySelector("input[name=server]") as HTMLInputElement).readOnly).toBe(false);
    expect(view.querySelector(".policy-note")).toBeNull();
    expect(view.querySelector(".policy-warning")?.textContent).toBe("School configuration ignored");
  });

  it("offers the ENT's own page once the address is an Open ENT NG, the password optional", async () => {
    const start = vi.fn();
    const onLogin = vi.fn();
    const view = renderLogin("fr", "https://ent.example.fr", onLogin, { probe: async () => "open-ent-ng", start });
    await Promise.resolve();
    await Promise.resolve();
    const via = view.querySelector(".via-ent") as HTMLElement;
    expect(via.hidden).toBe(false);
    expect((view.querySelector("input[name=password]") as HTMLInputElement).required).toBe(false);
    (view.querySelector(".ent-sign-in") as HTMLButtonElement).click();
    expect(start).toHaveBeenCalledWith("https://ent.example.fr");
    // Enter with no password means the ENT's page too.
    view.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(start).toHaveBeenCalledTimes(2);
    expect(onLogin).not.toHaveBeenCalled();
  });

  it("keeps the password form for Ardoise's own ENT", async () => {
    const view = renderLogin("fr", "http://ent.example:8787", vi.fn(), { probe: async () => "ardoise", start: vi.fn() });
    await Promise.resolve();
    await Promise.resolve();
    expect((view.querySelector(".via-ent") as HTMLElement).hidden).toBe(true);
    expect((view.querySelector("input[name=password]") as HTMLInputElement).required).toBe(true);
  });

  it("at a first login, asks for the password chosen, twice, and sends it with the code", () => {
    const onLogin = vi.fn();
    const view = renderLogin("fr", "http://ent.example:8787", onLogin);
    const input = (name: string) => view.querySelector(`input[name=${name}]`) as HTMLInputElement;
    const submit = () => view.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect((view.querySelector(".activation") as HTMLElement).hidden).toBe(true);
    input("login").value = "lea.martin";
    input("password").value = "ABCD-EFGH-JKMN";
    askNewPassword(view, "fr");
    expect((view.querySelector(".activation") as HTMLElement).hidden).toBe(false);
    expect(view.querySelector("label[for=login-password]")?.textContent).toBe("Code d'activation");
    for (const field of view.querySelectorAll(".activation input")) {
      expect(view.querySelector(`label[for="${field.id}"]`)).not.toBeNull();
    }
    input("newPassword").value = "court";
    submit();
    expect(view.querySelector(".form-error")?.textContent).toContain("8 caractères");
    input("newPassword").value = "mon-cartable-bleu";
    input("confirmPassword").value = "mon-cartable-vert";
    submit();
    expect(view.querySelector(".form-error")?.textContent).toContain("pas les mêmes");
    expect(onLogin).not.toHaveBeenCalled();
    input("confirmPassword").value = "mon-cartable-bleu";
    submit();
    expect(onLogin).toHaveBeenCalledWith({
      server: "http://ent.example:8787",
      login: "lea.martin",
      password: "ABCD-EFGH-JKMN",
      newPassword: "mon-cartable-bleu",
    });
  });

  it("while waiting for the ENT's page, shows its address", () => {
    const restart = vi.fn();
    const view = renderEntWait("fr", "https://ent.example.fr/auth/oauth2/auth?x=1", restart);
    expect(view.querySelector(".ent-login-url")?.textContent).toBe("https://ent.example.fr/auth/oauth2/auth?x=1");
    view.querySelector("button")!.click();
    expect(restart).toHaveBeenCalled();
  });
});
