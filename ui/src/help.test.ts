import { describe, expect, it } from "vitest";
import type { SyncStatus } from "./bindings";
import { touches } from "./changes";
import { helpPage, supportSection } from "./help";

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
