import { describe, expect, it, vi } from "vitest";
import type { Occurrence } from "./api";
import { renderDay, renderSuggestions } from "./whereis";

const french: Occurrence = {
  id: "o14", date: "2026-11-30", start: "14:00", end: "15:00", subject: "Français", subjectColor: "#c0392b",
  audience: "1re B", teacher: "M. Paul Leroy", room: "B12", status: "planned", substitute: null, note: null,
};

describe("Où est… ?", () => {
  it("lists classes, teachers and rooms as buttons", () => {
    const pick = vi.fn();
    const list = renderSuggestions([{ kind: "audience", key: "1re B", label: "1re B", category: "class" }], "fr", pick);
    const button = list.querySelector("button")!;
    expect(button.textContent).toBe("1re B (classe)");
    button.click();
    expect(pick).toHaveBeenCalledWith({ kind: "audience", key: "1re B", label: "1re B", category: "class" });
  });

  it("says which audiences are groups", () => {
    const list = renderSuggestions([{ kind: "audience", key: "ESP2", label: "Espagnol LV2", category: "group" }], "fr", vi.fn());
    expect(list.querySelector("button")!.textContent).toBe("Espagnol LV2 (groupe)");
    expect(list.getAttribute("role")).toBeNull();
  });

  it("shows where the class is now and cancels a lesson with its reason", () => {
    const onCancel = vi.fn();
    const day = renderDay("1re B", "2026-11-30", [french], "fr", "14:20", onCancel);
    const row = day.querySelector("tr.lesson-row")!;
    expect(row.classList.contains("now")).toBe(true);
    expect(row.textContent).toContain("FrançaisM. Paul LeroyB12");
    (row.querySelector("button.cancel") as HTMLButtonElement).click();
    (row.querySelector("input[name=note]") as HTMLInputElement).value = "Professeur absent";
    row.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(onCancel).toHaveBeenCalledWith(french, "Professeur absent");
  });

  it("shows a cancelled lesson with its note and no cancel button", () => {
    const day = renderDay("1re B", "2026-11-30", [{ ...french, status: "cancelled", note: "Absent" }], "fr", null, vi.fn());
    expect(day.textContent).toContain("Annulé : Absent");
    expect(day.querySelector("button.cancel")).toBeNull();
  });

  it("marks a lesson taken by a substitute, with a note", () => {
    const onReplace = vi.fn();
    const day = renderDay("1re B", "2026-11-30", [french], "fr", null, vi.fn(), onReplace);
    (day.querySelector("button.replace") as HTMLButtonElement).click();
    (day.querySelector("input[name=substitute]") as HTMLInputElement).value = "dubois";
    (day.querySelector("input[name=note]") as HTMLInputElement).value = "Stage";
    day.querySelector("form.replace-form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(onReplace).toHaveBeenCalledWith(french, "dubois", "Stage");
  });

  it("has column headers, a way back out of the reason form, and a restore for a cancelled lesson", () => {
    const onCancel = vi.fn();
    const onRestore = vi.fn();
    const day = renderDay("1re B", "2026-11-30", [french, { ...french, id: "o15", start: "15:00", status: "cancelled" }], "fr", null, onCancel, null, onRestore);
    expect([...day.querySelectorAll("thead th")].map((th) => th.textContent)).toEqual(["Horaire", "Classe", "Matière", "Enseignant", "Salle", "État", "Actions"]);
    const row = day.querySelector("tr.lesson-row")!;
    (row.querySelector("button.cancel") as HTMLButtonElement).click();
    expect(row.querySelector("form.cancel-form")).not.toBeNull();
    (row.querySelector("form button.back") as HTMLButtonElement).click();
    expect(row.querySelector("form")).toBeNull();
    expect(row.querySelector("button.cancel")).not.toBeNull();
    (row.querySelector("button.cancel") as HTMLButtonElement).click();
    row.querySelector("form")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(row.querySelector("form")).toBeNull();
    expect(onCancel).not.toHaveBeenCalled();
    (day.querySelector("tr[data-occurrence=o15] button.restore") as HTMLButtonElement).click();
    expect(onRestore).toHaveBeenCalledWith(expect.objectContaining({ id: "o15" }));
  });
});
