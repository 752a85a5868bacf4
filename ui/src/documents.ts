// The Documents view: folders on the left, the folder's documents on the right (open, keep
// offline, versions, trash), the transfer queue below. Pure functions of their data; the
// actions are callbacks, so it is tested without the shell.
import type { DocEntry, DocumentsView, SyncProgress, TransferView } from "./api";
import { formatDateTime, formatSize, t, type Lang } from "./i18n";
import { el } from "./view";

export interface DocumentActions {
  openFolder: (folder: string) => void;
  open: (doc: DocEntry, hash: string | null) => void;
  pin: (path: string, pinned: boolean) => void;
  trash: (doc: DocEntry, trashed: boolean) => void;
  /** Delete a document of the trash for good (its owner): frees its space. */
  purge: (doc: DocEntry) => void;
  add: (folder: string) => void;
  retry: () => void;
  /** Choose (or change) the folder of this computer kept in step; stop keeping it. */
  chooseMirror: () => void;
  stopMirror: () => void;
}

/** The trash, as a pseudo-folder. */
export const TRASH = "#corbeille";

/** Every folder holding live documents, and the folders above them, sorted ("/" first). */
export function foldersOf(docs: DocEntry[]): string[] {
  const all = new Set<string>(["/"]);
  for (const d of docs) {
    if (d.trashedAt) continue;
    const parts = d.folder.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) all.add(`/${parts.slice(0, i).join("/")}`);
  }
  return [...all].sort((a, b) => a.localeCompare(b, "fr"));
}

function depth(folder: string): number {
  return folder === "/" ? 0 : folder.split("/").length - 1;
}

function folderLabel(folder: string): string {
  return folder === "/" ? "/" : folder.slice(folder.lastIndexOf("/") + 1);
}

/** Whether `path` is `pin` or below it. */
function under(path: string, pin: string): boolean {
  return pin === "/" || path === pin || path.startsWith(`${pin}/`);
}

export function renderDocuments(
  view: DocumentsView,
  transfers: TransferView[],
  folder: string,
  lang: Lang,
  actions: DocumentActions,
): HTMLElement {
  const { documents: docs, pins, me } = view;
  const m = t(lang);
  const root = el("section", { class: "documents" });

  const tree = el("nav", { class: "folders", "aria-label": m.folders });
  for (const f of [...foldersOf(docs), TRASH]) {
    const b = el("button", { type: "button", class: "folder", "data-folder": f }, f === TRASH ? m.trash : folderLabel(f));
    b.style.paddingLeft = `${0.5 + depth(f === TRASH ? "/" : f) * 1}em`;
    if (f === folder) b.setAttribute("aria-current", "true");
    b.onclick = () => actions.openFolder(f);
    tree.append(b);
  }

  const panel = el("div", { class: "folder-view" });
  const inTrash = folder === TRASH;
  const shown = docs.filter((d) => (inTrash ? d.trashedAt !== null : d.trashedAt === null && d.folder === folder));
  // Where we are, as a path of folders to click back up.
  const heading = el("h2", { class: "breadcrumb" });
  if (inTrash) heading.append(m.trash);
  else {
    const parts = folder.split("/").filter(Boolean);
    const crumb = (label: string, to: string, last: boolean) => {
      if (last) return el("span", { "aria-current": "location" }, label);
      const b = el("button", { type: "button", class: "crumb", "data-folder": to }, label);
      b.onclick = () => actions.openFolder(to);
      return b;
    };
    heading.append(crumb(m.myDocuments, "/", parts.length === 0));
    parts.forEach((p, i) => heading.append(el("span", { class: "sep", "aria-hidden": "true" }, " › "), crumb(p, `/${parts.slice(0, i + 1).join("/")}`, i === parts.length - 1)));
  }
  const tools = el("div", { class: "folder-tools" });
  if (!inTrash) {
    const add = el("button", { type: "button", class: "add-files" }, m.addFiles);
    add.onclick = () => actions.add(folder);
    const pinned = pins.some((p) => under(folder, p));
    const pinFolder = el("button", { type: "button", class: "pin-folder", "aria-pressed": String(pinned) }, pinned ? m.unpinFolder : m.pinFolder);
    pinFolder.onclick = () => actions.pin(folder, !pinned);
    tools.append(add, pinFolder);
  }
  panel.append(heading, tools);
  panel.append(mirrorLine(view.mirrorDir, lang, actions));

  if (shown.length === 0) {
    panel.append(el("p", { class: "empty" }, m.emptyFolder));
  } else {
    const table = el("table", { class: "doc-table" });
    table.append(
      el("thead", {}, el("tr", {}, el("th", {}, m.docName), el("th", {}, m.docSize), el("th", {}, m.docModified), el("th", {}, m.docOwner), el("th", {}, el("span", { class: "visually-hidden" }, m.colActions)))),
    );
    const body = el("tbody");
    for (const d of shown) body.append(...documentRows(d, me, lang, actions));
    table.append(body);
    panel.append(table);
  }
  panel.append(renderTransfers(transfers, null, lang, actions.retry));
  root.append(tree, panel);
  return root;
}

function documentRows(d: DocEntry, me: string, lang: Lang, actions: DocumentActions): HTMLElement[] {
  const m = t(lang);
  const name = el("td", { class: "doc-name" }, d.name);
  if (d.conflictOf) name.append(" ", el("span", { class: "tag conflict-copy" }, m.conflictCopy));
  if (d.pinned && d.cached) name.append(" ", el("span", { class: "tag offline" }, m.offlineBadge));
  if (d.pendingUpload) name.append(" ", el("span", { class: "tag pending" }, m.uploadPending));
  const last = d.versions[d.versions.length - 1];
  const owner = d.ownerId === me ? m.you : d.ownerName;
  const row = el(
    "tr",
    { class: "doc-row", "data-id": d.id },
    name,
    el("td", {}, formatSize(d.size, lang)),
    el("td", {}, last ? formatDateTime(last.createdAt, lang) : ""),
    el("td", {}, owner),
  );
  const cell = el("td", { class: "doc-actions" });
  const open = el("button", { type: "button", class: "open" }, m.open);
  open.onclick = () => actions.open(d, null);
  cell.append(open);
  if (d.trashedAt) {
    if (d.canEdit) {
      const restore = el("button", { type: "button", class: "restore" }, m.restore);
      restore.onclick = () => actions.trash(d, false);
      cell.append(restore);
    }
    if (d.ownerId === me) {
      // For good: a second click confirms — not the second half of a double-click (under
      // half a second), nor a click long after (over ten seconds: it asks again).
      const purge = el("button", { type: "button", class: "purge" }, m.purge);
      purge.onclick = () => {
        const armedAt = Number(purge.dataset.armedAt ?? 0);
        const since = Date.now() - armedAt;
        if (armedAt > 0 && since >= 500 && since <= 10_000) {
          actions.purge(d);
        } else if (armedAt === 0 || since > 10_000) {
          purge.dataset.armedAt = String(Date.now());
          purge.textContent = m.purgeConfirm;
        }
      };
      cell.append(purge);
    }
    row.append(cell);
    return [row];
  }
  const pin = el("button", { type: "button", class: "pin", "aria-pressed": String(d.pinned) }, d.pinned ? m.unpin : m.pin);
  pin.onclick = () => actions.pin(d.path, !d.pinned);
  const versions = el("button", { type: "button", class: "versions", "aria-expanded": "false" }, m.versions(d.versions.length));
  cell.append(pin, versions);
  if (d.canEdit) {
    const trash = el("button", { type: "button", class: "trash" }, m.toTrash);
    trash.onclick = () => actions.trash(d, true);
    cell.append(trash);
  }
  row.append(cell);
  const list = el("tr", { class: "version-list", hidden: "" });
  const items = el("ol", { reversed: "" });
  d.versions
    .slice()
    .reverse()
    .forEach((v, i) => {
      const b = el("button", { type: "button", class: "open-version" }, m.open);
      b.onclick = () => actions.open(d, v.hash);
      items.append(el("li", {}, `${m.version(d.versions.length - i)} — ${formatDateTime(v.createdAt, lang)} — ${formatSize(v.size, lang)} `, b));
    });
  list.append(el("td", { colspan: "5" }, items));
  versions.onclick = () => {
    const open = list.hasAttribute("hidden");
    list.toggleAttribute("hidden", !open);
    versions.setAttribute("aria-expanded", String(open));
  };
  return [row, list];
}

/** "Dossier synchronisé : …" with Change / Stop, or the button to choose one. */
function mirrorLine(dir: string | null, lang: Lang, actions: DocumentActions): HTMLElement {
  const m = t(lang);
  const line = el("p", { class: "mirror-line" });
  if (dir) {
    const change = el("button", { type: "button", class: "choose-mirror" }, m.changeMirror);
    change.onclick = actions.chooseMirror;
    const stop = el("button", { type: "button", class: "stop-mirror" }, m.stopMirror);
    stop.onclick = actions.stopMirror;
    line.append(`${m.mirrorDir} : `, el("code", {}, dir), " ", change, " ", stop);
  } else {
    const choose = el("button", { type: "button", class: "choose-mirror" }, m.chooseMirror);
    choose.onclick = actions.chooseMirror;
    line.append(choose);
  }
  return line;
}

/** The transfer queue: what is going up or down, how far, and what was refused. */
export function renderTransfers(
  transfers: TransferView[],
  live: SyncProgress | null,
  lang: Lang,
  retry: () => void,
): HTMLElement {
  const m = t(lang);
  const open = transfers.filter((x) => x.state !== "done");
  const box = el("section", { class: "transfers", "aria-label": m.transfers });
  if (open.length === 0) {
    box.hidden = true;
    return box;
  }
  box.append(el("h3", {}, m.transfers));
  const list = el("ul");
  for (const x of open) {
    const running = live && (live.phase === "upload") === (x.direction === "up") && live.total === x.size;
    const done = running ? live.done : x.doneBytes;
    const what = `${x.direction === "up" ? m.upload : m.download} — ${x.path ?? x.hash.slice(0, 12)}`;
    const item = el("li", { class: `transfer ${x.state}`, "data-id": String(x.id) }, what, " ");
    if (x.state === "failed") {
      item.append(el("span", { class: "tag refused" }, `${m.transferFailed} : ${x.error ?? ""}`));
    } else {
      const bar = el("progress", { max: String(Math.max(x.size, 1)), value: String(done) });
      bar.setAttribute("aria-label", `${what} : ${formatSize(done, lang)} / ${formatSize(x.size, lang)}`);
      item.append(bar, ` ${formatSize(done, lang)} / ${formatSize(x.size, lang)}`);
    }
    list.append(item);
  }
  box.append(list);
  if (open.some((x) => x.state === "failed" || x.error)) {
    const b = el("button", { type: "button", class: "retry" }, m.retry);
    b.onclick = retry;
    box.append(b);
  }
  return box;
}
