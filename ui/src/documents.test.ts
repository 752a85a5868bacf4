import { describe, expect, it, vi } from "vitest";
import type { DocEntry, DocumentsView, TransferView } from "./api";
import { foldersOf, renderDocuments, renderTransfers, TRASH, type DocumentActions } from "./documents";
import { formatSize } from "./i18n";

const v = (hash: string, size: number, createdAt: string) => ({ id: `v-${hash}`, hash, size, authorId: "usr-martin", createdAt });

function doc(over: Partial<DocEntry>): DocEntry {
  return {
    id: "d1", path: "/Cours/Maths/fiche.pdf", folder: "/Cours/Maths", name: "fiche.pdf", size: 1536,
    mediaType: "application/pdf", hash: "h2", ownerId: "usr-martin", ownerName: "Mme Claire Martin",
    versions: [v("h1", 1024, "2026-11-02T08:00:00Z"), v("h2", 1536, "2026-11-28T22:40:00Z")],
    trashedAt: null, conflictOf: null, cached: true, pinned: false, pendingUpload: false, shares: [], canEdit: true,
    ...over,
  };
}

function actions(): DocumentActions {
  return {
    openFolder: vi.fn(), open: vi.fn(), pin: vi.fn(), trash: vi.fn(), purge: vi.fn(), add: vi.fn(), retry: vi.fn(),
    chooseMirror: vi.fn(), stopMirror: vi.fn(),
  };
}

const view = (documents: DocEntry[], pins: string[] = [], mirrorDir: string | null = null): DocumentsView => ({
  documents, pins, me: "usr-martin", mirrorDir,
});

describe("Documents", () => {
  it("lists folders with their parents, trash apart", () => {
    const docs = [doc({}), doc({ id: "d2", folder: "/Équipe", path: "/Équipe/a.md" }), doc({ id: "d3", folder: "/Vieux", trashedAt: "2026-11-01T00:00:00Z" })];
    expect(foldersOf(docs)).toEqual(["/", "/Cours", "/Cours/Maths", "/Équipe"]);
  });

  it("shows a folder's documents with size, Paris time, owner and badges", () => {
    const a = actions();
    const copy = doc({ id: "d2", name: "fiche (copie de conflit — M. Paul Leroy, 28-11-2026 23h40).pdf", conflictOf: "d1", ownerId: "usr-leroy", ownerName: "M. Paul Leroy", pinned: true, pendingUpload: true });
    const page = renderDocuments(view([doc({}), copy]), [], "/Cours/Maths", "fr", a);
    const rows = page.querySelectorAll("tr.doc-row");
    expect(rows.length).toBe(2);
    expect(rows[0].textContent).toContain("fiche.pdf");
    expect(rows[0].textContent).toContain(formatSize(1536, "fr"));
    expect(rows[0].textContent).toContain("28/11/2026 23:40");
    expect(rows[0].textContent).toContain("vous");
    expect(rows[1].querySelector(".tag.conflict-copy")?.textContent).toBe("copie de conflit");
    expect(rows[1].querySelector(".tag.offline")).not.toBeNull();
    expect(rows[1].querySelector(".tag.pending")?.textContent).toBe("envoi en attente");
    expect(rows[1].textContent).toContain("M. Paul Leroy");
    (rows[0].querySelector("button.open") as HTMLButtonElement).click();
    expect(a.open).toHaveBeenCalledWith(expect.objectContaining({ id: "d1" }), null);
  });

  it("says where we are as a breadcrumb of folders to click back up", () => {
    const a = actions();
    const page = renderDocuments(view([doc({})]), [], "/Cours/Maths", "fr", a);
    expect(page.querySelector("h2.breadcrumb")?.textContent).toBe("Documents › Cours › Maths");
    expect(page.querySelector("h2.breadcrumb [aria-current]")?.textContent).toBe("Maths");
    (page.querySelector("h2.breadcrumb button.crumb[data-folder='/Cours']") as HTMLButtonElement).click();
    expect(a.openFolder).toHaveBeenCalledWith("/Cours");
  });

  it("opens an older version, pins, trashes and adds files", () => {
    const a = actions();
    const page = renderDocuments(view([doc({})]), [], "/Cours/Maths", "fr", a);
    const versions = page.querySelector("button.versions") as HTMLButtonElement;
    expect(versions.textContent).toBe("Versions (2)");
    const list = page.querySelector("tr.version-list")!;
    expect(list.hasAttribute("hidden")).toBe(true);
    versions.click();
    expect(list.hasAttribute("hidden")).toBe(false);
    const items = list.querySelectorAll("li");
    expect(items[0].textContent).toContain("Version 2");
    (items[1].querySelector("button") as HTMLButtonElement).click();
    expect(a.open).toHaveBeenCalledWith(expect.objectContaining({ id: "d1" }), "h1");
    (page.querySelector("button.pin") as HTMLButtonElement).click();
    expect(a.pin).toHaveBeenCalledWith("/Cours/Maths/fiche.pdf", true);
    (page.querySelector("button.trash") as HTMLButtonElement).click();
    expect(a.trash).toHaveBeenCalledWith(expect.objectContaining({ id: "d1" }), true);
    (page.querySelector("button.add-files") as HTMLButtonElement).click();
    expect(a.add).toHaveBeenCalledWith("/Cours/Maths");
    (page.querySelector("button.pin-folder") as HTMLButtonElement).click();
    expect(a.pin).toHaveBeenCalledWith("/Cours/Maths", true);
  });

  it("the owner deletes a document of the trash for good, on a second click", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-30T08:00:00Z"));
    const a = actions();
    const trashed = { trashedAt: "2026-11-30T08:00:00Z" };
    const page = renderDocuments(view([doc(trashed), doc({ ...trashed, id: "d2", ownerId: "usr-leroy", canEdit: true })]), [], TRASH, "fr", a);
    const buttons = page.querySelectorAll("button.purge");
    expect(buttons.length).toBe(1);
    const purge = buttons[0] as HTMLButtonElement;
    expect(purge.textContent).toBe("Supprimer définitivement");
    purge.click();
    expect(a.purge).not.toHaveBeenCalled();
    expect(purge.textContent).toBe("Confirmer la suppression définitive");
    purge.click(); // the second half of a double-click
    expect(a.purge).not.toHaveBeenCalled();
    vi.setSystemTime(new Date("2026-11-30T08:00:01Z"));
    purge.click();
    expect(a.purge).toHaveBeenCalledWith(expect.objectContaining({ id: "d1" }));
    vi.useRealTimers();
  });

  it("a folder under a pin says so, and a read-only document cannot be trashed", () => {
    const page = renderDocuments(view([doc({ canEdit: false, ownerId: "usr-leroy" })], ["/Cours"]), [], "/Cours/Maths", "fr", actions());
    expect(page.querySelector("button.pin-folder")?.textContent).toBe("Ne plus garder ce dossier hors ligne");
    expect(page.querySelector("button.trash")).toBeNull();
  });

  it("the trash lists trashed documents with Restore", () => {
    const a = actions();
    const page = renderDocuments(view([doc({ trashedAt: "2026-11-20T10:00:00Z" }), doc({ id: "d2" })]), [], TRASH, "fr", a);
    const rows = page.querySelectorAll("tr.doc-row");
    expect(rows.length).toBe(1);
    (rows[0].querySelector("button.restore") as HTMLButtonElement).click();
    expect(a.trash).toHaveBeenCalledWith(expect.objectContaining({ id: "d1" }), false);
  });

  it("shows transfers with progress, live progress and refusals", () => {
    const up: TransferView = { id: 1, direction: "up" as const, hash: "h", size: 4 * 1024 * 1024, doneBytes: 1024 * 1024, state: "queued", error: null, path: "/Cours/gros.bin" };
    const refused: TransferView = { id: 2, direction: "up" as const, hash: "k", size: 10, doneBytes: 0, state: "failed", error: "Espace documentaire plein", path: "/x" };
    const done: TransferView = { ...up, id: 3, state: "done" };
    const retry = vi.fn();
    const box = renderTransfers([up, refused, done], { phase: "upload" as const, done: 2 * 1024 * 1024, total: 4 * 1024 * 1024 }, "fr", retry);
    const items = box.querySelectorAll("li");
    expect(items.length).toBe(2);
    expect(items[0].querySelector("progress")?.getAttribute("value")).toBe(String(2 * 1024 * 1024));
    expect(items[0].textContent).toContain("Envoi — /Cours/gros.bin");
    expect(items[1].textContent).toContain("refusé : Espace documentaire plein");
    (box.querySelector("button.retry") as HTMLButtonElement).click();
    expect(retry).toHaveBeenCalled();
    expect(renderTransfers([done], null, "fr", retry).hidden).toBe(true);
  });

  it("offers to sync a folder of the computer, then shows it with Change and Stop", () => {
    const a = actions();
    const before = renderDocuments(view([doc({})]), [], "/", "fr", a);
    (before.querySelector("button.choose-mirror") as HTMLButtonElement).click();
    expect(a.chooseMirror).toHaveBeenCalled();
    const after = renderDocuments(view([doc({})], [], "/home/claire/ENT"), [], "/", "fr", a);
    expect(after.querySelector(".mirror-line")?.textContent).toContain("Dossier synchronisé : /home/claire/ENT");
    (after.querySelector("button.stop-mirror") as HTMLButtonElement).click();
    expect(a.stopMirror).toHaveBeenCalled();
  });

  it("sizes read as people write them", () => {
    expect(formatSize(81, "fr")).toBe("81 o");
    expect(formatSize(1536, "fr")).toBe("1,5 ko");
    expect(formatSize(1024 * 1024 * 1024, "en")).toBe("1 GB");
  });
});
