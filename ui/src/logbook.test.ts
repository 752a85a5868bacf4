import { describe, expect, it, vi } from "vitest";
import type { SessionView, TeacherLogbook } from "./api";
import { plainText, renderDrafts, renderLogbook } from "./logbook";

const entry: SessionView = {
  id: "s1", version: 1, occurrenceId: "occ-1", audienceId: "aud-1", audience: "1re B", subjectId: "sub",
  subject: "Français", teacherId: "usr-leroy", date: "2026-11-23", start: "14:00", end: "15:00",
  title: "Le roman au XIXe", content: "<p>Balzac, <em>Le Père Goriot</em></p>", annotation: null,
  state: "published", locked: true, attachments: [], homework: [],
};

const book: TeacherLogbook = {
  login: "leroy", displayName: "M. Paul Leroy",
  audiences: [{ id: "aud-1", name: "1re B", visaUntil: "2026-11-27" }, { id: "aud-2", name: "2nde 1", visaUntil: null }],
  entries: [entry, { ...entry, id: "s2", date: "2026-11-30", locked: false, state: "draft", title: "Suite" }],
};

describe("direction's reading", () => {
  it("shows each entry, locked ones as such, and content as text", () => {
    const root = renderLogbook(book, "2026-11-30", "fr", vi.fn());
    const rows = root.querySelectorAll("tr[data-session]");
    expect(rows).toHaveLength(2);
    expect(rows[0].classList.contains("locked")).toBe(true);
    expect(rows[0].textContent).toContain("Visée");
    expect(rows[1].textContent).not.toContain("Visée");
    expect(root.querySelector("td.content")?.textContent).toBe("Balzac, Le Père Goriot");
    expect(root.querySelector("em")).toBeNull();
    expect(root.querySelector(".visas")?.textContent).toContain("visé jusqu'au 27/11/2026");
    expect(root.querySelector(".visas")?.textContent).toContain("jamais visé");
  });

  it("signs off a class up to a date", () => {
    const onSign = vi.fn();
    const root = renderLogbook(book, "2026-11-30", "fr", onSign);
    (root.querySelector("select[name=audience]") as HTMLSelectElement).value = "aud-2";
    (root.querySelector("input[name=comment]") as HTMLInputElement).value = "RAS";
    root.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(onSign).toHaveBeenCalledWith("aud-2", "2026-11-30", "RAS");
  });

  it("says why visas cannot be signed on an ENT that cannot take them, without a form", () => {
    const root = renderLogbook(book, "2026-11-30", "fr", null, "Sur cet ENT, les visas se donnent dans l'ENT.");
    expect(root.querySelector("form.visa-form")).toBeNull();
    expect(root.querySelector(".unsupported")?.textContent).toContain("les visas se donnent dans l'ENT");
  });

  it("reads lesson HTML as its text: markup dropped, never turned into elements", () => {
    expect(plainText("<img src=x onerror=alert(1)><script>alert(2)</script>Texte")).toBe("alert(2)Texte");
  });
});

describe("drafts", () => {
  it("lists drafts and opens the one picked", () => {
    const onOpen = vi.fn();
    const d = { id: "s2", occurrenceId: "occ-2", date: "2026-11-30", start: "10:00", audience: "2nde 3", subject: "Histoire", title: "" };
    const panel = renderDrafts([d], "fr", onOpen, () => {});
    expect(panel.textContent).toContain("(sans titre)");
    (panel.querySelector("button.draft") as HTMLButtonElement).click();
    expect(onOpen).toHaveBeenCalledWith(d);
    expect(renderDrafts([], "fr", onOpen, () => {}).textContent).toContain("Aucun brouillon.");
  });
});
