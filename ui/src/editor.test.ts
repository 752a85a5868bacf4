import { describe, expect, it, vi } from "vitest";
import type { HomeworkKind, Occurrence, SessionView } from "./api";
import { t } from "./i18n";
import { renderEditor, type EditorHandlers } from "./editor";

const lesson: Occurrence = {
  id: "occ-1", date: "2026-11-30", start: "10:00", end: "11:00", subject: "Histoire-géographie",
  subjectColor: "#8e44ad", audience: "2nde 3", teacher: "Mme Claire Martin", room: "A07",
  status: "planned", substitute: null, note: null,
};

const existing: SessionView = {
  id: "s1", version: 2, occurrenceId: "occ-1", audienceId: "a", audience: "2nde 3", subjectId: "s",
  subject: "Histoire-géographie", teacherId: "t", date: "2026-11-30", start: "10:00", end: "11:00",
  title: "Avant", content: "", annotation: "à revoir", state: "published", locked: false,
  attachments: ["d1"],
  homework: [{
    id: "h1", version: 1, sessionId: "s1", givenOn: "2026-11-30", dueOn: "2026-12-07",
    description: "Lire le chapitre 3", kind: "reading", estimatedMinutes: 30, state: "published",
    attachments: [],
  }],
};

function handlers(): EditorHandlers & { onSave: ReturnType<typeof vi.fn> } {
  return { onSave: vi.fn(), onClose: vi.fn() };
}

describe("séance editor", () => {
  it("labels every field and saves a new séance with its homework on Ctrl+S", () => {
    const h = handlers();
    const panel = renderEditor(lesson, null, "fr", h);
    document.body.append(panel);
    (panel.querySelector("button.add-homework") as HTMLButtonElement).click();
    for (const control of panel.querySelectorAll("input, textarea, select, [contenteditable]")) {
      const labelled = control.getAttribute("aria-label") ?? control.getAttribute("aria-labelledby") ?? control.id;
      const named = control.hasAttribute("aria-label") || !!panel.querySelector(`label[for="${control.id}"]`) || !!document.getElementById(control.getAttribute("aria-labelledby") ?? "");
      expect(named, labelled).toBe(true);
    }
    (panel.querySelector("input[name=title]") as HTMLInputElement).value = "Les Lumières";
    (panel.querySelector("textarea[name=content]") as HTMLTextAreaElement).value = "<p>Cours</p>";
    (panel.querySelector("textarea[name=description]") as HTMLTextAreaElement).value = "Exercices 1 à 4";
    (panel.querySelector("input[name=estimatedMinutes]") as HTMLInputElement).value = "45";
    panel.querySelector("form")!.dispatchEvent(new KeyboardEvent("keydown", { key: "s", ctrlKey: true, bubbles: true }));
    expect(h.onSave).toHaveBeenCalledWith(
      { id: null, occurrence: "occ-1", title: "Les Lumières", content: "<p>Cours</p>", annotation: null, state: "draft", attachments: [] },
      [{ dueOn: "2026-12-07", description: "Exercices 1 à 4", kind: "exercise", estimatedMinutes: 45, state: "draft", attachments: [] }],
      [],
      expect.anything(),
    );
    panel.remove();
  });

  it("edits an existing séance by its id, keeps its homework and reports the removed one", () => {
    const h = handlers();
    const panel = renderEditor(lesson, existing, "fr", h);
    expect((panel.querySelector("select[name=state]") as HTMLSelectElement).value).toBe("published");
    expect((panel.querySelector("textarea[name=description]") as HTMLTextAreaElement).value).toBe("Lire le chapitre 3");
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(h.onSave.mock.calls[0][0]).toMatchObject({ id: "s1", title: "Avant", annotation: "à revoir" });
    expect(h.onSave.mock.calls[0][1]).toEqual([
      { id: "h1", dueOn: "2026-12-07", description: "Lire le chapitre 3", kind: "reading", estimatedMinutes: 30, state: "published", attachments: [] },
    ]);
    (panel.querySelector("button.remove-homework") as HTMLButtonElement).click();
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(h.onSave.mock.calls[1][1]).toEqual([]);
    expect(h.onSave.mock.calls[1][2]).toEqual(["h1"]);
  });

  it("shows the class's load on the due day, with a warning above the school's limits", async () => {
    const dayLoad = vi.fn(async (date: string, _excluding?: string) => ({
      date, items: [{ id: "h9", subject: "Maths", audience: "2nde 3", kind: "test" as const, minutes: 60, draft: false }],
      minutes: 60, unestimated: 0, assessments: 1, tooLong: false, tooManyAssessments: false,
      limits: { maxMinutes: 90, maxAssessments: 1 },
    }));
    const panel = renderEditor(lesson, existing, "fr", { ...handlers(), dayLoad });
    const line = () => panel.querySelector(".day-load") as HTMLElement;
    await vi.waitFor(() => expect(line().textContent).toContain("2nde 3 a déjà 1 devoir : 60 min, 1 évaluation"));
    // The homework edited is left out of what the day already has.
    expect(dayLoad).toHaveBeenCalledWith("2026-12-07", "h1");
    // 60 + 30 min: under 90? No: 90 is the limit, 90 is not over it.
    expect(line().classList.contains("warn")).toBe(false);
    const kind = panel.querySelector("select[name=kind]") as HTMLSelectElement;
    kind.value = "test";
    kind.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(line().classList.contains("warn")).toBe(true));
    expect(line().textContent).toContain("2 évaluations");
    expect(line().textContent).toContain("au-delà de la limite");
    expect(line().getAttribute("aria-live")).toBe("polite");
  });

  it("saves a homework with the kind it was opened with, for every kind", () => {
    const kinds: HomeworkKind[] = ["exercise", "reading", "test", "presentation", "other"];
    for (const kind of kinds) {
      const h = handlers();
      const panel = renderEditor(lesson, { ...existing, homework: [{ ...existing.homework[0], kind }] }, "fr", h);
      const choice = panel.querySelector("select[name=kind]") as HTMLSelectElement;
      expect(choice.value).toBe(kind);
      expect(choice.selectedOptions[0].textContent).toBe(t("fr").hwKinds[kind]);
      panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
      expect(h.onSave.mock.calls[0][1][0].kind).toBe(kind);
    }
  });

  it("asks before closing with changes not saved, and closes at once without", () => {
    const h = handlers();
    const panel = renderEditor(lesson, existing, "fr", h);
    document.body.append(panel);
    (panel.querySelector("button.close") as HTMLButtonElement).click();
    expect(h.onClose).toHaveBeenCalledTimes(1);
    (panel.querySelector("input[name=title]") as HTMLInputElement).value = "Après";
    panel.querySelector("form")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(h.onClose).toHaveBeenCalledTimes(1);
    expect(panel.querySelector(".unsaved")?.textContent).toContain("Des modifications ne sont pas enregistrées.");
    (panel.querySelector(".unsaved button.keep-editing") as HTMLButtonElement).click();
    expect(panel.querySelector(".unsaved")).toBeNull();
    expect((panel.querySelector("input[name=title]") as HTMLInputElement).value).toBe("Après");
    (panel.querySelector("button.close") as HTMLButtonElement).click();
    (panel.querySelector(".unsaved button.discard") as HTMLButtonElement).click();
    expect(h.onClose).toHaveBeenCalledTimes(2);
    panel.remove();
  });

  it("opens an entry under visa read-only, the reason at the top", () => {
    const h = handlers();
    const panel = renderEditor(lesson, { ...existing, locked: true }, "fr", h);
    expect(panel.querySelector(".locked-banner")?.textContent).toContain("ne peut plus être modifiée");
    expect((panel.querySelector("input[name=title]") as HTMLInputElement).disabled).toBe(true);
    expect((panel.querySelector("select[name=kind]") as HTMLSelectElement).disabled).toBe(true);
    expect(panel.querySelector("button.primary")).toBeNull();
    expect(panel.querySelector("button.add-homework")).toBeNull();
    (panel.querySelector("button.close") as HTMLButtonElement).click();
    expect(h.onClose).toHaveBeenCalled();
  });

  it("makes new homework due at the class's next lesson", () => {
    const panel = renderEditor(lesson, null, "fr", { ...handlers(), nextLessonOn: "2026-12-03" });
    (panel.querySelector("button.add-homework") as HTMLButtonElement).click();
    expect((panel.querySelector("input[name=dueOn]") as HTMLInputElement).value).toBe("2026-12-03");
  });

  it("attaches the teacher's own documents, opens and removes them", () => {
    const doc = (id: string, name: string, canEdit = true) => ({
      id, path: `/Cours/${name}`, folder: "/Cours", name, size: 10, mediaType: "text/plain", hash: "h",
      ownerId: canEdit ? "t" : "x", ownerName: "", versions: [], trashedAt: null, conflictOf: null, cached: true,
      pinned: false, pendingUpload: false, shares: [], canEdit,
    });
    const onOpenDocument = vi.fn();
    const h = { ...handlers(), documents: [doc("d1", "carte.pdf"), doc("d2", "frise.odt"), doc("d3", "pas-a-moi.pdf", false)], onOpenDocument };
    const panel = renderEditor(lesson, existing, "fr", h);
    const items = () => [...panel.querySelectorAll(".attachments li[data-document]")].map((li) => li.firstChild!.textContent);
    expect(items()).toEqual(["carte.pdf"]);
    (panel.querySelector(".attachments button.open-attachment") as HTMLButtonElement).click();
    expect(onOpenDocument).toHaveBeenCalledWith("d1");
    const choice = panel.querySelector("select[name=attach]") as HTMLSelectElement;
    expect([...choice.options].map((o) => [o.value, o.textContent])).toEqual([["", "Choisir un document…"], ["d2", "frise.odt (Cours)"]]);
    expect((panel.querySelector("button.attach") as HTMLButtonElement).disabled).toBe(true);
    choice.value = "d2";
    choice.dispatchEvent(new Event("change"));
    (panel.querySelector("button.attach") as HTMLButtonElement).click();
    expect(items()).toEqual(["carte.pdf", "frise.odt"]);
    (panel.querySelector(".attachments button.remove-attachment") as HTMLButtonElement).click();
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(h.onSave.mock.calls[0][0].attachments).toEqual(["d2"]);
  });

  it("after a save that failed half-way, a retry updates what was stored instead of storing it twice", () => {
    const h = handlers();
    const panel = renderEditor(lesson, null, "fr", h);
    (panel.querySelector("button.add-homework") as HTMLButtonElement).click();
    (panel.querySelector("button.add-homework") as HTMLButtonElement).click();
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    // The séance and the first homework went in; the second homework was refused.
    const saved = h.onSave.mock.calls[0][3];
    saved.session("s9");
    saved.homework(0, "h9");
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    const [input, rows] = h.onSave.mock.calls[1];
    expect(input).toMatchObject({ id: "s9", occurrence: null });
    expect(rows.map((r: { id?: string }) => r.id)).toEqual(["h9", undefined]);
  });

  it("forgets a removed homework once its deletion is stored", () => {
    const h = handlers();
    const panel = renderEditor(lesson, existing, "fr", h);
    (panel.querySelector("button.remove-homework") as HTMLButtonElement).click();
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(h.onSave.mock.calls[0][2]).toEqual(["h1"]);
    h.onSave.mock.calls[0][3].removed("h1");
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(h.onSave.mock.calls[1][2]).toEqual([]);
  });

  it("says when an entry is signed off", () => {
    const panel = renderEditor(lesson, { ...existing, locked: true }, "fr", handlers());
    expect(panel.querySelector(".locked-banner")?.textContent).toContain("Entrée visée le 30/11/2026");
  });

  it("offers to copy a written séance to another class of the same subject", async () => {
    const onCopy = vi.fn();
    const targets = vi.fn(async () => [{ ...lesson, id: "occ-9", audience: "2nde 1", date: "2026-12-01" }]);
    const panel = renderEditor(lesson, existing, "fr", { ...handlers(), copyTargets: targets, onCopy });
    const details = panel.querySelector("details.copy") as HTMLDetailsElement;
    details.open = true;
    details.dispatchEvent(new Event("toggle"));
    await vi.waitFor(() => expect(panel.querySelector("select[name=copyTarget]")).not.toBeNull());
    expect(panel.querySelector("select[name=copyTarget]")?.textContent).toContain("2nde 1");
    (panel.querySelector("button.do-copy") as HTMLButtonElement).click();
    expect(onCopy).toHaveBeenCalledWith("occ-9");
  });
});
