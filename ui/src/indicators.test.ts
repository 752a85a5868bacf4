import { describe, expect, it } from "vitest";
import type { Indicators } from "./bindings";
import { figures, indicatorsView, periodForm, writtenPercent } from "./indicators";

// jsdom draws nothing (no 2D context): the figures keep their tables alone.
HTMLCanvasElement.prototype.getContext = (() => null) as never;

const ind: Indicators = {
  from: "2026-11-02",
  until: "2026-11-29",
  classes: [
    { id: "a1", name: "2nde 1", lessonsHeld: 40, seancesWritten: 30, homeworkGiven: 12, edits: 50, offlineEdits: 5 },
    { id: "a2", name: "1re B", lessonsHeld: 0, seancesWritten: 0, homeworkGiven: 0, edits: 0, offlineEdits: 0 },
  ],
  teachers: [
    { id: "t1", name: "Mme Claire Martin", lessonsHeld: 20, seancesWritten: 19, homeworkGiven: 6, edits: 30, offlineEdits: 4 },
    { id: "t2", name: "M. Paul Leroy", lessonsHeld: 10, seancesWritten: 2, homeworkGiven: 1, edits: 0, offlineEdits: 0 },
  ],
  weeks: [
    { week: "2026-11-02", teachers: 30, vieScolaire: 3, direction: 2, pupils: 400, parents: 120 },
    { week: "2026-11-09", teachers: 31, vieScolaire: 3, direction: 2, pupils: 420, parents: 100 },
  ],
  conflicts: { made: 3, keptMine: 1, keptTheirs: 1, open: 1 },
  charter: { version: 2, byRole: [{ role: "teacher", accounts: 40, accepted: 38 }] },
};

describe("the indicators", () => {
  it("count a class with no lesson held as up to date, like the server", () => {
    expect(ind.classes.map(writtenPercent)).toEqual([75, 100]);
  });

  it("make one figure per measure, each with its table of figures", () => {
    const f = figures(ind, "fr");
    expect(f.map((x) => x.id)).toEqual(["classes", "teachers", "offline", "active", "conflicts", "charter"]);
    const classes = f[0];
    expect(classes.config.data.datasets[0].data).toEqual([75, 100]);
    expect(classes.table[1]).toEqual(["2nde 1", "40", "30", "75", "12"]);
    // Only teachers who wrote something are in the offline chart.
    expect(f[2].config.data.labels).toEqual(["Mme Claire Martin"]);
    // One line per role, one point per week.
    expect(f[3].config.data.datasets.map((d) => d.label)).toEqual(["enseignants", "vie scolaire", "direction", "élèves", "parents"]);
    expect(f[3].config.data.datasets[3].data).toEqual([400, 420]);
    expect(f[5].caption).toBe("Charte (version 2) : acceptation par rôle");
    expect(f[5].table[1]).toEqual(["enseignants", "38", "2"]);
  });

  it("leave the charter out when the school has none, and speak English", () => {
    const f = figures({ ...ind, charter: { version: null, byRole: [] } }, "en");
    expect(f.map((x) => x.id)).not.toContain("charter");
    expect(f[0].caption).toBe("Lessons written up per class (% of lessons held)");
  });

  it("show every figure with its caption and its table, never a pupil's name", () => {
    const view = indicatorsView(ind, "fr");
    const captions = [...view.querySelectorAll("figcaption")].map((c) => c.textContent);
    expect(captions).toHaveLength(6);
    expect(view.querySelectorAll("canvas[role=img][aria-label]")).toHaveLength(6);
    expect(view.querySelector("figure[data-figure=teachers] tbody")!.textContent).toContain("Mme Claire Martin");
    expect(view.textContent).toContain("Aucun suivi individuel des élèves");
  });

  it("ask for the period and hand it over", () => {
    let shown: string[] = [];
    let csv: string[] = [];
    const form = periodForm("2026-11-02", "2026-11-29", "fr", (a, b) => (shown = [a, b]), (a, b) => (csv = [a, b]));
    form.querySelector<HTMLInputElement>("#indicators-from")!.value = "2026-09-01";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(shown).toEqual(["2026-09-01", "2026-11-29"]);
    form.querySelector<HTMLButtonElement>(".indicators-csv")!.click();
    expect(csv).toEqual(["2026-09-01", "2026-11-29"]);
    expect(form.querySelector("label[for=indicators-until]")!.textContent).toBe("Au");
  });
});
