import { describe, expect, it, vi } from "vitest";
import { renderConflicts } from "./conflicts";

describe("conflicts side by side", () => {
  const conflict = {
    id: "c1", recordKind: "session", recordId: "s1", label: "2026-11-23 Les Lumières", createdAt: "2026-11-30T09:00:00Z",
    fields: [{ name: "title", base: "Séance 1", mine: "Titre du bureau", theirs: "Titre du portable" }],
  };

  it("shows both versions of each field and resolves with the choice", () => {
    const onResolve = vi.fn();
    const panel = renderConflicts([conflict], "fr", onResolve, () => {});
    expect(panel.querySelector("td.name")?.textContent).toBe("Titre");
    expect(panel.querySelector("td.mine")?.textContent).toBe("Titre du bureau");
    expect(panel.querySelector("td.theirs")?.textContent).toBe("Titre du portable");
    (panel.querySelector("button.keep-mine") as HTMLButtonElement).click();
    expect(onResolve).toHaveBeenCalledWith("c1", "mine");
    (panel.querySelector("button.keep-theirs") as HTMLButtonElement).click();
    expect(onResolve).toHaveBeenLastCalledWith("c1", "theirs");
  });

  it("resolves with a merged version edited by hand, prefilled with mine", () => {
    const onMerge = vi.fn();
    const panel = renderConflicts([conflict], "fr", vi.fn(), () => {}, onMerge);
    const merged = panel.querySelector("td.merged textarea") as HTMLTextAreaElement;
    expect(merged.value).toBe("Titre du bureau");
    merged.value = "Titre du bureau et du portable";
    (panel.querySelector("button.keep-merged") as HTMLButtonElement).click();
    expect(onMerge).toHaveBeenCalledWith("c1", { title: "Titre du bureau et du portable" });
  });

  it("shows script in a conflicting value as text", () => {
    const evil = { ...conflict, fields: [{ name: "content", base: "", mine: "<script>alert(1)</script>", theirs: "" }] };
    const panel = renderConflicts([evil], "fr", vi.fn(), () => {});
    expect(panel.querySelector("script")).toBeNull();
    expect(panel.querySelector("td.theirs")?.textContent).toBe("(vide)");
  });
});
