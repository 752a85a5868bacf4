import { describe, expect, it } from "vitest";
import type { SyncStatus, UpdateStatus } from "./bindings";
import { touches } from "./changes";
import { helpPage, supportSection, updateSection } from "./help";

const status: SyncStatus = {
  online: false,
  syncing: false,
  pending: 3,
  quarantined: 1,
  conflicts: 0,
  lastSync: "2026-11-30T09:47:00Z",
  cursor: 10,
  progress: null,
  keyStorage: "keyring",
  ent: "ardoise",
  capabilities: { changeFeed: true, serverMerge: true, safeRetries: true, resumableFiles: true, lessonStatus: true, visas: true, documents: true, calendarFeed: true, assistance: true, indicators: true, progressions: true },
};

describe("the help page", () => {
  it("says what works offline, what waits, what to do, and what waits right now", () => {
    const page = helpPage(status, "fr");
    const titles = [...page.querySelectorAll("h2")].map((h) => h.textContent);
    expect(titles).toEqual([
      "En ce moment sur cet appareil",
      "Ce qui marche sans réseau",
      "Ce qui attend le retour du réseau",
      "Pendant une panne",
      "Au retour du réseau",
    ]);
    const now = [...page.querySelectorAll(".help-now li")].map((li) => li.textContent);
    expect(now).toEqual(["Hors ligne", "3 modifications en attente", "1 modification refusée par l'ENT", "aucun conflit", "Synchronisé à 10:47"]);
    expect(page.textContent).toContain("Ne ressaisissez rien");
  });

  it("speaks English too, and waits for a first status", () => {
    const page = helpPage(null, "en");
    expect(page.querySelector("h1")!.textContent).toBe("Help: working without the network");
    expect(page.querySelector(".help-now")!.textContent).toContain("never synced");
  });

  it("is not redrawn for records, only for the status", () => {
    expect(touches("help", { head: 1, remote: ["session"], local: [], complete: true })).toBe(false);
    expect(touches("help", { head: 1, remote: ["charter"], local: [], complete: true })).toBe(true);
  });

  it("offers to send a report where the ENT has an inbox, to save one always, and says where each stands", () => {
    let sent = 0;
    let saved = 0;
    const reports = [
      { id: "r2", createdAt: "2026-11-30T10:00:00Z", sentAt: null, refused: null, size: 2000 },
      { id: "r1", createdAt: "2026-11-29T08:00:00Z", sentAt: "2026-11-29T08:05:00Z", refused: null, size: 2100 },
    ];
    const section = supportSection(reports, true, "fr", () => sent++, () => saved++);
    expect(section.querySelector("h2")!.textContent).toBe("Assistance");
    expect(section.textContent).toContain("ni texte de séance, ni nom, ni mot de passe");
    section.querySelector<HTMLButtonElement>(".support-send")!.click();
    section.querySelector<HTMLButtonElement>(".support-save")!.click();
    expect([sent, saved]).toEqual([1, 1]);
    const items = [...section.querySelectorAll(".support-reports li")].map((li) => li.textContent);
    expect(items[0]).toContain("en attente du réseau");
    expect(items[1]).toContain("envoyé le");
    const noInbox = supportSection([], false, "en", () => sent++, () => saved++);
    expect(noInbox.querySelector(".support-send")).toBeNull();
    expect(noInbox.textContent).toContain("This ENT has no support inbox");
  });
});

describe("« Mises à jour »", () => {
  const base: UpdateStatus = {
    current: "0.1.0",
    off: null,
    channel: "https://ent.lycee.fr/maj/latest.json",
    channelFromPolicy: true,
    found: null,
    lookedAt: null,
    installed: null,
    canInstall: true,
    verified: null,
    problem: null,
  };
  const acts = () => {
    const done: string[] = [];
    return { done, act: { check: () => done.push("check"), install: () => done.push("install"), restart: () => done.push("restart") } };
  };

  it("offers a look, then what was found with its notes, and installs it", () => {
    const { done, act } = acts();
    const idle = updateSection(base, "fr", act);
    expect(idle.textContent).toContain("Version en cours : 0.1.0.");
    expect(idle.textContent).toContain("(fixé par l'établissement)");
    idle.querySelector<HTMLButtonElement>(".updates-check")!.click();
    const found = updateSection({ ...base, lookedAt: "2026-12-01T09:00:00Z", found: { version: "0.1.1", notes: "Correctifs.", date: "2026-12-01T08:00:00Z" } }, "fr", act);
    expect(found.querySelector(".updates-found")!.textContent).toContain("Ardoise 0.1.1 est disponible.");
    expect(found.querySelector(".updates-notes")!.textContent).toBe("Correctifs.");
    found.querySelector<HTMLButtonElement>(".updates-install")!.click();
    const installed = updateSection({ ...base, installed: "0.1.1" }, "fr", act);
    expect(installed.querySelector(".updates-install")).toBeNull();
    installed.querySelector<HTMLButtonElement>(".updates-restart")!.click();
    expect(done).toEqual(["check", "install", "restart"]);
  });

  it("says why updates are off, and offers nothing then", () => {
    const { act } = acts();
    const off = updateSection({ ...base, off: "policy" }, "fr", act);
    expect(off.querySelector(".updates-off")!.textContent).toBe("Votre établissement installe lui-même les mises à jour sur cet ordinateur.");
    expect(off.querySelector("button")).toBeNull();
    expect(updateSection({ ...base, off: "noKey" }, "en", act).textContent).toContain("built without an update key");
  });

  it("keeps a refused update said, and a copy from the sources only verifies", () => {
    const { act } = acts();
    const found = { version: "0.1.1", notes: null, date: null };
    const refused = updateSection({ ...base, found, problem: "update.bad_signature" }, "fr", act);
    expect(refused.querySelector(".updates-problem")!.textContent).toBe("Mise à jour refusée : elle n'est pas signée par Ardoise. Rien n'a été changé.");
    const source = updateSection({ ...base, found, canInstall: false, verified: "0.1.1" }, "fr", act);
    expect(source.querySelector(".updates-install")!.textContent).toBe("Télécharger et vérifier");
    expect(source.querySelector(".updates-verified")!.textContent).toContain("signature vérifiée");
  });
});
