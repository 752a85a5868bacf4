import { describe, expect, it } from "vitest";
import type { Applied, ProgressionView } from "./bindings";
import { placedTable, progressionsPage, type ProgressionHandlers } from "./progressions";

const progression: ProgressionView = {
  id: "prog-1",
  title: "Histoire 2nde",
  level: "2nde",
  subjectId: "sub-higeo",
  subject: "Histoire-géographie",
  steps: [
    { title: "Athènes", content: "<p>cité</p>", homework: null },
    { title: "Rome", content: "", homework: { description: "<p>Lire</p>", kind: "reading", estimatedMinutes: 20 } },
  ],
  classes: ["2nde 1", "2nde 3"],
};

const applied: Applied = {
  placed: [
    { title: "Athènes", occurrenceId: "occ-1", date: "2026-12-07", start: "10:00", homeworkDue: null },
    { title: "Rome", occurrenceId: "occ-2", date: "2026-12-10", start: "11:00", homeworkDue: "2026-12-14" },
  ],
  leftOver: 0,
  skipped: 1,
};

function handlers(calls: string[]): ProgressionHandlers {
  return {
    preview: async (id, audience, from) => {
      calls.push(`preview ${id} ${audience} ${from}`);
      return applied;
    },
    apply: async (id, audience, from) => {
      calls.push(`apply ${id} ${audience} ${from}`);
      return applied;
    },
    fromClass: async (audience, level, title) => {
      calls.push(`from ${audience} ${level} ${title}`);
    },
    remove: async (id) => {
      calls.push(`remove ${id}`);
    },
    failed: (e) => calls.push(`failed ${String(e)}`),
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("progressions", () => {
  it("show each with its steps, and make drafts only after a preview of the same class and day", async () => {
    const calls: string[] = [];
    const page = progressionsPage([progression], ["2nde 1", "2nde 3"], "2026-12-01", "fr", handlers(calls));
    document.body.replaceChildren(page);
    const card = page.querySelector("article[data-progression=prog-1]")!;
    expect(card.querySelector("h2")!.textContent).toBe("Histoire 2nde");
    expect(card.querySelector(".meta")!.textContent).toBe("Histoire-géographie — 2nde — 2 séances");
    expect([...card.querySelectorAll("ol.steps li")].map((li) => li.textContent)).toEqual(["Athènes", "Rome — avec travail à faire"]);
    const apply = card.querySelector<HTMLButtonElement>("button.apply")!;
    expect(apply.disabled).toBe(true);
    card.querySelector<HTMLSelectElement>("select")!.value = "2nde 3";
    card.querySelector<HTMLButtonElement>("button.preview")!.click();
    await flush();
    expect(card.querySelectorAll("table.placed tbody tr")).toHaveLength(2);
    expect(card.querySelector(".placed-summary")!.textContent).toBe("2 séances placées, 1 cours passé (déjà écrit ou annulé)");
    expect(apply.disabled).toBe(false);
    apply.click();
    await flush();
    expect(calls).toEqual(["preview prog-1 2nde 3 2026-12-01", "apply prog-1 2nde 3 2026-12-01"]);
    expect(card.querySelector(".applied")!.textContent).toContain("2 brouillons créés pour 2nde 3");
  });

  it("ask for a new preview when the class changes", async () => {
    const calls: string[] = [];
    const page = progressionsPage([progression], [], "2026-12-01", "fr", handlers(calls));
    const card = page.querySelector("article")!;
    card.querySelector<HTMLButtonElement>("button.preview")!.click();
    await flush();
    const select = card.querySelector<HTMLSelectElement>("select")!;
    select.value = "2nde 3";
    select.dispatchEvent(new Event("change"));
    expect(card.querySelector<HTMLButtonElement>("button.apply")!.disabled).toBe(true);
    expect(card.querySelector("table.placed")).toBeNull();
    // No class of hers: no way to make one from a class.
    expect(page.querySelector("form.new-progression")).toBeNull();
  });

  it("make one from a class, and speak English", async () => {
    const calls: string[] = [];
    const page = progressionsPage([], ["2nde 3"], "2026-12-01", "en", handlers(calls));
    expect(page.querySelector(".empty")!.textContent).toContain("No scheme of work yet");
    page.querySelector<HTMLInputElement>("#new-progression-level")!.value = "2nde";
    page.querySelector<HTMLInputElement>("#new-progression-title")!.value = "Histoire";
    page.querySelector("form.new-progression")!.dispatchEvent(new Event("submit", { cancelable: true }));
    await flush();
    expect(calls).toEqual(["from 2nde 3 2nde Histoire"]);
  });

  it("says where the homework is due", () => {
    const table = placedTable(applied, "fr");
    const cells = [...table.querySelectorAll("tbody tr:nth-child(2) td")].map((td) => td.textContent);
    expect(cells[1]).toBe("Rome");
    expect(cells[2]).toContain("14");
  });
});
