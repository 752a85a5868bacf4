import { describe, expect, it, vi } from "vitest";
import type { Occurrence, SessionInput } from "./api";
import { renderEditor } from "./editor";

const lesson: Occurrence = {
  id: "occ-1", date: "2026-11-30", start: "10:00", end: "11:00", subject: "Histoire-géographie",
  subjectColor: "#8e44ad", audience: "2nde 3", teacher: "Mme Claire Martin", room: "A07",
  status: "planned", substitute: null, note: null,
};

describe("séance editor", () => {
  it("labels every field and saves a new séance for its occurrence with Ctrl+S", () => {
    const onSave = vi.fn<(i: SessionInput) => void>();
    const panel = renderEditor(lesson, null, "fr", onSave, () => {});
    document.body.append(panel);
    for (const control of panel.querySelectorAll("input, textarea, select")) {
      expect(panel.querySelector(`label[for="${control.id}"]`)).not.toBeNull();
    }
    (panel.querySelector("input[name=title]") as HTMLInputElement).value = "Les Lumières";
    (panel.querySelector("textarea[name=content]") as HTMLTextAreaElement).value = "<p>Cours</p>";
    panel.querySelector("form")!.dispatchEvent(new KeyboardEvent("keydown", { key: "s", ctrlKey: true, bubbles: true }));
    expect(onSave).toHaveBeenCalledWith({
      occurrence: "occ-1", title: "Les Lumières", content: "<p>Cours</p>", annotation: null, state: "draft",
    });
    panel.remove();
  });

  it("edits an existing séance by its id", () => {
    const onSave = vi.fn<(i: SessionInput) => void>();
    const existing = {
      id: "s1", version: 2, occurrenceId: "occ-1", audienceId: "a", subjectId: "s", teacherId: "t",
      date: "2026-11-30", start: "10:00", end: "11:00", title: "Avant", content: "", annotation: "à revoir",
      state: "published" as const,
    };
    const panel = renderEditor(lesson, existing, "fr", onSave, () => {});
    expect((panel.querySelector("select") as HTMLSelectElement).value).toBe("published");
    panel.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(onSave.mock.calls[0][0]).toMatchObject({ id: "s1", title: "Avant", annotation: "à revoir" });
  });
});
