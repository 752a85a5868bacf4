import { describe, expect, it } from "vitest";
import type { SyncStatus, WeekView } from "./api";
import { lanes, renderStatus, renderWeek, statusText } from "./view";

const status: SyncStatus = { online: false, syncing: false, pending: 3, quarantined: 0, conflicts: 1, lastSync: "2026-11-30T09:47:00Z", cursor: 10, progress: null, keyStorage: "keyring",
  ent: "ardoise", capabilities: { changeFeed: true, serverMerge: true, safeRetries: true, resumableFiles: true, lessonStatus: true, visas: true, documents: true, calendarFeed: true, assistance: true, indicators: true, progressions: true } };

const week: WeekView = {
  monday: "2026-11-30",
  weekType: "A",
  userName: "Mme Claire Martin",
  occurrences: [
    { id: "o1", date: "2026-11-30", start: "10:00", end: "11:00", subject: "Histoire-géographie", subjectColor: "#8e44ad", audience: "2nde 3", teacher: "Mme Claire Martin", room: "A07", status: "planned", substitute: null, note: null },
    { id: "o2", date: "2026-12-01", start: "14:00", end: "15:00", subject: "Histoire-géographie", subjectColor: "#8e44ad", audience: "Tle 2", teacher: "Mme Claire Martin", room: "C09", status: "cancelled", substitute: null, note: "Professeur absent" },
  ],
  sessionsByOccurrence: { o1: { sessionId: "s1", title: "Les Lumières", state: "published", homework: 2 } },
  holidays: {},
};

describe("status bar", () => {
  it("says offline with the pending count and the last sync in Paris time", () => {
    expect(statusText(status, "fr")).toBe("Hors ligne — 3 modifications en attente — Synchronisé à 10:47");
    expect(statusText({ ...status, online: true, pending: 0 }, "en")).toContain("Online — nothing pending");
  });
  it("warns when no keyring protects the local key, and only then", () => {
    expect(renderStatus(status, "fr").querySelector(".key-warning")).toBeNull();
    const warning = renderStatus({ ...status, keyStorage: "file" }, "fr").querySelector(".key-warning");
    expect(warning?.textContent).toContain("Données protégées par un fichier");
    expect(warning?.getAttribute("title")).toContain("aucun trousseau système");
  });
  it("says when the school's policy file was ignored, with the reasons for IT", () => {
    expect(renderStatus(status, "fr").querySelector(".policy-warning")).toBeNull();
    const problem = "/etc/ardoise/policies.json : ce n'est pas du JSON valide (ligne 3, colonne 1) ; ignoré";
    const warning = renderStatus(status, "en", [problem]).querySelector(".policy-warning");
    expect(warning?.textContent).toBe("School configuration ignored");
    expect(warning?.getAttribute("title")).toContain(problem);
  });
  it("names the ENT when it is not Ardoise's own", () => {
    expect(renderStatus(status, "fr").querySelector(".ent")).toBeNull();
    expect(renderStatus({ ...status, ent: "open-ent-ng" }, "fr").querySelector(".ent")?.textContent).toBe("Open ENT NG");
  });
  it("shows a conflicts badge", () => {
    expect(renderStatus(status, "fr").querySelector(".badge")?.textContent).toBe("1 conflit");
  });
  it("shows a progress bar while a first sync or a long pull runs", () => {
    const first = { ...status, syncing: true, cursor: 0, progress: { phase: "snapshot" as const, done: 0, total: null } };
    expect(renderStatus(first, "fr").querySelector(".progress")?.textContent).toContain("Première synchronisation");
    const writing = { ...status, syncing: true, cursor: 0, progress: { phase: "snapshot" as const, done: 20000, total: 100000 } };
    const snap = renderStatus(writing, "fr").querySelector(".progress");
    expect(snap?.textContent).toMatch(/Première synchronisation.*20\s000 éléments reçus/);
    expect([(snap?.querySelector("progress") as HTMLProgressElement).value, (snap?.querySelector("progress") as HTMLProgressElement).max]).toEqual([20000, 100000]);
    const pulling = { ...status, syncing: true, progress: { phase: "pull" as const, done: 4000, total: null } };
    expect(renderStatus(pulling, "fr").querySelector(".progress")?.textContent).toMatch(/4\s000 éléments reçus/);
    const pushing = { ...status, syncing: true, progress: { phase: "push" as const, done: 500, total: 1200 } };
    const bar = renderStatus(pushing, "fr").querySelector("progress") as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([500, 1200]);
    expect(renderStatus({ ...status, progress: null }, "fr").querySelector("progress")).toBeNull();
  });
});

describe("week view", () => {
  it("has six days, marks today and shows cancelled lessons with their note", () => {
    const root = renderWeek(week, "fr", "2026-11-30");
    expect(root.querySelectorAll(".day")).toHaveLength(6);
    expect(root.querySelector(".day.today h2")?.textContent).toContain("lundi 30 novembre");
    const cancelled = root.querySelector('[data-occurrence="o2"]');
    expect(cancelled?.classList.contains("cancelled")).toBe(true);
    expect(cancelled?.textContent).toContain("Annulé : Professeur absent");
    expect(root.querySelector('[data-occurrence="o1"] .written')?.textContent).toBe("✓ Séance renseignée · 2 devoirs");
    expect(root.querySelector('[data-occurrence="o1"]')?.getAttribute("role")).toBe("button");
  });
  it("names the holiday a day falls in instead of « Pas de cours »", () => {
    const armistice = { ...week, monday: "2026-11-09", occurrences: [], holidays: { "2026-11-11": "Armistice" } };
    const grid = renderWeek(armistice, "fr", "2026-11-09");
    const days = [...grid.querySelectorAll(".day")];
    expect(days[2].classList.contains("holiday")).toBe(true);
    expect(days[2].querySelector(".holiday-name")?.textContent).toBe("Armistice");
    expect(days[2].querySelector(".empty")).toBeNull();
    expect(days[1].querySelector(".empty")?.textContent).toBe("Pas de cours");
    expect(grid.querySelectorAll(".holiday")).toHaveLength(1);
  });

  it("says « Brouillon » for a séance the class does not see yet", () => {
    const draft = { ...week, sessionsByOccurrence: { o1: { sessionId: "s1", title: "", state: "draft" as const, homework: 0 } } };
    const card = renderWeek(draft, "fr", "2026-11-30").querySelector('[data-occurrence="o1"]')!;
    expect(card.querySelector(".written")).toBeNull();
    expect(card.querySelector(".draft-flag")?.textContent).toBe("Brouillon");
  });
  it("shows a pupil's week without cards that open anything", () => {
    const card = renderWeek(week, "fr", "2026-11-30", false).querySelector('[data-occurrence="o1"]')!;
    expect(card.getAttribute("role")).toBeNull();
    expect(card.getAttribute("tabindex")).toBeNull();
  });
  it("is a time grid: hours down the side, lessons placed and sized by time, now marked", () => {
    const root = renderWeek(week, "fr", "2026-11-30", true, "10:30");
    expect([...root.querySelectorAll(".hours .hour")].map((h) => h.textContent)).toEqual(
      ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00"],
    );
    const card = root.querySelector<HTMLElement>('[data-occurrence="o1"]')!;
    expect([card.style.getPropertyValue("--start"), card.style.getPropertyValue("--len")]).toEqual(["120", "60"]);
    expect(card.querySelector(".title")?.textContent).toBe("Les Lumières");
    const now = root.querySelector<HTMLElement>(".day.today .now-line")!;
    expect(now.style.getPropertyValue("--start")).toBe("150");
    expect(root.querySelectorAll(".now-line")).toHaveLength(1);
  });
  it("widens the hours for a lesson outside 8:00–18:00", () => {
    const late = { ...week, occurrences: [{ ...week.occurrences[0], start: "17:30", end: "19:15" }] };
    const hours = [...renderWeek(late, "fr", "2026-11-30").querySelectorAll(".hour")].map((h) => h.textContent);
    expect(hours.at(-1)).toBe("19:00");
  });
  it("puts lessons at the same hour side by side", () => {
    const at = (id: string, start: string, end: string) => ({ ...week.occurrences[0], id, start, end });
    const placed = lanes([at("a", "10:00", "11:00"), at("b", "10:00", "12:00"), at("c", "11:00", "12:00"), at("d", "14:00", "15:00")]);
    expect(placed.get("a")).toEqual({ lane: 0, of: 2 });
    expect(placed.get("b")).toEqual({ lane: 1, of: 2 });
    expect(placed.get("c")).toEqual({ lane: 0, of: 2 });
    expect(placed.get("d")).toEqual({ lane: 0, of: 1 });
  });
  it("never interprets names as HTML", () => {
    const evil = { ...week, occurrences: [{ ...week.occurrences[0], subject: "<img src=x onerror=alert(1)>" }] };
    const root = renderWeek(evil, "fr", "2026-11-30");
    expect(root.querySelector("img")).toBeNull();
    expect(root.textContent).toContain("<img src=x onerror=alert(1)>");
  });
});
